import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  OpenF1Client,
  OpenF1DataError,
  OpenF1HttpError,
  OpenF1TransportError,
  type ClientEvent,
  type Filter,
  type OpenF1ClientOptions,
  type TransportFailure,
} from '../../src/openf1/index.js';
import { FakeClock, carDataRow, collect, jsonArray, play, startServer, type Step, type TestServer } from './openf1-test-server.js';

const T0 = Date.UTC(2023, 8, 15, 13, 0, 0);
const ROWS = [carDataRow(T0, 0), carDataRow(T0 + 270, 1), carDataRow(T0 + 540, 2)];
const BODY = jsonArray(ROWS);
const FILTERS: Filter[] = [{ field: 'session_key', op: '=', value: 9159 }, { field: 'driver_number', op: '=', value: 55 }];

const ok: Step = { status: 200, body: BODY };

let server: TestServer;
/** Steps for the next requests; the last one repeats. */
let script: Step[] = [ok];
let clock: FakeClock;
let events: ClientEvent[];

before(async () => {
  server = await startServer((_req, res) => {
    const index = Math.min(server.received.length - 1, script.length - 1);
    play(script[index], res);
  });
});
after(() => server.close());
beforeEach(() => {
  server.received.length = 0;
  clock = new FakeClock(T0);
  events = [];
});

function client(opts: OpenF1ClientOptions = {}): OpenF1Client {
  return new OpenF1Client({
    baseUrl: server.baseUrl,
    rateLimit: false,
    requestTimeoutMs: 150,
    retryBaseDelayMs: 100,
    now: clock.now,
    sleep: clock.sleep,
    onEvent: (e) => events.push(e),
    ...opts,
  });
}

void describe('no data', () => {
  const cases: Array<{ name: string; step: Step }> = [
    { name: '200 []', step: { status: 200, body: '[]' } },
    { name: '404 "No results found."', step: { status: 404, body: '{"detail":"No results found."}' } },
    { name: '404 without a JSON body', step: { status: 404, body: 'Not Found' } },
    { name: '422 "No results found."', step: { status: 422, body: '{"detail":"No results found."}' } },
    { name: '200 {"detail":"No results found."}', step: { status: 200, body: '{"detail": "No results found."}' } },
  ];
  for (const c of cases) {
    void test(c.name, async () => {
      script = [c.step];
      const c1 = client();
      assert.deepEqual(await c1.list('car_data', FILTERS), []);
      assert.deepEqual(await collect(client().stream('car_data', FILTERS)), []);
      assert.equal(server.received.length, 2, 'one request each, no retry');
      assert.deepEqual(c1.stats(), { requests: 1, retries: 0, throttled: 0, bisections: 0 });
    });
  }
});

// Retryable failures, each with the error it must surface as once attempts run out.
const retryable: Array<{ name: string; step: Step; status?: number; failure?: TransportFailure }> = [
  { name: '500', step: { status: 500, body: '<h1>An error occurred</h1>' }, status: 500 },
  { name: '502', step: { status: 502, body: 'Bad Gateway' }, status: 502 },
  { name: '503', step: { status: 503, body: 'Service Unavailable' }, status: 503 },
  { name: '504', step: { status: 504, body: 'upstream request timeout' }, status: 504 },
  { name: '408', step: { status: 408, body: '' }, status: 408 },
  { name: 'connection reset', step: { reset: true }, failure: 'network' },
  { name: 'no response (timeout)', step: { hang: true }, failure: 'timeout' },
  { name: 'body truncated mid-object', step: { truncate: `[${JSON.stringify(ROWS[0])},{"brake":0,"da` }, failure: 'truncated' },
  { name: 'body truncated before ]', step: { truncate: `[${JSON.stringify(ROWS[0])}` }, failure: 'truncated' },
  { name: 'connection dropped mid-body', step: { drop: `[${JSON.stringify(ROWS[0])},{"brake":0,"da` }, failure: 'network' },
  { name: 'body stalls mid-stream (timeout)', step: { stall: `[${JSON.stringify(ROWS[0])},` }, failure: 'timeout' },
];

