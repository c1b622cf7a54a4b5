import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  OpenF1Client,
  OpenF1HttpError,
  OpenF1UsageError,
  OpenF1WindowFloorError,
  type ClientEvent,
  type OpenF1ClientOptions,
  type RowOf,
  type TimeWindow,
} from '../../src/openf1/index.js';
import { FakeClock, carDataRow, jsonArray, play, startServer, type Received, type Step, type TestServer } from './openf1-test-server.js';

const MIN = 60_000;
const T0 = Date.UTC(2023, 8, 15, 12, 0, 0);
/** Two hours of car_data, one row every 10 s. */
const DATA = Array.from({ length: 720 }, (_, i) => carDataRow(T0 + i * 10_000, i));
const FROM = '2023-09-15T12:00:00+00:00'; // = T0, with an offset that must be encoded on the wire
const TO = '2023-09-15T14:00:00Z'; // = T0 + 120 min
const FILTERS = [
  { field: 'session_key', op: '=' as const, value: 9159 },
  { field: 'driver_number', op: '=' as const, value: 55 },
];

interface Served {
  fromMs: number;
  toMs: number;
  /** 1-based count of requests for this exact window so far. */
  nth: number;
}

/** Minutes since T0, for readable expectations. */
const m = (ms: number) => (ms - T0) / MIN;

function windowOf(req: Received): { fromMs: number; toMs: number } {
  // `date` for car_data, `date_start` for laps.
  const from = req.filters.find((f) => f.field.startsWith('date') && f.op === '>=');
  const to = req.filters.find((f) => f.field.startsWith('date') && f.op === '<');
  assert.ok(from && to, `no date window in ${req.query}`);
  return { fromMs: Date.parse(from.value), toMs: Date.parse(to.value) };
}

function rowsIn(fromMs: number, toMs: number): Array<Record<string, unknown>> {
  return DATA.filter((r) => {
    const t = Date.parse(r.date as string);
    return t >= fromMs && t < toMs;
  });
}

/** The server's behaviour per window; `undefined` = answer normally. */
let policy: (w: Served) => Step | undefined;
let server: TestServer;
let clock: FakeClock;
let events: ClientEvent[];

/** Requests per exact window, for `Served.nth`. */
const seen = new Map<string, number>();

before(async () => {
  server = await startServer((req, res) => {
    const { fromMs, toMs } = windowOf(req);
    const key = `${fromMs}-${toMs}`;
    const nth = (seen.get(key) ?? 0) + 1;
    seen.set(key, nth);
    const rows = rowsIn(fromMs, toMs);
    const step = policy({ fromMs, toMs, nth });
    play(step ?? (rows.length > 0 ? { status: 200, body: jsonArray(rows) } : { status: 404, body: '{"detail":"No results found."}' }), res);
  });
});
beforeEach(() => {
  seen.clear();
  server.received.length = 0;
  clock = new FakeClock(T0);
  events = [];
  policy = () => undefined;
});
after(() => server.close());

function client(opts: OpenF1ClientOptions = {}): OpenF1Client {
  return new OpenF1Client({
    baseUrl: server.baseUrl,
    rateLimit: false,
    requestTimeoutMs: 150,
    retryBaseDelayMs: 10,
    now: clock.now,
    sleep: clock.sleep,
    onEvent: (e) => events.push(e),
    ...opts,
  });
}

/** Requested windows as [fromMin, toMin] pairs. */
function requested(): Array<[number, number]> {
  return server.received.map((r) => {
    const w = windowOf(r);
    return [m(w.fromMs), m(w.toMs)];
  });
}

/**
 * A consumer that stages each window's rows and commits them only when the window completes,
 * as a real sink would (partial output of a failed window is discarded).
 */
function stagingConsumer() {
  const committed: Array<Record<string, unknown>> = [];
  const calls: Array<{ window: TimeWindow & { url: string }; rows: number; failed: boolean }> = [];
  const consume = async (window: TimeWindow & { url: string }, rows: AsyncIterable<RowOf<'car_data'>>) => {
    const staged: Array<Record<string, unknown>> = [];
    try {
      for await (const { row, raw } of rows) {
        assert.deepEqual(JSON.parse(raw), row);
        staged.push(row);
      }
    } catch (error) {
      calls.push({ window, rows: staged.length, failed: true });
      throw error;
    }
    calls.push({ window, rows: staged.length, failed: false });
    committed.push(...staged);
  };
  return { committed, calls, consume };
}

