import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevStack, type DevStack } from '../../src/dev/dev-stack.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { Warehouse } from '../../src/warehouse/warehouse-client.js';
import { createIngestWorkers, type IngestWorkers } from '../../src/worker.js';

/** One chDB directory per test process: chDB binds a single data path per process. */
const chdbPath = mkdtempSync(join(tmpdir(), 'f1-chdb-'));
process.on('exit', () => rmSync(chdbPath, { recursive: true, force: true }));

export interface RealStack {
  stack: DevStack;
  runtime: Runtime;
  /** The runtime's warehouse (this harness's worker serves every queue, so it is always open). */
  warehouse: Warehouse;
  client: Client;
  worker: IngestWorkers;
  stop(): Promise<void>;
}

/**
 * Starts the real stack for an integration test: Temporal dev server, MinIO (or file:// staging),
 * the OpenF1 emulator and chDB, all on free loopback ports, plus a worker on a unique task queue.
 * `database` gives the test its own ClickHouse database.
 */
export async function startRealStack(opts: { staging: 'minio' | 'file'; database: string; env?: Record<string, string> }): Promise<RealStack> {
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
      ...opts.env,
    },
  });
  try {
    const runtime = await createRuntime(stack.config);
    await runtime.deps.store.ensureBucket?.();
    const nativeConnection = await NativeConnection.connect({ address: stack.config.temporal.address });
    const { warehouse } = runtime;
    if (!warehouse) throw new Error('the harness worker serves the warehouse queue, so its runtime opens ClickHouse');
    const worker = await createIngestWorkers(stack.config, runtime, nativeConnection);
    // Polls for the whole life of the harness; a failed worker surfaces in stop().
    const running = worker.run();
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    const client = new Client({ connection, namespace: stack.config.temporal.namespace });
    return {
      stack,
      runtime,
      warehouse,
      client,
      worker,
      async stop() {
        worker.shutdown();
        // Every step runs even if one before it failed (a worker that gave up on an activity at its
        // shutdownForceTime rejects `running`), so the servers are always stopped; then all failures are reported.
        const failures: unknown[] = [];
        for (const step of [() => running, () => connection.close(), () => nativeConnection.close(), () => runtime.close(), () => stack.stop()]) {
          await step().catch((err: unknown) => failures.push(err));
        }
        rmSync(dataDir, { recursive: true, force: true });
        if (failures.length > 0) throw new AggregateError(failures, `stopping the test stack: ${failures.map(String).join('; ')}`);
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
