import { NativeConnection } from '@temporalio/worker';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { startDevStack } from '../dev/dev-stack.js';
import { createRuntime } from '../runtime.js';
import { createIngestWorkers, runWorker, type IngestWorkers } from '../worker.js';
import { openWarehouse, queryRows } from '../warehouse/warehouse-client.js';
import { addBackfillOptions, backfillInputFromFlags, type BackfillFlags } from './backfill-options.js';
import { emulatorCommand } from './emulator-command.js';
import { CliUsageError, startOrAttachBackfill, validateBackfillInput, watchBackfill } from './run-backfill.js';
import { summarizeWarehouse } from './warehouse-summary.js';
import { controlCommands } from './control-commands.js';
import { printDryRun } from './dry-run-report.js';
import { scheduleCommand } from './schedule-commands.js';
import { setupCommand } from './setup-command.js';
import { connectClient } from './temporal-client.js';
import { temporalConnectionOptions } from '../temporal-connection.js';
import { UnknownRoundsError } from '../planning/calendar-planner.js';

const program = new Command('f1-ingest')
  .description('Land OpenF1 car_data in ClickHouse with Temporal workflows (bronze NDJSON -> silver Parquet -> ClickHouse).')
  .showHelpAfterError();

addBackfillOptions(
  program
    .command('dev')
    .description('Start the embedded stack on loopback (Temporal dev server + UI, MinIO, OpenF1 emulator, chDB, worker) and run a backfill')
    .option('--staging <kind>', 'minio or file', 'minio')
    .option('--exit-when-done', 'stop everything once the backfill completes')
    .option('--data-dir <dir>', 'local state directory (default: $F1_INGEST_DATA_DIR or .data)'),
  { season: 2023, rounds: [1], speedGte: 100 },
).action(async (flags: BackfillFlags & { staging: string; exitWhenDone?: boolean; dataDir?: string }) => {
  if (flags.staging !== 'minio' && flags.staging !== 'file') throw new CliUsageError(`--staging takes "minio" or "file"; got "${flags.staging}"`);
  const input = backfillInputFromFlags(flags);
  validateBackfillInput(input);
  const dataDir = flags.dataDir ?? process.env.F1_INGEST_DATA_DIR ?? '.data';
  const stack = await startDevStack({ dataDir, staging: flags.staging });
  let worker: IngestWorkers | undefined;
  let runtimeClose: (() => Promise<void>) | undefined;
  try {
    const runtime = await createRuntime(stack.config);
    runtimeClose = runtime.close;
    if (stack.minio) await runtime.deps.store.ensureBucket?.();
    const connection = await NativeConnection.connect(temporalConnectionOptions(stack.config.temporal));
    worker = await createIngestWorkers(stack.config, runtime, connection);
    const running = worker.run();
    const { client, close } = await connectClient(stack.config);
    console.log(`Temporal UI:  ${stack.temporal.uiUrl}/namespaces/${stack.config.temporal.namespace}/workflows`);
    console.log(`OpenF1 API:   ${stack.emulator.url} (local emulator)`);
    console.log(`Staging:      ${stack.config.staging.url}${stack.minio ? ` (MinIO console ${stack.minio.consoleUrl})` : ''}`);
    console.log(`ClickHouse:   chDB at ${stack.config.clickhouse.mode === 'embedded' ? stack.config.clickhouse.path : stack.config.clickhouse.url}`);
    const { handle, attached } = await startOrAttachBackfill(client, stack.config.temporal.taskQueue, input);
    console.log(`${attached ? 'Attached to running' : 'Started'} backfill ${handle.workflowId}: ${JSON.stringify(input)}`);
    // The worker stops on Ctrl-C (the SDK handles SIGINT/SIGTERM); the backfill then simply waits in
    // Temporal for the next run of `dev`, which picks it up where it stopped.
    const workerStopped = new AbortController();
    void running.catch(() => undefined).finally(() => workerStopped.abort());
    const outcome = await watchBackfill(handle, { signal: workerStopped.signal });
    if (!outcome) {
      console.log(`Stopped. The backfill is durable in Temporal; run the same command again to resume ${handle.workflowId}.`);
    } else {
      console.log(`Backfill done: ${outcome.unitsLoaded} units loaded, ${outcome.unitsSkipped} already loaded, ${outcome.rowsLoaded.toLocaleString('en-US')} rows this run.`);
      if (runtime.warehouse) console.table(await summarizeWarehouse(runtime.warehouse));
      console.log(`Workflow:     ${stack.temporal.uiUrl}/namespaces/${stack.config.temporal.namespace}/workflows/${encodeURIComponent(handle.workflowId)}`);
      if (flags.exitWhenDone) worker.shutdown();
      else console.log('Stack is up; press Ctrl-C to stop.');
    }
    await close();
    await running;
    await connection.close();
  } finally {
    worker?.shutdown();
    await runtimeClose?.();
    await stack.stop();
  }
});

addBackfillOptions(program.command('backfill').description('Start a season backfill on the configured Temporal cluster'))
  .option('--no-wait', 'print the workflow ID and return without waiting')
  .option('--dry-run', 'print units, expected rows and requests and the ETA under the rate limit; fetch no telemetry, start nothing')
  .action(async (flags: BackfillFlags & { wait: boolean; dryRun?: boolean }) => {
    if (flags.season === undefined) throw new CliUsageError('--season is required, e.g. --season 2023');
    const config = loadConfig();
    const input = backfillInputFromFlags(flags);
    validateBackfillInput(input);
    if (flags.dryRun) {
      await printDryRun(config, input);
      return;
    }
    const { client, close } = await connectClient(config);
    try {
      const { handle, attached } = await startOrAttachBackfill(client, config.temporal.taskQueue, input);
      console.log(`${attached ? 'Attached to running' : 'Started'} backfill ${handle.workflowId}`);
      if (flags.wait) console.log(JSON.stringify(await watchBackfill(handle), null, 2));
    } finally {
      await close();
    }
  });

program
  .command('worker')
  .description('Run a worker on the configured task queue until SIGINT/SIGTERM')
  .action(async () => runWorker(loadConfig()));

program.addCommand(emulatorCommand());
for (const command of controlCommands()) program.addCommand(command);
program.addCommand(scheduleCommand());
program.addCommand(setupCommand());

program
  .command('sql')
  .description('Run a query on the configured ClickHouse and print JSON rows (embedded chDB: not while a worker holds it)')
  .argument('<query>', 'SQL, e.g. "SELECT count() FROM f1.car_data"')
  .action(async (query: string) => {
    const wh = openWarehouse(loadConfig().clickhouse);
    try {
      for (const row of await queryRows(wh, query)) console.log(JSON.stringify(row));
    } finally {
      await wh.close();
    }
  });

/** Parser errors throw instead of exiting, on every command, so they get the usage exit code. */
function throwOnParseErrors(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) throwOnParseErrors(sub);
}

export async function main(argv: string[]): Promise<number> {
  throwOnParseErrors(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    // Commander has already printed its message (or the help text).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError || err instanceof CliUsageError || err instanceof UnknownRoundsError) {
      console.error(err.message);
      return 2;
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
}
