import type { Unit } from '../../src/model/unit.js';

/** One driver's 2023 Bahrain race (session 7953) with speed >= 100: the unit activity tests load. */
export function bahrainRaceUnit(driverNumber: number): Unit {
  return {
    season: 2023, roundLabel: 'r01', meetingKey: 1141, sessionKey: 7953, sessionName: 'Race', sessionType: 'Race',
    driverNumber, dateStart: '2023-03-05T15:00:00+00:00', dateEnd: '2023-03-05T17:00:00+00:00',
    filters: [{ field: 'speed', op: '>=', value: 100 }], filterKey: 'speed>=100',
  };
}