const tooLargeOver = (limitMin: number, step: Step) => (w: Served) => (w.toMs - w.fromMs > limitMin * MIN ? step : undefined);

void describe('bisection', () => {
  void test('422 over 40 min: halves until windows fit, rows arrive once and in order', async () => {
    policy = tooLargeOver(40, { status: 422, body: '{"detail":"Too much data requested"}' });
    const c = client();
    const sink = stagingConsumer();
    const result = await c.fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO, windowKey: 'practice' }, sink.consume);

    assert.deepEqual(requested(), [[0, 120], [0, 60], [0, 30], [30, 60], [60, 90], [90, 120]]);
    assert.equal(result.requests, 6);
    assert.deepEqual(sink.committed, DATA);
    assert.deepEqual(result.windows, [
      { from: FROM, to: '2023-09-15T12:30:00.000Z' },
      { from: '2023-09-15T12:30:00.000Z', to: '2023-09-15T13:00:00.000Z' },
      { from: '2023-09-15T13:00:00.000Z', to: '2023-09-15T13:30:00.000Z' },
      { from: '2023-09-15T13:30:00.000Z', to: TO },
    ]);
    assert.deepEqual(sink.calls.map((call) => [call.window.from, call.window.to, call.rows]), result.windows.map((w) => [w.from, w.to, 180]));
    assert.equal(sink.calls[0].window.url, c.url('car_data', [...FILTERS, { field: 'date', op: '>=', value: FROM }, { field: 'date', op: '<', value: '2023-09-15T12:30:00.000Z' }]));
    assert.deepEqual(c.stats(), { requests: 6, retries: 0, throttled: 0, bisections: 2 });
    assert.deepEqual(
      events.filter((e) => e.type === 'bisect').map((e) => e.type === 'bisect' && e.windowMs / MIN),
      [60, 30],
    );

    // The wire format: user filters, then the window, with the caller's edge strings verbatim.
    assert.deepEqual(server.received[0].filters, [
      { field: 'session_key', op: '=', value: '9159' },
      { field: 'driver_number', op: '=', value: '55' },
      { field: 'date', op: '>=', value: FROM },
      { field: 'date', op: '<', value: TO },
    ]);

    // The remembered size: the next fetch of the same kind starts at 30 min.
    server.received.length = 0;
    const again = stagingConsumer();
    const second = await c.fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO, windowKey: 'practice' }, again.consume);
    assert.equal(second.requests, 4);
    assert.ok(second.requests < result.requests);
    assert.deepEqual(again.committed, DATA);

    // A range shorter than the remembered size is one request.
    server.received.length = 0;
    const short = await c.fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: '2023-09-15T12:20:00Z', windowKey: 'practice' }, stagingConsumer().consume);
    assert.equal(short.requests, 1);

    // Another key learns on its own.
    server.received.length = 0;
    const other = await c.fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO, windowKey: 'race' }, stagingConsumer().consume);
    assert.equal(other.requests, 6);
  });

  void test('a range that fits is one request, and does not shrink the remembered size', async () => {
    const c = client();
    const sink = stagingConsumer();
    const result = await c.fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: '2023-09-15T12:20:00Z', windowKey: 'k' }, sink.consume);
    assert.deepEqual(result, { requests: 1, windows: [{ from: FROM, to: '2023-09-15T12:20:00Z' }] });
    assert.deepEqual(sink.committed, DATA.slice(0, 120));
    // Had 20 min been remembered, this would take 6 requests; from scratch it is 120 (422) + 2 x 60.
    policy = tooLargeOver(100, { status: 422, body: '{"detail":"Too much data requested"}' });
    assert.equal((await c.fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO, windowKey: 'k' }, stagingConsumer().consume)).requests, 3);
  });

  void test('below minWindowMs it throws a retryable OpenF1WindowFloorError', async () => {
    policy = tooLargeOver(1, { status: 422, body: '{"detail":"Too much data requested"}' });
    const sink = stagingConsumer();
    const error = await client({ minWindowMs: MIN })
      .fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO }, sink.consume)
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenF1WindowFloorError, String(error));
    assert.equal(error.type, 'OpenF1WindowFloorError');
    assert.equal(error.retryable, true);
    assert.equal(error.minWindowMs, MIN);
    // 120 -> 60 -> 30 -> 15 -> 7.5 -> 3.75 -> 1.875 min; half of that is below 1 min.
    assert.deepEqual(requested().map(([a, b]) => b - a), [120, 60, 30, 15, 7.5, 3.75, 1.875]);
    assert.equal(error.from, FROM);
    assert.equal(error.to, '2023-09-15T12:01:52.500Z');
    assert.ok(error.cause instanceof OpenF1HttpError && error.cause.status === 422);
    assert.equal(sink.calls.length, 0);
  });

  const suspects: Array<{ name: string; step: Step }> = [
    { name: '500', step: { status: 500, body: '<h1>An error occurred</h1>' } },
    { name: '504', step: { status: 504, body: 'upstream request timeout' } },
    { name: 'timeout', step: { hang: true } },
  ];
  for (const s of suspects) {
    void test(`${s.name} over 40 min: retried once, then split`, async () => {
      policy = tooLargeOver(40, s.step);
      const c = client();
      const sink = stagingConsumer();
      const result = await c.fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO }, sink.consume);
      assert.deepEqual(requested(), [[0, 120], [0, 120], [0, 60], [0, 60], [0, 30], [30, 60], [60, 90], [90, 120]]);
      assert.equal(result.requests, 8);
      assert.deepEqual(sink.committed, DATA);
      assert.deepEqual(c.stats(), { requests: 8, retries: 2, throttled: 0, bisections: 2 });
    });

    void test(`${s.name} once: transient, the window is not split`, async () => {
      policy = (w) => (w.nth === 1 ? s.step : undefined);
      const result = await client().fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO }, stagingConsumer().consume);
      assert.deepEqual(result, { requests: 2, windows: [{ from: FROM, to: TO }] });
    });
  }

  void test('at the floor, 500s use the whole retry budget and then throw the retryable HTTP error', async () => {
    policy = () => ({ status: 500 });
    const error = await client({ maxAttempts: 3 })
      .fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: '2023-09-15T12:01:00Z' }, stagingConsumer().consume)
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenF1HttpError && error.status === 500 && error.retryable, String(error));
    assert.equal(server.received.length, 3);
  });
});

