import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  OpenF1AuthError,
  OpenF1Client,
  OpenF1HttpError,
  type ClientEvent,
  type OpenF1ClientOptions,
} from '../../src/openf1/index.js';
import { FakeClock, carDataRow, jsonArray, sendJson, startServer, type Received, type TestServer } from './openf1-test-server.js';

const USERNAME = 'fan@example.com';
const PASSWORD = 'pa$$w0rd&SECRET=42';
const T0 = Date.UTC(2024, 2, 1, 12, 0, 0);
const BODY = jsonArray([carDataRow(T0)]);

let server: TestServer;
let clock: FakeClock;
let events: ClientEvent[];
let issued: string[];
/** Tokens the API accepts. */
let valid: Set<string>;
/** How the token endpoint answers; `undefined` = a fresh token. */
let tokenPolicy: (n: number) => { status: number; body: unknown } | undefined;
/** How the API answers an authorized request; `undefined` = data. */
let apiPolicy: (req: Received, n: number) => { status: number; body: unknown } | undefined;
let expiresIn: string | number;

before(async () => {
  let apiCalls = 0;
  server = await startServer((req, res) => {
    if (req.path.endsWith('/token')) {
      const form = new URLSearchParams(req.body);
      const answer = tokenPolicy(issued.length + 1);
      if (answer) return sendJson(res, answer.status, answer.body);
      if (req.method !== 'POST' || form.get('username') !== USERNAME || form.get('password') !== PASSWORD) {
        // A careless server that echoes the submitted password.
        return sendJson(res, 401, { detail: `bad credentials ${form.get('password')}` });
      }
      const token = `tok-SECRET-${issued.length + 1}-${'x'.repeat(20)}`;
      issued.push(token);
      valid.add(token);
      return sendJson(res, 200, { expires_in: expiresIn, access_token: token, token_type: 'bearer' });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer === undefined || !valid.has(bearer)) return sendJson(res, 401, { detail: 'Not authenticated' });
    const answer = apiPolicy(req, ++apiCalls);
    if (answer) return sendJson(res, answer.status, answer.body);
    sendJson(res, 200, BODY);
  });
});
after(() => server.close());
beforeEach(() => {
  server.received.length = 0;
  clock = new FakeClock(T0);
  events = [];
  issued = [];
  valid = new Set();
  tokenPolicy = () => undefined;
  apiPolicy = () => undefined;
  expiresIn = '3600';
});

function client(opts: OpenF1ClientOptions = {}): OpenF1Client {
  return new OpenF1Client({
    baseUrl: server.baseUrl,
    rateLimit: false,
    retryBaseDelayMs: 10,
    auth: { username: USERNAME, password: PASSWORD },
    now: clock.now,
    sleep: clock.sleep,
    onEvent: (e) => events.push(e),
    ...opts,
  });
}

const tokenRequests = () => server.received.filter((r) => r.path.endsWith('/token'));
const apiRequests = () => server.received.filter((r) => !r.path.endsWith('/token'));
const bearers = () => apiRequests().map((r) => r.headers.authorization);

