import { ApplicationFailure, setHandler, upsertSearchAttributes, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { CarriedState } from '../model/incremental-state.js';
import { F1Season } from '../model/search-attributes.js';
import { unitId, type Unit } from '../model/unit.js';
import { activitiesOn } from './activity-proxies.js';
import { runUnitChild } from './run-unit-child.js';
import { progressQuery } from './messages.js';
import { handlePauseResume } from './pause-forwarding.js';
import { ProgressTracker } from './progress-tracker.js';
import { backfillInputSchemas, carriedStateSchema } from './schemas.js';
import { WorkPool } from './work-pool.js';

export interface IncrementalOutcome extends CarriedState {
  previousWatermark: string;
  unitsLoaded: number;
  unitsSkipped: number;
  unitsFailed: number;
  rowsLoaded: number;
}

const PLAN: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 10 },
};

/**
 * A scheduled run: ingests the units of sessions that ended since the previous successful run's
 * watermark, plus the units that run could not load. Completed units are skipped by workflow ID,
 * so overlapping with a backfill never loads twice.
 */
export async function incrementalIngest(input: unknown): Promise<IncrementalOutcome> {
  const { describeInputIssues, IncrementalInputSchema, toOpenF1Filters } = await backfillInputSchemas();
  const { CarriedStateSchema } = await carriedStateSchema();
  const parsed = IncrementalInputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = describeInputIssues(parsed.error, input);
    throw ApplicationFailure.nonRetryable(`Invalid incremental input:\n  ${problems.join('\n  ')}`, 'InvalidBackfillInput', problems);
  }
  const spec = parsed.data;
  upsertSearchAttributes([{ key: F1Season, value: spec.season }]);
  const carried = CarriedStateSchema.safeParse(workflowInfo().lastResult);
  const previousWatermark = carried.success ? carried.data.watermark : (spec.since ?? `${spec.season}-01-01T00:00:00+00:00`);
  // Workflow time: deterministic, and the instant this run's view of "ended" is taken at.
  const now = new Date().toISOString();

  const tracker = new ProgressTracker();
  const pool = new WorkPool(spec.maxConcurrentUnits);
  setHandler(progressQuery, () => tracker.snapshot(pool));
  const running = new Set<string>();
  handlePauseResume(pool, running);

  const { planIncremental } = activitiesOn('workflows', PLAN);
  const fresh = await planIncremental({
    season: spec.season,
    rounds: spec.rounds,
    includeTesting: spec.includeTesting,
    sessionNames: spec.sessionNames,
    drivers: spec.drivers,
    filters: toOpenF1Filters(spec.filters),
    endedAfter: previousWatermark,
    endedBy: now,
  });
  const byId = new Map<string, Unit>();
  for (const u of [...(carried.success ? carried.data.retry : []), ...fresh]) byId.set(unitId(u), u);
  const units = [...byId.values()];
  tracker.planned(units.length);
  tracker.state = 'running';

  const results = await pool.settleAll(units, async (unit) => {
    const id = unitId(unit);
    running.add(id);
    try {
      return await runUnitChild(unit, (r) => tracker.report(r));
    } finally {
      running.delete(id);
    }
  });
  tracker.state = 'done';
  const outcomes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const retry = units.filter((_, i) => results[i].status === 'rejected');
  return {
    watermark: now,
    retry,
    previousWatermark,
    unitsLoaded: outcomes.filter((o) => o.status === 'loaded').length,
    unitsSkipped: outcomes.filter((o) => o.status === 'skipped').length,
    unitsFailed: retry.length,
    rowsLoaded: outcomes.reduce((n, o) => n + o.rowsLoaded, 0),
  };
}
