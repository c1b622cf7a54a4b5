import assert from 'node:assert/strict';
import { request } from 'node:http';
import { before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Emulator, FaultConfig } from '../../src/emulator/index.js';
import { emulatorFleet } from '../helpers/emulator-fleet.js';

const SPRINT = 9506; // 2024 Miami sprint: 30 min, 20 drivers
const OTHER_SPRINT = 9672;
const CAR_DATA = `/car_data?session_key=${SPRINT}&driver_number=1`;

const start = emulatorFleet();
let emulator: Emulator;
before(async () => {
  emulator = await start();
});
beforeEach(() => {
  emulator.setFaults({});
  emulator.resetStats();
});

const root = (e: Emulator): string => e.url.replace(/\/v1$/, '');

async function get(path: string, on = emulator, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${on.url}${path}`, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function post(path: string, body: string, type = 'application/json', on = emulator): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${root(on)}${path}`, { method: 'POST', body, headers: { 'content-type': type } });
  return { status: res.status, json: await res.json() };
}

/** The raw body bytes and whether the response completed (fetch would only throw on a cut-off body). */
function rawGet(url: string): Promise<{ body: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ body, complete: res.complete }));
      res.on('error', () => resolve({ body, complete: false }));
      res.on('aborted', () => resolve({ body, complete: false }));
    })
      .on('error', reject)
      .end();
  });
}

async function statuses(n: number, path = '/sessions?year=2024'): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < n; i++) result.push((await get(path)).status);
  return result;
}

