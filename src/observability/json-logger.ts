import { DefaultLogger, type LogEntry, type Logger, type LogLevel } from '@temporalio/worker';

export type LogFormat = 'json' | 'pretty';

export interface JsonLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Receives each finished line, newline included. */
  write: (line: string) => void;
  /** Applied to each finished line (see SecretRedactor). */
  redact: (line: string) => string;
}

/**
 * The logger given to the Temporal Runtime, so the worker's own messages, workflow `log` calls
 * (which the SDK tags with workflowId, runId, workflowType) and activity `Context.log` calls
 * (tagged with activityId, activityType, workflowId, ...) all come out as one line each.
 * DefaultLogger does the level filtering and keeps the timestamp a workflow log was made at
 * (replayed through a sink, it arrives later); we only format.
 */
export function createJsonLogger(opts: JsonLoggerOptions): Logger {
  return new DefaultLogger(opts.level, (entry) => opts.write(opts.redact(formatLogEntry(entry, opts.format)) + '\n'));
}

/**
 * `json`: `{"time","level","message", ...metadata}`, metadata flattened so collectors can index
 * workflowId/runId directly; the three fixed fields win over metadata keys of the same name.
 * `pretty`: `time LEVEL message {metadata}` for a terminal.
 */
export function formatLogEntry(entry: LogEntry, format: LogFormat): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta === undefined ? undefined : (toJsonSafe(entry.meta) as Record<string, unknown>);
  if (format === 'pretty') {
    return `${time} ${entry.level.padEnd(5)} ${entry.message}${meta && Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : ''}`;
  }
  const fixed = { time, level: entry.level, message: entry.message };
  return JSON.stringify(Object.assign({}, fixed, meta, fixed));
}

/** Deep enough for SDK metadata (activity info, errors with causes); deeper values are elided. */
const MAX_DEPTH = 8;

/**
 * A JSON-serializable copy of log metadata. JSON.stringify alone would throw on BigInt and cycles,
 * print errors as `{}` (message and stack are not enumerable) and spell out byte arrays (workflow
 * payloads at TRACE) one number per byte.
 */
function toJsonSafe(value: unknown, ancestors: object[] = []): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.includes(value)) return '[Circular]';
  if (ancestors.length >= MAX_DEPTH) return '[…]';
  if (ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
  const path = [...ancestors, value];
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return toJsonSafe((value as { toJSON(): unknown }).toJSON(), path);
  if (Array.isArray(value) || value instanceof Set) return [...value].map((v) => toJsonSafe(v, path) ?? null);
  if (value instanceof Map) return toJsonSafe(Object.fromEntries(value), path);
  const out: Record<string, unknown> = {};
  if (value instanceof Error) {
    out.name = value.name;
    out.message = value.message;
  }
  for (const [key, v] of Object.entries(value)) {
    const safe = toJsonSafe(v, path);
    if (safe !== undefined) out[key] = safe;
  }
  if (value instanceof Error) {
    if (value.stack) out.stack = value.stack;
    if (value.cause !== undefined) out.cause = toJsonSafe(value.cause, path);
  }
  return out;
}
