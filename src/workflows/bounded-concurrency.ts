/**
 * Runs `fn` over `items` with at most `limit` in flight, in item order, and settles every item
 * (one failure must not abandon its siblings). Fixed lanes rather than a shared counter keep the
 * bound exact under Temporal's activation model and the schedule deterministic on replay.
 */
export async function settleWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<Array<PromiseSettledResult<R>>> {
  const results: Array<PromiseSettledResult<R>> = new Array(items.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const i = next;
      next += 1;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
