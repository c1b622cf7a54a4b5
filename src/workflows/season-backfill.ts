import { ApplicationFailure, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { BackfillInputSchema, describeInputIssues, toOpenF1Filters } from '../model/backfill-input.js';
import { roundWorkflowId } from '../model/unit.js';
import { settleWithConcurrency } from './bounded-concurrency.js';
import { progressQuery, unitReportSignal, unitsPlannedSignal } from './messages.js';
import { ProgressTracker } from './progress-tracker.js';
import { roundIngest, type RoundOutcome } from './round-ingest.js';

export interface SeasonOutcome {
  season: number;
  rounds: RoundOutcome[];
  unitsLoaded: number;
  unitsSkipped: number;
  rowsLoaded: number;
}

const { planSeason } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * A season backfill: validates its JSON input (as typed into the Temporal UI or sent by the CLI),
 * lists the calendar and runs one child roundIngest per meeting with bounded concurrency.
 */
export async function seasonBackfill(input: unknown): Promise<SeasonOutcome> {
  const parsed = BackfillInputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = describeInputIssues(parsed.error, input);
    throw ApplicationFailure.nonRetryable(`Invalid backfill input:\n  ${problems.join('\n  ')}`, 'InvalidBackfillInput', problems);
  }
  const spec = parsed.data;
  const tracker = new ProgressTracker(new Date());
  setHandler(progressQuery, () => tracker.progress);
  setHandler(unitsPlannedSignal, (count) => tracker.planned(count));
  setHandler(unitReportSignal, (report) => tracker.report(report));

  const plans = await planSeason({ season: spec.season, rounds: spec.rounds, includeTesting: spec.includeTesting });
  tracker.progress.state = 'running';
  const { workflowId } = workflowInfo();
  const filters = toOpenF1Filters(spec.filters);
  const results = await settleWithConcurrency(plans, spec.maxConcurrentRounds, (plan) =>
    executeChild(roundIngest, {
      workflowId: roundWorkflowId(workflowId, plan.label),
      args: [
        {
          season: spec.season,
          plan,
          sessionNames: spec.sessionNames,
          drivers: spec.drivers,
          filters,
          maxConcurrentUnits: spec.maxConcurrentUnits,
          parentWorkflowId: workflowId,
        },
      ],
    }),
  );

  const rounds = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failedRounds = plans.filter((_, i) => results[i].status === 'rejected').map((p) => p.label);
  tracker.progress.state = failedRounds.length ? 'failed' : 'done';
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
