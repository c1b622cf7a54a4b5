import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settleWithConcurrency } from '../../src/workflows/bounded-concurrency.js';

test('never more than the limit in flight, every item settled in order, failures isolated', async () => {
  let inFlight = 0;
  let peak = 0;
  const results = await settleWithConcurrency([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, (n % 3) * 5));
    inFlight -= 1;
    if (n === 4) throw new Error('four');
    return n * 10;
  });
  assert.equal(peak, 3);
  assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), [10, 20, 30, 'four', 50, 60, 70]);
});

test('an empty list settles at once', async () => {
  assert.deepEqual(await settleWithConcurrency([], 4, async () => 1), []);
});
