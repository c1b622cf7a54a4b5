/**
 * Client-side request rate limit.
 *
 * A token bucket whose tokens come back `perMs` after each use (equivalently: at most `requests`
 * request starts in any `perMs` interval). A classic bucket that refills continuously at
 * requests/perMs with capacity `requests` would allow a burst of `requests` on top of the refill,
 * i.e. up to 2x the limit within one interval, and OpenF1's server-side limiter (30 per 10 s per
 * IP) answers that with 429s.
 */

export interface RateLimit {
  requests: number;
  perMs: number;
}

export interface Clock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class RateLimiter {
  /** Start times of the last `requests` grants, as a ring; -Infinity = never used. */
  private readonly starts: number[];
  private next = 0;
  /** Callers are served strictly in arrival order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock,
  ) {
    if (!(Number.isInteger(limit.requests) && limit.requests > 0 && limit.perMs > 0)) {
      throw new RangeError(`invalid rate limit ${JSON.stringify(limit)}`);
    }
    this.starts = new Array<number>(limit.requests).fill(-Infinity);
  }

  /** Resolves when one more request may start (and records that it did). */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.acquire(signal));
    // An aborted caller must not block the ones queued behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async acquire(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      const wait = this.starts[this.next] + this.limit.perMs - now;
      if (wait <= 0) {
        this.starts[this.next] = now;
        this.next = (this.next + 1) % this.starts.length;
        return;
      }
      await this.clock.sleep(wait, signal);
    }
  }
}
