import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  getExternalWorkflowHandle,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { F1Meeting, F1Season } from '../model/search-attributes.js';
import { roundWorkflowId } from '../model/unit.js';
import type { DryRunReport } from '../planning/dry-run.js';
import { progressQuery, setConcurrencyUpdate, unitConcurrencySignal, unitReportsSignal, unitsPlannedSignal } from './messages.js';
import { activitiesOn } from './activity-proxies.js';
import { handlePauseResume } from './pause-forwarding.js';
import { ProgressTracker } from './progress-tracker.js';
import { roundIngest, type RoundOutcome } from './round-ingest.js';
import { backfillInputSchemas } from './schemas.js';
import { WorkPool } from './work-pool.js';

export interface SeasonOutcome {
  season: number;
  rounds: RoundOutcome[];
  unitsLoaded: number;
  unitsSkipped: number;
  rowsLoaded: number;
  /** Present for a dry run, which starts no rounds. */
  dryRun?: DryRunReport;
}

const PLAN: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 10 },
};

function invalid(problems: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`Invalid backfill input:\n  ${problems.join('\n  ')}`, 'InvalidBackfillInput', problems);
}

/**
 * A season backfill: validates its JSON input (as typed into the Temporal UI or sent by the CLI),
 * lists the calendar and runs one child roundIngest per meeting with bounded concurrency.
 * Signals pause/resume, query progress, update setConcurrency.
 */
export async function seasonBackfill(input: unknown): Promise<SeasonOutcome> {
  const { BackfillInputSchema, describeInputIssues, toOpenF1Filters } = await backfillInputSchemas();
  const parsed = BackfillInputSchema.safeParse(input);
  if (!parsed.success) throw invalid(describeInputIssues(parsed.error, input));
  const spec = parsed.data;
  upsertSearchAttributes([{ key: F1Season, value: spec.season }]);
  if (spec.dryRun) {
    return { season: spec.season, rounds: [], unitsLoaded: 0, unitsSkipped: 0, rowsLoaded: 0, dryRun: await activitiesOn('workflows', PLAN).planDryRun(spec) };
  }

  const tracker = new ProgressTracker();
  CancellationScope.current().cancelRequested.catch(() => (tracker.state = 'cancelling'));
  const pool = new WorkPool(spec.maxConcurrentRounds);
  let maxConcurrentUnits = spec.maxConcurrentUnits;
  const running = new Set<string>();
  setHandler(progressQuery, () => tracker.snapshot(pool));
  setHandler(unitsPlannedSignal, (count) => tracker.planned(count));
  setHandler(unitReportsSignal, (reports) => reports.forEach((r) => tracker.report(r)));
  handlePauseResume(pool, running);
  setHandler(
    setConcurrencyUpdate,
    async (change) => {
      if (change.maxConcurrentRounds !== undefined) pool.setLimit(change.maxConcurrentRounds);
      if (change.maxConcurrentUnits !== undefined) {
        maxConcurrentUnits = change.maxConcurrentUnits;
        await Promise.all([...running].map((id) => getExternalWorkflowHandle(id).signal(unitConcurrencySignal, maxConcurrentUnits).catch(() => undefined)));
      }
      return { maxConcurrentRounds: pool.maxConcurrent, maxConcurrentUnits };
    },
    {
      validator: (change) => {
        const shape = BackfillInputSchema.pick({ maxConcurrentRounds: true, maxConcurrentUnits: true }).partial().strict().safeParse(change);
        if (!shape.success) throw invalid(describeInputIssues(shape.error, change));
        if (change.maxConcurrentRounds === undefined && change.maxConcurrentUnits === undefined) throw invalid(['(input): give maxConcurrentRounds and/or maxConcurrentUnits']);
      },
    },
  );

  // planSeason lands the meetings dimension, so it runs where ClickHouse is.
  const plans = await activitiesOn('warehouse', PLAN).planSeason({ season: spec.season, rounds: spec.rounds, includeTesting: spec.includeTesting });
  tracker.state = 'running';
  const { workflowId } = workflowInfo();
  const filters = toOpenF1Filters(spec.filters);
  const results = await pool.settleAll(plans, async (plan) => {
    const id = roundWorkflowId(workflowId, plan.label);
    running.add(id);
    try {
      return await executeChild(roundIngest, {
        workflowId: id,
        args: [{ season: spec.season, plan, sessionNames: spec.sessionNames, drivers: spec.drivers, filters, maxConcurrentUnits, parentWorkflowId: workflowId }],
        typedSearchAttributes: [
          { key: F1Season, value: spec.season },
          { key: F1Meeting, value: plan.meetingKey },
        ],
      });
    } finally {
      running.delete(id);
    }
  });

  const rounds = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failedRounds = plans.filter((_, i) => results[i].status === 'rejected').map((p) => p.label);
  tracker.state = failedRounds.length ? 'failed' : 'done';
  if (failedRounds.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `season ${spec.season}: ${failedRounds.length} round(s) had failed units (${failedRounds.join(', ')}); see each round's failure for the unit IDs`,
      'UnitsFailed',
    );
  }
  return {
    season: spec.season,
    rounds,
    unitsLoaded: rounds.reduce((n, r) => n + r.loaded, 0),
    unitsSkipped: rounds.reduce((n, r) => n + r.skipped, 0),
    rowsLoaded: rounds.reduce((n, r) => n + r.rowsLoaded, 0),
  };
}
