import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { BronzeResult, LoadResult, SilverResult, TelemetryChecksum } from '../model/stage-results.js';
import { unitId, type Unit } from '../model/unit.js';
import type { Warehouse } from '../warehouse/warehouse-client.js';

export function sameChecksum(a: TelemetryChecksum, b: TelemetryChecksum): boolean {
  return a.rows === b.rows && a.sumSpeed === b.sumSpeed && a.sumRpm === b.sumRpm && a.sumDateMicros === b.sumDateMicros;
}

/**
 * Reconcile, the load's last step: bronze rows = silver rows = ClickHouse rows, and silver's content
 * checksum = ClickHouse's (read by the load after it wrote), logged as one ingest_log row; a
 * mismatch fails the unit loudly (non-retryable ReconcileMismatch).
 */
export async function reconcileUnit(
  warehouse: Warehouse,
  unit: Unit,
  stages: { bronze: BronzeResult; silver: SilverResult; load: LoadResult; inWarehouse: TelemetryChecksum },
): Promise<void> {
  const { bronze, silver, load, inWarehouse } = stages;
  const execution = Context.current().info.workflowExecution;
  const ok = bronze.rows === silver.rows && sameChecksum(inWarehouse, silver.checksum);
  await warehouse.client.insert({
    table: `${warehouse.database}.ingest_log`,
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
}
