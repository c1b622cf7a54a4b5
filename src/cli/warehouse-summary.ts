import { queryRows, type Warehouse } from '../warehouse/warehouse-client.js';

export interface SessionSummary {
  session_key: number;
  session_name: string;
  drivers: number;
  rows: number;
  top_speed: number;
}

/** What landed, per session: the figures `dev` prints when a backfill completes. */
export async function summarizeWarehouse(wh: Warehouse, sessionKeys?: number[]): Promise<SessionSummary[]> {
  return queryRows<SessionSummary>(
    wh,
    `SELECT c.session_key AS session_key, any(s.session_name) AS session_name, toUInt32(uniqExact(c.driver_number)) AS drivers,
            toUInt32(count()) AS rows, max(c.speed) AS top_speed
     FROM ${wh.database}.car_data AS c
     LEFT JOIN (SELECT session_key, argMax(session_name, ingested_at) AS session_name FROM ${wh.database}.sessions GROUP BY session_key) AS s
       ON s.session_key = c.session_key
     WHERE {all:Bool} OR c.session_key IN {keys:Array(UInt32)}
     GROUP BY c.session_key ORDER BY c.session_key`,
    { all: !sessionKeys, keys: sessionKeys ?? [] },
  );
}