void describe('rate limit', () => {
  void test('beyond the limit: 429, slowapi body, Retry-After in seconds', async () => {
    emulator.setFaults({ rateLimit: { requests: 3, perMs: 60_000 } });
    assert.deepEqual(await statuses(3), [200, 200, 200]);
    const limited = await get('/sessions?year=2024');
    assert.equal(limited.status, 429);
    assert.deepEqual(JSON.parse(limited.text), { error: 'Rate limit exceeded: 3 per 60 second' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 59 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  });

  void test('the window resets', async () => {
    emulator.setFaults({ rateLimit: { requests: 2, perMs: 400 } });
    assert.deepEqual(await statuses(3), [200, 200, 429]);
    await sleep(450);
    assert.deepEqual(await statuses(3), [200, 200, 429]);
  });
});

void describe('5xx error rate', () => {
  void test('a fraction of requests fails, with the configured statuses, reproducibly per seed', async () => {
    emulator.setFaults({ errorRate: 0.4, seed: 7 });
    const first = await statuses(60);
    const failures = first.filter((s) => s !== 200);
    assert.ok(failures.length > 10 && failures.length < 40, `${failures.length} failures`);
    assert.deepEqual([...new Set(failures)].sort(), [500, 502, 503]);
    emulator.setFaults({ errorRate: 0.4, seed: 7 });
    assert.deepEqual(await statuses(60), first);
    emulator.setFaults({ errorRate: 0.4, seed: 8 });
    assert.notDeepEqual(await statuses(60), first);
  });

  void test('error shapes: the app page for 500, gateway text otherwise', async () => {
    emulator.setFaults({ errorRate: 1, errorStatuses: [500] });
    const appError = await get('/sessions');
    assert.equal(appError.status, 500);
    assert.match(appError.text, /^<h1>An error occurred<\/h1>/);
    emulator.setFaults({ errorRate: 1, errorStatuses: [503] });
    const gateway = await get('/sessions');
    assert.deepEqual([gateway.status, gateway.text], [503, 'Service Unavailable']);
  });

  void test('errorRate 0 never fails', async () => {
    emulator.setFaults({ errorRate: 0 });
    assert.ok((await statuses(30)).every((s) => s === 200));
  });
});

void describe('latency', () => {
  void test('latencyMs delays every answer', async () => {
    emulator.setFaults({ latencyMs: 150 });
    const started = Date.now();
    assert.equal((await get('/meetings?meeting_key=1140')).status, 200);
    assert.ok(Date.now() - started >= 145, `${Date.now() - started} ms`);
  });
});

void describe('truncation', () => {
  void test('truncated car_data responses are cut mid-body and the socket is closed', async () => {
    const clean = await get(CAR_DATA);
    emulator.setFaults({ truncateRate: 1 });
    const cut = await rawGet(`${emulator.url}${CAR_DATA}`);
    assert.equal(cut.complete, false);
    assert.ok(cut.body.length > 1000 && cut.body.length < clean.text.length, `${cut.body.length} bytes`);
    assert.ok(clean.text.startsWith(cut.body), 'a prefix of the real body');
    assert.throws(() => JSON.parse(cut.body) as unknown);
    const fetched = await fetch(`${emulator.url}${CAR_DATA}`);
    await assert.rejects(fetched.text());
  });

  void test('only car_data is truncated, and only at the configured rate', async () => {
    emulator.setFaults({ truncateRate: 1 });
    assert.equal((await rawGet(`${emulator.url}/sessions?year=2023`)).complete, true);
    emulator.setFaults({ truncateRate: 0.5, seed: 3 });
    const complete = [];
    for (let i = 0; i < 20; i++) complete.push((await rawGet(`${emulator.url}${CAR_DATA}&speed>300`)).complete);
    const cut = complete.filter((c) => !c).length;
    assert.ok(cut > 3 && cut < 17, `${cut} of 20 cut`);
  });
});

void describe('no-data sessions', () => {
  for (const status of [404, 422] as const) {
    void test(`car_data of a listed session answers ${status} "No results found."`, async () => {
      emulator.setFaults({ noDataSessions: { status, sessionKeys: [SPRINT] } });
      const res = await get(CAR_DATA);
      assert.equal(res.status, status);
      assert.deepEqual(JSON.parse(res.text), { detail: 'No results found.' });
      assert.equal((await get(`/car_data?session_key=${OTHER_SPRINT}&driver_number=1`)).status, 200);
      assert.equal((await get(`/drivers?session_key=${SPRINT}`)).status, 200);
    });
  }

  void test('a query spanning several sessions just lacks the listed ones', async () => {
    const path = `/car_data?driver_number=1&session_key=${SPRINT}&session_key=${OTHER_SPRINT}&speed>320`;
    const both = JSON.parse((await get(path)).text) as { session_key: number }[];
    emulator.setFaults({ noDataSessions: { status: 404, sessionKeys: [SPRINT] } });
    const rest = JSON.parse((await get(path)).text) as { session_key: number }[];
    assert.deepEqual(rest, both.filter((r) => r.session_key === OTHER_SPRINT));
    assert.ok(rest.length > 0 && rest.length < both.length);
  });
});

void describe('malformed rows', () => {
  type Loose = Record<string, unknown>;
  void test('a deterministic fraction of rows breaks the schema; the others are untouched', async () => {
    const clean = JSON.parse((await get(CAR_DATA)).text) as Loose[];
    emulator.setFaults({ malformed: { rate: 0.02 } });
    const text = (await get(CAR_DATA)).text;
    assert.equal((await get(CAR_DATA)).text, text, 'same faults on every request');
    const rows = JSON.parse(text) as Loose[];
    assert.equal(rows.length, clean.length);
    let speedText = 0;
    let noDate = 0;
    rows.forEach((row, i) => {
      if (row.speed === 'fast') {
        speedText++;
        assert.deepEqual({ ...row, speed: clean[i].speed }, clean[i]);
      } else if (!('date' in row)) {
        noDate++;
        assert.deepEqual(row, Object.fromEntries(Object.entries(clean[i]).filter(([k]) => k !== 'date')));
      } else {
        assert.deepEqual(row, clean[i]);
      }
    });
    const expected = clean.length * 0.02;
    assert.ok(speedText + noDate > expected * 0.7 && speedText + noDate < expected * 1.3, `${speedText + noDate} malformed`);
    assert.ok(speedText > 0 && noDate > 0);
  });

  void test('restricted to the listed sessions', async () => {
    emulator.setFaults({ malformed: { rate: 0.5, sessionKeys: [OTHER_SPRINT] } });
    const clean = JSON.parse((await get(CAR_DATA)).text) as Loose[];
    assert.ok(clean.every((r) => typeof r.speed === 'number' && typeof r.date === 'string'));
    const other = JSON.parse((await get(`/car_data?session_key=${OTHER_SPRINT}&driver_number=1`)).text) as Loose[];
    assert.ok(other.some((r) => r.speed === 'fast'));
  });
});

void describe('admin endpoints and runtime configuration', () => {
  void test('POST /admin/faults applies a valid configuration', async () => {
    const res = await post('/admin/faults', JSON.stringify({ errorRate: 1, errorStatuses: [502] }));
    assert.deepEqual(res, { status: 200, json: { errorRate: 1, errorStatuses: [502] } });
    assert.equal((await get('/sessions')).status, 502);
  });

  const invalid: Array<{ body: string; field: RegExp }> = [
    { body: '{"errorRate": 2}', field: /^errorRate: / },
    { body: '{"rateLimit": {"requests": 0, "perMs": 1000}}', field: /^rateLimit\.requests: / },
    { body: '{"noDataSessions": {"status": 500, "sessionKeys": [1]}}', field: /^noDataSessions\.status: / },
    { body: '{"malformed": {"rate": 0.1, "sessionKeys": ["x"]}}', field: /^malformed\.sessionKeys\.0: / },
    { body: '{"latencyMs": -1}', field: /^latencyMs: / },
    { body: '{"bogus": true}', field: /bogus/ },
    { body: 'not json', field: /^body: / },
    { body: '[]', field: /^body: / },
  ];
  for (const c of invalid) {
    void test(`POST /admin/faults ${c.body}: 400 naming the field, configuration unchanged`, async () => {
      emulator.setFaults({ errorRate: 1, errorStatuses: [503] });
      const res = await post('/admin/faults', c.body);
      assert.equal(res.status, 400);
      assert.match((res.json as { detail: string }).detail, c.field);
      assert.equal((await get('/sessions?year=2023')).status, 503);
    });
  }

  void test('setFaults validates too', () => {
    assert.throws(() => emulator.setFaults({ truncateRate: 1.5 } as FaultConfig));
  });

  void test('GET /admin/stats and POST /admin/reset; admin calls are not counted', async () => {
    await get('/sessions?year=2023');
    await get('/drivers?session_key=9222');
    await get('/sessions?bad');
    const stats = (await (await fetch(`${root(emulator)}/admin/stats`)).json()) as { firstRequestAt: number; lastRequestAt: number };
    const { firstRequestAt, lastRequestAt, ...counters } = stats;
    assert.deepEqual(counters, {
      requests: 3,
      byStatus: { '200': 2, '500': 1 },
      rowsServed: 112 + 19,
      byEndpoint: { sessions: 2, drivers: 1 },
    });
    assert.ok(firstRequestAt <= lastRequestAt && Date.now() - firstRequestAt < 60_000, 'request times bracket the three calls');
    assert.deepEqual(emulator.stats(), stats);
    assert.equal((await post('/admin/reset', '')).status, 200);
    assert.deepEqual(emulator.stats(), { requests: 0, byStatus: {}, rowsServed: 0, byEndpoint: {}, firstRequestAt: null, lastRequestAt: null });
  });

  void test('unknown admin route: 404, wrong method: 405', async () => {
    assert.equal((await fetch(`${root(emulator)}/admin/nope`)).status, 404);
    assert.equal((await fetch(`${root(emulator)}/admin/faults`)).status, 405);
  });
});

void describe('authentication', () => {
  const credentials = { username: 'sponsor', password: 's3cret' };
  let secured: Emulator;
  before(async () => {
    secured = await start({ auth: credentials });
  });
  const token = (form: Record<string, string>, on = secured): Promise<{ status: number; json: unknown }> =>
    post('/token', new URLSearchParams(form).toString(), 'application/x-www-form-urlencoded', on);

  void test('POST /token returns an OpenF1-shaped bearer token that opens /v1', async () => {
    const res = await token(credentials);
    assert.equal(res.status, 200);
    const body = res.json as Record<string, string>;
    assert.deepEqual(Object.keys(body), ['expires_in', 'access_token', 'token_type']);
    assert.equal(body.expires_in, '3600');
    assert.equal(body.token_type, 'bearer');
    const data = await get('/sessions?year=2023', secured, { authorization: `Bearer ${body.access_token}` });
    assert.equal(data.status, 200);
    assert.equal((JSON.parse(data.text) as unknown[]).length, 112);
  });

  const rejected: Array<{ name: string; headers: Record<string, string>; detail: string }> = [
    { name: 'no token', headers: {}, detail: 'Not authenticated' },
    { name: 'unknown token', headers: { authorization: 'Bearer forged' }, detail: 'Could not validate credentials' },
    { name: 'not a bearer', headers: { authorization: 'Basic c3BvbnNvcjpzM2NyZXQ=' }, detail: 'Not authenticated' },
  ];
  for (const c of rejected) {
    void test(`${c.name}: 401`, async () => {
      const res = await get('/sessions?year=2023', secured, c.headers);
      assert.equal(res.status, 401);
      assert.deepEqual(JSON.parse(res.text), { detail: c.detail });
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    });
  }

  void test('wrong password: 401; missing field: 422', async () => {
    assert.deepEqual(await token({ ...credentials, password: 'nope' }), {
      status: 401,
      json: { detail: 'Incorrect username or password' },
    });
    const missing = await token({ username: 'sponsor' });
    assert.equal(missing.status, 422);
    assert.match((missing.json as { detail: string }).detail, /password/);
  });

  void test('without configured credentials /v1 is open and any credentials get a token', async () => {
    assert.equal((await get('/sessions?year=2023')).status, 200);
    assert.equal((await token({ username: 'a', password: 'b' }, emulator)).status, 200);
  });
});
