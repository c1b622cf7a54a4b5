import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { endpoints, type EndpointName } from '../../src/openf1/index.js';

const SHARED = '/work/shared/openf1';

// Record counts from /work/shared/openf1/README.md: a short read would otherwise pass vacuously.
const sharedFiles: Array<{ year: number; endpoint: EndpointName; count: number }> = [
  { year: 2023, endpoint: 'meetings', count: 23 },
  { year: 2023, endpoint: 'sessions', count: 112 },
  { year: 2023, endpoint: 'drivers', count: 2246 },
  { year: 2023, endpoint: 'stints', count: 8747 },
  { year: 2023, endpoint: 'pit', count: 2624 },
  { year: 2024, endpoint: 'meetings', count: 24 },
  { year: 2024, endpoint: 'sessions', count: 120 },
  { year: 2024, endpoint: 'drivers', count: 2397 },
  { year: 2024, endpoint: 'stints', count: 8840 },
  { year: 2024, endpoint: 'pit', count: 7646 },
];

void describe('real OpenF1 records (/work/shared/openf1)', () => {
  for (const { year, endpoint, count } of sharedFiles) {
    void test(`${year}/${endpoint}.json: every record parses, every field kept`, () => {
      const records = JSON.parse(readFileSync(`${SHARED}/${year}/${endpoint}.json`, 'utf8')) as unknown[];
      assert.equal(records.length, count);
      const schema = endpoints[endpoint].schema;
      records.forEach((record, i) => {
        const result = schema.safeParse(record);
        assert.ok(result.success, `record ${i}: ${JSON.stringify(result.error?.issues)}`);
        // Deep equality proves no field is unknown to the schema (unknown keys would be stripped).
        assert.deepEqual(result.data, record, `record ${i}`);
      });
    });
  }
});

// Samples from the OpenF1 documentation (fields the shared exports do not cover).
const documented: Array<{ endpoint: EndpointName; record: Record<string, unknown> }> = [
  {
    endpoint: 'car_data',
    record: { brake: 0, date: '2023-09-15T13:08:19.923000+00:00', driver_number: 55, drs: 12, meeting_key: 1219, n_gear: 8, rpm: 11141, session_key: 9159, speed: 315, throttle: 99 },
  },
  {
    endpoint: 'laps',
    record: {
      date_start: '2023-09-16T13:59:07.606000+00:00', driver_number: 63, duration_sector_1: 26.966, duration_sector_2: 38.657, duration_sector_3: 26.12,
      i1_speed: 307, i2_speed: 277, is_pit_out_lap: false, lap_duration: 91.743, lap_number: 8, meeting_key: 1219,
      segments_sector_1: [2049, 2049, 2049, 2051, 2049, 2051, 2049, 2049], segments_sector_2: [2049, 2049, 2049, 2049, 2049, 2049, 2049, 2049],
      segments_sector_3: [2048, 2048, 2048, 2048, 2048, 2064, 2064, 2064], session_key: 9161, st_speed: 298,
    },
  },
  {
    // A first lap as OpenF1 really sends it: no start time, no duration, mini-sector gaps.
    endpoint: 'laps',
    record: {
      date_start: null, driver_number: 1, duration_sector_1: null, duration_sector_2: 40.1, duration_sector_3: 30.2, i1_speed: null, i2_speed: 250,
      is_pit_out_lap: false, lap_duration: null, lap_number: 1, meeting_key: 1219, segments_sector_1: [null, 2049, 2048], segments_sector_2: null,
      segments_sector_3: [2048], session_key: 9161, st_speed: null,
    },
  },
  { endpoint: 'location', record: { date: '2023-09-16T13:03:35.292000+00:00', driver_number: 81, meeting_key: 1219, session_key: 9161, x: 567, y: 3195, z: 187 } },
  {
    endpoint: 'weather',
    record: { air_temperature: 27.8, date: '2023-05-07T18:42:25.233000+00:00', humidity: 58, meeting_key: 1208, pressure: 1018.7, rainfall: 0, session_key: 9078, track_temperature: 52.5, wind_direction: 136, wind_speed: 2.4 },
  },
  {
    endpoint: 'pit',
    record: { date: '2025-10-26T20:46:37.358000+00:00', driver_number: 16, lane_duration: 22.215, lap_number: 31, meeting_key: 1272, pit_duration: 22.215, session_key: 9877, stop_duration: 2.2 },
  },
  {
    endpoint: 'stints',
    record: { compound: 'SOFT', driver_number: 16, lap_end: 20, lap_start: 1, meeting_key: 1219, session_key: 9165, stint_number: 1, tyre_age_at_start: 3 },
  },
  {
    endpoint: 'meetings',
    record: {
      circuit_key: 61, circuit_info_url: 'https://api.multiviewer.app/api/v1/circuits/61/2026', circuit_image: 'https://media.formula1.com/x.png',
      circuit_short_name: 'Singapore', circuit_type: 'Temporary - Street', country_code: 'SGP', country_flag: 'https://media.formula1.com/f.png',
      country_key: 157, country_name: 'Singapore', date_end: '2026-10-11T14:00:00+00:00', date_start: '2026-10-09T09:30:00+00:00', gmt_offset: '08:00:00',
      is_cancelled: false, location: 'Marina Bay', meeting_key: 1296, meeting_name: 'Singapore Grand Prix',
      meeting_official_name: 'FORMULA 1 SINGAPORE AIRLINES SINGAPORE GRAND PRIX 2026', year: 2026,
    },
  },
  {
    endpoint: 'sessions',
    record: {
      circuit_key: 7, circuit_short_name: 'Spa-Francorchamps', country_code: 'BEL', country_key: 16, country_name: 'Belgium', date_end: '2023-07-29T15:35:00+00:00',
      date_start: '2023-07-29T15:05:00+00:00', gmt_offset: '02:00:00', is_cancelled: false, location: 'Spa-Francorchamps', meeting_key: 1216,
      session_key: 9140, session_name: 'Sprint Qualifying', session_type: 'Sprint Qualifying', year: 2023,
    },
  },
  {
    endpoint: 'drivers',
    record: {
      broadcast_name: 'M VERSTAPPEN', driver_number: 1, first_name: 'Max', full_name: 'Max VERSTAPPEN', headshot_url: 'https://www.formula1.com/x.png',
      last_name: 'Verstappen', meeting_key: 1219, name_acronym: 'VER', session_key: 9158, team_colour: '3671C6', team_name: 'Red Bull Racing',
    },
  },
];