void describe('failures after rows were handed to consume', () => {
  const midStream: Array<{ name: string; step: (rows: string) => Step }> = [
    { name: 'connection dropped', step: (rows) => ({ drop: rows }) },
    { name: 'body truncated', step: (rows) => ({ truncate: rows }) },
  ];
  for (const c of midStream) {
    void test(`${c.name}: the rows iterable throws, the window is consumed again`, async () => {
      const partial = jsonArray(DATA.slice(0, 100)).slice(0, -1) + ',{"brake":0,"da';
      policy = (w) => (w.nth === 1 ? c.step(partial) : undefined);
      const client1 = client();
      const sink = stagingConsumer();
      const result = await client1.fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO }, sink.consume);
      assert.deepEqual(sink.calls.map((call) => [call.window.from, call.window.to, call.rows, call.failed]), [
        [FROM, TO, 100, true],
        [FROM, TO, 720, false],
      ]);
      assert.deepEqual(sink.committed, DATA);
      assert.equal(result.requests, 2);
      assert.deepEqual(client1.stats(), { requests: 2, retries: 1, throttled: 0, bisections: 0 });
    });
  }

  void test('a stall mid-stream over 40 min is a timeout: retried once, then split; every attempt re-consumed', async () => {
    policy = (w) => (w.toMs - w.fromMs > 40 * MIN ? { stall: jsonArray(rowsIn(w.fromMs, w.toMs).slice(0, 50)).slice(0, -1) + ',' } : undefined);
    const sink = stagingConsumer();
    const result = await client().fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO }, sink.consume);
    assert.deepEqual(
      sink.calls.map((call) => [(Date.parse(call.window.to) - Date.parse(call.window.from)) / MIN, call.rows, call.failed]),
      [[120, 50, true], [120, 50, true], [60, 50, true], [60, 50, true], [30, 180, false], [30, 180, false], [30, 180, false], [30, 180, false]],
    );
    assert.deepEqual(sink.committed, DATA);
    assert.equal(result.requests, 8);
  });

  void test('a consumer that wraps the stream error (with cause) still gets the window retried', async () => {
    policy = (w) => (w.nth === 1 ? { drop: jsonArray(DATA.slice(0, 10)).slice(0, -1) + ',' } : undefined);
    let calls = 0;
    const result = await client().fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO }, async (_w, rows) => {
      calls++;
      try {
        for await (const row of rows) void row;
      } catch (error) {
        throw new Error('upload aborted', { cause: error });
      }
    });
    assert.equal(calls, 2);
    assert.equal(result.requests, 2);
  });
});

