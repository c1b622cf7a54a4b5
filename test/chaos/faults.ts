import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { BackfillInput } from '../../src/model/backfill-input.js';
import type { ChaosStack } from './stack.js';

/** Single-round scopes; each trial gets its own speed threshold, so its units are new to Temporal and ClickHouse. */
export type Scope = BackfillInput & { filters: { speedGte: number } };

export function scope(speedGte: number, sessionNames: string[] = ['Race'], drivers: number[] = [1, 11, 44]): Scope {
  return { season: 2023, rounds: [1], sessionNames, drivers, filters: { speedGte }, maxConcurrentUnits: 3 };
}

export type RunOutcome = { status: 'completed'; result: unknown } | { status: 'failed'; error: Error } | { status: 'timeout' };

/**
 * Starts a season backfill; `outcome` settles when it ends or after `timeoutMs` (then it is
 * terminated). Waiting survives a Temporal outage: lost connections are retried until the deadline.
 */
export async function startBackfill(stack: ChaosStack, workflowId: string, input: unknown, timeoutMs: number): Promise<{ handle: WorkflowHandle; outcome: Promise<RunOutcome> }> {
  const handle = await stack.client.workflow.start('seasonBackfill', { taskQueue: stack.taskQueue, workflowId, args: [input] });
  const deadline = Date.now() + timeoutMs;
  const outcome = (async (): Promise<RunOutcome> => {
    while (Date.now() < deadline) {
      const waiting = new AbortController();
      const settled = await Promise.race([
        handle.result().then(
          (result): RunOutcome => ({ status: 'completed', result }),
          // Anything but a workflow failure is the connection (e.g. Temporal down): ask again.
          (error: unknown): RunOutcome | undefined => (error instanceof WorkflowFailedError ? { status: 'failed', error } : undefined),
        ),
        sleep(deadline - Date.now(), undefined, { signal: waiting.signal }).then(
          () => undefined,
          () => undefined,
        ),
      ]);
      waiting.abort();
      if (settled) return settled;
      await sleep(1_000);
    }
    await handle.terminate('chaos: recovery timed out').catch(() => undefined);
    return { status: 'timeout' };
  })();
  return { handle, outcome };
}

export type Stage = 'fetch' | 'load';

/** A running unit workflow whose F1Stage is one of `stages`, polled until `timeoutMs`. */
export async function waitForStage(stack: ChaosStack, speedGte: number, stages: readonly Stage[], timeoutMs: number): Promise<{ workflowId: string; stage: Stage } | undefined> {
  const deadline = Date.now() + timeoutMs;
  const query = `WorkflowType = 'driverSessionIngest' AND ExecutionStatus = 'Running' AND F1Stage IN (${stages.map((s) => `'${s}'`).join(', ')})`;
  while (Date.now() < deadline) {
    for await (const wf of stack.client.workflow.list({ query })) {
      // Only this trial's units: the threshold is part of the unit's workflow ID.
      if (!wf.workflowId.endsWith(`/speed>=${speedGte}`)) continue;
      const stage = wf.searchAttributes.F1Stage?.[0];
      if (typeof stage === 'string' && (stages as readonly string[]).includes(stage)) return { workflowId: wf.workflowId, stage: stage as Stage };
    }
    await sleep(50);
  }
  return undefined;
}

export const { PendingActivityState } = proto.temporal.api.enums.v1;
/** Attempts a worker was running: started, and started with a cancel it had not acknowledged yet. */
const LOST_STATES = new Set<number>([PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED]);

/** Whether workflow `workflowId` has an activity in `state` (polled until `timeoutMs`). */
export async function waitForActivityState(stack: ChaosStack, workflowId: string, state: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { raw } = await stack.client.workflow.getHandle(workflowId).describe();
    if ((raw.pendingActivities ?? []).some((a) => a.state === state)) return true;
    await sleep(50);
  }
  return false;
}

/**
 * After a worker was SIGKILLed, Temporal learns that its activities are gone only when their
 * heartbeat timeout (2 minutes) expires. The harness says it at once, as that timeout would:
 * each started activity attempt is failed (retryably) by ID, so the retry runs on the restarted
 * worker within seconds. The retry meets exactly what the lost attempt left behind (committed
 * parts, an insert ClickHouse committed), which is what the exactly-once promise is about.
 */
export async function failLostActivities(stack: ChaosStack): Promise<number> {
  let failed = 0;
  for await (const wf of stack.client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    const description = await stack.client.workflow.getHandle(wf.workflowId, wf.runId).describe();
    for (const activity of description.raw.pendingActivities ?? []) {
      if (!LOST_STATES.has(activity.state ?? 0) || !activity.activityId) continue;
      try {
        await stack.client.activity.fail({ workflowId: wf.workflowId, runId: wf.runId, activityId: activity.activityId }, new Error('chaos: worker lost (SIGKILL)'));
        failed++;
      } catch {
        // Completed (or already failed) between the describe and now: nothing was lost.
      }
    }
  }
  return failed;
}

/** Every failure in a failed workflow's cause chain, outermost first, for assertions and reports. */
export function failureChain(err: unknown): Array<{ type?: string; nonRetryable?: boolean; message: string }> {
  type Failure = { cause?: unknown; type?: string; nonRetryable?: boolean; message: string };
  const chain: Failure[] = [];
  for (let e = err as Failure | undefined; e; e = e.cause as Failure | undefined) chain.push({ type: e.type, nonRetryable: e.nonRetryable, message: e.message });
  return chain;
}

/** Unit workflows of a trial (by threshold) and how they ended. */
export async function unitStatuses(stack: ChaosStack, speedGte: number): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  for await (const wf of stack.client.workflow.list({ query: `WorkflowType = 'driverSessionIngest'` })) {
    if (wf.workflowId.endsWith(`/speed>=${speedGte}`)) statuses.set(wf.workflowId, wf.status.name);
  }
  return statuses;
}
