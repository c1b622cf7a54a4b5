import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { meteredChunks, writeBodyToFile, type BodyMeter, type ObjectBody } from './object-body.js';
import { compareKeys, validateKey, validatePrefix } from './object-key.js';
import {
  ObjectNotFoundError,
  ObjectStoreConfigError,
  ObjectStoreError,
  ObjectStoreRequestError,
  ObjectStoreTransientError,
  type RequestDetails,
} from './object-store-errors.js';
import type { ObjectStore } from './object-store.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket without leading or trailing "/"; '' for the bucket root. */
  prefix: string;
  /** S3-compatible endpoint such as `http://127.0.0.1:9000`; undefined means AWS S3. */
  endpoint: string | undefined;
  region: string;
  /** Both or neither; neither falls back to the AWS SDK's default credential chain. */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
  /** Where stream bodies are written before their upload (see put). Default: the OS temp dir (TMPDIR). */
  spoolDir?: string;
}

const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound']);
const MISSING_BUCKET_CODES = new Set(['NoSuchBucket']);
const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'Forbidden',
  'ExpiredToken',
  'InvalidToken',
  'AuthorizationHeaderMalformed',
  'CredentialsProviderError',
]);
const THROTTLING_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'TooManyRequests']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'TimeoutError']);
const UNRESOLVABLE_HOST_CODES = new Set(['ENOTFOUND']);

