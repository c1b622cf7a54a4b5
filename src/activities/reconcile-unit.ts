import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { BronzeResult, LoadResult, SilverResult } from '../model/stage-results.js';
import { unitId, type Unit } from '../model/unit.js';
import { unitChecksum } from '../warehouse/unit-tables.js';
import type { Warehouse } from '../warehouse/warehouse-client.js';
import { keepAlive } from './keep-alive.js';
import { sameChecksum } from './load-warehouse.js';

export function createReconcileActivity(deps: { warehouse: Warehouse }) {
  /** Reconcile: bronze rows = silver rows = ClickHouse rows (and content checksums), logged to ingest_log; a mismatch fails the unit loudly. */
  return async function reconcileUnit(unit: Unit, bronze: BronzeResult, silver: SilverResult, load: LoadResult): Promise<{ rows: number }> {
    const execution = Context.current().info.workflowExecution;
    const inWarehouse = await keepAlive(unitChecksum(deps.warehouse, unit));
    const ok = bronze.rows === silver.rows && sameChecksum(inWarehouse, silver.checksum);
    await deps.warehouse.client.insert({
      table: `${deps.warehouse.database}.ingest_log`,
      format: 'JSONEachRow',
      values: [
        {
          unit_id: unitId(unit),
          season: unit.season,
          meeting_key: unit.meetingKey,
          session_key: unit.sessionKey,
          driver_number: unit.driverNumber,
          filter_key: unit.filterKey,
          status: ok ? 'ok' : 'mismatch',
          bronze_rows: bronze.rows,
          silver_rows: silver.rows,
          warehouse_rows: inWarehouse.rows,
          bronze_sha256: bronze.sha256,
          api_requests: bronze.apiRequests,
          staged_bytes: bronze.bytes,
          fetch_ms: bronze.durationMs,
          convert_ms: silver.durationMs,
          load_ms: load.durationMs,
          workflow_id: execution?.workflowId ?? '',
          run_id: execution?.runId ?? '',
        },
      ],
    });
    if (!ok) {
      throw ApplicationFailure.nonRetryable(
        `unit ${unitId(unit)} does not reconcile: bronze ${bronze.rows} rows, silver ${silver.rows} rows, ClickHouse ${inWarehouse.rows} rows ` +
          `(silver checksum ${JSON.stringify(silver.checksum)}, ClickHouse ${JSON.stringify(inWarehouse)})`,
        'ReconcileMismatch',
      );
    }
    return { rows: inWarehouse.rows };
  };
}
