import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FileObjectStore } from './file-object-store.js';
import type { ObjectBody } from './object-body.js';
import { brokenKeyRule } from './object-key.js';
import { S3ObjectStore } from './s3-object-store.js';

/**
 * Where staged objects live. Keys are relative, "/"-separated paths (see object-key.ts for the rules);
 * every method validates them and throws InvalidObjectKeyError before touching the backend. Failures
 * are the ObjectStoreError subclasses in object-store-errors.ts.
 */
export interface ObjectStore {
  /** `s3://bucket/prefix` or `file:///abs/dir`; never contains credentials. */
  readonly url: string;
  /**
   * Stores `body` under `key`, replacing any previous object atomically: readers see the old object or
   * the whole new one, never a partial one, and a failed put (including a body stream that errors)
   * leaves nothing behind. A body stream's own error is rethrown as is.
   */
  put(key: string, body: ObjectBody, opts?: { contentType?: string }): Promise<{ bytes: number }>;
  /** The object's bytes as a stream; rejects with ObjectNotFoundError when `key` does not exist. */
  get(key: string): Promise<Readable>;
  /** The object's bytes in memory; rejects with ObjectNotFoundError when `key` does not exist. */
  getBytes(key: string): Promise<Buffer>;
  /** Size of the object, or null when it does not exist. */
  head(key: string): Promise<{ size: number } | null>;
  /** Every object whose key starts with `prefix` (a plain string match, like S3), sorted by key. */
  list(prefix: string): Promise<Array<{ key: string; size: number }>>;
  /** Removes the object; succeeds when it is already gone. */
  delete(key: string): Promise<void>;
  /**
   * How a ClickHouse engine reading this store directly should address `key` (for INSERT ... SELECT
   * FROM file()/s3()); `endpoint` replaces the S3 endpoint when ClickHouse reaches it by another name.
   */
  locate(key: string, opts?: { endpoint?: string }): { kind: 'file'; path: string } | { kind: 's3'; url: string };
  /** Creates the bucket if it is missing (S3 only; for dev/test setup, where nothing provisions it). */
  ensureBucket?(): Promise<void>;
  /** Releases connections; the store is unusable afterwards. */
  close?(): Promise<void>;
}

const S3ConfigSchema = z.object({
  /** S3-compatible endpoint such as `http://127.0.0.1:9000` (MinIO). Default: AWS S3 in `region`. */
  endpoint: z
    .url({ protocol: /^https?$/, error: 's3.endpoint must be an http(s) URL' })
    .refine((endpoint) => !/^[a-z]+:\/\/[^/]*@/i.test(endpoint), 's3.endpoint must not contain credentials; use s3.accessKeyId / s3.secretAccessKey')
    .optional(),
  /** Default 'us-east-1'. */
  region: z.string().min(1).default('us-east-1'),
  /** With secretAccessKey; both absent means the AWS SDK's default credential chain (env, profile, role). */
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  /** Address buckets as `endpoint/bucket` instead of `bucket.endpoint`. Default: true when `endpoint` is set, as MinIO needs. */
  forcePathStyle: z.boolean().optional(),
});

export const StagingConfigSchema = z
  .object({
    /** `file:///abs/path` for a local directory, or `s3://bucket/optional/prefix`. */
    url: z.string().min(1),
    s3: S3ConfigSchema.optional(),
  })
  .superRefine((config, ctx) => {
    const target = parseStagingUrl(config.url);
    if ('problem' in target) ctx.addIssue({ code: 'custom', path: ['url'], message: target.problem });
    if ((config.s3?.accessKeyId === undefined) !== (config.s3?.secretAccessKey === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['s3'], message: 's3.accessKeyId and s3.secretAccessKey must be given together' });
    }
  });
/** Staging configuration as written by callers; defaults are filled in by StagingConfigSchema. */
export type StagingConfig = z.input<typeof StagingConfigSchema>;

type StagingTarget = { kind: 'file'; root: string } | { kind: 's3'; bucket: string; prefix: string };

// S3's bucket naming rules (lowercase, 3-63 characters, no leading/trailing punctuation).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Splits a staging url into its backend and location, or says what is wrong with it. Problems never
 * repeat the url, which might carry credentials by mistake.
 */
function parseStagingUrl(url: string): StagingTarget | { problem: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: 'staging url is not a URL; expected file:///abs/path or s3://bucket/prefix' };
  }
  if (parsed.username || parsed.password) {
    return { problem: 'staging url must not contain credentials; put them in s3.accessKeyId / s3.secretAccessKey' };
  }
  if (parsed.search || parsed.hash) return { problem: 'staging url must not have a query or fragment' };
  if (parsed.protocol === 'file:') {
    if (parsed.host !== '' && parsed.host !== 'localhost') return { problem: 'file staging url must name a local path (file:///abs/path)' };
    return { kind: 'file', root: resolve(fileURLToPath(parsed)) };
  }
  if (parsed.protocol !== 's3:') return { problem: 'staging url must start with file:// or s3://' };
  if (parsed.port) return { problem: 's3 staging url must not have a port; set s3.endpoint instead' };
  if (!BUCKET_NAME.test(parsed.hostname)) return { problem: `s3 staging url has an invalid bucket name "${parsed.hostname}"` };
  // Taken from the raw text: URL parsing would silently resolve "a/../b" to "b".
  const pathStart = url.indexOf('/', 's3://'.length);
  const prefix = pathStart < 0 ? '' : url.slice(pathStart).replace(/^\/+|\/+$/g, '');
  const rule = prefix ? brokenKeyRule(prefix) : undefined;
  if (rule !== undefined) return { problem: `s3 staging url prefix ${rule}` };
  return { kind: 's3', bucket: parsed.hostname, prefix };
}

/** The store `config.url` names; throws a ZodError (credential-free) when the config is invalid. */
export function createObjectStore(config: StagingConfig): ObjectStore {
  const parsed = StagingConfigSchema.parse(config);
  const target = parseStagingUrl(parsed.url);
  if ('problem' in target) throw new Error(target.problem); // unreachable: the schema checked the url
  if (target.kind === 'file') return new FileObjectStore(target.root);
  const s3 = parsed.s3 ?? S3ConfigSchema.parse({});
  return new S3ObjectStore({
    bucket: target.bucket,
    prefix: target.prefix,
    endpoint: s3.endpoint,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: s3.forcePathStyle ?? s3.endpoint !== undefined,
  });
}
