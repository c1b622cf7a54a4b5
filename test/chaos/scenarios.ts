import { setTimeout as sleep } from 'node:timers/promises';
import type { SeasonOutcome } from '../../src/workflows/season-backfill.js';
import { apiGet, type ScopeSpec } from './checks.js';
import { pauseSignal, resumeSignal } from '../../src/workflows/messages.js';
import { failLostActivities, failureChain, PendingActivityState, scope, startBackfill, unitStatuses, waitForActivityState, waitForStage, type RunOutcome, type Stage } from './faults.js';
import type { ChaosStack, WorkerProcess } from './stack.js';

/** One run under a fault: whether the system behaved as documented, and what ClickHouse must hold after. */
export interface Trial {
  label: string;
  /** Problems seen while running (wrong outcome, injection that never landed); empty = fine so far. */
  problems: string[];
  /** What to compare with the emulator once every worker is stopped; none for bad-input trials. */
  check?: ScopeSpec;
  note?: string;
}

export interface ScenarioContext {
  stack: ChaosStack;
  /** The one worker process every scenario uses (one chDB database, scopes told apart by filter). */
  worker: WorkerProcess;
}

export interface Scenario {
  name: string;
  run(ctx: ScenarioContext): Promise<Trial[]>;
}

const RUN_TIMEOUT_MS = 240_000;

function expectCompleted(out: RunOutcome): string[] {
  if (out.status === 'completed') return [];
  return [out.status === 'timeout' ? 'backfill did not finish in time' : `backfill failed: ${failureChain(out.error).map((f) => f.message).join(' <- ')}`];
}

/** Worker SIGKILLed while a unit is in `fetch` (which converts as it fetches) or `load` (alternately), then restarted. */
export function workerSigkill(trials: number, firstThreshold: number): Scenario {
  const stages: Stage[] = ['fetch', 'load'];
  return {
    name: 'worker SIGKILL',
    async run({ stack, worker }) {
      // Slower answers keep units in fetch long enough to be caught there.
      stack.emulator.setFaults({ latencyMs: 150 });
      const results: Trial[] = [];
      for (let i = 0; i < trials; i++) {
        const sc = scope(firstThreshold + i);
        const { outcome } = await startBackfill(stack, `chaos/sigkill/${i}`, sc, RUN_TIMEOUT_MS);
        const target = stages[i % stages.length];
        const hit = await waitForStage(stack, sc.filters.speedGte, [target], 20_000);
        // A little jitter, so the kill lands at different points inside the stage.
        await sleep(Math.floor(Math.random() * 150));
        console.error(`chaos: trial ${i}: killing the worker (unit in ${hit?.stage ?? '?'})`);
        await worker.kill();
        const lost = await failLostActivities(stack);
        await worker.restart();
        const problems = expectCompleted(await outcome);
        results.push({ label: `trial ${i}`, problems, check: { scope: sc }, note: `killed in ${hit?.stage ?? `(no unit seen in ${target}: 20 s in)`}, ${lost} activities lost` });
      }
      stack.emulator.setFaults({});
      return results;
    },
  };
}

/**
 * A fetch's worker SIGKILLed, then the backfill paused: the pause's cancel lands on an attempt no
 * worker runs any more, as when a worker dies before a heartbeat carried the cancel to it. Every
 * car_data body is cut off meanwhile, so the fetch is surely still running when its worker dies.
 * The lost attempt fails with the cancel request on it, which the server never retries; resume
 * must fetch the unit again, not fail it.
 */
export function pauseCancelsLostFetch(threshold: number): Scenario {
  return {
    name: 'pause cancels a lost fetch',
    async run({ stack, worker }) {
      const sc = scope(threshold, ['Race'], [1]);
      stack.emulator.setFaults({ truncateRate: 1 });
      const { handle, outcome } = await startBackfill(stack, 'chaos/pause-lost', sc, RUN_TIMEOUT_MS);
      const problems: string[] = [];
      const hit = await waitForStage(stack, threshold, ['fetch'], 20_000);
      // Killed while an attempt runs: not before it starts, nor while it waits out a retry backoff.
      const running = hit !== undefined && (await waitForActivityState(stack, hit.workflowId, PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 30_000));
      await worker.kill();
      await handle.signal(pauseSignal);
      await worker.restart();
      const cancelRequested = running && (await waitForActivityState(stack, hit.workflowId, PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED, 20_000));
      if (!cancelRequested) problems.push(`no lost fetch got the pause's cancel (unit seen in fetch: ${hit?.workflowId ?? 'none'}, attempt running: ${running})`);
      const lost = await failLostActivities(stack);
      stack.emulator.setFaults({});
      await handle.signal(resumeSignal);
      problems.push(...expectCompleted(await outcome));
      return [{ label: 'kill + pause', problems, check: { scope: sc }, note: `${lost} activities lost, the fetch's with the cancel on it: ${cancelRequested}` }];
    },
  };
}

