import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { loadConfig, type AppConfig } from './config.js';
import { createRuntime } from './runtime.js';

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
  });
}

/** Runs a worker until SIGINT/SIGTERM (the SDK installs those handlers and drains gracefully). */
export async function runWorker(config: AppConfig): Promise<void> {
  const runtime = await createRuntime(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await createIngestWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: runtime.deps,
      maxConcurrentActivities: config.worker.maxConcurrentActivities,
    });
    await worker.run();
  } finally {
    await connection.close();
    await runtime.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runWorker(loadConfig());
}
