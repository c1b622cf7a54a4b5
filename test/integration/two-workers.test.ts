import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BackfillInput } from '../../src/model/backfill-input.js';
import { processMetrics } from '../../src/observability/metrics-registry.js';
import { queryRows } from '../../src/warehouse/warehouse-client.js';
import type { SeasonOutcome } from '../../src/workflows/season-backfill.js';
import { startRealStack, type RealStack } from '../helpers/pipeline-harness.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SESSIONS = [7768, 7953];
const DRIVERS = [1, 11, 14, 16, 44, 55];
const INPUT: BackfillInput = { season: 2023, rounds: [1], sessionNames: ['Qualifying', 'Race'], drivers: DRIVERS, filters: { speedGte: 100 }, maxConcurrentUnits: 8 };
// Two activity slots per queue and process: eight units in flight cannot all fit in one process.
const SLOTS = '2';

function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

/**
 * Scaling out on the embedded stack: chDB binds its directory to one process, so this process
 * serves every queue (and owns chDB) and a second `f1-ingest worker` process serves only the
 * workflow and fetch queues. Both poll the same queues; Temporal splits the backfill between them.
 */
describe('two worker processes split one backfill', { timeout: 600_000 }, () => {
  let s: RealStack;
  let outcome: SeasonOutcome;
  let secondMetrics = '';
  let secondStderr = '';

  before(async () => {
    s = await startRealStack({ staging: 'minio', database: 'it_two_workers', env: { WORKER_MAX_CONCURRENT_ACTIVITIES: SLOTS } });
    const { config, minio } = s.stack;
    assert.ok(minio);
    const second = spawn(process.execPath, ['bin/f1-ingest.js', 'worker'], {
      cwd: REPO,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: config.temporal.address,
        TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
        OPENF1_BASE_URL: s.stack.emulator.url,
        OPENF1_RATE_LIMIT: 'off',
        OPENF1_GLOBAL_RATE_LIMIT: 'off',
        STAGING_URL: config.staging.url,
        S3_ENDPOINT: minio.endpoint,
        S3_ACCESS_KEY_ID: minio.accessKey,
        S3_SECRET_ACCESS_KEY: minio.secretKey,
        WORKER_ROLES: 'workflows,fetch',
        WORKER_MAX_CONCURRENT_ACTIVITIES: SLOTS,
        METRICS_ADDRESS: '127.0.0.1:0',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'INFO',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    second.stderr.on('data', (d: Buffer) => (secondStderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => second.once('exit', resolve));
    try {
      const metricsUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`second worker did not start:\n${secondStderr.slice(-2000)}`)), 180_000);
        const poll = setInterval(() => {
          const m = /"message":"Serving Prometheus metrics".*?"url":"([^"]+)"/.exec(secondStderr);
          const pollingFetch = secondStderr.includes(`"taskQueue":"${config.temporal.taskQueue}-fetch"`) && secondStderr.includes('"state":"RUNNING"');
          if (m && pollingFetch) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(m[1]);
          }
        }, 200);
      });
      outcome = (await s.client.workflow.execute('seasonBackfill', { taskQueue: config.temporal.taskQueue, workflowId: 'it/two-workers', args: [INPUT] })) as SeasonOutcome;
      secondMetrics = await (await fetch(metricsUrl)).text();
    } finally {
      second.kill('SIGTERM');
      assert.equal(await exited, 0, `second worker exit code; stderr tail:\n${secondStderr.slice(-2000)}`);
    }
  });
  after(async () => s?.stop());

  test('both processes fetched and converted units; only the chDB owner loaded', async () => {
    const thisMetrics = await processMetrics().registry.metrics();
    const count = (text: string, activity: string) => sample(text, 'f1_ingest_activity_duration_seconds_count', { activity, outcome: 'success' });
    const units = SESSIONS.length * DRIVERS.length;
    assert.equal(outcome.unitsLoaded, units);
    const [a, b] = [count(thisMetrics, 'stageUnit'), count(secondMetrics, 'stageUnit')];
    assert.ok(a > 0 && b > 0, `stageUnit ran in both processes (this: ${a}, second: ${b})`);
    assert.equal(a + b, units, 'stageUnit ran once per unit over both processes');
    assert.equal(count(thisMetrics, 'loadWarehouse'), units);
    assert.equal(count(secondMetrics, 'loadWarehouse'), 0, 'the second process serves no warehouse queue');
  });

  test('the result is exact: every unit holds the emulator rows, once', async () => {
    const wh = s.warehouse;
    let total = 0;
    for (const session of SESSIONS) {
      for (const driver of DRIVERS) {
        const res = await fetch(`${s.stack.emulator.url}/car_data?session_key=${session}&driver_number=${driver}&speed>=100`);
        const expected = ((await res.json()) as Array<{ date: string; speed: number }>).length;
        const [row] = await queryRows<{ rows: number; distinct: number }>(
          wh,
          `SELECT toUInt32(count()) AS rows, toUInt32(uniqExact(date)) AS distinct FROM ${wh.database}.car_data
           WHERE session_key = {s:UInt32} AND driver_number = {d:UInt8}`,
          { s: session, d: driver },
        );
        assert.deepEqual(row, { rows: expected, distinct: expected }, `unit ${session}/${driver}`);
        total += expected;
      }
    }
    assert.equal(outcome.rowsLoaded, total);
  });
});
