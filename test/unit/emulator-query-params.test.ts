import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OpenF1Exception } from '../../src/emulator/errors.js';
import { compileFieldMatcher, dateHull, type FieldKind, type Scalar } from '../../src/emulator/filter-match.js';
import { parseQueryParams, type QueryParam } from '../../src/emulator/query-params.js';
import { castValue } from '../../src/emulator/value-cast.js';

const LATEST = { meetingKey: 1252, sessionKey: 9662 };
const parse = (raw: string): QueryParam[] => [...parseQueryParams(raw, () => LATEST).values()].flat();
const utc = (iso: string): number => Date.parse(iso);
const date = (iso: string): QueryParam['value'] => ({ kind: 'date', value: utc(iso) });
const num = (value: number): QueryParam['value'] => ({ kind: 'number', value });
const str = (value: string): QueryParam['value'] => ({ kind: 'string', value });
const p = (field: string, op: QueryParam['op'], value: QueryParam['value']): QueryParam => ({ field, op, value });

void describe('parseQueryParams (query_params.py semantics)', () => {
  const cases: Array<{ raw: string; expected: QueryParam[] }> = [
    { raw: 'speed>=315', expected: [p('speed', '>=', num(315))] },
    { raw: 'speed%3E%3D315', expected: [p('speed', '>=', num(315))] },
    { raw: 'speed<=200', expected: [p('speed', '<=', num(200))] },
    { raw: 'speed>300', expected: [p('speed', '>', num(300))] },
    { raw: 'speed<10', expected: [p('speed', '<', num(10))] },
    { raw: 'driver_number=1&driver_number=44', expected: [p('driver_number', '=', num(1)), p('driver_number', '=', num(44))] },
    { raw: 'Driver_Number=1', expected: [p('driver_number', '=', num(1))] },
    { raw: 'lap_duration>=90.5', expected: [p('lap_duration', '>=', num(90.5))] },
    { raw: 'x=1e3&y=1_000&z=-4', expected: [p('x', '=', num(1000)), p('y', '=', num(1000)), p('z', '=', num(-4))] },
    { raw: 'is_pit_out_lap=true&flag=FALSE', expected: [p('is_pit_out_lap', '=', { kind: 'bool', value: true }), p('flag', '=', { kind: 'bool', value: false })] },
    { raw: 'country_code=NED', expected: [p('country_code', '=', str('NED'))] },
    { raw: 'session_name=Practice%201', expected: [p('session_name', '=', str('Practice 1'))] },
    // Kept as typed, as the reference does for these two fields.
    { raw: 'team_colour=123&gmt_offset=03:00:00', expected: [p('team_colour', '=', str('123')), p('gmt_offset', '=', str('03:00:00'))] },
    { raw: 'meeting_key=latest&session_key=latest', expected: [p('meeting_key', '=', num(1252)), p('session_key', '=', num(9662))] },
    // Dates with time information are used as given (UTC unless an offset says otherwise).
    { raw: 'date>2023-01-01T12:00:00', expected: [p('date', '>', date('2023-01-01T12:00:00Z'))] },
    { raw: 'date>=2023-09-16T13:03:35.2004', expected: [p('date', '>=', date('2023-09-16T13:03:35.200Z'))] },
    { raw: 'date>=2023-09-16T13:03:35%2B02:00', expected: [p('date', '>=', date('2023-09-16T11:03:35Z'))] },
    { raw: 'date<2023-09-16 13:03:35Z', expected: [p('date', '<', date('2023-09-16T13:03:35Z'))] },
    // An unencoded "+" decodes to a space; the reference turns " hh:mm" back into "+hh:mm".
    { raw: 'date>=2023-09-16T13:03:35+00:00', expected: [p('date', '>=', date('2023-09-16T13:03:35Z'))] },
    // Dates without time info are widened to the whole day (_adjust_time_param).
    { raw: 'date>2023-01-01', expected: [p('date', '>=', date('2023-01-02T00:00:00Z'))] },
    { raw: 'date<2023-01-01', expected: [p('date', '<', date('2023-01-01T00:00:00Z'))] },
    { raw: 'date>=2023-01-01', expected: [p('date', '>=', date('2023-01-01T00:00:00Z'))] },
    { raw: 'date<=2023-01-01', expected: [p('date', '<', date('2023-01-02T00:00:00Z'))] },
    { raw: 'date=2023-01-01', expected: [p('date', '>=', date('2023-01-01T00:00:00Z')), p('date', '<', date('2023-01-02T00:00:00Z'))] },
    { raw: 'date_start=09/16/2023', expected: [p('date_start', '>=', date('2023-09-16T00:00:00Z')), p('date_start', '<', date('2023-09-17T00:00:00Z'))] },
    { raw: 'date=2023-02-30', expected: [p('date', '=', str('2023-02-30'))] },
  ];
  for (const c of cases) {
    void test(c.raw, () => assert.deepEqual(parse(c.raw), c.expected));
  }

  const invalid = ['bad', 'driver_number=', 'speed>=315&nothing'];
  for (const raw of invalid) {
    void test(`no operator in "${raw}" raises ValueError`, () => {
      assert.throws(
        () => parse(raw),
        (e: unknown) => e instanceof OpenF1Exception && e.exception === 'ValueError' && /No valid operator found in `/.test(e.message),
      );
    });
  }

  void test('latest is resolved only when used', () => {
    assert.deepEqual(
      [...parseQueryParams('session_key=9222', () => assert.fail('looked up')).values()].flat(),
      [p('session_key', '=', num(9222))],
    );
  });
});

void describe('castValue (type_casting.py)', () => {
  const cases: Array<[string, QueryParam['value']]> = [
    ['true', { kind: 'bool', value: true }],
    ['True', { kind: 'bool', value: true }],
    ['42', num(42)],
    [' 7 ', num(7)],
    ['+3', num(3)],
    ['.5', num(0.5)],
    ['inf', num(Infinity)],
    ['e5', str('e5')],
    ['1.2.3', str('1.2.3')],
    ['VER', str('VER')],
    ['2023-09-15T13:08:19.923000+00:00', date('2023-09-15T13:08:19.923Z')],
    ['2023/09/15', date('2023-09-15T00:00:00Z')],
    ['2023-09-15T13:08', date('2023-09-15T13:08:00Z')],
    ['2023-09-15T13:08:19-0500', date('2023-09-15T18:08:19Z')],
  ];
  for (const [raw, expected] of cases) {
    void test(JSON.stringify(raw), () => assert.deepEqual(castValue(raw), expected));
  }
});

void describe('field matching (db.py _generate_query_predicate)', () => {
  const cases: Array<{ name: string; raw: string; kind: FieldKind; matches: Scalar[]; rejects: Scalar[] }> = [
    { name: 'equalities are OR-ed', raw: 'x=1&x=3', kind: 'number', matches: [1, 3], rejects: [2, 4] },
    { name: 'a lower and an upper bound form an interval', raw: 'x>=4&x<7', kind: 'number', matches: [4, 6.9], rejects: [3, 7] },
    {
      name: 'several intervals are OR-ed',
      raw: 'x>=4&x<=7&x>=10&x<=15',
      kind: 'number',
      matches: [4, 7, 10, 15],
      rejects: [8, 9, 16, 3],
    },
    { name: 'equalities OR intervals', raw: 'x=1&x>=4&x<=7', kind: 'number', matches: [1, 5], rejects: [2, 8] },
    { name: 'unpairable bounds stay unbounded and OR-ed', raw: 'x>5&x<3', kind: 'number', matches: [6, 2], rejects: [4, 5, 3] },
    { name: 'a lone bound', raw: 'x>300', kind: 'number', matches: [301], rejects: [300] },
    { name: 'duplicates collapse', raw: 'x>=4&x>=4&x<7', kind: 'number', matches: [5], rejects: [8] },
    { name: 'strings compare as strings', raw: 'x>=M', kind: 'string', matches: ['Monza', 'Zandvoort'], rejects: ['Baku'] },
    { name: 'a string value never matches a number field', raw: 'x=fast', kind: 'number', matches: [], rejects: [0, 300] },
    { name: 'a number value never matches a string field', raw: 'x=1', kind: 'string', matches: [], rejects: ['1'] },
    { name: 'a bool never matches a number', raw: 'x=true', kind: 'number', matches: [], rejects: [1] },
    { name: 'a bool matches a bool', raw: 'x=false', kind: 'bool', matches: [false], rejects: [true] },
    {
      name: 'whole-day date equality',
      raw: 'x=2023-02-23',
      kind: 'date',
      matches: [utc('2023-02-23T00:00:00Z'), utc('2023-02-23T23:59:59.999Z')],
      rejects: [utc('2023-02-22T23:59:59.999Z'), utc('2023-02-24T00:00:00Z')],
    },
    {
      name: 'dates never match a number field',
      raw: 'x>=2023-02-23T10:00:00',
      kind: 'number',
      matches: [],
      rejects: [utc('2023-02-24T00:00:00Z')],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const match = compileFieldMatcher(parse(c.raw), c.kind);
      for (const v of c.matches) assert.equal(match(v), true, `${c.raw} should match ${String(v)}`);
      for (const v of c.rejects) assert.equal(match(v), false, `${c.raw} should not match ${String(v)}`);
    });
  }

  void test('bounds of incomparable types raise TypeError, like the reference pairing them', () => {
    assert.throws(
      () => compileFieldMatcher(parse('x>5&x<abc'), 'number'),
      (e: unknown) => e instanceof OpenF1Exception && e.exception === 'TypeError',
    );
  });

  void test('dateHull bounds what date filters can match', () => {
    assert.deepEqual(dateHull(parse('date>=2023-01-01T10:00:00&date<2023-01-01T11:00:00')), {
      lo: utc('2023-01-01T10:00:00Z'),
      hi: utc('2023-01-01T11:00:00Z'),
    });
    assert.deepEqual(dateHull(parse('date>2023-01-01T10:00:00')), { lo: utc('2023-01-01T10:00:00Z'), hi: Infinity });
    assert.deepEqual(dateHull(parse('date=2023-01-01T10:00:00&date<2022-01-01T00:00:00')), {
      lo: -Infinity,
      hi: utc('2023-01-01T10:00:00Z'),
    });
    assert.equal(dateHull(parse('date=yesterday')), undefined);
  });
});
