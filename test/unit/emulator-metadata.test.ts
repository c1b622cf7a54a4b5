import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { defaultDataDir } from '../../src/emulator/calendar-data.js';

type Row = Record<string, unknown>;
const load = (endpoint: string): Row[] =>
  ['2023', '2024'].flatMap((year) => JSON.parse(readFileSync(resolve(defaultDataDir(), year, `${endpoint}.json`), 'utf8')) as Row[]);
const sessions = load('sessions');
const drivers = load('drivers');
const meetings = load('meetings');
const pit = load('pit');
const ms = (row: Row, field: string): number => Date.parse(row[field] as string);

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());

async function get(path: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${emulator.url.replace(/\/v1$/, '')}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function getRows(path: string): Promise<Row[]> {
  const res = await get(path);
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text) as Row[];
}

void describe('acceptance', () => {
  void test('sessions?year=2023 returns the 112 real sessions', async () => {
    const rows = await getRows('/v1/sessions?year=2023');
    assert.equal(rows.length, 112);
    assert.deepEqual(rows, sessions.filter((s) => s.year === 2023));
  });

  void test("drivers?session_key=9222 returns the real grid", async () => {
    const rows = await getRows('/v1/drivers?session_key=9222');
    const grid = drivers.filter((d) => d.session_key === 9222);
    assert.equal(grid.length, 19);
    assert.deepEqual(rows, grid);
    assert.deepEqual(Object.keys(rows[0]), Object.keys(grid[0]));
  });
});

void describe('filters on the real records', () => {
  // `expected` is computed from the raw files; an empty one is only legitimate where it says "no results".
  const cases: Array<{ name: string; path: string; expected: Row[] }> = [
    {
      name: 'documented example: sessions in September 2023 (date-only bounds widened to whole days)',
      path: '/v1/sessions?date_start>=2023-09-01&date_end<=2023-09-30',
      expected: sessions.filter(
        (s) => ms(s, 'date_start') >= Date.parse('2023-09-01T00:00:00Z') && ms(s, 'date_end') < Date.parse('2023-10-01T00:00:00Z'),
      ),
    },
    {
      name: 'date-only equality matches the whole day',
      path: '/v1/sessions?date_start=2023-02-23',
      expected: sessions.filter((s) => (s.date_start as string).startsWith('2023-02-23')),
    },
    {
      name: 'date-only ">" starts the next day',
      path: '/v1/meetings?date_start>2024-12-05',
      expected: meetings.filter((m) => ms(m, 'date_start') >= Date.parse('2024-12-06T00:00:00Z')),
    },
    {
      name: 'date with time and offset',
      path: '/v1/pit?date>=2023-09-17T14:30:00%2B02:00&date<2023-09-17T13:00:00Z',
      expected: pit.filter((r) => ms(r, 'date') >= Date.parse('2023-09-17T12:30:00Z') && ms(r, 'date') < Date.parse('2023-09-17T13:00:00Z')),
    },
    {
      name: 'several filters on one field: equalities are OR-ed',
      path: '/v1/sessions?year=2023&year=2024',
      expected: sessions,
    },
    {
      name: 'number comparisons',
      path: '/v1/pit?session_key=9165&pit_duration<30&lap_number>10',
      expected: pit.filter((r) => r.session_key === 9165 && (r.pit_duration as number) < 30 && (r.lap_number as number) > 10),
    },
    {
      name: 'string fields, with a space',
      path: '/v1/sessions?session_name=Sprint%20Shootout',
      expected: sessions.filter((s) => s.session_name === 'Sprint Shootout'),
    },
    {
      name: 'string comparison',
      path: '/v1/meetings?country_name>=S&year=2024',
      expected: meetings.filter((m) => (m.country_name as string) >= 'S' && m.year === 2024),
    },
    {
      name: 'null values never match',
      path: '/v1/meetings?meeting_code>=A',
      expected: meetings.filter((m) => m.meeting_code !== null),
    },
    { name: 'unknown field: no results', path: '/v1/sessions?foo=bar', expected: [] },
    { name: 'value of the wrong type: no results', path: '/v1/sessions?year=abc', expected: [] },
    { name: 'boolean on a number field: no results', path: '/v1/sessions?year=true', expected: [] },
    {
      name: 'latest session (the last one started)',
      path: '/v1/sessions?session_key=latest',
      expected: sessions.filter((s) => s.session_key === 9662),
    },
    { name: 'path is case-insensitive', path: '/V1/Sessions?year=2023', expected: sessions.filter((s) => s.year === 2023) },
    {
      name: 'csv=false is ignored',
      path: '/v1/meetings?csv=false&meeting_key=1140',
      expected: meetings.filter((m) => m.meeting_key === 1140),
    },
    { name: 'unknown collection under /v1: no results, as the reference', path: '/v1/laps_of_honour?session_key=9222', expected: [] },
  ];
  for (const c of cases) {
    void test(c.name, async () => {
      assert.equal(c.expected.length === 0, c.name.includes('no results'), 'expected rows must match the case');
      assert.deepEqual(await getRows(c.path), c.expected);
    });
  }
});

void describe('errors', () => {
  const htmlErrors: Array<{ name: string; path: string; message: RegExp }> = [
    { name: 'filter without operator', path: '/v1/sessions?year', message: /ValueError: No valid operator found in `year`\./ },
    { name: 'empty value', path: '/v1/sessions?year=', message: /ValueError: No valid operator/ },
    { name: 'route outside v1/<collection>', path: '/v2/sessions', message: /ValueError: Invalid route/ },
    { name: 'trailing slash', path: '/v1/sessions/', message: /ValueError: Invalid route/ },
    { name: 'incomparable bounds', path: '/v1/sessions?year>2023&year<abc', message: /TypeError/ },
  ];
  for (const c of htmlErrors) {
    void test(`${c.name}: 500 with the reference's HTML error page`, async () => {
      const res = await get(c.path);
      assert.equal(res.status, 500);
      assert.match(res.type, /^text\/html/);
      assert.match(res.text, /^<h1>An error occurred<\/h1><pre>/);
      assert.match(res.text, c.message);
    });
  }

  void test('the bare root answers the welcome text', async () => {
    assert.deepEqual(await get('/'), { status: 200, type: 'text/plain; charset=utf-8', text: 'Welcome to OpenF1!' });
  });

  void test('csv output is refused explicitly', async () => {
    const res = await get('/v1/sessions?year=2023&csv=true');
    assert.equal(res.status, 501);
    assert.match(JSON.parse(res.text).detail, /csv/);
  });

  void test('other methods: 405', async () => {
    const res = await fetch(`${emulator.url}/sessions`, { method: 'DELETE' });
    assert.equal(res.status, 405);
    assert.deepEqual(await res.json(), { detail: 'Method Not Allowed' });
  });
});
