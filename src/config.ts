import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { WORKER_ROLES, type WorkerRole } from './model/task-queues.js';

/**
 * Every setting f1-ingest reads from the environment, validated once at start-up.
 * Secrets (S3 keys, ClickHouse password, OpenF1 password) are read here and passed to the
 * clients that need them; they never travel through workflow inputs or history.
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const RATE_RE = /^(\d+)\/(\d+)(ms|s|m)$/;
const RATE_UNIT_MS = { ms: 1, s: 1_000, m: 60_000 } as const;

/** Parses `30/10s` or `100/1m` (requests per window); null when the text is not of that form. */
export function parseRateSpec(value: string): { requests: number; perMs: number } | null {
  const m = RATE_RE.exec(value);
  if (!m || Number(m[1]) === 0 || Number(m[2]) === 0) return null;
  return { requests: Number(m[1]), perMs: Number(m[2]) * RATE_UNIT_MS[m[3] as keyof typeof RATE_UNIT_MS] };
}

/** `30/10s`, `100/1m`, or `off`: requests per window. */
const rateLimitSchema = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      if (value === 'off') return false as const;
      const rate = parseRateSpec(value);
      if (!rate) {
        ctx.addIssue({ code: 'custom', message: `expected "<requests>/<n>(ms|s|m)" such as "30/10s", or "off"; got "${value}"` });
        return z.NEVER;
      }
      return rate;
    });

/**
 * Default of OPENF1_GLOBAL_RATE_LIMIT: a little under OpenF1's 30/10s. Temporal starts fetches at
 * the set rate on average, but not evenly within each of OpenF1's fixed 10-s windows: at 30/10s
 * the bench's rate-limited run drew 12 429s per 100 units (1.12 requests/unit), at 28/10s one
 * (1.01), reaching 97.6% of the API's limit.
 */
export const DEFAULT_GLOBAL_RATE_LIMIT = '28/10s';

/** http(s) only: `minio:9000` parses as a URL with scheme "minio:" and would fail later, far from the cause. */
const UrlSchema = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:9000' });

/** Log levels of the Temporal SDK's logger, least severe first. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `host:port` (port 0 picks a free one) or `off`: where the worker serves Prometheus `/metrics`. */
const MetricsAddressSchema = z
  .string()
  .default('127.0.0.1:9464')
  .transform((value, ctx) => {
    if (value === 'off') return false as const;
    const m = /^([^:\s]+):(\d+)$/.exec(value);
    if (!m || Number(m[2]) > 65_535) {
      ctx.addIssue({ code: 'custom', message: `expected host:port such as 127.0.0.1:9464, or "off"; got "${value}"` });
      return z.NEVER;
    }
    return { host: m[1], port: Number(m[2]) };
  });