void describe('OAuth2 token', () => {
  void test('POSTs the form-encoded credentials to {origin}/token and sends the token as Bearer', async () => {
    const c = client();
    await c.list('car_data', []);
    await c.list('car_data', []);
    assert.equal(tokenRequests().length, 1);
    const tokenRequest = tokenRequests()[0];
    assert.equal(tokenRequest.method, 'POST');
    assert.equal(tokenRequest.path, '/token');
    assert.equal(tokenRequest.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(tokenRequest.body)), { username: USERNAME, password: PASSWORD });
    assert.deepEqual(bearers(), [`Bearer ${issued[0]}`, `Bearer ${issued[0]}`]);
    assert.deepEqual(events.filter((e) => e.type === 'token'), [{ type: 'token', url: `${server.origin}/token`, expiresInMs: 3_600_000 }]);
  });

  void test('the token URL keeps a path prefix in front of /v1', async () => {
    await client({ baseUrl: `${server.origin}/openf1/v1` }).list('car_data', []);
    assert.equal(tokenRequests()[0].path, '/openf1/token');
  });

  const refreshCases: Array<{ name: string; expiresIn: string | number; keepAtMs: number; refreshAtMs: number }> = [
    { name: 'a 1-hour token (expires_in as a string) is refreshed 5 minutes before expiry', expiresIn: '3600', keepAtMs: 55 * 60_000 - 1, refreshAtMs: 55 * 60_000 },
    { name: 'expires_in as a number', expiresIn: 1800, keepAtMs: 25 * 60_000 - 1, refreshAtMs: 25 * 60_000 },
    { name: 'a short-lived token is refreshed half-way, not on every request', expiresIn: 120, keepAtMs: 60_000 - 1, refreshAtMs: 60_000 },
  ];
  for (const r of refreshCases) {
    void test(r.name, async () => {
      expiresIn = r.expiresIn;
      const c = client();
      await c.list('car_data', []);
      clock.t = T0 + r.keepAtMs;
      await c.list('car_data', []);
      assert.equal(issued.length, 1, 'still the first token');
      clock.t = T0 + r.refreshAtMs;
      await c.list('car_data', []);
      assert.equal(issued.length, 2, 'refreshed');
      assert.deepEqual(bearers(), [`Bearer ${issued[0]}`, `Bearer ${issued[0]}`, `Bearer ${issued[1]}`]);
    });
  }

  void test('a 401 refreshes the token once and repeats the request without using an attempt', async () => {
    const c = client({ maxAttempts: 1 });
    await c.list('car_data', []);
    valid.clear(); // the server revokes the token
    assert.equal((await c.list('car_data', [])).length, 1);
    assert.equal(issued.length, 2);
    assert.deepEqual(bearers(), [`Bearer ${issued[0]}`, `Bearer ${issued[0]}`, `Bearer ${issued[1]}`]);
  });

  void test('a second 401 is a non-retryable OpenF1HttpError', async () => {
    apiPolicy = () => ({ status: 401, body: { detail: 'Not authenticated' } });
    const error = await client().list('car_data', []).catch((e: unknown) => e);
    assert.ok(error instanceof OpenF1HttpError && error.status === 401 && !error.retryable, String(error));
    assert.equal(apiRequests().length, 2);
    assert.equal(issued.length, 2);
  });

  void test('concurrent requests share one token request', async () => {
    const c = client();
    await Promise.all(Array.from({ length: 5 }, () => c.list('car_data', [])));
    assert.equal(tokenRequests().length, 1);
    assert.equal(apiRequests().length, 5);
  });

  void test('an abort while the token is fetched stops the request before it is sent', async () => {
    const controller = new AbortController();
    tokenPolicy = () => {
      controller.abort(new Error('paused'));
      return undefined;
    };
    await assert.rejects(client().list('car_data', [], { signal: controller.signal }), /paused/);
    assert.equal(tokenRequests().length, 1);
    assert.equal(apiRequests().length, 0);
  });

  void test('the token request goes through the rate limiter', async () => {
    const fetchedAt: Array<[string, number]> = [];
    await client({
      rateLimit: { requests: 1, perMs: 1000 },
      fetchImpl: (input, init) => {
        fetchedAt.push([new URL(String(input)).pathname, clock.now() - T0]);
        return fetch(input, init);
      },
    }).list('car_data', []);
    assert.deepEqual(fetchedAt, [['/token', 0], ['/v1/car_data', 1000]]);
  });

  const tokenFailures: Array<{ name: string; answer: { status: number; body: unknown }; status?: number; retryable: boolean }> = [
    { name: 'wrong credentials (401)', answer: { status: 401, body: { detail: `bad credentials ${PASSWORD}` } }, status: 401, retryable: false },
    { name: 'token endpoint down (503)', answer: { status: 503, body: 'Service Unavailable' }, status: 503, retryable: true },
    { name: 'no access_token in the answer', answer: { status: 200, body: { expires_in: '3600', token_type: 'bearer' } }, retryable: false },
    { name: 'not a bearer token', answer: { status: 200, body: { access_token: 'tok-SECRET-mac', expires_in: 3600, token_type: 'mac' } }, retryable: false },
  ];
  for (const f of tokenFailures) {
    void test(`token failure: ${f.name} -> OpenF1AuthError (retryable: ${f.retryable})`, async () => {
      tokenPolicy = () => f.answer;
      const error = await client({ maxAttempts: 2 }).list('car_data', []).catch((e: unknown) => e);
      assert.ok(error instanceof OpenF1AuthError, String(error));
      assert.equal(error.type, 'OpenF1AuthError');
      assert.equal(error.status, f.status);
      assert.equal(error.retryable, f.retryable);
      assert.equal(error.url, `${server.origin}/token`);
      assert.equal(tokenRequests().length, f.retryable ? 2 : 1, 'retryable token failures are retried like any request');
      assert.equal(apiRequests().length, 0);
      assert.ok(!inspect(error).includes(PASSWORD) && !inspect(error).includes('tok-SECRET-mac'), inspect(error));
    });
  }

  void test('a transient token failure is retried and the request succeeds', async () => {
    tokenPolicy = (n) => (n === 1 && tokenRequests().length === 1 ? { status: 503, body: 'busy' } : undefined);
    assert.equal((await client().list('car_data', [])).length, 1);
    assert.equal(tokenRequests().length, 2);
  });
});

void test('the password and tokens never appear in errors, events or URLs', async () => {
  // A server that echoes the Authorization header back in its error details.
  apiPolicy = (req, n) => {
    const echo = `you sent ${req.headers.authorization} with password ${PASSWORD}`;
    if (n === 1) return { status: 500, body: { detail: echo } };
    return { status: 422, body: { detail: echo } };
  };
  const errors: unknown[] = [];
  const c = client({ maxAttempts: 2 });
  errors.push(await c.list('car_data', []).catch((e: unknown) => e));
  tokenPolicy = () => ({ status: 401, body: { detail: `bad credentials ${PASSWORD}` } });
  valid.clear();
  errors.push(await c.list('car_data', []).catch((e: unknown) => e));
  errors.push(await client().list('car_data', []).catch((e: unknown) => e));
  errors.push(
    await client()
      .fetchWindowed({ endpoint: 'car_data', filters: [], from: '2024-03-01T12:00:00Z', to: '2024-03-01T12:01:00Z' }, async () => {})
      .catch((e: unknown) => e),
  );

  assert.ok(issued.length >= 1);
  assert.equal(errors.length, 4);
  assert.ok(errors.every((e) => e instanceof Error));
  const exposed = [
    ...errors.map((e) => inspect(e, { depth: 10 })),
    ...errors.map((e) => JSON.stringify(e)),
    ...events.map((e) => JSON.stringify(e)),
  ].join('\n');
  assert.match(exposed, /\[redacted\]/, 'the echoed secrets were seen and scrubbed');
  for (const secret of [PASSWORD, ...issued]) assert.ok(!exposed.includes(secret), `leaked ${secret}`);
});
