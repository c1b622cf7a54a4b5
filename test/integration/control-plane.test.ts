import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { repoRoot } from '../../src/dev/binaries.js';
import type { BackfillInput } from '../../src/model/backfill-input.js';
import { queryRows } from '../../src/warehouse/warehouse-client.js';
import type { IncrementalOutcome } from '../../src/workflows/incremental-ingest.js';
import { pauseSignal, progressQuery, resumeSignal, setConcurrencyUpdate, type Progress } from '../../src/workflows/messages.js';
import type { SeasonOutcome } from '../../src/workflows/season-backfill.js';
import { startRealStack, type RealStack } from '../helpers/pipeline-harness.js';

// Operating backfills the way operators do: JSON typed into the UI's Start Workflow form, signals,
// queries, updates, cancel, schedules and the CLI, all on the real stack.
const DRIVERS = [1, 11, 14, 16, 44, 55];

let s: RealStack;

function start(workflowId: string, input: unknown): Promise<WorkflowHandle> {
  return s.client.workflow.start('seasonBackfill', { taskQueue: s.stack.config.temporal.taskQueue, workflowId, args: [input] });
}

async function emulatorRows(session: number, driver: number): Promise<number> {
  const res = await fetch(`${s.stack.emulator.url}/car_data?session_key=${session}&driver_number=${driver}&speed>=100`);
  return ((await res.json()) as unknown[]).length;
}

