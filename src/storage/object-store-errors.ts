/**
 * Errors raised by every ObjectStore backend. Each carries a stable `type` and a `retryable` flag so the
 * activity layer can map them to Temporal failures without knowing which backend is configured.
 * Messages and fields never contain credentials: backends build them from the store's public url.
 */
export abstract class ObjectStoreError extends Error {
  abstract readonly type: string;
  abstract readonly retryable: boolean;
}

/** Identifies the failed request; every field is safe to log. */
export interface RequestDetails {
  /** Public url of the store (`s3://bucket/prefix` or `file:///dir`). */
  store: string;
  operation: string;
  key?: string;
  /** Backend error code, e.g. `NoSuchBucket`, `ECONNREFUSED`, `EACCES`. */
  code?: string;
  httpStatus?: number;
}

abstract class RequestError extends ObjectStoreError {
  readonly store: string;
  readonly operation: string;
  readonly key: string | undefined;
  readonly code: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(details: RequestDetails, message: string) {
    const target = details.key === undefined ? details.store : `${details.store} key ${JSON.stringify(details.key)}`;
    const code = [details.code, details.httpStatus].filter((part) => part !== undefined).join(' ');
    super(`${details.operation} ${target} failed${code ? ` (${code})` : ''}: ${message}`);
    this.store = details.store;
    this.operation = details.operation;
    this.key = details.key;
    this.code = details.code;
    this.httpStatus = details.httpStatus;
  }
}

export class InvalidObjectKeyError extends ObjectStoreError {
  readonly type = 'InvalidObjectKey';
  readonly retryable = false;
  constructor(
    readonly key: string,
    /** The rule the key breaks, in words. */
    readonly rule: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${rule}`);
    this.name = 'InvalidObjectKeyError';
  }
}

export class ObjectNotFoundError extends ObjectStoreError {
  readonly type = 'ObjectNotFound';
  readonly retryable = false;
  constructor(
    readonly store: string,
    readonly key: string,
  ) {
    super(`object ${JSON.stringify(key)} not found in ${store}`);
    this.name = 'ObjectNotFoundError';
  }
}

/** Network failures, 5xx, throttling, exhausted file handles: the same call may succeed later. */
export class ObjectStoreTransientError extends RequestError {
  readonly type = 'ObjectStoreTransient';
  readonly retryable = true;
  override readonly name = 'ObjectStoreTransientError';
}

/** Missing bucket, rejected credentials, denied access, unwritable directory: retrying cannot help until the setup is fixed. */
export class ObjectStoreConfigError extends RequestError {
  readonly type = 'ObjectStoreConfig';
  readonly retryable = false;
  override readonly name = 'ObjectStoreConfigError';
}

/** Any other rejected request (e.g. an invalid argument): a bug or an unsupported input, not worth retrying. */
export class ObjectStoreRequestError extends RequestError {
  readonly type = 'ObjectStoreRequest';
  readonly retryable = false;
  override readonly name = 'ObjectStoreRequestError';
}
