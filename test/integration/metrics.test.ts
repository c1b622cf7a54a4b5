import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BackfillInput } from '../../src/model/backfill-input.js';
import { queryRows } from '../../src/warehouse/warehouse-client.js';
import type { SeasonOutcome } from '../../src/workflows/season-backfill.js';
import { startRealStack, type RealStack } from '../helpers/pipeline-harness.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
// 2023 round 1 Race, one driver: one unit.
const INPUT: BackfillInput = { season: 2023, rounds: [1], sessionNames: ['Race'], drivers: [1], filters: { speedGte: 100 } };

/** Sum of the samples of `name` whose labels include `labels`, from Prometheus text; NaN if none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = NaN;
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[3]);
  }
  return sum;
}

async function scrape(url: string | undefined): Promise<string> {
  assert.ok(url, 'metrics endpoint enabled');
  const res = await fetch(url);
  assert.equal(res.status, 200);
  return res.text();
}

describe('worker metrics and logs on the real stack', { timeout: 600_000 }, () => {
  let s: RealStack;
  let outcome: SeasonOutcome;
  before(async () => {
    s = await startRealStack({ staging: 'file', database: 'it_metrics' });
    outcome = (await s.client.workflow.execute('seasonBackfill', {
      taskQueue: s.stack.config.temporal.taskQueue,
      workflowId: 'it/metrics/backfill',
      args: [INPUT],
    })) as SeasonOutcome;
  });
  after(async () => s?.stop());

  test('/metrics: our counters match ClickHouse, and Temporal core series are there', async () => {
    assert.equal(outcome.unitsLoaded, 1);
    const wh = s.warehouse;
    const [{ n }] = await queryRows<{ n: number }>(
      wh,
      `SELECT toUInt32(count()) AS n FROM ${wh.database}.car_data WHERE session_key = 7953 AND driver_number = 1 AND filter_key = 'speed>=100'`,
    );
    assert.ok(n > 1000, `${n} rows in ClickHouse`);
    assert.equal(outcome.rowsLoaded, n);

    const text = await scrape(s.runtime.observability.metricsUrl);
    assert.equal(sample(text, 'f1_ingest_rows_loaded_total'), n);
    assert.equal(sample(text, 'f1_ingest_rows_fetched_total'), n);
    assert.equal(sample(text, 'f1_ingest_warehouse_loads_total', { action: 'inserted' }), 1);
    assert.ok(sample(text, 'f1_ingest_bytes_staged_total', { layer: 'bronze' }) > n * 100, 'bronze NDJSON is >100 bytes a row');
    assert.ok(sample(text, 'f1_ingest_bytes_staged_total', { layer: 'silver' }) > 0);
    // The unit is one car_data request; planning lists meetings, sessions and drivers.
    assert.equal(sample(text, 'f1_ingest_api_requests_total', { endpoint: 'car_data', status_class: '2xx' }), 1);
    for (const endpoint of ['meetings', 'sessions', 'drivers']) assert.ok(sample(text, 'f1_ingest_api_requests_total', { endpoint, status_class: '2xx' }) >= 1, endpoint);
    for (const activity of ['planSeason', 'planRound', 'stageUnit', 'loadWarehouse']) {
      assert.equal(sample(text, 'f1_ingest_activity_duration_seconds_count', { activity, outcome: 'success' }), 1, activity);
    }
    assert.ok(Number.isNaN(sample(text, 'f1_ingest_activity_failures_total')), 'no failures');

    // Core's exporter, scraped through the same endpoint.
    const coreSeries = text.split('\n').filter((l) => l.startsWith('temporal_') && Number(l.split(' ').at(-1)) > 0);
    assert.ok(coreSeries.length > 0, 'nonzero temporal_ series');
    assert.ok(sample(text, 'temporal_workflow_completed', { workflow_type: 'driverSessionIngest' }) >= 1, 'core counted the unit workflow');
    assert.ok(sample(text, 'temporal_activity_execution_latency_count', { activity_type: 'stageUnit' }) >= 1, 'core timed stageUnit');
  });

  test('`f1-ingest worker`: JSON logs with workflow and run IDs, its own /metrics, and no secret in any output', async () => {
    const secrets = { OPENF1_PASSWORD: `of1-${randomBytes(6).toString('hex')}`, S3_SECRET_ACCESS_KEY: `s3-${randomBytes(6).toString('hex')}`, CLICKHOUSE_PASSWORD: `ch-${randomBytes(6).toString('hex')}` };
    const dataDir = mkdtempSync(join(tmpdir(), 'f1-worker-proc-'));
    const taskQueue = 'it-metrics-worker-process';
    const worker = spawn(process.execPath, ['bin/f1-ingest.js', 'worker'], {
      cwd: REPO,
      env: {
        ...process.env,
        ...secrets,
        // OpenF1 credentials reach the client (the emulator grants any); the other two sit in the environment.
        OPENF1_USERNAME: 'metrics-it',
        S3_ACCESS_KEY_ID: 'AKIAMETRICSIT',
        F1_INGEST_DATA_DIR: dataDir,
        STAGING_URL: `file://${join(dataDir, 'staging')}`,
        CLICKHOUSE_EMBEDDED_PATH: join(dataDir, 'chdb'),
        TEMPORAL_ADDRESS: s.stack.config.temporal.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        OPENF1_BASE_URL: s.stack.emulator.url,
        OPENF1_RATE_LIMIT: 'off',
        OPENF1_GLOBAL_RATE_LIMIT: 'off',
        // DEBUG includes the SDK's dump of the worker's options at creation, and per-task logs.
        LOG_LEVEL: 'DEBUG',
        LOG_FORMAT: 'json',
        METRICS_ADDRESS: '127.0.0.1:0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    worker.stdout?.on('data', (d: Buffer) => (output.stdout += d.toString()));
    worker.stderr?.on('data', (d: Buffer) => (output.stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    const records = () =>
      output.stderr
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, unknown>;
          } catch {
            assert.fail(`stderr line is not JSON: ${l}`);
          }
        });
    try {
      // One worker per task queue served: the main queue's is the one that runs workflows.
      await waitFor(worker, () => records().find((r) => r.message === 'Worker state changed' && r.state === 'RUNNING' && r.taskQueue === taskQueue), 180_000);
      const metricsUrl = String(records().find((r) => r.message === 'Serving Prometheus metrics')?.url);
      assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

      // Driver 11: a unit the in-process worker has not loaded (unit workflow IDs come from the scope).
      const input: BackfillInput = { ...INPUT, drivers: [11] };
      const result = (await s.client.workflow.execute('seasonBackfill', { taskQueue, workflowId: 'it/metrics/worker-process', args: [input] })) as SeasonOutcome;
      assert.equal(result.unitsLoaded, 1);
      const text = await scrape(metricsUrl);
      assert.equal(sample(text, 'f1_ingest_rows_loaded_total'), result.rowsLoaded);
      assert.ok(sample(text, 'f1_ingest_api_tokens_total') >= 1, 'the configured OpenF1 credentials were used');
      assert.ok(text.includes('\ntemporal_'), 'core series');
    } finally {
      // SIGTERM: the SDK drains the worker, runWorker closes the connection and the metrics endpoint, the process exits.
      worker.kill('SIGTERM');
      const stuck = setTimeout(() => worker.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(stuck);
      rmSync(dataDir, { recursive: true, force: true });
      assert.equal(code, 0, `worker exit code; stderr tail:\n${output.stderr.slice(-2000)}`);
    }

    const all = records();
    for (const r of all.filter((x) => 'message' in x && 'level' in x)) assert.match(String(r.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const unitId = 'f1/2023/r01/s7953/d11/speed>=100';
    // The SDK's workflow lifecycle lines travel the same path as workflow `log` calls (a sink to the Runtime logger).
    const workflowLog = all.find((r) => r.message === 'Workflow completed' && r.workflowId === unitId);
    assert.ok(workflowLog, 'a log line from the unit workflow');
    assert.equal(workflowLog.workflowType, 'driverSessionIngest');
    assert.match(String(workflowLog.runId), /^[0-9a-f-]{36}$/);
    const activityLog = all.find((r) => r.message === 'Activity completed' && r.activityType === 'stageUnit');
    assert.ok(activityLog, 'a log line from an activity');
    assert.equal(activityLog.workflowId, unitId);
    assert.equal(activityLog.workflowRunId, workflowLog.runId);
    assert.ok(all.some((r) => r.message === 'Creating worker' && typeof r.options === 'object'), 'the start-up options dump was logged (and checked below)');

    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(!output.stderr.includes(secret) && !output.stdout.includes(secret), `${name} appears in the worker's output`);
    }
  });
});

/** Polls `find` until it returns a value; fails early if the process exits. */
async function waitFor<T>(proc: ChildProcess, find: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (proc.exitCode !== null) assert.fail(`worker exited with ${proc.exitCode} before it was ready`);
    if (Date.now() > deadline) assert.fail('worker not ready in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
