import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OpenF1Client, OpenF1UsageError, canonicalFilterKey, toQueryString, type Filter } from '../../src/openf1/index.js';
import { parseOpenF1Query } from './openf1-test-server.js';

const f = (field: string, op: Filter['op'], value: string | number): Filter => ({ field, op, value });

void describe('toQueryString', () => {
  const cases: Array<{ name: string; filters: Filter[]; expected: string }> = [
    { name: 'no filters', filters: [], expected: '' },
    {
      name: 'documented car_data example',
      filters: [f('session_key', '=', 9159), f('driver_number', '=', 55), f('speed', '>=', 315)],
      expected: 'session_key=9159&driver_number=55&speed>=315',
    },
    { name: 'every operator', filters: [f('a', '=', 1), f('b', '>=', 2), f('c', '<=', 3), f('d', '>', 4), f('e', '<', 5)], expected: 'a=1&b>=2&c<=3&d>4&e<5' },
    { name: 'date without offset', filters: [f('date', '>', '2023-09-15T13:08:19')], expected: 'date>2023-09-15T13:08:19' },
    {
      name: '+ in a UTC offset is encoded (a raw + decodes to a space)',
      filters: [f('date', '<', '2023-09-15T13:08:19.923000+00:00')],
      expected: 'date<2023-09-15T13:08:19.923000%2B00:00',
    },
    { name: 'negative offset and Z stay readable', filters: [f('date', '>=', '2023-09-15T13:08:19-05:00'), f('date', '<', '2023-09-15T14:00:00Z')], expected: 'date>=2023-09-15T13:08:19-05:00&date<2023-09-15T14:00:00Z' },
    { name: 'space', filters: [f('session_name', '=', 'Sprint Qualifying')], expected: 'session_name=Sprint%20Qualifying' },
    { name: '& and #', filters: [f('team_name', '=', 'A&B #1')], expected: 'team_name=A%26B%20%231' },
    { name: '%', filters: [f('x', '=', '100%')], expected: 'x=100%25' },
    { name: 'non-ASCII', filters: [f('last_name', '=', 'Pérez')], expected: 'last_name=P%C3%A9rez' },
    { name: 'decimal and negative numbers', filters: [f('lap_duration', '<=', 90.5), f('x', '>', -5)], expected: 'lap_duration<=90.5&x>-5' },
    { name: 'field with digits', filters: [f('i1_speed', '>=', 300), f('duration_sector_1', '<', 30)], expected: 'i1_speed>=300&duration_sector_1<30' },
    { name: 'booleans as text', filters: [f('is_pit_out_lap', '=', 'true')], expected: 'is_pit_out_lap=true' },
  ];

  for (const c of cases) {
    void test(c.name, () => {
      assert.equal(toQueryString(c.filters), c.expected);
    });
  }

  void test('OpenF1 parses every case back to the same filters, also after fetch percent-encodes < and >', () => {
    const client = new OpenF1Client({ baseUrl: 'http://openf1.test/v1' });
    for (const c of cases) {
      const expected = c.filters.map((x) => ({ field: x.field, op: x.op, value: String(x.value) }));
      assert.deepEqual(parseOpenF1Query(toQueryString(c.filters)), expected, c.name);
      // What actually goes on the wire: the WHATWG URL serialization fetch uses.
      const wire = new URL(client.url('car_data', c.filters)).search.slice(1);
      assert.deepEqual(parseOpenF1Query(wire), expected, `${c.name} (wire)`);
    }
  });

  const invalid: Array<{ name: string; filter: unknown }> = [
    { name: 'upper-case field', filter: f('Speed', '=', 1) },
    { name: 'field with punctuation', filter: f('speed;drop', '=', 1) },
    { name: 'field starting with a digit', filter: f('1speed', '=', 1) },
    { name: 'unknown operator', filter: { field: 'speed', op: '!=', value: 1 } },
    { name: 'empty value', filter: f('team_name', '=', '') },
    { name: 'value with <', filter: f('team_name', '=', 'a<b') },
    { name: 'value with >', filter: f('team_name', '=', 'a>b') },
    { name: 'value with =', filter: f('team_name', '>', 'a=b') },
    { name: 'NaN', filter: f('speed', '=', NaN) },
    { name: 'Infinity', filter: f('speed', '<', Infinity) },
    { name: 'boolean value', filter: { field: 'is_pit_out_lap', op: '=', value: true } },
  ];
  for (const c of invalid) {
    void test(`rejects ${c.name}`, () => {
      assert.throws(() => toQueryString([c.filter as Filter]), OpenF1UsageError);
      assert.throws(() => canonicalFilterKey([c.filter as Filter]), OpenF1UsageError);
    });
  }
});

void describe('canonicalFilterKey', () => {
  const cases: Array<{ name: string; a: Filter[]; b?: Filter[]; expected: string }> = [
    { name: 'none', a: [], expected: '' },
    { name: 'single', a: [f('speed', '>=', 100)], expected: 'speed>=100' },
    {
      name: 'order does not matter',
      a: [f('session_key', '=', 9159), f('driver_number', '=', 55)],
      b: [f('driver_number', '=', 55), f('session_key', '=', 9159)],
      expected: 'driver_number=55&session_key=9159',
    },
    {
      name: 'duplicates collapse',
      a: [f('speed', '>=', 100), f('speed', '>=', 100)],
      b: [f('speed', '>=', 100)],
      expected: 'speed>=100',
    },
    { name: 'number and decimal string are the same filter', a: [f('driver_number', '=', 55)], b: [f('driver_number', '=', '55')], expected: 'driver_number=55' },
    { name: 'operators distinguish', a: [f('speed', '>', 100), f('speed', '>=', 100)], expected: 'speed>100&speed>=100' },
    { name: 'values encoded like the query', a: [f('date', '>=', '2023-09-15T13:08:19+00:00')], expected: 'date>=2023-09-15T13:08:19%2B00:00' },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assert.equal(canonicalFilterKey(c.a), c.expected);
      if (c.b) assert.equal(canonicalFilterKey(c.b), c.expected);
    });
  }
});

void describe('OpenF1Client.url', () => {
  const cases: Array<{ name: string; baseUrl?: string; filters: Filter[]; expected: string }> = [
    {
      name: 'default base URL',
      filters: [f('session_key', '=', 9159), f('driver_number', '=', 55), f('speed', '>=', 315)],
      expected: 'https://api.openf1.org/v1/car_data?session_key=9159&driver_number=55&speed>=315',
    },
    { name: 'no filters, no ?', filters: [], expected: 'https://api.openf1.org/v1/car_data' },
    { name: 'trailing slash in base URL', baseUrl: 'http://127.0.0.1:8080/v1/', filters: [f('session_key', '=', 1)], expected: 'http://127.0.0.1:8080/v1/car_data?session_key=1' },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assert.equal(new OpenF1Client({ baseUrl: c.baseUrl }).url('car_data', c.filters), c.expected);
    });
  }

  void test('rejects credentials or a query in the base URL', () => {
    assert.throws(() => new OpenF1Client({ baseUrl: 'https://user:secret@api.openf1.org/v1' }), OpenF1UsageError);
    assert.throws(() => new OpenF1Client({ baseUrl: 'https://api.openf1.org/v1?x=1' }), OpenF1UsageError);
  });
});
