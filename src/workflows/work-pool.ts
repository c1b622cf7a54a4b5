import { CancellationScope, CancelledFailure, condition } from '@temporalio/workflow';

/**
 * Starts work items one by one while fewer than `limit` run and the pool is not paused; the limit
 * and the pause can change at any time (signals, updates). A single loop decides every start, so
 * the bound holds exactly and the schedule is the same on replay. Every item settles: one failure
 * does not abandon its siblings.
 */
export class WorkPool {
  private running = 0;
  paused = false;

  constructor(private limit: number) {}

  get inFlight(): number {
    return this.running;
  }

  get maxConcurrent(): number {
    return this.limit;
  }

  setLimit(limit: number): void {
    this.limit = limit;
  }

  /** Settles every item; if the workflow is cancelled, stops starting and rethrows after in-flight items settle. */
  async settleAll<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<Array<PromiseSettledResult<R>>> {
    const results: Array<PromiseSettledResult<R>> = new Array(items.length);
    const started: Array<Promise<void>> = [];
    try {
      for (let i = 0; i < items.length; i++) {
        await condition(() => !this.paused && this.running < this.limit);
        this.running += 1;
        started.push(
          fn(items[i]).then(
            (value) => void (results[i] = { status: 'fulfilled', value }),
            (reason) => void (results[i] = { status: 'rejected', reason }),
          ).finally(() => void (this.running -= 1)),
        );
      }
    } finally {
      // On cancellation, children are being cancelled too: wait for them so nothing is left mid-flight.
      await Promise.all(started);
    }
    // Everything may have started before the cancel arrived: the workflow must still end cancelled,
    // not failed by the children's cancellations.
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('cancelled while running');
    return results;
  }
}
