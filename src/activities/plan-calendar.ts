import type { OpenF1Client } from '../openf1/client.js';
import type { BackfillSpec } from '../model/backfill-input.js';
import type { Unit } from '../model/unit.js';
import { fetchMeetingSchedule, numberRounds, selectRounds, unitsEndedBetween, unitsOfMeeting, type RoundPlan, type UnitScope } from '../planning/calendar-planner.js';
import { planBackfillDryRun, type DryRunReport } from '../planning/dry-run.js';
import type { Warehouse } from '../warehouse/warehouse-client.js';

export type { RoundPlan } from '../planning/calendar-planner.js';

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

/** Planning that lands the calendar's dimension tables: runs where ClickHouse is. */
export function createPlanActivities(deps: { openf1: OpenF1Client; warehouse: Warehouse }) {
  return {
    /** Lists the season's meetings, numbers the championship rounds by date, lands the meetings dimension. */
    async planSeason(input: { season: number; rounds?: number[]; includeTesting: boolean }): Promise<RoundPlan[]> {
      const meetings = await deps.openf1.list('meetings', [{ field: 'year', op: '=', value: input.season }]);
      await landDimension(deps.warehouse, 'meetings', meetings);
      return selectRounds(input.season, numberRounds(meetings), input.rounds, input.includeTesting);
    },

    /** Lists a meeting's sessions and drivers (two requests), lands both dimensions, returns its units. */
    async planRound(input: UnitScope): Promise<Unit[]> {
      const { sessions, drivers } = await fetchMeetingSchedule(deps.openf1, input.meetingKey);
      await landDimension(deps.warehouse, 'sessions', sessions);
      await landDimension(deps.warehouse, 'drivers', drivers);
      return unitsOfMeeting(input, sessions, drivers);
    },
  };
}

/** Calendar reads that write nothing: run on any worker. */
export function createCalendarReadActivities(deps: { openf1: OpenF1Client }) {
  return {
    /** Units of sessions that ended in (endedAfter, endedBy], for a scheduled incremental run. */
    async planIncremental(input: Parameters<typeof unitsEndedBetween>[1] & { endedAfter: string; endedBy: string }): Promise<Unit[]> {
      const { endedAfter, endedBy, ...scope } = input;
      return unitsEndedBetween(deps.openf1, scope, endedAfter, endedBy);
    },

    /** A dry run's report: calendar requests only, nothing written. */
    async planDryRun(spec: BackfillSpec): Promise<DryRunReport> {
      return planBackfillDryRun(deps.openf1, spec);
    },
  };
}
