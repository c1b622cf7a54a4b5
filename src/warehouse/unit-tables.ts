import type { TelemetryChecksum } from '../model/stage-results.js';
import type { Unit } from '../model/unit.js';
import { queryRows, type Warehouse } from './warehouse-client.js';

/**
 * Where ClickHouse finds a unit's silver Parquet (pull), or how to read it to send it through the
 * client (push): a server takes a stream, chDB the whole bytes (see insertUnitParquet).
 */
export type ParquetSource =
  | { kind: 'file'; path: string }
  | { kind: 's3'; url: string; accessKeyId: string; secretAccessKey: string }
  | { kind: 'push'; stream: () => Promise<NodeJS.ReadableStream>; bytes: () => Promise<Buffer> };

const TELEMETRY_COLUMNS = 'session_key, meeting_key, driver_number, date, speed, rpm, n_gear, throttle, brake, drs';
const PARQUET_STRUCTURE =
  "session_key UInt32, meeting_key UInt32, driver_number UInt8, date DateTime64(6, 'UTC'), speed UInt16, rpm UInt16, n_gear UInt8, throttle UInt8, brake UInt8, drs UInt8";

const UNIT_WHERE = 'session_key = {session:UInt32} AND driver_number = {driver:UInt8} AND filter_key = {filterKey:String}';

function unitParams(unit: Unit): Record<string, unknown> {
  return { session: unit.sessionKey, driver: unit.driverNumber, filterKey: unit.filterKey };
}

/** Count and content checksum of a unit's rows in car_data (sums as strings: they pass 2^53). */
export async function unitChecksum(wh: Warehouse, unit: Unit): Promise<TelemetryChecksum> {
  const [row] = await queryRows<{ rows: string; sumSpeed: string; sumRpm: string; sumDateMicros: string }>(
    wh,
    `SELECT toString(count()) AS rows, toString(sum(speed)) AS sumSpeed, toString(sum(rpm)) AS sumRpm,
            toString(sum(toInt128(toUnixTimestamp64Micro(date)))) AS sumDateMicros
     FROM ${wh.database}.car_data WHERE ${UNIT_WHERE}`,
    unitParams(unit),
  );
  return { rows: Number(row.rows), sumSpeed: row.sumSpeed, sumRpm: row.sumRpm, sumDateMicros: row.sumDateMicros };
}

/**
 * Removes a unit's telemetry and its gold row (the insert that usually follows writes a new one;
 * a unit that came back empty must not keep describing its old rows). Synchronous, so the
 * re-insert never overlaps the old rows.
 */
export async function deleteUnitRows(wh: Warehouse, unit: Unit): Promise<void> {
  for (const table of ['car_data', 'driver_session_stats']) {
    await wh.client.command({
      query: `ALTER TABLE ${wh.database}.${table} DELETE WHERE ${UNIT_WHERE}`,
      query_params: unitParams(unit),
      clickhouse_settings: { mutations_sync: '2' },
    });
  }
}

/**
 * Inserts a unit as ONE block (one part, so it is all-or-nothing) under a deduplication token:
 * if an attempt dies after ClickHouse committed but before the activity completed, the retry's
 * identical insert is dropped by the engine instead of doubling the unit.
 */
export async function insertUnitParquet(wh: Warehouse, unit: Unit, source: ParquetSource, dedupToken: string): Promise<void> {
  const settings = {
    insert_deduplicate: 1,
    insert_deduplication_token: dedupToken,
    max_insert_block_size: '100000000',
    min_insert_block_size_rows: '100000000',
    min_insert_block_size_bytes: '4294967296',
    max_insert_threads: '1',
  } as const;
  const params = { ...unitParams(unit) };
  const target = `INSERT INTO ${wh.database}.car_data (${TELEMETRY_COLUMNS}, filter_key) SELECT ${TELEMETRY_COLUMNS}, {filterKey:String}`;
  if (source.kind === 'push' && wh.mode === 'embedded') {
    // chDB's client connection carries insert bodies as UTF-8 text, which corrupts binary Parquet,
    // so the bytes travel as a base64 query parameter decoded by format() inside the engine.
    await wh.client.command({
      query: `${target} FROM format(Parquet, {structure:String}, base64Decode({parquet:String}))`,
      query_params: { ...params, structure: PARQUET_STRUCTURE, parquet: (await source.bytes()).toString('base64') },
      clickhouse_settings: settings,
    });
    return;
  }
  if (source.kind === 'push') {
    await wh.client.exec({
      query: `${target} FROM input({structure:String}) FORMAT Parquet`,
      query_params: { ...params, structure: PARQUET_STRUCTURE },
      values: (await source.stream()) as never,
      clickhouse_settings: settings,
    });
    return;
  }
  const from =
    source.kind === 'file'
      ? `file({path:String}, 'Parquet', {structure:String})`
      : `s3({url:String}, {accessKeyId:String}, {secretAccessKey:String}, 'Parquet', {structure:String})`;
  await wh.client.command({
    query: `${target} FROM ${from}`,
    query_params: { ...params, ...source, structure: PARQUET_STRUCTURE },
    // The engine's default S3 retries back off for minutes on an unreachable endpoint (a wrong
    // CLICKHOUSE_S3_ENDPOINT looked like a hang); a few quick ones, then Temporal's retry policy.
    clickhouse_settings: source.kind === 's3' ? { ...settings, s3_retry_attempts: '5' } : settings,
  });
}

/**
 * Gold: per (session, driver, filter set) stats of the rows `source` yields. The materialized view
 * (migrations.ts) runs it on each insert into car_data, i.e. on one whole unit, since a unit is
 * inserted as one block; refreshDriverSessionStats runs it on a unit's stored rows.
 */
export function driverSessionStatsSelect(source: string): string {
  return `SELECT session_key, meeting_key, driver_number, filter_key, samples, max_speed, avg_speed, full_throttle_share,
             arraySum(arrayMap((b, prev) -> (b > 0 AND prev = 0), brakes, arrayPushFront(arrayPopBack(brakes), 0))) AS braking_events,
             drs_share, first_sample, last_sample
      FROM (
        SELECT session_key, any(meeting_key) AS meeting_key, driver_number, filter_key, count() AS samples,
               max(speed) AS max_speed, avg(speed) AS avg_speed, countIf(throttle >= 99) / count() AS full_throttle_share,
               countIf(drs >= 10) / count() AS drs_share, min(date) AS first_sample, max(date) AS last_sample,
               arrayMap(t -> t.2, arraySort(groupArray((date, brake)))) AS brakes
        FROM ${source}
        GROUP BY session_key, driver_number, filter_key
      )`;
}

const DRIVER_SESSION_STATS_COLUMNS =
  'session_key, meeting_key, driver_number, filter_key, samples, max_speed, avg_speed, full_throttle_share, braking_events, drs_share, first_sample, last_sample';

/**
 * Recomputes a unit's gold row from its stored rows (ReplacingMergeTree keeps the newest). Loads
 * need it only when they find the unit already present: the view wrote gold with the insert, but
 * a crash between the engine's two parts could have left car_data without its gold row.
 */
export async function refreshDriverSessionStats(wh: Warehouse, unit: Unit): Promise<void> {
  await wh.client.command({
    query: `INSERT INTO ${wh.database}.driver_session_stats (${DRIVER_SESSION_STATS_COLUMNS})
      ${driverSessionStatsSelect(`${wh.database}.car_data WHERE ${UNIT_WHERE}`)}`,
    query_params: unitParams(unit),
  });
}
