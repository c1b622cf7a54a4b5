/**
 * Runs in its own process after a benchmark run's worker has stopped (chDB binds one directory
 * per process, and every run has its own): reads the run's unit records from ingest_log and
 * measures the baseline, chDB loading the same bronze NDJSON straight into an identical table.
 * Input: one JSON argument (ProbeInput); output: one JSON line (ProbeResult) on stdout.
 */
import { z } from 'zod';
import { openWarehouse, queryRows } from '../src/warehouse/warehouse-client.js';

const ProbeInputSchema = z.object({
  chdbPath: z.string(),
  database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  /** s3() glob of the run's bronze parts, with the keys to read them. */
  bronze: z.object({ url: z.string().url(), accessKeyId: z.string(), secretAccessKey: z.string() }),
});
export type ProbeInput = z.infer<typeof ProbeInputSchema>;

export interface ProbeResult {
  units: number;
  rowsLoaded: number;
  /** Rows of car_data (must equal rowsLoaded: exactly once). */
  rowsInCarData: number;
  /** Sum over units of each stage's activity time (ms): rows / (ms/1000) is a stage's rate per activity slot. */
  stageMs: { fetch: number; convert: number; load: number };
  apiRequests: number;
  baseline: { rows: number; ms: number };
}

const BRONZE_STRUCTURE =
  "session_key UInt32, meeting_key UInt32, driver_number UInt8, date DateTime64(6, 'UTC'), speed UInt16, rpm UInt16, n_gear UInt8, throttle UInt8, brake UInt8, drs UInt8";
const COLUMNS = 'session_key, meeting_key, driver_number, date, speed, rpm, n_gear, throttle, brake, drs';

const input = ProbeInputSchema.parse(JSON.parse(process.argv[2] ?? ''));
const wh = openWarehouse({ mode: 'embedded', path: input.chdbPath, database: input.database });
try {
  const db = input.database;
  const [log] = await queryRows<{ units: string; rows: string; fetch: string; convert: string; load: string; requests: string }>(
    wh,
    `SELECT toString(count()) AS units, toString(sum(warehouse_rows)) AS rows, toString(sum(fetch_ms)) AS fetch,
            toString(sum(convert_ms)) AS convert, toString(sum(load_ms)) AS load, toString(sum(api_requests)) AS requests
     FROM ${db}.ingest_log WHERE status = 'ok'`,
  );
  const [carData] = await queryRows<{ rows: string }>(wh, `SELECT toString(count()) AS rows FROM ${db}.car_data`);

  // The baseline: same table definition, same bronze bytes, the engine's own parallel JSON reader.
  await wh.client.command({ query: `CREATE TABLE ${db}.car_data_baseline AS ${db}.car_data` });
  const started = process.hrtime.bigint();
  await wh.client.command({
    query: `INSERT INTO ${db}.car_data_baseline (${COLUMNS})
            SELECT ${COLUMNS} FROM s3({url:String}, {key:String}, {secret:String}, 'JSONEachRow', {structure:String})`,
    query_params: { url: input.bronze.url, key: input.bronze.accessKeyId, secret: input.bronze.secretAccessKey, structure: BRONZE_STRUCTURE },
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const [baseline] = await queryRows<{ rows: string }>(wh, `SELECT toString(count()) AS rows FROM ${db}.car_data_baseline`);

  const result: ProbeResult = {
    units: Number(log.units),
    rowsLoaded: Number(log.rows),
    rowsInCarData: Number(carData.rows),
    stageMs: { fetch: Number(log.fetch), convert: Number(log.convert), load: Number(log.load) },
    apiRequests: Number(log.requests),
    baseline: { rows: Number(baseline.rows), ms },
  };
  console.log(JSON.stringify(result));
} finally {
  await wh.close();
}