void describe('consume contract', () => {
  const emptyAnswers: Array<{ name: string; step: Step }> = [
    { name: '200 []', step: { status: 200, body: '[]' } },
    { name: '404 no results', step: { status: 404, body: '{"detail":"No results found."}' } },
    { name: '422 no results', step: { status: 422, body: '{"detail":"No results found."}' } },
  ];
  for (const e of emptyAnswers) {
    void test(`empty window (${e.name}): consume is called with an empty iterable`, async () => {
      policy = () => e.step;
      const sink = stagingConsumer();
      const result = await client().fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO }, sink.consume);
      assert.deepEqual(result, { requests: 1, windows: [{ from: FROM, to: TO }] });
      assert.deepEqual(sink.calls.map((call) => [call.rows, call.failed]), [[0, false]]);
    });
  }

  void test("the consumer's own error ends the fetch unchanged, without retry", async () => {
    const diskFull = new Error('disk full');
    const error = await client()
      .fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO }, async (_w, rows) => {
        for await (const row of rows) {
          void row;
          throw diskFull;
        }
      })
      .catch((e: unknown) => e);
    assert.equal(error, diskFull);
    assert.equal(server.received.length, 1);
  });

  void test('a consumer that stops reading early is a usage error (rows would be lost)', async () => {
    const error = await client()
      .fetchWindowed({ endpoint: 'car_data', filters: FILTERS, from: FROM, to: TO }, async (_w, rows) => {
        for await (const row of rows) {
          void row;
          break;
        }
      })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenF1UsageError, String(error));
    assert.match(error.message, /before reading every row/);
  });

  const usage: Array<{ name: string; run: (c: OpenF1Client) => Promise<unknown> }> = [
    { name: 'endpoint without a time field', run: (c) => c.fetchWindowed({ endpoint: 'drivers', filters: [], from: FROM, to: TO }, async () => {}) },
    {
      name: 'the time field in the filters',
      run: (c) => c.fetchWindowed({ endpoint: 'car_data', filters: [{ field: 'date', op: '>', value: FROM }], from: FROM, to: TO }, async () => {}),
    },
    { name: 'an instant without offset', run: (c) => c.fetchWindowed({ endpoint: 'car_data', filters: [], from: '2023-09-15T12:00:00', to: TO }, async () => {}) },
    { name: 'not an instant', run: (c) => c.fetchWindowed({ endpoint: 'car_data', filters: [], from: 'yesterday', to: TO }, async () => {}) },
    { name: 'from after to', run: (c) => c.fetchWindowed({ endpoint: 'car_data', filters: [], from: TO, to: FROM }, async () => {}) },
  ];
  for (const u of usage) {
    void test(`rejects ${u.name}`, async () => {
      await assert.rejects(u.run(client()), OpenF1UsageError);
      assert.equal(server.received.length, 0);
    });
  }

  void test('laps are windowed on date_start', async () => {
    policy = () => ({ status: 200, body: '[]' });
    await client().fetchWindowed({ endpoint: 'laps', filters: [], from: FROM, to: TO }, async (_w, rows) => {
      for await (const row of rows) void row;
    });
    assert.deepEqual(server.received[0].filters.map((f) => `${f.field}${f.op}`), ['date_start>=', 'date_start<']);
  });
});
