import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { z } from 'zod';
import { resolveBinary } from './binaries.js';
import { HostSchema, PortSchema, startOnFreePorts } from './ports.js';
import { startProcess, type ProcessHandle } from './process.js';

/** Search attribute types accepted by `temporal server start-dev --search-attribute Name=Type`. */
export const SearchAttributeTypeSchema = z.enum(['Keyword', 'Int', 'Text', 'Datetime', 'Bool', 'Double', 'KeywordList']);
export type SearchAttributeType = z.infer<typeof SearchAttributeTypeSchema>;

export const TemporalDevServerOptionsSchema = z.object({
  /** SQLite file holding all server state; start again on the same file to keep workflow executions. */
  dbFile: z.string().min(1),
  /** Interface for the gRPC frontend and the UI. Default '127.0.0.1'. */
  host: HostSchema,
  /** gRPC frontend port. Default 7233 (the CLI's default); 0 picks a free port. */
  port: PortSchema.default(7233),
  /** Web UI port. Default 8233; 0 picks a free port. */
  uiPort: PortSchema.default(8233),
  /** Namespace created at launch and checked for readiness. Default 'default'. */
  namespace: z.string().min(1).default('default'),
  /** Custom search attributes registered at launch, by name. Default none. */
  searchAttributes: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'search attribute names must be identifiers'), SearchAttributeTypeSchema)
    .default({}),
  /** Directory for `temporal.log`. */
  logDir: z.string().min(1),
  /** How long to wait for the frontend to answer. Default 30 000 ms. */
  readyTimeoutMs: z.number().int().positive().default(30_000),
});
export type TemporalDevServerOptions = z.input<typeof TemporalDevServerOptionsSchema>;

export interface TemporalDevServer {
  /** gRPC frontend as `host:port`, ready for `Connection.connect({ address })`. */
  address: string;
  uiUrl: string;
  namespace: string;
  handle: ProcessHandle;
}

const PROBE_TIMEOUT_MS = 1_000;
// Each probe opens a gRPC connection, which costs far more than MinIO's HTTP probe.
const PROBE_INTERVAL_MS = 200;

/**
 * Starts `temporal server start-dev` with SQLite persistence and resolves once the frontend serves
 * `namespace` (so search attributes and the namespace are registered by then).
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const opts = TemporalDevServerOptionsSchema.parse(options);
  mkdirSync(dirname(opts.dbFile), { recursive: true });
  return startOnFreePorts(opts.host, [opts.port, opts.uiPort], ([port, uiPort]) => launch(opts, port, uiPort));
}

async function launch(opts: z.output<typeof TemporalDevServerOptionsSchema>, port: number, uiPort: number): Promise<TemporalDevServer> {
  const address = `${opts.host}:${port}`;
  const handle = await startProcess({
    name: 'temporal',
    command: resolveBinary('temporal'),
    args: [
      'server',
      'start-dev',
      '--db-filename',
      opts.dbFile,
      '--ip',
      opts.host,
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--namespace',
      opts.namespace,
      ...Object.entries(opts.searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
      // SQLite in WAL mode with NORMAL sync: a commit is one append instead of a rollback journal
      // and fsyncs, and stays durable across a killed server process (only a power loss can drop
      // the last commits). With both settings below, bench M went from 34.7k to ~50k rows/s.
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
      // One partition per task queue: one worker fleet on one machine gains nothing from four, and
      // a task-queue rate limit (the fetch queue's) is then enforced exactly, not split four ways.
      '--dynamic-config-value',
      'matching.numTaskqueueReadPartitions=1',
      '--dynamic-config-value',
      'matching.numTaskqueueWritePartitions=1',
      '--log-format',
      'json',
    ],
    logDir: opts.logDir,
    readyTimeoutMs: opts.readyTimeoutMs,
    pollIntervalMs: PROBE_INTERVAL_MS,
    isReady: () => namespaceAnswers(address, opts.namespace),
  });
  return { address, uiUrl: `http://${opts.host}:${uiPort}`, namespace: opts.namespace, handle };
}

async function namespaceAnswers(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: PROBE_TIMEOUT_MS });
  try {
    await connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => connection.workflowService.describeNamespace({ namespace }));
    return true;
  } finally {
    await connection.close();
  }
}
