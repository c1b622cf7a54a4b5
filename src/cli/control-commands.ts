import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Command } from 'commander';
import { wholeNumber } from './arg-parsers.js';
import { loadConfig } from '../config.js';
import { pauseSignal, progressQuery, resumeSignal, setConcurrencyUpdate } from '../workflows/messages.js';
import type { seasonBackfill } from '../workflows/index.js';
import { CliUsageError, watchBackfill } from './run-backfill.js';
import { withClient } from './temporal-client.js';

/** Temporal's not-found and a refused update, said in terms of what to do. */
function notFound(id: string, err: unknown): never {
  if (err instanceof WorkflowNotFoundError) throw new CliUsageError(`No workflow "${id}" in this namespace. Backfill IDs look like f1/2023/backfill-<hash>; find them in the Temporal UI or with \`temporal workflow list\`.`);
  if (err instanceof WorkflowUpdateFailedError) throw new CliUsageError(`${id} refused the change: ${(err.cause as Error | undefined)?.message ?? err.message}`);
  throw err;
}

/** status, pause, resume, cancel, concurrency: operating a running backfill (or one of its rounds) by workflow ID. */
export function controlCommands(): Command[] {
  const status = new Command('status')
    .description('Show a backfill\'s progress (live bar until it ends; --json prints one snapshot)')
    .argument('<workflow-id>', 'season or round workflow ID, e.g. f1/2023/backfill-1a2b3c4d5e')
    .option('--json', 'print one JSON snapshot (status + progress) and exit')
    .action(async (id: string, flags: { json?: boolean }) =>
      withClient(loadConfig(), async (client) => {
        const handle = client.workflow.getHandle<typeof seasonBackfill>(id);
        const description = await handle.describe().catch((err) => notFound(id, err));
        if (flags.json) {
          const progress = await handle.query(progressQuery).catch(() => null);
          console.log(JSON.stringify({ workflowId: id, status: description.status.name, startTime: description.startTime, closeTime: description.closeTime ?? null, progress }));
          return;
        }
        console.log(`${id}: ${description.status.name} since ${description.startTime.toISOString()}`);
        if (description.status.name === 'RUNNING') console.log(JSON.stringify(await watchBackfill(handle), null, 2));
      }),
    );

  const pause = new Command('pause')
    .description('Pause a backfill: nothing new starts anywhere below it; in-flight fetches stop at their next heartbeat')
    .argument('<workflow-id>')
    .action(async (id: string) =>
      withClient(loadConfig(), async (client) => {
        await client.workflow.getHandle(id).signal(pauseSignal).catch((err) => notFound(id, err));
        console.log(`Paused ${id}. Resume with: f1-ingest resume ${id}`);
      }),
    );

  const resume = new Command('resume')
    .description('Resume a paused backfill where it stopped')
    .argument('<workflow-id>')
    .action(async (id: string) =>
      withClient(loadConfig(), async (client) => {
        await client.workflow.getHandle(id).signal(resumeSignal).catch((err) => notFound(id, err));
        console.log(`Resumed ${id}.`);
      }),
    );

  const cancel = new Command('cancel')
    .description('Cancel a backfill: its rounds and units are cancelled; a unit already loading finishes first, none is left half-loaded')
    .argument('<workflow-id>')
    .option('--wait', 'wait until the cancellation has completed')
    .action(async (id: string, flags: { wait?: boolean }) =>
      withClient(loadConfig(), async (client) => {
        const handle = client.workflow.getHandle(id);
        await handle.cancel().catch((err) => notFound(id, err));
        if (flags.wait) await handle.result().catch(() => undefined);
        console.log(`Cancel requested for ${id}${flags.wait ? ' and completed' : ''}.`);
      }),
    );

  const concurrency = new Command('concurrency')
    .description('Change a running backfill\'s concurrency without a restart (a Temporal Update)')
    .argument('<workflow-id>')
    .option('--rounds <n>', 'rounds at once (season workflows)', wholeNumber('--rounds', 1))
    .option('--units <n>', '(session, driver) units at once per round', wholeNumber('--units', 1))
    .action(async (id: string, flags: { rounds?: number; units?: number }) => {
      if (flags.rounds === undefined && flags.units === undefined) throw new CliUsageError('concurrency needs --rounds and/or --units');
      await withClient(loadConfig(), async (client) => {
        const change = { ...(flags.rounds ? { maxConcurrentRounds: flags.rounds } : {}), ...(flags.units ? { maxConcurrentUnits: flags.units } : {}) };
        const now = await client.workflow.getHandle(id).executeUpdate(setConcurrencyUpdate, { args: [change] }).catch((err) => notFound(id, err));
        console.log(`Concurrency of ${id} now ${JSON.stringify(now)}`);
      });
    });

  return [status, pause, resume, cancel, concurrency];
}