export const EnvSchema = z.object({
  /** Root of all local state (chDB files, Temporal SQLite, MinIO data, file:// staging). Default `.data`. */
  F1_INGEST_DATA_DIR: z.string().min(1).default('.data'),
  /** Temporal frontend address. Default `127.0.0.1:7233`. */
  TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port, e.g. 127.0.0.1:7233').default('127.0.0.1:7233'),
  /** Temporal namespace. Default `default`. */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** API key for a remote cluster (e.g. Temporal Cloud); implies TLS. Default unset. */
  TEMPORAL_API_KEY: optionalString,
  /** `true` for server-authenticated TLS with the system CAs. Implied by any TEMPORAL_TLS_* path or an API key. Default false. */
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false'),
  /** PEM CA bundle that signed the server's certificate. Default: system CAs. */
  TEMPORAL_TLS_CA_PATH: optionalString,
  /** mTLS: PEM client certificate (with TEMPORAL_TLS_KEY_PATH). */
  TEMPORAL_TLS_CERT_PATH: optionalString,
  /** mTLS: PEM client private key (with TEMPORAL_TLS_CERT_PATH). */
  TEMPORAL_TLS_KEY_PATH: optionalString,
  /** Server name to verify, when it differs from the address's host. */
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** Task queue the worker polls and clients start workflows on. Default `f1-ingest`. */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('f1-ingest'),
  /** OpenF1 API base, including `/v1`. Default: the public API. */
  OPENF1_BASE_URL: UrlSchema.default('https://api.openf1.org/v1'),
  OPENF1_USERNAME: optionalString,
  OPENF1_PASSWORD: optionalString,
  /** Client-side token bucket. Default `30/10s` (OpenF1's own limit); `off` disables it. */
  OPENF1_RATE_LIMIT: rateLimitSchema('30/10s'),
  /** Per-request timeout. Default 30000 ms. */
  OPENF1_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  /** Staging (bronze/silver) location: `s3://bucket[/prefix]` or `file:///abs/dir`. Default `file://<data dir>/staging`. */
  STAGING_URL: optionalString.pipe(z.string().regex(/^(s3|file):\/\//, 'expected s3://bucket[/prefix] or file:///absolute/dir').optional()),
  S3_ENDPOINT: optionalString.pipe(UrlSchema.optional()),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  /** ClickHouse HTTP endpoint. Unset: embedded chDB under `<data dir>/chdb`. */
  CLICKHOUSE_URL: optionalString.pipe(UrlSchema.optional()),
  /** chDB data directory when CLICKHOUSE_URL is unset. Default `<data dir>/chdb`. chDB binds one directory per process. */
  CLICKHOUSE_EMBEDDED_PATH: optionalString,
  CLICKHOUSE_USER: z.string().min(1).default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  /**
   * How a unit's silver Parquet reaches ClickHouse. `pull`: ClickHouse reads it from staging itself
   * (`INSERT … SELECT FROM s3()/file()`), so bytes never pass through the worker. `push`: the worker
   * reads it and sends it through the client, so ClickHouse needs no route to staging.
   * Default: `pull` for embedded chDB, `push` for a server.
   */
  CLICKHOUSE_LOAD_MODE: z.enum(['pull', 'push']).optional(),
  /** Pull from s3:// staging: the S3 endpoint as ClickHouse reaches it (e.g. http://minio:9000 inside compose). Default: S3_ENDPOINT. */
  CLICKHOUSE_S3_ENDPOINT: optionalString.pipe(UrlSchema.optional()),
  /** Server mode over https: PEM CA bundle that signed the server's certificate. Default: system CAs. */
  CLICKHOUSE_TLS_CA_PATH: optionalString,
  /** Server mode: timeout of one request (a unit's insert is one request). Default 300000 ms. */
  CLICKHOUSE_REQUEST_TIMEOUT_MS: positiveInt(300_000),
  /** Database holding car_data, dimensions, ingest_log and gold tables. Default `f1`. */
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an identifier such as f1').default('f1'),
  /** Activities one worker runs at once, per task queue it serves. Default 8. */
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt(8),
  /**
   * Task queues this worker serves, comma-separated: `workflows` (workflows and convert), `fetch`
   * (OpenF1 telemetry), `warehouse` (planning, load, reconcile: needs ClickHouse). Default all three.
   * With embedded chDB exactly one process may serve `warehouse`; others run `workflows,fetch`.
   */
  WORKER_ROLES: z
    .string()
    .default(WORKER_ROLES.join(','))
    .transform((value, ctx) => {
      const roles = [...new Set(value.split(',').map((r) => r.trim()).filter(Boolean))];
      const unknown = roles.filter((r) => !(WORKER_ROLES as readonly string[]).includes(r));
      if (roles.length === 0 || unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `expected a comma-separated subset of ${WORKER_ROLES.join(', ')}; got "${value}"` });
        return z.NEVER;
      }
      return roles as WorkerRole[];
    }),
  /**
   * OpenF1 fetches started per window across ALL workers: Temporal's rate limit on the fetch task
   * queue (one fetch is one request unless a window must be split). `28/10s`, `3/1s`, or `off`.
   * Default `28/10s` (see DEFAULT_GLOBAL_RATE_LIMIT). OPENF1_RATE_LIMIT still paces each process.
   */
  OPENF1_GLOBAL_RATE_LIMIT: rateLimitSchema(DEFAULT_GLOBAL_RATE_LIMIT),
  /** Least severe level logged: TRACE, DEBUG, INFO, WARN or ERROR (any case). Default `INFO`. */
  LOG_LEVEL: z
    .string()
    .default('INFO')
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(LOG_LEVELS)),
  /** `json` (one object per line, for log collectors) or `pretty` (for humans). Default `json`. */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Prometheus endpoint of the worker, `host:port` (port 0: a free one), or `off`. Default `127.0.0.1:9464`. */
  METRICS_ADDRESS: MetricsAddressSchema,
});

