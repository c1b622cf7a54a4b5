import type { OpenF1Client } from '../openf1/client.js';
import type { BackfillSpec } from '../model/backfill-input.js';
import { toOpenF1Filters } from '../model/backfill-input.js';
import { fetchMeetingSchedule, numberRounds, selectRounds, unitsOfMeeting } from './calendar-planner.js';

/** OpenF1 car_data is sampled at about 3.7 Hz per car. */
const SAMPLES_PER_SECOND = 3.7;

export interface DryRunSession {
  sessionName: string;
  units: number;
  expectedRows: number;
}

export interface DryRunReport {
  season: number;
  rounds: Array<{ label: string; meetingName: string; units: number; expectedRows: number; sessions: DryRunSession[] }>;
  units: number;
  /** Session duration x 3.7 Hz per unit: the unfiltered upper bound (filters are not applied). */
  expectedRows: number;
  /** Calendar requests plus one per unit (more only if a unit has to be bisected). */
  expectedRequests: number;
  rateLimit: string;
  /** Time the requests take under the rate limit; null when the client is not rate limited. */
  etaSeconds: number | null;
}

/** What a backfill would do, from the calendar alone: no telemetry is fetched and nothing is written. */
export async function planBackfillDryRun(openf1: OpenF1Client, spec: BackfillSpec): Promise<DryRunReport> {
  const rounds = selectRounds(spec.season, numberRounds(await openf1.list('meetings', [{ field: 'year', op: '=', value: spec.season }])), spec.rounds, spec.includeTesting);
  const filters = toOpenF1Filters(spec.filters);
  const report: DryRunReport['rounds'] = [];
  for (const round of rounds) {
    const { sessions, drivers } = await fetchMeetingSchedule(openf1, round.meetingKey);
    const units = unitsOfMeeting({ season: spec.season, label: round.label, meetingKey: round.meetingKey, sessionNames: spec.sessionNames, drivers: spec.drivers, filters }, sessions, drivers);
    const bySession = new Map<string, DryRunSession>();
    for (const u of units) {
      const s = bySession.get(u.sessionName) ?? { sessionName: u.sessionName, units: 0, expectedRows: 0 };
      s.units += 1;
      s.expectedRows += Math.round(((Date.parse(u.dateEnd) - Date.parse(u.dateStart)) / 1000) * SAMPLES_PER_SECOND);
      bySession.set(u.sessionName, s);
    }
    const list = [...bySession.values()];
    report.push({ label: round.label, meetingName: round.meetingName, units: units.length, expectedRows: list.reduce((n, s) => n + s.expectedRows, 0), sessions: list });
  }
  const units = report.reduce((n, r) => n + r.units, 0);
  const expectedRequests = 1 + 2 * report.length + units;
  const limit = openf1.rateLimit;
  return {
    season: spec.season,
    rounds: report,
    units,
    expectedRows: report.reduce((n, r) => n + r.expectedRows, 0),
    expectedRequests,
    rateLimit: limit ? `${limit.requests}/${limit.perMs / 1000}s` : 'off',
    etaSeconds: limit ? Math.ceil((expectedRequests / limit.requests) * (limit.perMs / 1000)) : null,
  };
}
