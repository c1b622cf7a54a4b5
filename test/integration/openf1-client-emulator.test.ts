import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type Emulator, type FaultConfig } from '../../src/emulator/index.js';
import { OpenF1Client, type OpenF1ClientOptions } from '../../src/openf1/client.js';
import type { Filter } from '../../src/openf1/filters.js';

// The client's failure policy against the emulator's fault knobs, over real HTTP: both halves of
// the OpenF1 boundary must agree on statuses, headers and bodies.
const UNIT: Filter[] = [
  { field: 'session_key', op: '=', value: 7953 },
  { field: 'driver_number', op: '=', value: 44 },
  { field: 'speed', op: '>=', value: 100 },
];
const RACE = { from: '2023-03-05T15:00:00+00:00', to: '2023-03-05T17:00:00+00:00' };

let emulator: Emulator;
let reference: unknown[];

function client(opts: OpenF1ClientOptions = {}): OpenF1Client {
  return new OpenF1Client({ baseUrl: emulator.url, rateLimit: false, retryBaseDelayMs: 5, retryMaxDelayMs: 20, ...opts });
}

async function fetchUnit(c: OpenF1Client): Promise<{ rows: unknown[]; requests: number }> {
  const rows: unknown[] = [];
  const result = await c.fetchWindowed({ endpoint: 'car_data', filters: UNIT, ...RACE, windowKey: 'Race' }, async (_w, stream) => {
    const window: unknown[] = [];
    for await (const { row } of stream) window.push(row);
    rows.push(...window); // only whole windows count: a failed window is re-consumed
  });
  return { rows, requests: result.requests };
}

function withFaults(faults: FaultConfig, fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    emulator.setFaults(faults);
    emulator.resetStats();
    try {
      await fn();
    } finally {
      emulator.setFaults({});
    }
  };
}

before(async () => {
  emulator = await startEmulator();
  reference = (await fetchUnit(client())).rows;
  assert.ok(reference.length > 10_000);
});
after(async () => emulator?.close());

describe('OpenF1 client x emulator', () => {
  test('one request for a unit that fits', async () => {
    emulator.resetStats();
    const { rows, requests } = await fetchUnit(client());
    assert.equal(requests, 1);
    assert.equal(emulator.stats().requests, 1);
    assert.deepEqual(rows, reference);
  });

  test('429 + Retry-After: waits and retries, nothing lost', withFaults({ rateLimit: { requests: 2, perMs: 1_000 } }, async () => {
    const c = client();
    for (let i = 0; i < 4; i++) assert.equal((await c.list('sessions', [{ field: 'meeting_key', op: '=', value: 1141 }])).length, 5);
    assert.ok(c.stats().throttled >= 1, `throttled ${c.stats().throttled}`);
    assert.ok((emulator.stats().byStatus['429'] ?? 0) >= 1);
  }));

  test('5xx are retried until the unit arrives whole', withFaults({ errorRate: 0.4, errorStatuses: [502, 503], seed: 7 }, async () => {
    const c = client({ maxAttempts: 8 });
    const { rows } = await fetchUnit(c);
    assert.deepEqual(rows, reference);
    assert.ok(c.stats().retries >= 1);
  }));

  test('truncated bodies are retried and the window re-consumed', withFaults({ truncateRate: 0.5, seed: 3 }, async () => {
    const c = client({ maxAttempts: 10 });
    // The fault sequence is seeded: over three fetches some bodies are cut, and every fetch is whole.
    for (let i = 0; i < 3; i++) assert.deepEqual((await fetchUnit(c)).rows, reference);
    assert.ok(c.stats().retries >= 1, `retries ${c.stats().retries}`);
  }));

  test('an oversized result (422) is bisected into windows that add up exactly', async () => {
    const capped = await startEmulator({ maxRows: 5_000 });
    try {
      const c = new OpenF1Client({ baseUrl: capped.url, rateLimit: false });
      const first = await fetchUnitFrom(c);
      assert.deepEqual(first.rows, reference);
      assert.ok(c.stats().bisections >= 1);
      const second = await fetchUnitFrom(c);
      assert.ok(second.requests < first.requests, `remembered window size: ${second.requests} < ${first.requests} requests`);
    } finally {
      await capped.close();
    }
  });

  test('a query over the time budget (500) is bisected too', async () => {
    const slow = await startEmulator({ timeBudgetMs: 20, scanRowsPerSecond: 200_000 });
    try {
      const c = new OpenF1Client({ baseUrl: slow.url, rateLimit: false, retryBaseDelayMs: 5 });
      assert.deepEqual((await fetchUnitFrom(c)).rows, reference);
      assert.ok(c.stats().bisections >= 1);
    } finally {
      await slow.close();
    }
  });

  for (const status of [404, 422] as const) {
    test(`${status} "No results found." is no data, not an error`, withFaults({ noDataSessions: { status, sessionKeys: [7953] } }, async () => {
      const { rows, requests } = await fetchUnit(client());
      assert.deepEqual(rows, []);
      assert.equal(requests, 1);
    }));
  }

  test('malformed rows fail non-retryably, naming the URL, the row and the field', withFaults({ malformed: { rate: 0.001, sessionKeys: [7953] }, seed: 5 }, async () => {
    await assert.rejects(fetchUnit(client()), (err: Error & { type?: string; retryable?: boolean; rowIndex?: number }) => {
      assert.equal(err.type, 'OpenF1DataError');
      assert.equal(err.retryable, false);
      assert.match(err.message, /car_data row \d+ field "(speed|date)"/);
      assert.match(err.message, /session_key=7953/);
      return true;
    });
  }));

  test('a slow server times out and is reported retryable', withFaults({ latencyMs: 300 }, async () => {
    const c = client({ requestTimeoutMs: 50, maxAttempts: 2 });
    await assert.rejects(c.list('meetings', [{ field: 'year', op: '=', value: 2023 }]), (err: Error & { retryable?: boolean }) => {
      assert.equal(err.retryable, true);
      assert.match(err.message, /no data for 50 ms \(GET .*\/meetings\?year=2023\)/);
      return true;
    });
  }));
});

async function fetchUnitFrom(c: OpenF1Client): Promise<{ rows: unknown[]; requests: number }> {
  return fetchUnit(c);
}