export type Env = z.infer<typeof EnvSchema>;

/** Never echoed back in errors. */
const SECRET_VARIABLES = new Set(['OPENF1_PASSWORD', 'S3_SECRET_ACCESS_KEY', 'CLICKHOUSE_PASSWORD', 'TEMPORAL_API_KEY']);

export class ConfigError extends Error {
  readonly type = 'ConfigError';
  constructor(readonly issues: Array<{ variable: string; problem: string }>) {
    super(
      'Invalid configuration:\n' +
        issues.map((i) => `  ${i.variable}: ${i.problem}`).join('\n') +
        '\nFix the variable(s) above (see .env.example) and start again.',
    );
  }
}

/** Transport security for a remote Temporal cluster, in the shape the SDK's connections take. */
export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** Embedded chDB in a directory, or a server over HTTP(S); both hold our tables in `database`. */
export type ClickHouseConnectionConfig = (
  | { mode: 'embedded'; path: string }
  | { mode: 'server'; url: string; username: string; password: string; requestTimeoutMs: number; caCert?: Buffer }
) & { database: string };

export interface AppConfig {
  dataDir: string;
  temporal: { address: string; namespace: string; taskQueue: string; tls?: TemporalTls; apiKey?: string };
  openf1: {
    baseUrl: string;
    rateLimit: { requests: number; perMs: number } | false;
    requestTimeoutMs: number;
    auth?: { username: string; password: string };
  };
  staging: {
    url: string;
    s3?: { endpoint?: string; region: string; accessKeyId?: string; secretAccessKey?: string };
  };
  clickhouse: ClickHouseConnectionConfig & {
    /** How silver Parquet reaches ClickHouse; `s3Endpoint` is staging's endpoint as ClickHouse sees it (pull). */
    load: { mode: 'pull' | 'push'; s3Endpoint?: string };
  };
  worker: {
    maxConcurrentActivities: number;
    roles: WorkerRole[];
    /** Fetch activities per second over all workers (the fetch queue's Temporal rate limit); false: unlimited. */
    fetchesPerSecond: number | false;
  };
  observability: {
    logLevel: LogLevel;
    logFormat: 'json' | 'pretty';
    /** false: no Prometheus endpoint. */
    metrics: { host: string; port: number } | false;
  };
}

