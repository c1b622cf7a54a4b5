import { ApplicationFailure, CancellationScope, getExternalWorkflowHandle, setHandler, sleep, type ActivityOptions } from '@temporalio/workflow';
import type { RoundPlan } from '../activities/plan-calendar.js';
import { unitId } from '../model/unit.js';
import type { Filter } from '../openf1/filters.js';
import { activitiesOn } from './activity-proxies.js';
import { runUnitChild } from './run-unit-child.js';
import { progressQuery, setConcurrencyUpdate, unitConcurrencySignal, unitReportsSignal, unitsPlannedSignal, type UnitReport } from './messages.js';
import { handlePauseResume } from './pause-forwarding.js';
import { ProgressTracker } from './progress-tracker.js';
import { WorkPool } from './work-pool.js';

export interface RoundIngestInput {
  season: number;
  plan: RoundPlan;
  sessionNames?: string[];
  drivers?: number[];
  filters: Filter[];
  maxConcurrentUnits: number;
  /** Season workflow to report unit progress to; absent when the round runs on its own. */
  parentWorkflowId?: string;
}

export interface RoundOutcome {
  label: string;
  meetingKey: number;
  units: number;
  loaded: number;
  skipped: number;
  failed: string[];
  rowsLoaded: number;
}

/** Workflow time between progress batches sent to the season (Date.now() is deterministic in workflows). */
const REPORT_EVERY_MS = 5_000;

const PLAN_ROUND: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 10 },
};

/** One meeting: plans its (session, driver) units and runs one child workflow per unit. */
export async function roundIngest(input: RoundIngestInput): Promise<RoundOutcome> {
  const tracker = new ProgressTracker();
  CancellationScope.current().cancelRequested.catch(() => (tracker.state = 'cancelling'));
  const pool = new WorkPool(input.maxConcurrentUnits);
  const running = new Set<string>();
  setHandler(progressQuery, () => tracker.snapshot(pool));
  handlePauseResume(pool, running);
  setHandler(unitConcurrencySignal, (n) => pool.setLimit(n));
  setHandler(
    setConcurrencyUpdate,
    ({ maxConcurrentUnits }) => {
      pool.setLimit(maxConcurrentUnits as number);
      return { maxConcurrentUnits: pool.maxConcurrent };
    },
    {
      validator: ({ maxConcurrentUnits, maxConcurrentRounds }) => {
        if (maxConcurrentRounds !== undefined) throw new Error('maxConcurrentRounds: a round runs no rounds; send it to the season workflow');
        if (!Number.isInteger(maxConcurrentUnits) || (maxConcurrentUnits as number) < 1 || (maxConcurrentUnits as number) > 200) {
          throw new Error(`maxConcurrentUnits: ${JSON.stringify(maxConcurrentUnits)} is not allowed; expected a whole number 1..200`);
        }
      },
    },
  );
  const parent = input.parentWorkflowId ? getExternalWorkflowHandle(input.parentWorkflowId) : undefined;
  const unsent: UnitReport[] = [];
  let lastSent = -Infinity;
  let trailingSend = false;
  // Progress reporting must never fail the round (the parent may be gone).
  const send = async () => {
    if (!parent || unsent.length === 0) return;
    lastSent = Date.now();
    await parent.signal(unitReportsSignal, unsent.splice(0)).catch(() => undefined);
  };
  // At most one signal per REPORT_EVERY_MS: at once when the interval has passed, otherwise one
  // timer sends what accumulated when it ends, so the season is never staler than that.
  const report = async (r: UnitReport) => {
    tracker.report(r);
    unsent.push(r);
    if (Date.now() - lastSent >= REPORT_EVERY_MS) return send();
    if (trailingSend) return;
    trailingSend = true;
    void sleep(REPORT_EVERY_MS - (Date.now() - lastSent))
      .then(() => {
        trailingSend = false;
        return send();
      })
      .catch(() => undefined); // cancelled with the round: the season is being cancelled too
  };

  const { planRound } = activitiesOn('warehouse', PLAN_ROUND);
  const units = await planRound({
    season: input.season,
    label: input.plan.label,
    meetingKey: input.plan.meetingKey,
    sessionNames: input.sessionNames,
    drivers: input.drivers,
    filters: input.filters,
  });
  tracker.planned(units.length);
  tracker.state = 'running';
  await parent?.signal(unitsPlannedSignal, units.length).catch(() => undefined);

  const results = await pool.settleAll(units, async (unit) => {
    const id = unitId(unit);
    running.add(id);
    try {
      return await runUnitChild(unit, report);
    } finally {
      running.delete(id);
    }
  });

  await send();
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [unitId(units[i])] : []));
  tracker.state = failed.length ? 'failed' : 'done';
  const outcomes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const outcome: RoundOutcome = {
    label: input.plan.label,
    meetingKey: input.plan.meetingKey,
    units: units.length,
    loaded: outcomes.filter((o) => o.status === 'loaded').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    failed,
    rowsLoaded: outcomes.reduce((n, o) => n + o.rowsLoaded, 0),
  };
  if (failed.length > 0) {
    throw ApplicationFailure.nonRetryable(`${failed.length} of ${units.length} units failed in ${input.plan.label}: ${failed.join(', ')}`, 'UnitsFailed', outcome);
  }
  return outcome;
}