void describe('retryable failures are retried', () => {
  for (const c of retryable) {
    void test(`${c.name}, then success`, async () => {
      script = [c.step, ok];
      const c1 = client();
      assert.deepEqual(await c1.list('car_data', FILTERS), ROWS);
      assert.equal(server.received.length, 2);
      assert.deepEqual(c1.stats(), { requests: 2, retries: 1, throttled: 0, bisections: 0 });
      const retry = events.find((e) => e.type === 'retry');
      assert.equal(retry?.errorType, c.status ? 'OpenF1HttpError' : 'OpenF1TransportError');
    });

    void test(`${c.name}, every time: fails after maxAttempts with a retryable error`, async () => {
      script = [c.step];
      const error = await client({ maxAttempts: 3 }).list('car_data', FILTERS).catch((e: unknown) => e);
      assert.equal(server.received.length, 3);
      if (c.status) {
        assert.ok(error instanceof OpenF1HttpError, String(error));
        assert.equal(error.status, c.status);
        assert.equal(error.type, 'OpenF1HttpError');
      } else {
        assert.ok(error instanceof OpenF1TransportError, String(error));
        assert.equal(error.failure, c.failure);
        assert.equal(error.type, 'OpenF1TransportError');
      }
      assert.equal(error.retryable, true);
      assert.ok(error.message.includes(`(GET ${server.baseUrl}/car_data?session_key=9159&driver_number=55)`), error.message);
    });
  }

  void test('backoff is exponential with jitter', async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 503 }, ok];
    await client({ retryBaseDelayMs: 100 }).list('car_data', FILTERS);
    assert.equal(clock.sleeps.length, 3);
    clock.sleeps.forEach((delay, i) => {
      const nominal = 100 * 2 ** i;
      assert.ok(delay >= nominal / 2 && delay <= nominal, `retry ${i + 1}: ${delay} ms not in [${nominal / 2}, ${nominal}]`);
    });
  });

  void test('retry delays are capped', async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 503 }, ok];
    await client({ retryBaseDelayMs: 100, retryMaxDelayMs: 150 }).list('car_data', FILTERS);
    assert.ok(clock.sleeps.every((d) => d <= 150), clock.sleeps.join(','));
  });

  void test('events: request, response, retry, request, response', async () => {
    script = [{ status: 503 }, ok];
    await client().list('car_data', FILTERS);
    assert.deepEqual(
      events.map((e) => (e.type === 'response' ? `response ${e.status}` : e.type)),
      ['request', 'response 503', 'retry', 'request', 'response 200'],
    );
  });

  void test('stream() retries until the body starts', async () => {
    script = [{ status: 503 }, { reset: true }, ok];
    const rows = await collect(client().stream('car_data', FILTERS));
    assert.deepEqual(rows.map((r) => r.row), ROWS);
    assert.equal(server.received.length, 3);
  });

  void test('stream() fails retryably on a body failure after rows were yielded (the caller restarts)', async () => {
    script = [{ drop: `[${JSON.stringify(ROWS[0])},${JSON.stringify(ROWS[1])},{"bra` }, ok];
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const { row } of client().stream('car_data', FILTERS)) seen.push(row);
    })().catch((e: unknown) => e);
    assert.ok(error instanceof OpenF1TransportError && error.retryable, String(error));
    assert.deepEqual(seen, ROWS.slice(0, 2));
    assert.equal(server.received.length, 1);
  });
});

void describe('non-retryable HTTP errors', () => {
  const cases: Array<{ name: string; step: { status: number; body?: string }; detail?: string }> = [
    { name: '400', step: { status: 400, body: '{"detail":"Invalid route"}' }, detail: 'Invalid route' },
    { name: '401 without auth configured', step: { status: 401, body: '' } },
    { name: '403', step: { status: 403, body: '' } },
    { name: '422 that is not "no results" (too much data)', step: { status: 422, body: '{"detail":"Too much data requested"}' }, detail: 'Too much data requested' },
  ];
  for (const c of cases) {
    void test(c.name, async () => {
      script = [c.step, ok];
      const error = await client().list('car_data', FILTERS).catch((e: unknown) => e);
      assert.ok(error instanceof OpenF1HttpError, String(error));
      assert.equal(error.status, c.step.status);
      assert.equal(error.retryable, false);
      assert.equal(error.detail, c.detail);
      if (c.detail) assert.ok(error.message.includes(c.detail));
      assert.equal(server.received.length, 1);
    });
  }
});

