import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenF1Client } from '../../src/openf1/index.js';
import { RateLimiter } from '../../src/openf1/rate-limiter.js';
import { FakeClock, carDataRow, jsonArray, sendJson, startServer } from './openf1-test-server.js';

/** Asserts that no interval of `perMs` contains more than `requests` of the start times. */
function assertWithinLimit(starts: number[], requests: number, perMs: number): void {
  for (let i = 0; i + requests < starts.length; i++) {
    assert.ok(starts[i + requests] - starts[i] >= perMs, `starts ${i}..${i + requests} within ${perMs} ms: ${starts.join(',')}`);
  }
}

void test('grants `requests` at once, then one per returned token, never more than the limit per interval', async () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ requests: 3, perMs: 1000 }, clock);
  const starts: number[] = [];
  for (let i = 0; i < 8; i++) {
    await limiter.take();
    starts.push(clock.now());
  }
  assert.deepEqual(starts, [0, 0, 0, 1000, 1000, 1000, 2000, 2000]);
  assertWithinLimit(starts, 3, 1000);
});

void test('tokens come back perMs after their use, not all at once', async () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ requests: 2, perMs: 1000 }, clock);
  await limiter.take(); // t=0
  clock.t = 600;
  await limiter.take(); // t=600
  await limiter.take(); // waits for the t=0 token: t=1000
  assert.equal(clock.now(), 1000);
  await limiter.take(); // waits for the t=600 token: t=1600
  assert.equal(clock.now(), 1600);
  clock.t = 10_000; // idle: full burst again
  await limiter.take();
  await limiter.take();
  assert.equal(clock.now(), 10_000);
});

void test('concurrent callers are served in order and stay within the limit', async () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ requests: 2, perMs: 500 }, clock);
  const order: Array<{ id: number; at: number }> = [];
  await Promise.all(
    Array.from({ length: 7 }, (_, id) => limiter.take().then(() => order.push({ id, at: clock.now() }))),
  );
  assert.deepEqual(order.map((o) => o.id), [0, 1, 2, 3, 4, 5, 6]);
  assertWithinLimit(order.map((o) => o.at), 2, 500);
  assert.equal(order[6].at, 1500);
});

void test('an aborted waiter rejects and does not hold up the next one', async () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ requests: 1, perMs: 1000 }, clock);
  await limiter.take();
  const controller = new AbortController();
  controller.abort(new Error('cancelled'));
  await assert.rejects(limiter.take(controller.signal), /cancelled/);
  await limiter.take();
  assert.equal(clock.now(), 1000);
});

void test('rejects a nonsensical limit', () => {
  assert.throws(() => new RateLimiter({ requests: 0, perMs: 1000 }, new FakeClock()), RangeError);
  assert.throws(() => new RateLimiter({ requests: 2.5, perMs: 1000 }, new FakeClock()), RangeError);
  assert.throws(() => new RateLimiter({ requests: 2, perMs: 0 }, new FakeClock()), RangeError);
});

void test('the client applies the limit to every request, retries included', async () => {
  let calls = 0;
  const server = await startServer((_req, res) => {
    calls++;
    if (calls === 2) sendJson(res, 503, { detail: 'busy' });
    else sendJson(res, 200, jsonArray([carDataRow(0)]));
  });
  try {
    const clock = new FakeClock(0);
    const seenAt: number[] = [];
    const client = new OpenF1Client({
      baseUrl: server.baseUrl,
      rateLimit: { requests: 2, perMs: 1000 },
      retryBaseDelayMs: 1, // the retry delay itself must not be what spaces the requests
      now: clock.now,
      sleep: clock.sleep,
      fetchImpl: (input, init) => {
        seenAt.push(clock.now());
        return fetch(input, init);
      },
    });
    for (let i = 0; i < 4; i++) await client.list('car_data', [{ field: 'session_key', op: '=', value: 9159 }]);
    assert.equal(seenAt.length, 5, '4 lists + 1 retry');
    assert.deepEqual(seenAt.slice(0, 2), [0, 0]);
    assert.ok(seenAt[2] >= 1000, `the retry waited for a token (${seenAt.join(',')})`);
    assertWithinLimit(seenAt, 2, 1000);
  } finally {
    await server.close();
  }
});

void test('rateLimit: false sends without waiting', async () => {
  const server = await startServer((_req, res) => sendJson(res, 200, '[]'));
  try {
    const clock = new FakeClock(0);
    const client = new OpenF1Client({ baseUrl: server.baseUrl, rateLimit: false, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 40; i++) await client.list('meetings', []);
    assert.equal(clock.now(), 0);
    assert.equal(server.received.length, 40);
  } finally {
    await server.close();
  }
});
