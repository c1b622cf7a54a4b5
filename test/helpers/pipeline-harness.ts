import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevStack, type DevStack } from '../../src/dev/dev-stack.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { createIngestWorker } from '../../src/worker.js';

/** One chDB directory per test process: chDB binds a single data path per process. */
const chdbPath = mkdtempSync(join(tmpdir(), 'f1-chdb-'));
process.on('exit', () => rmSync(chdbPath, { recursive: true, force: true }));

export interface RealStack {
  stack: DevStack;
  runtime: Runtime;
  client: Client;
  worker: Worker;
  stop(): Promise<void>;
}

/**
 * Starts the real stack for an integration test: Temporal dev server, MinIO (or file:// staging),
 * the OpenF1 emulator and chDB, all on free loopback ports, plus a worker on a unique task queue.
 * `database` gives the test its own ClickHouse database.
 */
export async function startRealStack(opts: { staging: 'minio' | 'file'; database: string }): Promise<RealStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'f1-stack-'));
  const stack = await startDevStack({
    dataDir,
    staging: opts.staging,
    ports: { temporal: 0, temporalUi: 0, minio: 0, minioConsole: 0, emulator: 0 },
    env: {
      ...process.env,
      CLICKHOUSE_EMBEDDED_PATH: chdbPath,
      CLICKHOUSE_DATABASE: opts.database,
      TEMPORAL_TASK_QUEUE: `test-${opts.database}`,
      // The worker's Prometheus endpoint (runtime.observability.metricsUrl) on a free port, never the default 9464.
      METRICS_ADDRESS: '127.0.0.1:0',
    },
  });
  try {
    const runtime = await createRuntime(stack.config);
    await runtime.deps.store.ensureBucket?.();
    const nativeConnection = await NativeConnection.connect({ address: stack.config.temporal.address });
    const worker = await createIngestWorker({
      connection: nativeConnection,
      namespace: stack.config.temporal.namespace,
      taskQueue: stack.config.temporal.taskQueue,
      deps: runtime.deps,
      maxConcurrentActivities: 8,
    });
    // Polls for the whole life of the harness; a failed worker surfaces in stop().
    const running = worker.run();
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    const client = new Client({ connection, namespace: stack.config.temporal.namespace });
    return {
      stack,
      runtime,
      client,
      worker,
      async stop() {
        worker.shutdown();
        await running;
        await connection.close();
        await nativeConnection.close();
        await runtime.close();
        await stack.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
