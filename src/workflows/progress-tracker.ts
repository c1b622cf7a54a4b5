import type { Progress, UnitReport } from './messages.js';
import type { WorkPool } from './work-pool.js';

type Counters = Omit<Progress, 'state' | 'startedAt' | 'updatedAt' | 'rowsPerSecond' | 'etaSeconds' | 'maxConcurrent' | 'unitsRunning'>;

/** Keeps progress counters from unit reports; shared by the season and round workflows. */
export class ProgressTracker {
  state: 'planning' | 'running' | 'cancelling' | 'done' | 'failed' = 'planning';
  private running = 0;
  private readonly counters: Counters = {
    unitsTotal: 0,
    unitsDone: 0,
    unitsFailed: 0,
    unitsSkipped: 0,
    rowsFetched: 0,
    rowsLoaded: 0,
    bytesStaged: 0,
    apiRequests: 0,
  };
  private readonly startedAt = Date.now();
  // Workflow time (Date.now() is deterministic in workflows): the time of the last event seen.
  private updatedAt = this.startedAt;

  planned(count: number): void {
    this.counters.unitsTotal += count;
    this.touch();
  }

  report(r: UnitReport): void {
    this.touch();
    const c = this.counters;
    if (r.status === 'running') {
      this.running += 1;
      return;
    }
    this.running = Math.max(0, this.running - 1);
    if (r.status === 'failed') {
      c.unitsFailed += 1;
    } else if (r.status === 'skipped') {
      c.unitsSkipped += 1;
    } else {
      c.unitsDone += 1;
      c.rowsFetched += r.rowsFetched;
      c.rowsLoaded += r.rowsLoaded;
      c.bytesStaged += r.bytesStaged;
      c.apiRequests += r.apiRequests;
    }
  }

  /** The `progress` query's answer. */
  snapshot(pool: WorkPool): Progress {
    const c = this.counters;
    const elapsedS = (this.updatedAt - this.startedAt) / 1000;
    const finished = c.unitsDone + c.unitsSkipped + c.unitsFailed;
    const remaining = Math.max(0, c.unitsTotal - finished);
    const busy = this.state === 'running' || this.state === 'planning';
    return {
      ...c,
      state: busy && pool.paused ? 'paused' : this.state,
      unitsRunning: this.running,
      startedAt: new Date(this.startedAt).toISOString(),
      updatedAt: new Date(this.updatedAt).toISOString(),
      rowsPerSecond: elapsedS > 0 ? Math.round(c.rowsLoaded / elapsedS) : 0,
      etaSeconds: finished > 0 && busy ? Math.round((elapsedS / finished) * remaining) : null,
      maxConcurrent: pool.maxConcurrent,
    };
  }

  private touch(): void {
    this.updatedAt = Date.now();
  }
}