/** Temporal dev server SIGKILLed mid-run and restarted on its SQLite file. */
export function temporalKill(threshold: number): Scenario {
  return {
    name: 'Temporal SIGKILL',
    async run({ stack }) {
      const sc = scope(threshold, ['Qualifying', 'Race']);
      const { outcome } = await startBackfill(stack, 'chaos/temporal', sc, RUN_TIMEOUT_MS);
      const hit = await waitForStage(stack, threshold, ['fetch', 'load'], 20_000);
      await stack.temporal.handle.kill();
      await sleep(3_000);
      await stack.temporal.handle.restart();
      return [{ label: 'kill + restart', problems: expectCompleted(await outcome), check: { scope: sc }, note: `killed with a unit in ${hit?.stage ?? '?'}` }];
    },
  };
}

/** MinIO stopped for 25 s mid-run: stage and load fail retryably meanwhile. */
export function minioOutage(threshold: number): Scenario {
  return {
    name: 'MinIO down 25 s',
    async run({ stack }) {
      const sc = scope(threshold, ['Qualifying', 'Race']);
      const { outcome } = await startBackfill(stack, 'chaos/minio', sc, RUN_TIMEOUT_MS);
      const hit = await waitForStage(stack, threshold, ['fetch', 'load'], 20_000);
      await stack.minio.handle.stop();
      await sleep(25_000);
      await stack.minio.handle.restart();
      return [{ label: 'stop + restart', problems: expectCompleted(await outcome), check: { scope: sc }, note: `stopped with a unit in ${hit?.stage ?? '?'}` }];
    },
  };
}

/**
 * ClickHouse errors during load. chDB is embedded, so the honest way to make its INSERT fail is
 * through what it reads: each silver Parquet is taken away the moment it appears and put back
 * 5 s later, so loads starting meanwhile fail inside ClickHouse (s3() cannot read the object)
 * and must retry to an exact result. Units whose load had to retry are counted from history.
 */
export function loadErrors(threshold: number): Scenario {
  return {
    name: 'ClickHouse load errors',
    async run({ stack }) {
      const sc = scope(threshold, ['Qualifying', 'Race']);
      const slug = `/filter=speed-gte-${threshold}/car_data.parquet`;
      const { outcome } = await startBackfill(stack, 'chaos/load', sc, RUN_TIMEOUT_MS);
      const hidden = new Set<string>();
      const restores: Array<Promise<unknown>> = [];
      let done = false;
      void outcome.finally(() => (done = true));
      while (!done) {
        for (const { key } of await stack.store.list('silver/').catch(() => [])) {
          if (!key.endsWith(slug) || hidden.has(key)) continue;
          hidden.add(key);
          const bytes = await stack.store.getBytes(key);
          await stack.store.delete(key);
          restores.push(sleep(5_000).then(() => stack.store.put(key, bytes)));
        }
        await sleep(50);
      }
      await Promise.all(restores);
      const problems = expectCompleted(await outcome);
      const retried = await unitsWithRetriedActivity(stack, threshold, 'loadWarehouse');
      if (retried === 0) problems.push('no load ever failed: the injection did not reach ClickHouse');
      return [{ label: 'silver hidden 5 s', problems, check: { scope: sc }, note: `${hidden.size} objects hidden, ${retried} loads retried` }];
    },
  };
}

/** Units of a trial whose `activity` needed more than one attempt (from their histories). */
async function unitsWithRetriedActivity(stack: ChaosStack, threshold: number, activity: string): Promise<number> {
  let units = 0;
  for (const id of (await unitStatuses(stack, threshold)).keys()) {
    const events = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity).map((e) => String(e.eventId)));
    if (events.some((e) => scheduled.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)) && (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)) units++;
  }
  return units;
}