/** Parses the environment; throws ConfigError naming each bad variable and what is expected. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(environment)');
        const given = SECRET_VARIABLES.has(variable) ? '(hidden)' : JSON.stringify(env[variable] ?? null);
        return { variable, problem: `${issue.message} (got ${given})` };
      }),
    );
  }
  const e = parsed.data;
  const issues: Array<{ variable: string; problem: string }> = [];
  if ((e.OPENF1_USERNAME === undefined) !== (e.OPENF1_PASSWORD === undefined)) {
    issues.push({ variable: e.OPENF1_USERNAME ? 'OPENF1_PASSWORD' : 'OPENF1_USERNAME', problem: 'OpenF1 credentials need both OPENF1_USERNAME and OPENF1_PASSWORD' });
  }
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    issues.push({ variable: e.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID', problem: 'S3 credentials need both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or neither, for the AWS default chain)' });
  }
  if (e.STAGING_URL?.startsWith('file://') && !path.isAbsolute(e.STAGING_URL.slice('file://'.length))) {
    issues.push({ variable: 'STAGING_URL', problem: `file:// staging needs an absolute path, e.g. file:///var/lib/f1-ingest; got "${e.STAGING_URL}"` });
  }
  if ((e.TEMPORAL_TLS_CERT_PATH === undefined) !== (e.TEMPORAL_TLS_KEY_PATH === undefined)) {
    issues.push({ variable: e.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH', problem: 'mTLS needs both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH' });
  }
  const pem = (variable: 'TEMPORAL_TLS_CA_PATH' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH' | 'CLICKHOUSE_TLS_CA_PATH'): Buffer | undefined => {
    const file = e[variable];
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      issues.push({ variable, problem: `cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'}); expected a PEM file path` });
      return undefined;
    }
  };
  const loadMode = e.CLICKHOUSE_LOAD_MODE ?? (e.CLICKHOUSE_URL ? 'push' : 'pull');
  if (loadMode === 'pull' && e.CLICKHOUSE_URL && !e.STAGING_URL?.startsWith('s3://')) {
    issues.push({
      variable: 'CLICKHOUSE_LOAD_MODE',
      problem: 'pull needs s3:// staging when ClickHouse is a server (it cannot read the worker\'s files); set STAGING_URL=s3://… or CLICKHOUSE_LOAD_MODE=push',
    });
  }
  if (loadMode === 'pull' && e.STAGING_URL?.startsWith('s3://') && e.S3_ACCESS_KEY_ID === undefined) {
    issues.push({
      variable: 'S3_ACCESS_KEY_ID',
      problem: 'pull from s3:// staging passes the S3 keys to ClickHouse: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or CLICKHOUSE_LOAD_MODE=push',
    });
  }
  const ca = pem('TEMPORAL_TLS_CA_PATH');
  const crt = pem('TEMPORAL_TLS_CERT_PATH');
  const key = pem('TEMPORAL_TLS_KEY_PATH');
  const clickhouseCa = pem('CLICKHOUSE_TLS_CA_PATH');
  if (issues.length > 0) throw new ConfigError(issues);
  const tlsWanted = e.TEMPORAL_TLS === 'true' || ca || crt || e.TEMPORAL_TLS_SERVER_NAME || e.TEMPORAL_API_KEY;
  const tls: TemporalTls | undefined = tlsWanted
    ? {
        ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME } : {}),
        ...(ca ? { serverRootCACertificate: ca } : {}),
        ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      }
    : undefined;

  const dataDir = path.resolve(e.F1_INGEST_DATA_DIR);
  return {
    dataDir,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      ...(tls ? { tls } : {}),
      ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
    },
    openf1: {
      baseUrl: e.OPENF1_BASE_URL,
      rateLimit: e.OPENF1_RATE_LIMIT,
      requestTimeoutMs: e.OPENF1_REQUEST_TIMEOUT_MS,
      ...(e.OPENF1_USERNAME && e.OPENF1_PASSWORD ? { auth: { username: e.OPENF1_USERNAME, password: e.OPENF1_PASSWORD } } : {}),
    },
    staging: {
      url: e.STAGING_URL ?? `file://${path.join(dataDir, 'staging')}`,
      ...(e.STAGING_URL?.startsWith('s3://')
        ? { s3: { endpoint: e.S3_ENDPOINT, region: e.S3_REGION, accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } }
        : {}),
    },
    clickhouse: {
      ...(e.CLICKHOUSE_URL
        ? {
            mode: 'server' as const,
            url: e.CLICKHOUSE_URL,
            username: e.CLICKHOUSE_USER,
            password: e.CLICKHOUSE_PASSWORD,
            requestTimeoutMs: e.CLICKHOUSE_REQUEST_TIMEOUT_MS,
            ...(clickhouseCa ? { caCert: clickhouseCa } : {}),
          }
        : { mode: 'embedded' as const, path: path.resolve(e.CLICKHOUSE_EMBEDDED_PATH ?? path.join(dataDir, 'chdb')) }),
      database: e.CLICKHOUSE_DATABASE,
      load: { mode: loadMode, ...((e.CLICKHOUSE_S3_ENDPOINT ?? e.S3_ENDPOINT) ? { s3Endpoint: e.CLICKHOUSE_S3_ENDPOINT ?? e.S3_ENDPOINT } : {}) },
    },
    worker: {
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      roles: e.WORKER_ROLES,
      fetchesPerSecond: e.OPENF1_GLOBAL_RATE_LIMIT && (e.OPENF1_GLOBAL_RATE_LIMIT.requests * 1000) / e.OPENF1_GLOBAL_RATE_LIMIT.perMs,
    },
    observability: { logLevel: e.LOG_LEVEL, logFormat: e.LOG_FORMAT, metrics: e.METRICS_ADDRESS },
  };
}
