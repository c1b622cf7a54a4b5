import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { activitiesForRole } from './activities/index.js';
import { loadConfig, type AppConfig } from './config.js';
import { taskQueueOf, type WorkerRole } from './model/task-queues.js';
import { ActivitiesInFlight } from './observability/activities-in-flight.js';
import { createRuntime, type Runtime } from './runtime.js';
import { temporalConnectionOptions } from './temporal-connection.js';
import { bundleWorkflows } from './workflow-bundle.js';

export interface IngestWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Main task queue; the fetch and warehouse queues are derived from it (see model/task-queues). */
  taskQueue: string;
  /** Queues this process serves. */
  roles: WorkerRole[];
  deps: Runtime['deps'];
  /** Activity slots per queue served. */
  maxConcurrentActivities: number;
  /** Temporal's rate limit on the fetch queue, shared by all its workers; false: none. */
  fetchesPerSecond: number | false;
}

/** One Temporal worker per task queue this process serves, run and stopped together. */
export class IngestWorkers {
  private constructor(
    readonly workers: ReadonlyMap<WorkerRole, Worker>,
    private readonly inFlight: ActivitiesInFlight,
  ) {}

  static async create(o: IngestWorkerOptions): Promise<IngestWorkers> {
    const workers = new Map<WorkerRole, Worker>();
    const inFlight = new ActivitiesInFlight();
    const workflowBundle = o.roles.includes('workflows') ? await bundleWorkflows() : undefined;
    for (const role of o.roles) {
      workers.set(
        role,
        await Worker.create({
          connection: o.connection,
          namespace: o.namespace,
          taskQueue: taskQueueOf(role, o.taskQueue),
          ...(role === 'workflows' ? { workflowBundle } : {}),
          activities: activitiesForRole(role, o.deps),
          interceptors: { activity: [inFlight.interceptor] },
          maxConcurrentActivityTaskExecutions: o.maxConcurrentActivities,
          // The server enforces this across every worker polling the queue: the API limit is global.
          ...(role === 'fetch' && o.fetchesPerSecond !== false ? { maxTaskQueueActivitiesPerSecond: o.fetchesPerSecond } : {}),
          // On SIGINT/SIGTERM, let short activities finish; longer ones are cancelled and resume from
          // their heartbeat on the next worker.
          shutdownGraceTime: '10s',
          // An activity that ignores its cancel must not keep the process alive: 20 s after shutdown
          // starts (10 s past the grace time, inside compose's 30 s stop_grace_period) run() fails
          // and the process exits; Temporal retries what was left running.
          shutdownForceTime: '20s',
          // Cancellation (a pause, a cancel) reaches an activity only in a heartbeat's response: send
          // heartbeats at least every 5 s (default up to 60 s) so a pause stops a fetch within seconds.
          maxHeartbeatThrottleInterval: '5s',
        }),
      );
    }
    return new IngestWorkers(workers, inFlight);
  }

  /** Runs every worker until shutdown (or SIGINT/SIGTERM, which the SDK handles); one failing stops the rest. */
  async run(): Promise<void> {
    const runs = [...this.workers.values()].map((w) =>
      w.run().catch((err: unknown) => {
        this.shutdown();
        // Not only on GracefulShutdownPeriodExpiredError: a forced shutdown with an activity still
        // running surfaces as the native worker's "still in use" IllegalStateError instead.
        const running = this.inFlight.describe();
        if (running.length === 0) throw err;
        throw new Error(`${err instanceof Error ? err.message : String(err)}; activities still running: ${running.join('; ')}`, { cause: err });
      }),
    );
    const results = await Promise.allSettled(runs);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  shutdown(): void {
    for (const w of this.workers.values()) if (w.getState() === 'RUNNING') w.shutdown();
  }
}

/** Workers for config's roles on its task queues, with activities bound to the runtime's clients. */
export function createIngestWorkers(config: AppConfig, runtime: Runtime, connection: NativeConnection): Promise<IngestWorkers> {
  return IngestWorkers.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    roles: config.worker.roles,
    deps: runtime.deps,
    maxConcurrentActivities: config.worker.maxConcurrentActivities,
    fetchesPerSecond: config.worker.fetchesPerSecond,
  });
}

/** Runs the configured workers until SIGINT/SIGTERM (the SDK installs those handlers and drains gracefully). */
export async function runWorker(config: AppConfig): Promise<void> {
  // First: it installs the Temporal Runtime's logger and metrics, which must precede the connection.
  const runtime = await createRuntime(config);
  let connection: NativeConnection | undefined;
  try {
    connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
    await (await createIngestWorkers(config, runtime, connection)).run();
  } finally {
    await connection?.close();
    // Also when the connection failed: this closes the metrics endpoint, so the process can exit.
    await runtime.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runWorker(loadConfig());
}