/**
 * API faults from the emulator: first every request outlasts the client timeout, then 429 bursts
 * with Retry-After, 5xx and truncated bodies; one session has no data (404/422: its units load 0
 * rows) and one has malformed rows (its units fail non-retryably, nothing of them loaded).
 */
export function apiFaults(statuses: ReadonlyArray<404 | 422>, firstThreshold: number): Scenario {
  return {
    name: 'API faults',
    async run({ stack }) {
      const sessions = await apiGet<Array<{ session_key: number; session_name: string }>>(stack, '/sessions?meeting_key=1141');
      const key = (name: string) => sessions.find((s) => s.session_name === name)?.session_key ?? -1;
      const [noData, malformed] = [key('Practice 3'), key('Qualifying')];
      const results: Trial[] = [];
      for (const [i, status] of statuses.entries()) {
        const sc = scope(firstThreshold + i, ['Practice 3', 'Qualifying', 'Race'], [1, 44]);
        const sessionFaults = { seed: 7 + i, noDataSessions: { status, sessionKeys: [noData] }, malformed: { rate: 0.001, sessionKeys: [malformed] } };
        // The worker runs with a 1.5 s request timeout (see run.ts).
        stack.emulator.setFaults({ ...sessionFaults, latencyMs: 2_500 });
        const { outcome } = await startBackfill(stack, `chaos/api/${i}`, sc, RUN_TIMEOUT_MS);
        await sleep(5_000);
        stack.emulator.setFaults({ ...sessionFaults, rateLimit: { requests: 4, perMs: 2_000 }, errorRate: 0.2, truncateRate: 0.2 });
        const out = await outcome;
        const problems: string[] = [];
        if (out.status !== 'failed') problems.push(`backfill ${out.status}; expected it to fail on the malformed units`);
        for (const [id, wfStatus] of await unitStatuses(stack, sc.filters.speedGte)) {
          const bad = id.includes(`/s${malformed}/`);
          const want = bad ? 'FAILED' : 'COMPLETED';
          if (wfStatus !== want) problems.push(`${id}: ${wfStatus}, expected ${want}`);
          if (bad && wfStatus === 'FAILED') {
            const chain = failureChain(await stack.client.workflow.getHandle(id).result().catch((e: unknown) => e));
            // Convert's decoder rejects the bad value as it is fetched (bronze still keeps it), naming the field.
            const named = (f: { type?: string; nonRetryable?: boolean; message: string }) => f.type === 'SilverConversionError' && f.nonRetryable && /field "\w+"/.test(f.message);
            if (!chain.some(named)) problems.push(`${id}: not a non-retryable SilverConversionError naming the field: ${chain.map((f) => f.message).join(' <- ')}`);
          }
        }
        const empty = (u: { session: number }) => u.session === noData || u.session === malformed;
        results.push({ label: `no-data ${status}`, problems, check: { scope: sc, empty } });
      }
      stack.emulator.setFaults({});
      return results;
    },
  };
}

/** The same backfill twice in a row, then two overlapping backfills of one scope under different IDs. */
export function duplicateRuns(threshold: number): Scenario {
  return {
    name: 'duplicate backfills',
    async run({ stack }) {
      const sc = scope(threshold);
      const first = await (await startBackfill(stack, 'chaos/dup/first', sc, RUN_TIMEOUT_MS)).outcome;
      const again = await (await startBackfill(stack, 'chaos/dup/again', sc, RUN_TIMEOUT_MS)).outcome;
      const sequential = [...expectCompleted(first), ...expectCompleted(again)];
      if (again.status === 'completed') {
        const r = again.result as SeasonOutcome;
        if (r.rowsLoaded !== 0 || r.unitsLoaded !== 0) sequential.push(`second run loaded ${r.unitsLoaded} units / ${r.rowsLoaded} rows; expected all skipped`);
      }
      const overlap = scope(threshold + 1);
      const both = await Promise.all(['chaos/dup/a', 'chaos/dup/b'].map(async (id) => (await startBackfill(stack, id, overlap, RUN_TIMEOUT_MS)).outcome));
      return [
        { label: 'run twice', problems: sequential, check: { scope: sc } },
        { label: 'two at once', problems: both.flatMap(expectCompleted), check: { scope: overlap } },
      ];
    },
  };
}
