import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.js';
import { describeInputIssues, IncrementalInputSchema, type IncrementalInput } from '../model/backfill-input.js';
import { addBackfillOptions, backfillInputFromFlags, type BackfillFlags } from './backfill-options.js';
import { CliUsageError } from './run-backfill.js';
import { withClient } from './temporal-client.js';

const EVERY_RE = /^\d+(s|m|h|d)$/;

function every(value: string): string {
  if (!EVERY_RE.test(value)) throw new InvalidArgumentError(`--every takes a duration such as 30m, 6h or 1d; got "${value}"`);
  return value;
}

function defaultScheduleId(season: number): string {
  return `f1-incremental-${season}`;
}

async function onSchedule(id: string, fn: (client: Client) => Promise<void>): Promise<void> {
  await withClient(loadConfig(), (client) =>
    fn(client).catch((err) => {
      if (err instanceof ScheduleNotFoundError) throw new CliUsageError(`No schedule "${id}". List them with: f1-ingest schedule list`);
      throw err;
    }),
  );
}

/** `schedule create|list|describe|pause|unpause|trigger|delete`: scheduled incremental ingestion. */
export function scheduleCommand(): Command {
  const schedule = new Command('schedule').description('Scheduled incremental ingestion (Temporal Schedules running incrementalIngest)');

  addBackfillOptions(schedule.command('create').description('Create a schedule that ingests sessions ended since its last successful run'))
    .requiredOption('--every <duration>', 'interval, e.g. 6h', every)
    .option('--id <schedule-id>', 'schedule ID (default f1-incremental-<season>)')
    .option('--since <iso-date>', 'watermark of the first run (default: start of the season)')
    .action(async (flags: BackfillFlags & { every: string; id?: string; since?: string }) => {
      if (flags.season === undefined) throw new CliUsageError('--season is required, e.g. --season 2024');
      const { maxConcurrentRounds: _rounds, ...scope } = backfillInputFromFlags(flags);
      const input: IncrementalInput = { ...scope, ...(flags.since ? { since: flags.since } : {}) };
      const parsed = IncrementalInputSchema.safeParse(input);
      if (!parsed.success) throw new CliUsageError(`Invalid schedule input:\n  ${describeInputIssues(parsed.error, input).join('\n  ')}`);
      const config = loadConfig();
      const scheduleId = flags.id ?? defaultScheduleId(input.season);
      await withClient(config, async (client) => {
        await client.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: flags.every }] },
          action: { type: 'startWorkflow', workflowType: 'incrementalIngest', taskQueue: config.temporal.taskQueue, workflowId: `${scheduleId}/run`, args: [input] },
          // Skip a run while the previous one is still going; after downtime, run the missed one once
          // (the watermark makes a single run catch up on everything since the last success).
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
        });
        console.log(`Created schedule ${scheduleId}: incrementalIngest every ${flags.every} with ${JSON.stringify(input)}`);
      });
    });

  schedule
    .command('list')
    .description('List schedules')
    .option('--json', 'one JSON object per line')
    .action(async (flags: { json?: boolean }) =>
      withClient(loadConfig(), async (client) => {
        for await (const s of client.schedule.list()) {
          const row = { scheduleId: s.scheduleId, paused: s.state.paused, nextRuns: s.info.nextActionTimes.slice(0, 1).map((d) => d.toISOString()) };
          console.log(flags.json ? JSON.stringify(row) : `${row.scheduleId}\t${row.paused ? 'paused' : 'active'}\tnext ${row.nextRuns[0] ?? '-'}`);
        }
      }),
    );

  schedule
    .command('describe')
    .description('Show a schedule: spec, state, recent and next runs')
    .argument('<schedule-id>')
    .action(async (id: string) =>
      onSchedule(id, async (client) => {
        const d = await client.schedule.getHandle(id).describe();
        console.log(
          JSON.stringify(
            {
              scheduleId: d.scheduleId,
              paused: d.state.paused,
              note: d.state.note ?? null,
              intervals: d.spec.intervals,
              action: d.action.type === 'startWorkflow' ? { workflowType: d.action.workflowType, args: d.action.args } : d.action,
              recentRuns: d.info.recentActions.map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
              nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
            },
            null,
            2,
          ),
        );
      }),
    );

  const simple: Array<[string, string, (client: Client, id: string) => Promise<void>, string]> = [
    ['pause', 'Pause a schedule (no new runs)', (c, id) => c.schedule.getHandle(id).pause('paused from f1-ingest'), 'Paused'],
    ['unpause', 'Unpause a schedule', (c, id) => c.schedule.getHandle(id).unpause('unpaused from f1-ingest'), 'Unpaused'],
    ['trigger', 'Run a schedule now (skipped if a run is in progress)', (c, id) => c.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP), 'Triggered'],
    ['delete', 'Delete a schedule (runs already started continue)', (c, id) => c.schedule.getHandle(id).delete(), 'Deleted'],
  ];
  for (const [name, description, act, done] of simple) {
    schedule
      .command(name)
      .description(description)
      .argument('<schedule-id>')
      .action(async (id: string) =>
        onSchedule(id, async (client) => {
          await act(client, id);
          console.log(`${done} schedule ${id}.`);
        }),
      );
  }
  return schedule;
}