void describe('429', () => {
  void test('waits for Retry-After seconds without using an attempt', async () => {
    script = [
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 429, headers: { 'retry-after': '1' } },
      ok,
    ];
    const c1 = client({ maxAttempts: 1 });
    assert.deepEqual(await c1.list('car_data', FILTERS), ROWS);
    assert.deepEqual(clock.sleeps, [2000, 1000]);
    assert.deepEqual(c1.stats(), { requests: 3, retries: 0, throttled: 2, bisections: 0 });
    assert.deepEqual(events.filter((e) => e.type === 'throttled').map((e) => e.type === 'throttled' && e.waitMs), [2000, 1000]);
  });

  void test('waits until a Retry-After HTTP-date', async () => {
    script = [{ status: 429, headers: { 'retry-after': new Date(T0 + 3000).toUTCString() } }, ok];
    await client().list('car_data', FILTERS);
    assert.deepEqual(clock.sleeps, [3000]);
  });

  void test('without Retry-After, backs off', async () => {
    script = [{ status: 429 }, ok];
    await client({ retryBaseDelayMs: 100 }).list('car_data', FILTERS);
    assert.equal(clock.sleeps.length, 1);
    assert.ok(clock.sleeps[0] >= 50 && clock.sleeps[0] <= 100, String(clock.sleeps[0]));
  });

  void test('the wait is bounded: past maxThrottleWaitMs the 429 counts as a failed attempt', async () => {
    script = [{ status: 429, headers: { 'retry-after': '10' } }];
    const c1 = client({ maxThrottleWaitMs: 25_000, maxAttempts: 2, retryBaseDelayMs: 100 });
    const error = await c1.list('car_data', FILTERS).catch((e: unknown) => e);
    assert.ok(error instanceof OpenF1HttpError && error.status === 429 && error.retryable, String(error));
    // Attempt 1: waits 10 s twice, the third 429 would exceed 25 s; backoff; attempt 2: the same.
    assert.deepEqual(clock.sleeps.map((ms) => (ms === 10_000 ? ms : 'backoff')), [10_000, 10_000, 'backoff', 10_000, 10_000]);
    assert.deepEqual(c1.stats(), { requests: 6, retries: 1, throttled: 6, bisections: 0 });
  });
});

void describe('bad data is a non-retryable OpenF1DataError', () => {
  const url = () => `${server.baseUrl}/car_data?session_key=9159&driver_number=55`;

  void test('a row failing the schema names the endpoint, row, field, value and URL', async () => {
    const rows = Array.from({ length: 1300 }, (_, i) => carDataRow(T0 + i * 270, i));
    rows[1234] = { ...rows[1234], speed: 'fast' };
    script = [{ status: 200, body: jsonArray(rows) }];
    const error = await client().list('car_data', FILTERS).catch((e: unknown) => e);
    assert.ok(error instanceof OpenF1DataError, String(error));
    assert.equal(error.message, `car_data row 1234 field "speed": expected number, got "fast" (GET ${url()})`);
    assert.equal(error.type, 'OpenF1DataError');
    assert.equal(error.retryable, false);
    assert.equal(error.rowIndex, 1234);
    assert.equal(error.field, 'speed');
    assert.equal(error.value, 'fast');
    assert.equal(error.url, url());
    assert.equal(server.received.length, 1, 'not retried');
  });

  void test('stream() yields the good rows before the bad one, never skips it', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => carDataRow(T0 + i * 270, i));
    rows[7] = { ...rows[7], rpm: 11141.5 };
    script = [{ status: 200, body: jsonArray(rows) }];
    const seen: number[] = [];
    const error = await (async () => {
      for await (const { index } of client().stream('car_data', FILTERS)) seen.push(index);
    })().catch((e: unknown) => e);
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
    assert.ok(error instanceof OpenF1DataError);
    assert.equal(error.message, `car_data row 7 field "rpm": expected int, got 11141.5 (GET ${url()})`);
  });

  const cases: Array<{ name: string; body: string; rowIndex: number; field?: string; message: RegExp }> = [
    { name: 'invalid JSON inside a row', body: `[${JSON.stringify(ROWS[0])},{"brake":0,,}]`, rowIndex: 1, message: /^car_data row 1: invalid JSON/ },
    { name: 'garbage after the array', body: `${BODY} <html>`, rowIndex: 3, message: /unexpected "<" at byte/ },
    { name: 'an array of non-objects', body: '[1,2,3]', rowIndex: 0, message: /expected an object/ },
    { name: 'an object that is not a "no results" answer', body: '{"rows":[]}', rowIndex: 0, message: /expected a JSON array/ },
    { name: 'a missing field', body: jsonArray([{ ...ROWS[0], date: undefined }]), rowIndex: 0, field: 'date', message: /field "date": expected string, got nothing \(field missing\)/ },
  ];
  for (const c of cases) {
    void test(c.name, async () => {
      script = [{ status: 200, body: c.body }];
      const error = await client().list('car_data', FILTERS).catch((e: unknown) => e);
      assert.ok(error instanceof OpenF1DataError, String(error));
      assert.match(error.message, c.message);
      assert.ok(error.message.endsWith(`(GET ${url()})`), error.message);
      assert.equal(error.rowIndex, c.rowIndex);
      assert.equal(error.field, c.field);
      assert.equal(server.received.length, 1);
    });
  }

  void test('a nested field path is reported with its index', async () => {
    const lap = {
      date_start: null, driver_number: 1, duration_sector_1: null, duration_sector_2: null, duration_sector_3: null, i1_speed: null, i2_speed: null,
      is_pit_out_lap: false, lap_duration: null, lap_number: 1, meeting_key: 1219, segments_sector_1: [2049, 2049, 'green'], segments_sector_2: null,
      segments_sector_3: null, session_key: 9161, st_speed: null,
    };
    script = [{ status: 200, body: jsonArray([lap]) }];
    const error = await client().list('laps', []).catch((e: unknown) => e);
    assert.ok(error instanceof OpenF1DataError);
    assert.equal(error.field, 'segments_sector_1[2]');
    assert.match(error.message, /^laps row 0 field "segments_sector_1\[2\]": expected number, got "green"/);
  });
});

