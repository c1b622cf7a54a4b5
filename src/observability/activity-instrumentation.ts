import type { LoadResult, StagedUnit } from '../model/stage-results.js';
import type { IngestMetrics } from './metrics-registry.js';
import { errorTypeOf } from '../activities/terminal-errors.js';

type ActivityFn = (...args: never[]) => Promise<unknown>;

/**
 * What each stage's result adds to the counters. Results, not the stages' internals, are read:
 * they are what Temporal recorded, so a retried attempt that failed adds nothing.
 */
const resultCounters = {
  stageUnit: (m: IngestMetrics, { bronze, silver }: StagedUnit) => {
    // A committed manifest found by a later attempt or run was counted when it was fetched.
    if (!bronze.fetched) return;
    m.rowsFetched.inc(bronze.rows);
    m.bytesStaged.inc({ layer: 'bronze' }, bronze.bytes);
    m.bytesStaged.inc({ layer: 'silver' }, silver.bytes);
  },
  loadWarehouse: (m: IngestMetrics, r: LoadResult) => {
    m.warehouseLoads.inc({ action: r.action });
    if (r.action === 'inserted' || r.action === 'replaced') m.rowsLoaded.inc(r.rowsInWarehouse);
  },
};

type ResultCounters = typeof resultCounters;

/** Activities named like a result counter must return what it reads (checked at compile time). */
type CountedResults = { [K in keyof ResultCounters]?: (...args: never[]) => Promise<Parameters<ResultCounters[K]>[1]> };

/**
 * Wraps each activity (outermost, so failures are seen with the type Temporal records, e.g. the
 * non-retryable ApplicationFailure type from withTerminalErrors) to time every attempt, count
 * failures by error type, and count what a successful stage reports. Names are the object's keys,
 * the names Temporal registers activities under.
 */
export function instrumentActivities<T extends Record<string, ActivityFn> & CountedResults>(activities: T, metrics: IngestMetrics): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [name, instrument(name, fn, metrics, resultCounters[name as keyof ResultCounters])]),
  ) as T;
}

function instrument(name: string, fn: ActivityFn, metrics: IngestMetrics, countResult?: (m: IngestMetrics, result: never) => void): ActivityFn {
  const wrapped = async (...args: never[]): Promise<unknown> => {
    const stopTimer = metrics.activityDuration.startTimer({ activity: name });
    try {
      const result = await fn(...args);
      stopTimer({ outcome: 'success' });
      countResult?.(metrics, result as never);
      return result;
    } catch (err) {
      stopTimer({ outcome: 'failure' });
      metrics.activityFailures.inc({ activity: name, error_type: errorTypeOf(err) });
      throw err;
    }
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped;
}

/** ApplicationFailure.type, or our errors' own `type`, else the class name. */