async function warehouseRows(session: number, driver: number): Promise<number> {
  const wh = s.warehouse;
  const [row] = await queryRows<{ n: number }>(wh, `SELECT toUInt32(count()) AS n FROM ${wh.database}.car_data WHERE session_key = {s:UInt32} AND driver_number = {d:UInt8}`, { s: session, d: driver });
  return row.n;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const progressOf = (h: WorkflowHandle) => h.query(progressQuery);
const started = (p: Progress) => p.unitsDone + p.unitsSkipped + p.unitsFailed + p.unitsRunning;

/** Runs the CLI against this test's stack. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/f1-ingest.js', ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: s.stack.config.temporal.address,
        TEMPORAL_TASK_QUEUE: s.stack.config.temporal.taskQueue,
        OPENF1_BASE_URL: s.stack.emulator.url,
        F1_INGEST_DATA_DIR: s.stack.config.dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  s = await startRealStack({ staging: 'file', database: 'it_control' });
});
after(async () => s?.stop());

describe('inputs as typed into the Temporal UI', () => {
  const invalid: Array<[unknown, RegExp[]]> = [
    [{ season: 1949 }, [/season: 1949 is before the first season with data, 2023/]],
    [{}, [/season: /]],
    [{ season: '2023' }, [/season: "2023"/]],
    [{ season: 2023, rounds: [0], drivers: [100] }, [/rounds\.0: 0/, /drivers\.0: 100/]],
    [{ season: 2023, filters: { speed: 100 } }, [/filters: .*speed/]],
    [{ season: 2023, sessionNames: [] }, [/sessionNames: \[\]/]],
    ['2023', [/\(input\): "2023"/]],
  ];

  test('each kind of invalid input fails at once, non-retryable, naming every bad field; nothing is fetched', async () => {
    s.stack.emulator.resetStats();
    for (const [i, [input, messages]] of invalid.entries()) {
      await assert.rejects(start(`it/invalid/${i}`, input).then((h) => h.result()), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError);
        assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
        assert.equal(err.cause.type, 'InvalidBackfillInput');
        assert.equal(err.cause.nonRetryable, true);
        for (const m of messages) assert.match(err.cause.message, m);
        return true;
      });
    }
    assert.equal(s.stack.emulator.stats().requests, 0);
  });

  test('a round the season does not have fails after the calendar lookup only', async () => {
    s.stack.emulator.resetStats();
    await assert.rejects((await start('it/invalid/round', { season: 2023, rounds: [30] })).result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      // The season fails with the planning activity's non-retryable failure as the cause.
      const messages = [err.cause?.message, (err.cause?.cause as Error | undefined)?.message].join(' | ');
      assert.match(messages, /rounds: \[30\] not in season 2023, which has rounds 1\.\.22/);
      return true;
    });
    assert.deepEqual(Object.keys(s.stack.emulator.stats().byEndpoint), ['meetings']);
  });

  test('dryRun reports units, expected rows and requests without fetching telemetry', async () => {
    s.stack.emulator.resetStats();
    const out = (await (await start('it/dry', { season: 2023, rounds: [1], dryRun: true })).result()) as SeasonOutcome;
    assert.equal(out.dryRun?.units, 100);
    assert.equal(out.dryRun?.rounds[0].sessions.length, 5);
    assert.equal(out.dryRun?.expectedRequests, 1 + 2 + 100);
    assert.ok((out.dryRun?.expectedRows ?? 0) > 100 * 3600 * 3.7 * 0.9);
    assert.equal(s.stack.emulator.stats().byEndpoint.car_data, undefined);
  });
});

describe('pause, resume, progress', () => {
  const input: BackfillInput = { season: 2023, rounds: [1], sessionNames: ['Race'], drivers: DRIVERS, filters: { speedGte: 100 }, maxConcurrentUnits: 1 };
  let handle: WorkflowHandle;
  let during: Progress;

  // Slow enough per unit that the backfill is still running when a CLI process (seconds to start)
  // pauses it, however fast the pipeline itself gets.
  before(() => s.stack.emulator.setFaults({ latencyMs: 1_500 }));
  after(() => s.stack.emulator.setFaults({}));

  test('progress while running: totals, one unit at a time, rate', async () => {
    handle = await start('it/pause', input);
    during = await waitFor('a finished unit', async () => {
      const p = await progressOf(handle);
      return p.unitsDone >= 1 ? p : undefined;
    });
    assert.equal(during.state, 'running');
    assert.equal(during.unitsTotal, DRIVERS.length);
    assert.equal(during.maxConcurrent, 2); // rounds at once, from the default
    assert.ok(during.unitsRunning <= 1);
    assert.ok(during.rowsLoaded > 0 && during.apiRequests >= 1);
  });

  test('paused (CLI pause): no new unit starts anywhere until resume', async () => {
    const out = await cli(['pause', 'it/pause']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Paused it\/pause\. Resume with: f1-ingest resume it\/pause/);
    // The round starts the units and knows at once; the season hears in batches (every few seconds).
    const round = s.client.workflow.getHandle('it/pause/r01');
    const paused = await waitFor('paused state', async () => {
      const p = await progressOf(round);
      return p.state === 'paused' ? p : undefined;
    });
    await sleep(3_000);
    const later = await progressOf(round);
    assert.equal(later.state, 'paused');
    assert.equal((await progressOf(handle)).state, 'paused');
    assert.equal(started(later), started(paused), 'no unit started while paused');
    assert.ok(later.unitsDone < DRIVERS.length);
  });

  test('resume (CLI) completes with exact row counts and final progress; search attributes filter the list', async () => {
    const resumed = await cli(['resume', 'it/pause']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const out = (await handle.result()) as SeasonOutcome;
    let expected = 0;
    for (const d of DRIVERS) {
      const rows = await emulatorRows(7953, d);
      assert.equal(await warehouseRows(7953, d), rows, `driver ${d}`);
      expected += rows;
    }
    assert.equal(out.rowsLoaded, expected);
    const final = await progressOf(handle);
    assert.equal(final.state, 'done');
    assert.equal(final.unitsDone, DRIVERS.length);
    assert.equal(final.unitsRunning, 0);
    assert.equal(final.rowsLoaded, expected);
    assert.equal(final.rowsFetched, expected);
    assert.equal(final.etaSeconds, null);
    assert.ok(final.bytesStaged > 0);
    const done = await waitFor('visibility of the units', async () => {
      const ids: string[] = [];
      for await (const w of s.client.workflow.list({ query: `F1Season = 2023 AND F1Session = 7953 AND F1Stage = 'done' AND WorkflowType = 'driverSessionIngest'` })) ids.push(w.workflowId);
      return ids.length >= DRIVERS.length ? ids : undefined;
    });
    for (const d of DRIVERS) assert.ok(done.includes(`f1/2023/r01/s7953/d${d}/speed>=100`), `unit of driver ${d} listed`);
    const one: string[] = [];
    for await (const w of s.client.workflow.list({ query: `F1Driver = '44' AND F1Session = 7953` })) one.push(w.workflowId);
    assert.deepEqual(one, ['f1/2023/r01/s7953/d44/speed>=100']);
  });
});

test('rapid pause/resume while fetches are in flight (resume before the fetch acknowledged the cancel) still lands exact rows', async () => {
  // Each response waits 1.5 s: the flicker below (~1.5 s) happens while fetches are in flight, and a
  // fetch blocked on its response cannot acknowledge a cancel yet. At 300 ms a faster pipeline
  // finished the whole backfill before the last signal.
  s.stack.emulator.setFaults({ latencyMs: 1_500 });
  try {
    const drivers = [2, 4, 10];
    const handle = await start('it/flicker', { season: 2023, rounds: [1], sessionNames: ['Practice 1'], drivers, filters: { speedGte: 100 }, maxConcurrentUnits: 3 });
    await waitFor('units in flight', async () => ((await progressOf(handle)).unitsRunning > 0 ? true : undefined));
    for (const pauseMs of [50, 400, 50]) {
      await handle.signal(pauseSignal);
      await sleep(pauseMs);
      await handle.signal(resumeSignal);
      await sleep(300);
    }
    const out = (await handle.result()) as SeasonOutcome;
    assert.equal(out.unitsLoaded, drivers.length);
    for (const d of drivers) assert.equal(await warehouseRows(7765, d), await emulatorRows(7765, d), `driver ${d}`);
  } finally {
    s.stack.emulator.setFaults({});
  }
});

describe('concurrency update and cancel', () => {
  const input: BackfillInput = { season: 2023, rounds: [1], sessionNames: ['Qualifying'], drivers: DRIVERS, filters: { speedGte: 100 }, maxConcurrentUnits: 1 };
  let handle: WorkflowHandle;

  before(async () => {
    // Two waves of 3 units at >= 4 s each: still running when the CLI's cancel arrives.
    s.stack.emulator.setFaults({ latencyMs: 4_000 });
    handle = await start('it/cancel', input);
  });
  after(() => s.stack.emulator.setFaults({}));

  test('concurrency changes without restart; bad values are refused naming the field', async () => {
    await waitFor('planning done', async () => ((await progressOf(handle)).unitsTotal > 0 ? true : undefined));
    assert.deepEqual(await handle.executeUpdate(setConcurrencyUpdate, { args: [{ maxConcurrentUnits: 3 }] }), { maxConcurrentRounds: 2, maxConcurrentUnits: 3 });
    await waitFor('3 units in flight', async () => ((await s.client.workflow.getHandle('it/cancel/r01').query(progressQuery)).maxConcurrent === 3 ? true : undefined), 10_000);
    await assert.rejects(handle.executeUpdate(setConcurrencyUpdate, { args: [{ maxConcurrentUnits: 0 }] }), (err: Error) => {
      assert.match(String((err.cause as Error | undefined)?.message), /maxConcurrentUnits: 0/);
      return true;
    });
  });

  test('cancel (CLI): children are cancelled and no unit is left half-loaded', async () => {
    const cancelled = await cli(['cancel', 'it/cancel']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /Cancel requested for it\/cancel/);
    await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    let loaded = 0;
    for (const d of DRIVERS) {
      const inWarehouse = await warehouseRows(7768, d);
      if (inWarehouse > 0) {
        assert.equal(inWarehouse, await emulatorRows(7768, d), `driver ${d} is complete or absent`);
        loaded += 1;
      }
    }
    assert.ok(loaded < DRIVERS.length, 'the cancel stopped the backfill before the end');
    const wh = s.warehouse;
    const [log] = await queryRows<{ n: number }>(wh, `SELECT toUInt32(count()) AS n FROM ${wh.database}.ingest_log WHERE session_key = 7768 AND status = 'ok'`);
    assert.equal(log.n, loaded, 'every loaded unit was reconciled');
  });
});

describe('scheduled incremental ingestion and the CLI', () => {
  const scheduleId = 'it-sched';

  async function runOf(n: number): Promise<IncrementalOutcome> {
    const d = await waitFor(`schedule run ${n}`, async () => {
      const desc = await s.client.schedule.getHandle(scheduleId).describe();
      return desc.info.recentActions.length >= n ? desc : undefined;
    });
    const action = d.info.recentActions[n - 1].action.workflow;
    return (await s.client.workflow.getHandle(action.workflowId, action.firstExecutionRunId).result()) as IncrementalOutcome;
  }

  test('create, trigger twice: the watermark advances and nothing is loaded twice; pause; delete', async () => {
    const created = await cli(['schedule', 'create', '--season', '2023', '--rounds', '2', '--sessions', 'Race', '--drivers', '1', '--speed-gte', '100', '--every', '1h', '--id', scheduleId]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created schedule it-sched: incrementalIngest every 1h/);

    assert.equal((await cli(['schedule', 'trigger', scheduleId])).code, 0);
    const first = await runOf(1);
    assert.equal(first.previousWatermark, '2023-01-01T00:00:00+00:00');
    assert.equal(first.unitsLoaded, 1);
    const rows = await warehouseRows(7779, 1);
    assert.equal(rows, await emulatorRows(7779, 1));

    assert.equal((await cli(['schedule', 'trigger', scheduleId])).code, 0);
    const second = await runOf(2);
    assert.equal(second.previousWatermark, first.watermark);
    assert.ok(second.watermark >= first.watermark);
    assert.equal(second.unitsLoaded, 0);
    assert.equal(await warehouseRows(7779, 1), rows, 'no duplicate load');

    assert.equal((await cli(['schedule', 'pause', scheduleId])).code, 0);
    const described = await cli(['schedule', 'describe', scheduleId]);
    assert.equal(described.code, 0);
    assert.equal(JSON.parse(described.stdout).paused, true);
    assert.equal(JSON.parse(described.stdout).recentRuns.length, 2);
    assert.match((await cli(['schedule', 'list'])).stdout, /it-sched\tpaused/);
    assert.equal((await cli(['schedule', 'delete', scheduleId])).code, 0);
    const gone = await cli(['schedule', 'describe', scheduleId]);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /No schedule "it-sched"/);
  });

  test('CLI: status --json, dry run, and errors that say what to do with non-zero exits', async () => {
    const status = await cli(['status', 'it/pause', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const snapshot = JSON.parse(status.stdout);
    assert.equal(snapshot.status, 'COMPLETED');
    assert.equal(snapshot.progress.state, 'done');
    assert.equal(snapshot.progress.unitsDone, DRIVERS.length);

    const missing = await cli(['status', 'no/such/workflow']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No workflow "no\/such\/workflow"/);

    const dry = await cli(['backfill', '--season', '2023', '--rounds', '1', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run, season 2023: 100 units/);

    const bad = await cli(['backfill', '--season', '1949']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /season: 1949 is before the first season with data, 2023/);

    const badFlag = await cli(['backfill', '--season', '2023', '--rounds', 'one']);
    assert.notEqual(badFlag.code, 0);
    assert.match(badFlag.stderr, /--rounds takes whole numbers separated by commas/);

    const noUnits = await cli(['concurrency', 'it/pause']);
    assert.equal(noUnits.code, 2);
    assert.match(noUnits.stderr, /concurrency needs --rounds and\/or --units/);
  });
});
