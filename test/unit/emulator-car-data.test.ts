import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { defaultDataDir } from '../../src/emulator/calendar-data.js';
import type { Emulator } from '../../src/emulator/index.js';
import { emulatorFleet } from '../helpers/emulator-fleet.js';

interface CarData {
  brake: number;
  date: string;
  driver_number: number;
  drs: number;
  meeting_key: number;
  n_gear: number;
  rpm: number;
  session_key: number;
  speed: number;
  throttle: number;
}
type Row = Record<string, unknown>;

const load = (endpoint: string): Row[] =>
  ['2023', '2024'].flatMap((year) => JSON.parse(readFileSync(resolve(defaultDataDir(), year, `${endpoint}.json`), 'utf8')) as Row[]);
const sessions = load('sessions');
const drivers = load('drivers');
const session = (key: number): Row => sessions.find((s) => s.session_key === key) as Row;
const gridOf = (key: number): number[] =>
  drivers.filter((d) => d.session_key === key).map((d) => d.driver_number as number).sort((a, b) => a - b);

const TEST_SESSION = 9222; // 2023 pre-season test day 1: 9.5 h, 19 drivers
const SPRINT = 9506; // 2024 Miami sprint: 30 min, 20 drivers
const KEYS = ['brake', 'date', 'driver_number', 'drs', 'meeting_key', 'n_gear', 'rpm', 'session_key', 'speed', 'throttle'];
const DATE_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}000\+00:00$/;

const start = emulatorFleet();
let emulator: Emulator;
before(async () => {
  emulator = await start({ maxRows: 1_000_000 });
});

async function getText(query: string, on = emulator): Promise<{ status: number; text: string; type: string }> {
  const res = await fetch(`${on.url}/car_data?${query}`);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

async function getRows(query: string, on = emulator): Promise<CarData[]> {
  const res = await getText(query, on);
  assert.equal(res.status, 200, res.text.slice(0, 300));
  return JSON.parse(res.text) as CarData[];
}

const ms = (iso: string): number => Date.parse(iso);
const max = (values: number[]): number => values.reduce((a, b) => Math.max(a, b), -Infinity);
const min = (values: number[]): number => values.reduce((a, b) => Math.min(a, b), Infinity);
const iso = (t: number): string => new Date(t).toISOString();

void describe('synthetic telemetry is plausible', () => {
  let rows: CarData[];
  before(async () => {
    rows = await getRows(`session_key=${TEST_SESSION}&driver_number=1`);
  });

  void test('records have exactly the OpenF1 car_data keys, in order, and its date format', () => {
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), KEYS);
      assert.match(row.date, DATE_FORMAT);
      assert.equal(row.session_key, TEST_SESSION);
      assert.equal(row.meeting_key, session(TEST_SESSION).meeting_key);
      assert.equal(row.driver_number, 1);
    }
  });

  void test('about 3.7 Hz with 200-340 ms spacing over the real session window', () => {
    const s = session(TEST_SESSION);
    const [start, end] = [ms(s.date_start as string), ms(s.date_end as string)];
    const times = rows.map((r) => ms(r.date));
    assert.ok(times[0] >= start && times[0] < start + 400, 'first sample at the session start');
    assert.ok(times.at(-1)! < end && times.at(-1)! > end - 400, 'last sample at the session end');
    for (let i = 1; i < times.length; i++) {
      const gap = times[i] - times[i - 1];
      assert.ok(gap >= 200 && gap <= 340, `gap ${gap} ms at ${rows[i].date}`);
    }
    const hz = (times.length - 1) / ((times.at(-1)! - times[0]) / 1000);
    assert.ok(Math.abs(hz - 3.7) < 0.05, `${hz} Hz`);
  });

  void test('values stay in OpenF1 ranges and code sets', () => {
    const drs = new Set<number>();
    for (const r of rows) {
      assert.ok(r.n_gear >= 0 && r.n_gear <= 8, `n_gear ${r.n_gear}`);
      assert.ok(r.throttle >= 0 && r.throttle <= 100, `throttle ${r.throttle}`);
      assert.ok(r.brake === 0 || r.brake === 100, `brake ${r.brake}`);
      assert.ok(r.speed >= 0 && r.speed <= 360, `speed ${r.speed}`);
      assert.ok(r.rpm >= 0 && r.rpm <= 13_000, `rpm ${r.rpm}`);
      if (r.brake === 100) assert.equal(r.throttle, 0, 'no throttle while braking');
      drs.add(r.drs);
    }
    assert.deepEqual([...drs].sort((a, b) => a - b), [0, 1, 8, 10, 12, 14]);
    assert.ok(max(rows.map((r) => r.speed)) > 310, 'reaches top speed on the straights');
  });

  void test('garage periods at the start, the end and between runs', () => {
    const inGarage = (r: CarData): boolean => r.speed === 0;
    for (const r of rows.filter(inGarage)) assert.deepEqual([r.n_gear, r.throttle, r.rpm, r.brake], [0, 0, 0, 0]);
    for (const r of rows.filter((x) => !inGarage(x))) assert.ok(r.n_gear > 0 && r.speed > 60 && r.rpm >= 4_000);
    assert.ok(inGarage(rows[0]) && inGarage(rows.at(-1)!));
    let runs = 0;
    for (let i = 1; i < rows.length; i++) if (inGarage(rows[i - 1]) && !inGarage(rows[i])) runs++;
    assert.ok(runs >= 3, `${runs} runs`);
  });

  void test('gear follows speed and rpm follows speed within a gear', () => {
    const moving = rows.filter((r) => r.speed > 0);
    const byGear = Array.from({ length: 9 }, (_, g) => moving.filter((r) => r.n_gear === g));
    for (let g = 2; g <= 8; g++) {
      assert.ok(byGear[g].length > 0 && byGear[g - 1].length > 0, `gear ${g} used`);
      assert.ok(max(byGear[g - 1].map((r) => r.speed)) < min(byGear[g].map((r) => r.speed)), `gear ${g} is faster`);
    }
    for (const inGear of byGear.slice(2)) {
      const sorted = [...inGear].sort((a, b) => a.speed - b.speed);
      const quarter = Math.floor(sorted.length / 4);
      const meanRpm = (rs: CarData[]): number => rs.reduce((a, r) => a + r.rpm, 0) / rs.length;
      assert.ok(meanRpm(sorted.slice(-quarter)) > meanRpm(sorted.slice(0, quarter)) + 500, 'rpm rises with speed');
    }
  });
});

