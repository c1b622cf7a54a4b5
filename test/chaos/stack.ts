import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { repoRoot } from '../../src/dev/binaries.js';
import { startMinio, type MinioServer } from '../../src/dev/minio.js';
import { startProcess, type ProcessHandle } from '../../src/dev/process.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/dev/temporal-server.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { SEARCH_ATTRIBUTES } from '../../src/model/search-attributes.js';
import { createObjectStore, type ObjectStore } from '../../src/storage/object-store.js';
import { WORKER_PROCESS_ENV } from '../../src/worker-process-env.js';

export interface ChaosStackOptions {
  /** MinIO root user/password (the worker's S3 keys). Defaults are distinctive but not secret. */
  s3?: { accessKey: string; secretKey: string };
  /** Makes the emulator require OAuth2 with these credentials; the worker gets them as OPENF1_*. */
  openf1Auth?: { username: string; password: string };
  /** Variables every worker of this stack gets on top of the defaults (e.g. CLICKHOUSE_PASSWORD). */
  workerEnv?: Record<string, string>;
  /** Task queue, bucket and temp dir prefix, as seen in the Temporal UI. Default `chaos`. */
  name?: string;
}

/** A worker running as its own process, so it can be SIGKILLed like a crashed host. */
export interface WorkerProcess {
  readonly database: string;
  readonly running: boolean;
  /** PID of the current incarnation (for /proc readings such as peak RSS). */
  readonly pid: number | undefined;
  /** SIGKILL: no graceful shutdown, in-flight activities are simply lost. */
  kill(): Promise<void>;
  /** Starts a new incarnation and waits until it polls. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Everything the worker printed so far (all incarnations). */
  log(): string;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Logged by the Temporal SDK once the worker polls its task queue.
const WORKER_READY = /"state":"RUNNING"/g;

/**
 * The real stack for fault tests, every service on free loopback ports under one temp dir:
 * Temporal dev server (SQLite, survives SIGKILL + restart), MinIO, the OpenF1 emulator (in this
 * process, so faults can be set directly) and one chDB directory that only workers (separate
 * processes) and `f1-ingest sql` subprocesses open, one at a time.
 */
export class ChaosStack {
  readonly taskQueue: string;
  readonly chdbPath: string;
  private readonly workers = new Set<ProcessHandle>();

  private constructor(
    readonly dir: string,
    readonly temporal: TemporalDevServer,
    readonly minio: MinioServer,
    readonly emulator: Emulator,
    readonly store: ObjectStore,
    readonly client: Client,
    private readonly connection: Connection,
    private readonly opts: ChaosStackOptions,
  ) {
    this.chdbPath = join(dir, 'chdb');
    this.taskQueue = opts.name ?? 'chaos';
  }

