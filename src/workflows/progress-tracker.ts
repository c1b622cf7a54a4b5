import type { Progress, UnitReport } from './messages.js';

/** Keeps a Progress up to date from unit reports; shared by the season and round workflows. */
export class ProgressTracker {
  readonly progress: Progress;

  constructor(startedAt: Date) {
    this.progress = {
      state: 'planning',
      unitsTotal: 0,
      unitsDone: 0,
      unitsRunning: 0,
      unitsFailed: 0,
      unitsSkipped: 0,
      rowsFetched: 0,
      rowsLoaded: 0,
      bytesStaged: 0,
      apiRequests: 0,
      startedAt: startedAt.toISOString(),
    };
  }

  planned(count: number): void {
    this.progress.unitsTotal += count;
  }

  report(r: UnitReport): void {
    const p = this.progress;
    if (r.status === 'running') {
      p.unitsRunning += 1;
      return;
    }
    p.unitsRunning = Math.max(0, p.unitsRunning - 1);
    if (r.status === 'failed') {
      p.unitsFailed += 1;
    } else if (r.status === 'skipped') {
      p.unitsSkipped += 1;
    } else {
      p.unitsDone += 1;
      p.rowsFetched += r.rowsFetched;
      p.rowsLoaded += r.rowsLoaded;
      p.bytesStaged += r.bytesStaged;
      p.apiRequests += r.apiRequests;
    }
  }
}