void describe('car_data across drivers', () => {
  void test('every driver of the session, merged in date order (ties by driver number), ~3.7 Hz each', async () => {
    const rows = await getRows(`session_key=${SPRINT}`);
    const s = session(SPRINT);
    const seconds = (ms(s.date_end as string) - ms(s.date_start as string)) / 1000;
    const perDriver = new Map<number, number>();
    for (const r of rows) perDriver.set(r.driver_number, (perDriver.get(r.driver_number) ?? 0) + 1);
    assert.deepEqual([...perDriver.keys()].sort((a, b) => a - b), gridOf(SPRINT));
    for (const count of perDriver.values()) assert.ok(Math.abs(count - seconds * 3.7) < 10, `${count} samples`);
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1], rows[i]];
      assert.ok(a.date < b.date || (a.date === b.date && a.driver_number < b.driver_number), `order at ${i}`);
    }
  });

  void test('a meeting query returns its sessions in session_key order', async () => {
    const meeting = session(SPRINT).meeting_key as number;
    const rows = await getRows(`meeting_key=${meeting}&driver_number=1&date>=2024-05-03T20:00:00&date<2024-05-04T21:00:00`);
    const keys = [...new Set(rows.map((r) => r.session_key))];
    assert.ok(keys.length >= 2, `sessions ${keys.join(',')}`);
    assert.deepEqual(keys, [...keys].sort((a, b) => a - b));
  });
});

void describe('determinism', () => {
  void test('the same request gives the same bytes, also from another server with the same seed', async () => {
    const query = `session_key=${SPRINT}&driver_number=44`;
    const first = await getText(query);
    assert.equal((await getText(query)).text, first.text);
    assert.equal((await getText(query, await start())).text, first.text);
    assert.notEqual((await getText(query, await start({ seed: 2 }))).text, first.text);
  });

  void test('date windows of a session concatenate to exactly the full-session response', async () => {
    const full = await getText(`session_key=${SPRINT}`);
    const rows = JSON.parse(full.text) as CarData[];
    const s = session(SPRINT);
    // Boundaries: the session start, an exact sample time, sub-second times, the session end.
    const bounds = [
      ms(s.date_start as string) - 1,
      ms(rows[1000].date),
      ms(rows[40_000].date) + 1,
      ms(s.date_start as string) + 17 * 60_000 + 123,
      ms(rows[100_000].date),
      ms(s.date_end as string) + 1,
    ];
    const parts: string[] = [];
    for (let i = 1; i < bounds.length; i++) {
      const part = await getText(`session_key=${SPRINT}&date>=${iso(bounds[i - 1])}&date<${iso(bounds[i])}`);
      assert.equal(part.status, 200);
      assert.ok(part.text.length > 2, `window ${i} is not empty`);
      parts.push(part.text.slice(1, -1));
    }
    assert.equal(`[${parts.join(',')}]`, full.text);
  });
});

