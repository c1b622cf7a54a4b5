import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterSlug, roundLabel, roundWorkflowId, unitId, unitPrefix, type Unit } from '../../src/model/unit.js';
import { parseOpenF1DateMicros } from '../../src/model/openf1-date.js';

const unit: Unit = {
  season: 2023, roundLabel: 'r01', meetingKey: 1141, sessionKey: 7953, sessionName: 'Race', sessionType: 'Race',
  driverNumber: 44, dateStart: '2023-03-05T15:00:00+00:00', dateEnd: '2023-03-05T17:00:00+00:00',
  filters: [{ field: 'speed', op: '>=', value: 100 }], filterKey: 'speed>=100',
};

test('workflow IDs are readable and deterministic', () => {
  assert.equal(unitId(unit), 'f1/2023/r01/s7953/d44/speed>=100');
  assert.equal(unitId({ ...unit, filterKey: '' }), 'f1/2023/r01/s7953/d44');
  assert.equal(roundLabel('round', 3), 'r03');
  assert.equal(roundLabel('testing', 1), 't1');
  assert.equal(roundWorkflowId('f1/2023/backfill-abc', 'r03'), 'f1/2023/backfill-abc/r03');
});

test('object keys are Hive-style and path-safe', () => {
  assert.equal(unitPrefix('bronze', unit), 'bronze/openf1/car_data/season=2023/meeting=1141/session=7953/driver=44/filter=speed-gte-100');
  assert.equal(unitPrefix('silver', { ...unit, filters: [] }), 'silver/openf1/car_data/season=2023/meeting=1141/session=7953/driver=44/filter=all');
  assert.equal(filterSlug({ filters: [{ field: 'date', op: '<', value: '2023-03-05T16:00:00+00:00' }] }), 'date-lt-2023_03_05T16_00_00_00_00');
});

test('OpenF1 dates parse to exact microseconds', () => {
  assert.equal(parseOpenF1DateMicros('2023-09-15T13:08:19.923000+00:00'), 1694783299923000n);
  assert.equal(parseOpenF1DateMicros('2023-09-15T13:08:19.000001+00:00'), 1694783299000001n);
  assert.equal(parseOpenF1DateMicros('2023-09-15T13:08:19+00:00'), 1694783299000000n);
  assert.equal(parseOpenF1DateMicros('2023-09-15T15:08:19.5+02:00'), 1694783299500000n);
  assert.throws(() => parseOpenF1DateMicros('yesterday'), /not an OpenF1 date: "yesterday"/);
});
