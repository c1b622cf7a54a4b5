import { ApplicationFailure } from '@temporalio/common';
import type { OpenF1Client } from '../openf1/client.js';
import { canonicalFilterKey, type Filter } from '../openf1/filters.js';
import { roundLabel, type Unit } from '../model/unit.js';
import type { Warehouse } from '../warehouse/warehouse-client.js';

export interface RoundPlan {
  label: string;
  /** Championship round number; null for pre-season testing. */
  round: number | null;
  meetingKey: number;
  meetingName: string;
  dateStart: string;
}

export interface PlanRoundInput {
  season: number;
  label: string;
  meetingKey: number;
  sessionNames?: string[];
  drivers?: number[];
  filters: Filter[];
}

const TESTING = /testing/i;

/** Dimension rows are re-inserted on every plan; ReplacingMergeTree keeps one per key. */
async function landDimension(wh: Warehouse, table: string, rows: object[]): Promise<void> {
  if (rows.length === 0) return;
  await wh.client.insert({
    table: `${wh.database}.${table}`,
    values: rows,
    format: 'JSONEachRow',
    clickhouse_settings: { input_format_skip_unknown_fields: 1, date_time_input_format: 'best_effort' },
  });
}

export function createPlanActivities(deps: { openf1: OpenF1Client; warehouse: Warehouse }) {
  return {
    /** Lists the season's meetings, numbers the championship rounds by date, lands the meetings dimension. */
    async planSeason(input: { season: number; rounds?: number[]; includeTesting: boolean }): Promise<RoundPlan[]> {
      const meetings = await deps.openf1.list('meetings', [{ field: 'year', op: '=', value: input.season }]);
      await landDimension(deps.warehouse, 'meetings', meetings);
      const sorted = [...meetings].sort((a, b) => String(a.date_start).localeCompare(String(b.date_start)));
      let round = 0;
      let test = 0;
      const plans: RoundPlan[] = sorted.map((m) => {
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
      const unknown = (input.rounds ?? []).filter((r) => !plans.some((p) => p.round === r));
      if (unknown.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `rounds: ${JSON.stringify(unknown)} not in season ${input.season}, which has rounds 1..${round}`,
          'InvalidBackfillInput',
        );
      }
      return plans.filter((p) => (p.round === null ? input.includeTesting : !input.rounds || input.rounds.includes(p.round)));
    },

    /** Lists a meeting's sessions and drivers (two requests), lands both dimensions, returns its units. */
    async planRound(input: PlanRoundInput): Promise<Unit[]> {
      const byMeeting: Filter[] = [{ field: 'meeting_key', op: '=', value: input.meetingKey }];
      const sessions = await deps.openf1.list('sessions', byMeeting);
      const drivers = await deps.openf1.list('drivers', byMeeting);
      await landDimension(deps.warehouse, 'sessions', sessions);
      await landDimension(deps.warehouse, 'drivers', drivers);
      const filterKey = canonicalFilterKey(input.filters);
      const units: Unit[] = [];
      for (const s of [...sessions].sort((a, b) => String(a.date_start).localeCompare(String(b.date_start)))) {
        if (input.sessionNames && !input.sessionNames.includes(s.session_name)) continue;
        if (!s.date_start || !s.date_end) continue;
        const grid = drivers
          .filter((d) => d.session_key === s.session_key && (!input.drivers || input.drivers.includes(d.driver_number)))
          .map((d) => d.driver_number)
          .sort((a, b) => a - b);
        for (const driverNumber of new Set(grid)) {
          units.push({
            season: input.season,
            roundLabel: input.label,
            meetingKey: input.meetingKey,
            sessionKey: s.session_key,
            sessionName: s.session_name,
            sessionType: s.session_type ?? s.session_name,
            driverNumber,
            dateStart: s.date_start,
            dateEnd: s.date_end,
            filters: input.filters,
            filterKey,
          });
        }
      }
      return units;
    },
  };
}
