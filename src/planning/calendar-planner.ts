import type { OpenF1Client } from '../openf1/client.js';
import { canonicalFilterKey, type Filter } from '../openf1/filters.js';
import type { RecordOf } from '../openf1/endpoints.js';
import { roundLabel, type Unit } from '../model/unit.js';

export interface RoundPlan {
  label: string;
  /** Championship round number; null for pre-season testing. */
  round: number | null;
  meetingKey: number;
  meetingName: string;
  dateStart: string;
}

export interface UnitScope {
  season: number;
  label: string;
  meetingKey: number;
  sessionNames?: string[];
  drivers?: number[];
  filters: Filter[];
}

const TESTING = /testing/i;

export class UnknownRoundsError extends Error {
  readonly type = 'InvalidBackfillInput';
  readonly retryable = false;
  constructor(readonly season: number, readonly unknown: number[], readonly lastRound: number) {
    super(`rounds: ${JSON.stringify(unknown)} not in season ${season}, which has rounds 1..${lastRound}`);
  }
}

/** Numbers a season's meetings as championship rounds by date; pre-season tests are `t1`.. and not rounds. */
export function numberRounds(meetings: RecordOf<'meetings'>[]): RoundPlan[] {
  let round = 0;
  let test = 0;
  return [...meetings]
    .sort((a, b) => String(a.date_start).localeCompare(String(b.date_start)))
    .map((m) => {
      const testing = TESTING.test(m.meeting_name ?? '');
      const n = testing ? (test += 1) : (round += 1);
      return {
        label: roundLabel(testing ? 'testing' : 'round', n),
        round: testing ? null : n,
        meetingKey: m.meeting_key,
        meetingName: m.meeting_name ?? `meeting ${m.meeting_key}`,
        dateStart: String(m.date_start),
      };
    });
}

/** The rounds a backfill covers; throws UnknownRoundsError for round numbers the season does not have. */
export function selectRounds(season: number, plans: RoundPlan[], rounds: number[] | undefined, includeTesting: boolean): RoundPlan[] {
  const lastRound = plans.reduce((n, p) => Math.max(n, p.round ?? 0), 0);
  const unknown = (rounds ?? []).filter((r) => !plans.some((p) => p.round === r));
  if (unknown.length > 0) throw new UnknownRoundsError(season, unknown, lastRound);
  return plans.filter((p) => (p.round === null ? includeTesting : !rounds || rounds.includes(p.round)));
}

/** A meeting's units: one per (session, driver) in scope, sessions in time order, drivers by number. */
export function unitsOfMeeting(scope: UnitScope, sessions: RecordOf<'sessions'>[], drivers: RecordOf<'drivers'>[]): Unit[] {
  const filterKey = canonicalFilterKey(scope.filters);
  const units: Unit[] = [];
  for (const s of [...sessions].sort((a, b) => String(a.date_start).localeCompare(String(b.date_start)))) {
    if (scope.sessionNames && !scope.sessionNames.includes(s.session_name)) continue;
    if (!s.date_start || !s.date_end) continue;
    const grid = drivers
      .filter((d) => d.session_key === s.session_key && (!scope.drivers || scope.drivers.includes(d.driver_number)))
      .map((d) => d.driver_number)
      .sort((a, b) => a - b);
    for (const driverNumber of new Set(grid)) {
      units.push({
        season: scope.season,
        roundLabel: scope.label,
        meetingKey: scope.meetingKey,
        sessionKey: s.session_key,
        sessionName: s.session_name,
        sessionType: s.session_type ?? s.session_name,
        driverNumber,
        dateStart: s.date_start,
        dateEnd: s.date_end,
        filters: scope.filters,
        filterKey,
      });
    }
  }
  return units;
}

/** Lists a meeting's sessions and drivers: two requests per round, whatever its size. */
export async function fetchMeetingSchedule(openf1: OpenF1Client, meetingKey: number) {
  const byMeeting: Filter[] = [{ field: 'meeting_key', op: '=', value: meetingKey }];
  return { sessions: await openf1.list('sessions', byMeeting), drivers: await openf1.list('drivers', byMeeting) };
}

/**
 * Units of sessions that ended in (endedAfter, endedBy]: the scheduled incremental run's work.
 * One request for the season's meetings, one for its sessions, one per meeting with new sessions.
 */
export async function unitsEndedBetween(
  openf1: OpenF1Client,
  scope: { season: number; rounds?: number[]; includeTesting: boolean; sessionNames?: string[]; drivers?: number[]; filters: Filter[] },
  endedAfter: string,
  endedBy: string,
): Promise<Unit[]> {
  const year: Filter[] = [{ field: 'year', op: '=', value: scope.season }];
  const rounds = selectRounds(scope.season, numberRounds(await openf1.list('meetings', year)), scope.rounds, scope.includeTesting);
  const after = Date.parse(endedAfter);
  const by = Date.parse(endedBy);
  const ended = (await openf1.list('sessions', year)).filter((s) => s.date_end && Date.parse(s.date_end) > after && Date.parse(s.date_end) <= by);
  const units: Unit[] = [];
  for (const round of rounds) {
    const sessions = ended.filter((s) => s.meeting_key === round.meetingKey);
    if (sessions.length === 0) continue;
    const drivers = await openf1.list('drivers', [{ field: 'meeting_key', op: '=', value: round.meetingKey }]);
    units.push(...unitsOfMeeting({ ...scope, label: round.label, meetingKey: round.meetingKey }, sessions, drivers));
  }
  return units;
}