void describe('streaming', () => {
  void test('raw is the exact text of each object as sent', async () => {
    const objects = [
      '{ "speed": 315,"brake":0 , "date":"2023-09-15T13:08:19.923000+00:00","driver_number":55,"drs":12,"meeting_key":1219,"n_gear":8,"rpm":11141,"session_key":9159,"throttle":99, "extra": "}{" }',
      '{"brake":100,"date":"2023-09-15T13:35:41.808000+00:00","driver_number":55,"drs":8,"meeting_key":1219,"n_gear":8,"rpm":11023,"session_key":9159,"speed":315,"throttle":57}',
    ];
    script = [{ status: 200, body: `[\n  ${objects[0]} ,\n\t${objects[1]}\n]\n` }];
    const rows = await collect(client().stream('car_data', FILTERS));
    assert.deepEqual(rows.map((r) => r.raw), objects);
    assert.deepEqual(rows.map((r) => r.index), [0, 1]);
    assert.equal(rows[0].row.speed, 315);
    assert.equal('extra' in rows[0].row, false, 'unknown keys are not in the typed row (they stay in raw)');
  });

  void test('gzip-encoded bodies are decoded while streaming', async () => {
    script = [{ gzip: BODY }];
    assert.deepEqual(await client().list('car_data', FILTERS), ROWS);
    assert.match(String(server.received[0].headers['accept-encoding']), /gzip/);
  });

  void test('the caller can abort; the abort is not retried', async () => {
    script = [{ hang: true }];
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await assert.rejects(client({ requestTimeoutMs: 10_000 }).list('car_data', FILTERS, { signal: controller.signal }), /shutting down/);
    assert.equal(server.received.length, 1);
  });

  void test('an abort after the whole body arrived, before its end was read, still ends the stream', async () => {
    // undici 6 left that last read pending forever when the body outran the reader (nodejs/undici#4089):
    // a paused fetch never finished. A body of many chunks, read slowly, puts the reader behind.
    const many = Array.from({ length: 6_000 }, (_, i) => carDataRow(T0 + i * 270, i));
    script = [{ status: 200, body: jsonArray(many) }];
    for (let attempt = 0; attempt < 5; attempt++) {
      const controller = new AbortController();
      const rows = client({ requestTimeoutMs: 10_000 }).stream('car_data', FILTERS, { signal: controller.signal });
      for (let i = 0; i < many.length; i++) {
        assert.equal((await rows.next()).done, false);
        if (i % 500 === 0) await delay(1);
      }
      controller.abort(new Error('paused'));
      const outcome = await Promise.race([
        rows.next().then(
          (r) => (r.done ? 'done' : 'a row'),
          (err: Error) => err.message,
        ),
        delay(3_000).then(() => 'still pending'),
      ]);
      // The end may already have been read when the abort came ('done'); it must never hang.
      assert.ok(outcome === 'paused' || outcome === 'done', `attempt ${attempt}: ${outcome}`);
    }
  });

  void test('sends Accept: application/json and no Authorization when anonymous', async () => {
    script = [ok];
    await client().list('car_data', FILTERS);
    assert.equal(server.received[0].headers.accept, 'application/json');
    assert.equal(server.received[0].headers.authorization, undefined);
    assert.equal(server.received[0].path, '/v1/car_data');
  });
});