  static async start(opts: ChaosStackOptions = {}): Promise<ChaosStack> {
    const dir = mkdtempSync(join(tmpdir(), `f1-${opts.name ?? 'chaos'}-`));
    const cleanups: Array<() => Promise<unknown>> = [];
    try {
      const logDir = join(dir, 'logs');
      const temporal = await startTemporalDevServer({ dbFile: join(dir, 'temporal.db'), port: 0, uiPort: 0, searchAttributes: SEARCH_ATTRIBUTES, logDir });
      cleanups.push(() => temporal.handle.stop());
      const s3 = opts.s3 ?? { accessKey: 'chaos-access', secretKey: 'chaos-secret-key' };
      const minio = await startMinio({ dataDir: join(dir, 'minio'), logDir, accessKey: s3.accessKey, secretKey: s3.secretKey });
      cleanups.push(() => minio.handle.stop());
      const emulator = await startEmulator({ ...(opts.openf1Auth ? { auth: opts.openf1Auth } : {}) });
      cleanups.push(() => emulator.close());
      const store = createObjectStore({ url: `s3://${opts.name ?? 'chaos'}`, s3: { endpoint: minio.endpoint, accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey } });
      cleanups.push(async () => store.close?.());
      await store.ensureBucket?.();
      const connection = await Connection.connect({ address: temporal.address });
      return new ChaosStack(dir, temporal, minio, emulator, store, new Client({ connection, namespace: temporal.namespace }), connection, opts);
    } catch (err) {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get openf1Auth(): { username: string; password: string } | undefined {
    return this.opts.openf1Auth;
  }

  /** The environment `f1-ingest` commands need to use this stack with ClickHouse database `database`. */
  env(database: string): Record<string, string> {
    const auth = this.opts.openf1Auth;
    return {
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      OPENF1_BASE_URL: this.emulator.url,
      OPENF1_RATE_LIMIT: 'off',
      OPENF1_GLOBAL_RATE_LIMIT: 'off',
      ...(auth ? { OPENF1_USERNAME: auth.username, OPENF1_PASSWORD: auth.password } : {}),
      // The bucket is named like the task queue.
      STAGING_URL: `s3://${this.taskQueue}`,
      S3_ENDPOINT: this.minio.endpoint,
      S3_ACCESS_KEY_ID: this.minio.accessKey,
      S3_SECRET_ACCESS_KEY: this.minio.secretKey,
      F1_INGEST_DATA_DIR: join(this.dir, 'data'),
      CLICKHOUSE_EMBEDDED_PATH: this.chdbPath,
      CLICKHOUSE_DATABASE: database,
      METRICS_ADDRESS: 'off',
      // Run as the image runs it.
      ...WORKER_PROCESS_ENV,
      ...this.opts.workerEnv,
    };
  }

  /** Starts `f1-ingest worker` as a child process writing to ClickHouse database `database`. */
  async startWorker(database: string, extraEnv: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<WorkerProcess> {
    const logDir = join(this.dir, 'logs');
    const name = `worker-${database}`;
    const logFile = join(logDir, `${name}.log`);
    const log = () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    };
    // The log is appended across restarts: the probe waits for one more ready line than before the spawn.
    const readyLines = () => log().match(WORKER_READY)?.length ?? 0;
    let wanted = readyLines() + 1;
    const handle = await startProcess({
      name,
      command: process.execPath,
      args: [...nodeArgs, 'bin/f1-ingest.js', 'worker'],
      env: { ...this.env(database), ...extraEnv },
      logDir,
      readyTimeoutMs: 60_000,
      pollIntervalMs: 200,
      isReady: () => Promise.resolve(readyLines() >= wanted),
    });
    this.workers.add(handle);
    return {
      database,
      get running() {
        return handle.running;
      },
      get pid() {
        return handle.pid;
      },
      kill: () => handle.kill(),
      restart: () => {
        wanted = readyLines() + 1;
        return handle.restart();
      },
      stop: () => handle.stop(),
      log,
    };
  }

  /** Runs `node bin/f1-ingest.js ...args` against this stack. */
  cli(args: readonly string[], env: Record<string, string | undefined> = {}, database = 'chaos_cli'): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['bin/f1-ingest.js', ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...this.env(database), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      // Bounded: a command that should have been refused must not hang the suite.
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Rows of a query on the shared chDB, read by a subprocess: only while no worker holds chDB. */
  async sql<T>(database: string, query: string): Promise<T[]> {
    const running = [...this.workers].filter((w) => w.running).map((w) => w.name);
    if (running.length > 0) throw new Error(`chDB is held by ${running.join(', ')}; stop it before querying`);
    const out = await this.cli(['sql', query], {}, database);
    if (out.code !== 0) throw new Error(`f1-ingest sql failed (${out.code}): ${out.stderr}`);
    return out.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as T);
  }

  async stop(): Promise<void> {
    for (const w of this.workers) await w.stop().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
    await this.store.close?.();
    await this.emulator.close().catch(() => undefined);
    await this.minio.handle.stop().catch(() => undefined);
    await this.temporal.handle.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