void describe('documented record shapes', () => {
  for (const [i, { endpoint, record }] of documented.entries()) {
    void test(`${endpoint} sample ${i} parses with every field kept`, () => {
      assert.deepEqual(endpoints[endpoint].schema.parse(record), record);
    });
  }

  void test('every endpoint has a documented sample', () => {
    assert.deepEqual(new Set(documented.map((d) => d.endpoint)), new Set(Object.keys(endpoints)));
  });
});

const carData = documented[0].record;
const rejected: Array<{ name: string; endpoint: EndpointName; record: Record<string, unknown> }> = [
  { name: 'car_data speed as text', endpoint: 'car_data', record: { ...carData, speed: 'fast' } },
  { name: 'car_data fractional rpm', endpoint: 'car_data', record: { ...carData, rpm: 11141.5 } },
  { name: 'car_data date not an instant', endpoint: 'car_data', record: { ...carData, date: 'yesterday' } },
  { name: 'car_data date without offset', endpoint: 'car_data', record: { ...carData, date: '2023-09-15T13:08:19.923' } },
  { name: 'car_data null date', endpoint: 'car_data', record: { ...carData, date: null } },
  { name: 'car_data missing driver_number', endpoint: 'car_data', record: { ...carData, driver_number: undefined } },
  { name: 'car_data null session_key', endpoint: 'car_data', record: { ...carData, session_key: null } },
  { name: 'laps null lap_number', endpoint: 'laps', record: { ...documented[1].record, lap_number: null } },
  { name: 'laps text in mini-sectors', endpoint: 'laps', record: { ...documented[1].record, segments_sector_1: ['green'] } },
  { name: 'weather text temperature', endpoint: 'weather', record: { ...documented[4].record, air_temperature: '27.8' } },
];

void describe('rejections', () => {
  for (const c of rejected) {
    void test(c.name, () => {
      assert.equal(endpoints[c.endpoint].schema.safeParse(c.record).success, false);
    });
  }

  void test('car_data channels may be null (the server model types them int | None)', () => {
    const row = { ...carData, brake: null, drs: null, n_gear: null, rpm: null, speed: null, throttle: null };
    assert.deepEqual(endpoints.car_data.schema.parse(row), row);
  });
});

void test('registry paths are the OpenF1 endpoint names', () => {
  for (const [name, def] of Object.entries(endpoints)) assert.equal(def.path, name);
});
