import {
  ApplicationFailure,
  executeChild,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import type { RoundPlan } from '../activities/plan-calendar.js';
import type { Filter } from '../openf1/filters.js';
import type { UnitOutcome } from '../model/stage-results.js';
import { unitId } from '../model/unit.js';
import { settleWithConcurrency } from './bounded-concurrency.js';
import { driverSessionIngest } from './driver-session-ingest.js';
import { progressQuery, unitReportSignal, unitsPlannedSignal, type UnitReport } from './messages.js';
import { ProgressTracker } from './progress-tracker.js';

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

const { planRound } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** One meeting: plans its (session, driver) units and runs one child workflow per unit. */
export async function roundIngest(input: RoundIngestInput): Promise<RoundOutcome> {
  const tracker = new ProgressTracker(new Date());
  setHandler(progressQuery, () => tracker.progress);
  const parent = input.parentWorkflowId ? getExternalWorkflowHandle(input.parentWorkflowId) : undefined;
  const report = async (r: UnitReport) => {
    tracker.report(r);
    // Progress reporting must never fail the round (the parent may be gone).
    await parent?.signal(unitReportSignal, r).catch(() => undefined);
  };

  const units = await planRound({
    season: input.season,
    label: input.plan.label,
    meetingKey: input.plan.meetingKey,
    sessionNames: input.sessionNames,
    drivers: input.drivers,
    filters: input.filters,
  });
  tracker.planned(units.length);
  tracker.progress.state = 'running';
  await parent?.signal(unitsPlannedSignal, units.length).catch(() => undefined);

  const results = await settleWithConcurrency(units, input.maxConcurrentUnits, async (unit): Promise<UnitOutcome> => {
    const id = unitId(unit);
    await report({ unitId: id, status: 'running' });
    try {
      const outcome = await executeChild(driverSessionIngest, {
        workflowId: id,
        args: [unit],
        // A unit that completed before is not run again by a later backfill of the same scope;
        // a failed, cancelled or terminated one may be.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      });
      await report(outcome);
      return outcome;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        const skipped: UnitOutcome = { unitId: id, status: 'skipped', rowsFetched: 0, rowsLoaded: 0, bytesStaged: 0, apiRequests: 0 };
        await report(skipped);
        return skipped;
      }
      await report({ unitId: id, status: 'failed' });
      throw err;
    }
  });

  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [unitId(units[i])] : []));
  tracker.progress.state = failed.length ? 'failed' : 'done';
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
