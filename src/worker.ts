import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { loadConfig, type AppConfig } from './config.js';
import { createRuntime } from './runtime.js';
import { temporalConnectionOptions } from './temporal-connection.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/** A worker for the f1-ingest task queue, with activities bound to the given clients. */
export async function createIngestWorker(params: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  maxConcurrentActivities: number;
}): Promise<Worker> {
  return Worker.create({
    connection: params.connection,
    namespace: params.namespace,
    taskQueue: params.taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: createActivities(params.deps),
    maxConcurrentActivityTaskExecutions: params.maxConcurrentActivities,
    // On SIGINT/SIGTERM, let short activities finish; longer ones are cancelled and resume from
    // their heartbeat on the next worker.
    shutdownGraceTime: '10s',
    // Cancellation (a pause, a cancel) reaches an activity only in a heartbeat's response: send
    // heartbeats at least every 5 s (default up to 60 s) so a pause stops a fetch within seconds.
    maxHeartbeatThrottleInterval: '5s',
  });
}

/** Runs a worker until SIGINT/SIGTERM (the SDK installs those handlers and drains gracefully). */
export async function runWorker(config: AppConfig): Promise<void> {
  // First: it installs the Temporal Runtime's logger and metrics, which must precede the connection.
  const runtime = await createRuntime(config);
  let connection: NativeConnection | undefined;
  try {
    connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
    const worker = await createIngestWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: runtime.deps,
      maxConcurrentActivities: config.worker.maxConcurrentActivities,
    });
    await worker.run();
  } finally {
    await connection?.close();
    // Also when the connection failed: this closes the metrics endpoint, so the process can exit.
    await runtime.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runWorker(loadConfig());
}