/**
 * Objects in an S3 bucket (AWS or compatible, e.g. MinIO) under an optional key prefix. Every put goes
 * through lib-storage's Upload: one PUT when the body fits in a part, else a multipart upload that
 * becomes visible only on completion and is aborted on failure, so no partial object is ever readable.
 */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  private readonly client: S3Client;
  private readonly keyPrefix: string;
  // A HEAD answers a bare 404 for a missing bucket and a missing key alike; the bucket is checked once
  // so that head() does not report "no object" when the real problem is the configuration.
  private bucketVerified = false;

  constructor(private readonly options: S3ObjectStoreOptions) {
    this.url = `s3://${options.bucket}${options.prefix ? `/${options.prefix}` : ''}`;
    this.keyPrefix = options.prefix ? `${options.prefix}/` : '';
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials:
        options.accessKeyId !== undefined && options.secretAccessKey !== undefined
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // Without timeouts a stalled endpoint hangs a request forever instead of failing it as transient.
      requestHandler: { connectionTimeout: 5_000, socketTimeout: 60_000 },
    });
  }

  async put(key: string, body: ObjectBody, opts?: { contentType?: string }): Promise<{ bytes: number }> {
    const objectKey = this.objectKey(key);
    const meter: BodyMeter = { bytes: 0 };
    const spooled = body instanceof Readable ? await this.spool(key, body, meter) : undefined;
    const stream = spooled ? createReadStream(spooled) : Readable.from(meteredChunks(body, meter));
    // One 5 MiB part in flight per put: the default queue of 4 let eight concurrent puts hold up to
    // 160 MiB, the largest part of a worker's peak RSS (bench); a unit's part is rarely over 5 MiB.
    const upload = new Upload({
      client: this.client,
      queueSize: 1,
      params: { Bucket: this.options.bucket, Key: objectKey, Body: stream, ContentType: opts?.contentType },
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw error === meter.sourceError ? error : this.storeError(error, 'put', key);
    } finally {
      // After a failed request the upload stops reading; this releases the caller's stream.
      stream.destroy();
      if (spooled) await rm(spooled, { force: true });
    }
    return { bytes: meter.bytes };
  }

  /**
   * Writes a stream body to a local file, which put then uploads. Uploaded as it was produced, a
   * body sat in lib-storage's part buffer (up to 5 MiB) for as long as its producer ran, a whole
   * fetch: with eight 126k-row units in flight that was the share of a worker's memory that grew
   * with unit size. From the file, a part is buffered only while it is sent. A failing source
   * fails the put with its own error before any request, so nothing partial reaches the bucket.
   * Nothing may be awaited before the body is piped: a body failing in the meantime would emit its
   * error with no listener.
   */
  private async spool(key: string, body: Readable, meter: BodyMeter): Promise<string> {
    const path = join(this.options.spoolDir ?? tmpdir(), `f1-put-${randomUUID()}`);
    try {
      await writeBodyToFile(body, path, meter);
      return path;
    } catch (error) {
      if (error === meter.sourceError) throw error;
      throw new Error(`could not write the body of ${key} to ${path} before uploading it: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }

  async get(key: string): Promise<Readable> {
    const output = await this.request('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) })));
    if (!(output.Body instanceof Readable)) throw new ObjectStoreRequestError(this.details('get', key), 'response has no readable body');
    return output.Body;
  }

  async getBytes(key: string): Promise<Buffer> {
    return this.request('getBytes', key, async () => {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      if (!output.Body) throw new ObjectStoreRequestError(this.details('getBytes', key), 'response has no body');
      return Buffer.from(await output.Body.transformToByteArray());
    });
  }

  async head(key: string): Promise<{ size: number } | null> {
    const objectKey = this.objectKey(key);
    try {
      const output = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: objectKey }));
      return { size: output.ContentLength ?? 0 };
    } catch (error) {
      const mapped = this.storeError(error, 'head', key);
      if (!(mapped instanceof ObjectNotFoundError)) throw mapped;
      await this.verifyBucket();
      return null;
    }
  }

  async list(prefix: string): Promise<Array<{ key: string; size: number }>> {
    validatePrefix(prefix);
    return this.request('list', prefix, async () => {
      const found: Array<{ key: string; size: number }> = [];
      const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.options.bucket, Prefix: this.keyPrefix + prefix });
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) found.push({ key: object.Key.slice(this.keyPrefix.length), size: object.Size ?? 0 });
        }
      }
      return found.sort(compareKeys);
    });
  }

  async delete(key: string): Promise<void> {
    // S3 answers a delete of a missing key with success, which makes this idempotent.
    await this.request('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) })));
  }

  locate(key: string, opts: { endpoint?: string } = {}): { kind: 's3'; url: string } {
    const base = (opts.endpoint ?? this.options.endpoint ?? `https://s3.${this.options.region}.amazonaws.com`).replace(/\/+$/, '');
    return { kind: 's3', url: `${base}/${this.options.bucket}/${this.objectKey(key)}` };
  }

  /** Creates the bucket unless it exists; for dev and test setup, where nothing provisions it. */
  async ensureBucket(): Promise<void> {
    if (!(await this.bucketExists('ensureBucket'))) {
      const { bucket, region } = this.options;
      await this.request('ensureBucket', undefined, async () => {
        try {
          await this.client.send(
            new CreateBucketCommand({
              Bucket: bucket,
              // us-east-1 is S3's implicit location and must not be named explicitly.
              CreateBucketConfiguration: region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
            }),
          );
        } catch (error) {
          // Another process (or an earlier run) created it in between: the goal is met.
          if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw error;
        }
      });
    }
    this.bucketVerified = true;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return this.keyPrefix + validateKey(key);
  }

  private async verifyBucket(): Promise<void> {
    if (this.bucketVerified) return;
    if (!(await this.bucketExists('head'))) throw this.missingBucket(this.details('head', undefined, 'NoSuchBucket', 404));
    this.bucketVerified = true;
  }

  private async bucketExists(operation: string): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw this.storeError(error, operation);
    }
  }

  private async request<T>(operation: string, key: string | undefined, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.storeError(error, operation, key);
    }
  }

  private details(operation: string, key: string | undefined, code?: string, httpStatus?: number): RequestDetails {
    return { store: this.url, operation, key, code, httpStatus };
  }

  /**
   * Maps an SDK or network error to the store's error types. The SDK error itself is not kept as
   * `cause`: it holds raw request/response metadata, and messages here must stay credential-free.
   */
  private storeError(error: unknown, operation: string, key?: string): unknown {
    if (!(error instanceof Error) || error instanceof ObjectStoreError) return error;
    const sdk = error as Error & { code?: string; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
    const code = sdk.code ?? sdk.name;
    const status = sdk.$metadata?.httpStatusCode;
    const details = this.details(operation, key, code, status);
    const message = this.redact(error.message);
    // Without a key the request addressed the bucket itself, so "not found" means the bucket.
    if (MISSING_BUCKET_CODES.has(code) || (NOT_FOUND_CODES.has(code) && key === undefined)) return this.missingBucket(details);
    if (NOT_FOUND_CODES.has(code) && key !== undefined) return new ObjectNotFoundError(this.url, key);
    if (CREDENTIAL_CODES.has(code) || status === 403) {
      return new ObjectStoreConfigError(
        details,
        `${message}; check the S3 credentials (s3.accessKeyId / s3.secretAccessKey or the AWS credential chain) and their access to bucket "${this.options.bucket}"`,
      );
    }
    if (UNRESOLVABLE_HOST_CODES.has(code)) return new ObjectStoreConfigError(details, `${message}; check s3.endpoint`);
    if (sdk.$retryable || sdk.$fault === 'server' || (status !== undefined && (status >= 500 || status === 429)) || THROTTLING_CODES.has(code) || NETWORK_CODES.has(code)) {
      return new ObjectStoreTransientError(details, `${message || code}${this.where()}`);
    }
    return new ObjectStoreRequestError(details, message || code);
  }

  private missingBucket(details: RequestDetails): ObjectStoreConfigError {
    return new ObjectStoreConfigError(
      details,
      `bucket "${this.options.bucket}" does not exist${this.where()}; create it (S3ObjectStore.ensureBucket in dev/test) or fix the staging url`,
    );
  }

  private where(): string {
    return this.options.endpoint ? ` at ${this.options.endpoint}` : '';
  }

  // SDK messages do not normally quote credentials; this guards against an endpoint that does.
  private redact(text: string): string {
    let redacted = text;
    for (const secret of [this.options.secretAccessKey, this.options.accessKeyId]) {
      if (secret) redacted = redacted.split(secret).join('[redacted]');
    }
    return redacted;
  }
}

function isMissing(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (name !== undefined && (NOT_FOUND_CODES.has(name) || MISSING_BUCKET_CODES.has(name))) || $metadata?.httpStatusCode === 404;
}
