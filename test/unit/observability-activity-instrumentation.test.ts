import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { withTerminalErrors } from '../../src/activities/terminal-errors.js';
import type { BronzeResult, LoadResult, SilverResult, StagedUnit } from '../../src/model/stage-results.js';
import { instrumentActivities } from '../../src/observability/activity-instrumentation.js';
import { IngestMetrics } from '../../src/observability/metrics-registry.js';
import { OpenF1DataError } from '../../src/openf1/errors.js';
import { metricValue } from '../helpers/metric-value.js';

const bronze = (over: Partial<BronzeResult> = {}): BronzeResult => ({ manifestKey: 'm', rows: 1200, bytes: 250_000, sha256: 'x', apiRequests: 1, fetched: true, durationMs: 5, ...over });
const silver: SilverResult = { parquetKey: 'p', rows: 1200, bytes: 40_000, checksum: { rows: 1200, sumSpeed: '1', sumRpm: '1', sumDateMicros: '1' }, durationMs: 5 };
const staged = (over: Partial<BronzeResult> = {}): StagedUnit => ({ bronze: bronze(over), silver });
const load = (action: LoadResult['action'], rowsInWarehouse = 1200): LoadResult => ({ rowsInWarehouse, action, durationMs: 5 });


test('stage results feed rows fetched, bytes staged, rows loaded and loads by action', async () => {
  const metrics = new IngestMetrics();
  const results: Record<string, unknown[]> = { stageUnit: [staged(), staged({ fetched: false })], loadWarehouse: [load('inserted'), load('present'), load('replaced', 800), load('empty', 0)] };
  const a = instrumentActivities(
    {
      stageUnit: async () => results.stageUnit.shift() as StagedUnit,
      loadWarehouse: async () => results.loadWarehouse.shift() as LoadResult,
    },
    metrics,
  );
  await a.stageUnit();
  await a.stageUnit(); // manifest already committed: fetched (and converted) before, not counted again
  for (let i = 0; i < 4; i++) await a.loadWarehouse();

  assert.equal(await metricValue(metrics, 'f1_ingest_rows_fetched_total'), 1200);
  assert.equal(await metricValue(metrics, 'f1_ingest_bytes_staged_total', { layer: 'bronze' }), 250_000);
  assert.equal(await metricValue(metrics, 'f1_ingest_bytes_staged_total', { layer: 'silver' }), 40_000);
  assert.equal(await metricValue(metrics, 'f1_ingest_rows_loaded_total'), 1200 + 800, 'inserted + replaced, not present or empty');
  for (const action of ['inserted', 'present', 'replaced', 'empty']) {
    assert.equal(await metricValue(metrics, 'f1_ingest_warehouse_loads_total', { action }), 1, action);
  }
  const text = await metrics.registry.metrics();
  assert.match(text, /^f1_ingest_activity_duration_seconds_count\{activity="stageUnit",outcome="success"\} 2$/m);
  assert.match(text, /^f1_ingest_activity_duration_seconds_count\{activity="loadWarehouse",outcome="success"\} 4$/m);
});

test('every attempt is timed and failures are counted by the type Temporal records', async () => {
  const metrics = new IngestMetrics();
  let calls = 0;
  const a = instrumentActivities(
    {
      // Terminal: withTerminalErrors turns it into a non-retryable ApplicationFailure of the same type.
      stageUnit: withTerminalErrors(async (): Promise<StagedUnit> => {
        throw new OpenF1DataError({ url: 'http://x/v1/car_data', endpoint: 'car_data', rowIndex: 7, field: 'speed', value: 'fast', reason: 'expected a number' });
      }),
      planRound: async (): Promise<number> => {
        calls += 1;
        if (calls === 1) throw new Error('socket hang up');
        if (calls === 2) throw ApplicationFailure.retryable('busy', 'WarehouseBusy');
        return 3;
      },
    },
    metrics,
  );
  // withTerminalErrors reads the activity context.
  await assert.rejects(new MockActivityEnvironment().run(a.stageUnit), (err: ApplicationFailure) => err.type === 'OpenF1DataError' && err.nonRetryable);
  await assert.rejects(a.planRound(), /socket hang up/);
  await assert.rejects(a.planRound(), /busy/);
  assert.equal(await a.planRound(), 3, 'results pass through untouched');

  assert.equal(await metricValue(metrics, 'f1_ingest_activity_failures_total', { activity: 'stageUnit', error_type: 'OpenF1DataError' }), 1);
  assert.equal(await metricValue(metrics, 'f1_ingest_activity_failures_total', { activity: 'planRound', error_type: 'Error' }), 1);
  assert.equal(await metricValue(metrics, 'f1_ingest_activity_failures_total', { activity: 'planRound', error_type: 'WarehouseBusy' }), 1);
  const text = await metrics.registry.metrics();
  assert.match(text, /^f1_ingest_activity_duration_seconds_count\{activity="planRound",outcome="failure"\} 2$/m);
  assert.match(text, /^f1_ingest_activity_duration_seconds_count\{activity="planRound",outcome="success"\} 1$/m);
  assert.match(text, /^f1_ingest_activity_duration_seconds_count\{activity="stageUnit",outcome="failure"\} 1$/m);
  assert.equal(await metricValue(metrics, 'f1_ingest_rows_fetched_total'), 0, 'a failed stage counts no rows');
});

test('activities keep their keys as names (Temporal registers them by key)', () => {
  const a = instrumentActivities({ planDryRun: async () => ({ rows: 1 }) }, new IngestMetrics());
  assert.deepEqual(Object.keys(a), ['planDryRun']);
  assert.equal(a.planDryRun.name, 'planDryRun');
});

test('an activity named like a stage must return that stage result (compile-time check)', () => {
  // @ts-expect-error stageUnit must return a StagedUnit, which the counters read
  instrumentActivities({ stageUnit: async () => ({ rows: 1 }) }, new IngestMetrics());
});