void describe('filters apply to car_data', () => {
  let all: CarData[];
  before(async () => {
    all = await getRows(`session_key=${SPRINT}`);
  });
  const at = (i: number): number => ms(all[i].date);
  const cases: Array<{ name: string; query: () => string; keep: (r: CarData) => boolean }> = [
    { name: 'speed>=315', query: () => 'speed>=315', keep: (r) => r.speed >= 315 },
    { name: 'driver OR', query: () => 'driver_number=1&driver_number=44', keep: (r) => r.driver_number === 1 || r.driver_number === 44 },
    { name: 'gear and throttle', query: () => 'n_gear=8&throttle<100', keep: (r) => r.n_gear === 8 && r.throttle < 100 },
    { name: 'braking from high speed', query: () => 'brake=100&speed>250', keep: (r) => r.brake === 100 && r.speed > 250 },
    { name: 'DRS open', query: () => 'drs>=10&drs<=14', keep: (r) => r.drs >= 10 && r.drs <= 14 },
    { name: 'rpm interval', query: () => 'rpm>11000&rpm<=11500', keep: (r) => r.rpm > 11_000 && r.rpm <= 11_500 },
    {
      name: 'date bounds are exact to the millisecond',
      query: () => `date>${all[5000].date.replace('+00:00', 'Z')}&date<=${iso(at(9000))}`,
      keep: (r) => ms(r.date) > at(5000) && ms(r.date) <= at(9000),
    },
    { name: 'two date intervals OR-ed', query: () => `date>=${iso(at(10))}&date<${iso(at(20))}&date>=${iso(at(50))}&date<${iso(at(55))}`, keep: (r) => (ms(r.date) >= at(10) && ms(r.date) < at(20)) || (ms(r.date) >= at(50) && ms(r.date) < at(55)) },
    { name: 'date-only equality: the whole day', query: () => 'date=2024-05-04', keep: () => true },
    { name: 'meeting key', query: () => `meeting_key=${String(session(SPRINT).meeting_key)}&driver_number=1&speed>330`, keep: (r) => r.driver_number === 1 && r.speed > 330 },
    { name: 'unknown field: no results', query: () => 'top_speed>300', keep: () => false },
    { name: 'value of the wrong type: no results', query: () => 'speed=fast', keep: () => false },
    { name: 'date-only before the session day: no results', query: () => 'date<2024-05-04', keep: () => false },
  ];
  for (const c of cases) {
    void test(c.name, async () => {
      const expected = all.filter(c.keep);
      assert.equal(expected.length === 0, c.name.includes('no results'), 'expected rows must match the case');
      assert.deepEqual(await getRows(`session_key=${SPRINT}&${c.query()}`), expected);
    });
  }
});

void describe('result-size cap (422) and time budget', () => {
  const query = `session_key=${SPRINT}&driver_number=1&driver_number=4`;
  let count: number;
  before(async () => {
    count = (await getRows(query)).length;
  });

  void test('a result of exactly maxRows is served, one more row is 422 before any body', async () => {
    assert.equal((await getRows(query, await start({ maxRows: count }))).length, count);
    const refused = await getText(query, await start({ maxRows: count - 1 }));
    assert.equal(refused.status, 422);
    assert.match(refused.type, /^application\/json/);
    const { detail } = JSON.parse(refused.text) as { detail: string };
    assert.match(detail, /Too much data/);
    assert.match(detail, /smaller time windows/);
    assert.doesNotMatch(detail, /No results found/);
  });

  void test('the cap counts the result, not the rows scanned', async () => {
    const small = await start({ maxRows: 1_000 });
    const fast = await getRows(`${query}&speed>=320`, small);
    assert.ok(fast.length > 0 && fast.length <= 1_000, `${fast.length} rows`);
  });

  void test('a query scanning more than the budget allows fails with 500 after the budget', async () => {
    const slow = await start({ timeBudgetMs: 300, scanRowsPerSecond: 1_000 });
    const started = Date.now();
    const res = await getText(query, slow);
    assert.ok(Date.now() - started >= 290, 'answered after the budget');
    assert.equal(res.status, 500);
    assert.match(res.text, /^<h1>An error occurred<\/h1>.*ExecutionTimeout/s);
    // 300 ms at 1000 rows/s: 300 rows scanned are fine.
    const t = ms(session(SPRINT).date_start as string) + 10 * 60_000;
    const within = await getRows(`session_key=${SPRINT}&driver_number=1&date>=${iso(t)}&date<${iso(t + 60_000)}`, slow);
    assert.ok(within.length > 200 && within.length < 300);
  });

  void test('unfiltered car_data is refused: 500 after the time budget, 422 with an unlimited budget', async () => {
    const res = await getText('', await start({ timeBudgetMs: 200 }));
    assert.equal(res.status, 500);
    assert.match(res.text, /ExecutionTimeout/);
    const unlimited = await getText('driver_number=1', await start({ timeBudgetMs: 1e9 }));
    assert.equal(unlimited.status, 422);
  });
});
