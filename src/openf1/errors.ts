/**
 * Error classes thrown by the OpenF1 client.
 *
 * Every class carries a stable `type` string (Temporal retry policies match ApplicationFailure
 * types by name, and class names do not survive bundling/minification) and a `retryable` flag
 * that says whether the same request may succeed if repeated later. Messages name the URL
 * that failed but never contain credentials or tokens: URLs are built from the base URL, which
 * may not carry userinfo, and server-provided text is passed through the auth redactor first.
 */

export abstract class OpenF1Error extends Error {
  abstract readonly type: string;
  abstract readonly retryable: boolean;
}

/** The server answered with a status the client does not treat as data. */
export class OpenF1HttpError extends OpenF1Error {
  readonly type = 'OpenF1HttpError';
  readonly url: string;
  readonly status: number;
  readonly retryable: boolean;
  /** OpenF1's `detail` text for JSON error bodies (redacted, shortened), if any. */
  readonly detail: string | undefined;

  constructor(init: { url: string; status: number; retryable: boolean; detail?: string }) {
    super(`HTTP ${init.status}${init.detail ? ` "${init.detail}"` : ''} (GET ${init.url})`);
    this.name = this.type;
    this.url = init.url;
    this.status = init.status;
    this.retryable = init.retryable;
    this.detail = init.detail;
  }
}

/** How a request failed below HTTP: no usable response, or a response body that did not arrive whole. */
export type TransportFailure = 'timeout' | 'network' | 'truncated';

/** Connection refused/reset, timeout, or a body that ended before the closing `]`: always retryable. */
export class OpenF1TransportError extends OpenF1Error {
  readonly type = 'OpenF1TransportError';
  readonly retryable = true;
  readonly url: string;
  readonly failure: TransportFailure;

  constructor(init: { url: string; failure: TransportFailure; message: string; method?: 'GET' | 'POST'; cause?: unknown }) {
    super(`${init.message} (${init.method ?? 'GET'} ${init.url})`, { cause: init.cause });
    this.name = this.type;
    this.url = init.url;
    this.failure = init.failure;
  }
}

/**
 * The response is not the data we expect: malformed JSON, or a row that fails its schema.
 * Never retryable: asking again returns the same bytes, and rows are never silently dropped.
 */
export class OpenF1DataError extends OpenF1Error {
  readonly type = 'OpenF1DataError';
  readonly retryable = false;
  readonly url: string;
  readonly endpoint: string;
  /** 0-based index of the offending row in the response (rows before it were valid). */
  readonly rowIndex: number;
  /** Path of the offending field (`speed`, `segments_sector_1[3]`), when a field is to blame. */
  readonly field: string | undefined;
  readonly value: unknown;

  constructor(init: { url: string; endpoint: string; rowIndex: number; field?: string; value?: unknown; reason: string }) {
    const where = init.field === undefined ? '' : ` field "${init.field}"`;
    super(`${init.endpoint} row ${init.rowIndex}${where}: ${init.reason} (GET ${init.url})`);
    this.name = this.type;
    this.url = init.url;
    this.endpoint = init.endpoint;
    this.rowIndex = init.rowIndex;
    this.field = init.field;
    this.value = init.value;
  }
}

/** The token endpoint refused the credentials or answered something that is not a token. */
export class OpenF1AuthError extends OpenF1Error {
  readonly type = 'OpenF1AuthError';
  readonly url: string;
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(init: { url: string; status?: number; retryable: boolean; message: string }) {
    super(`${init.message} (POST ${init.url})`);
    this.name = this.type;
    this.url = init.url;
    this.status = init.status;
    this.retryable = init.retryable;
  }
}

/**
 * A time window is still "too large" (422, or repeated 500/504/timeout) but halving it would go
 * below `minWindowMs`. Retryable: the usual cause is server load, which passes.
 */
export class OpenF1WindowFloorError extends OpenF1Error {
  readonly type = 'OpenF1WindowFloorError';
  readonly retryable = true;
  readonly url: string;
  readonly from: string;
  readonly to: string;
  readonly minWindowMs: number;

  constructor(init: { url: string; from: string; to: string; minWindowMs: number; cause: unknown }) {
    super(
      `window ${init.from} .. ${init.to} is still too large and cannot be split below ${init.minWindowMs} ms (GET ${init.url})`,
      { cause: init.cause },
    );
    this.name = this.type;
    this.url = init.url;
    this.from = init.from;
    this.to = init.to;
    this.minWindowMs = init.minWindowMs;
  }
}

/** The caller asked for something the client cannot do (bad filter, bad time range, ...). */
export class OpenF1UsageError extends OpenF1Error {
  readonly type = 'OpenF1UsageError';
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = this.type;
  }
}

/** One line describing a low-level failure, e.g. `fetch failed: other side closed (UND_ERR_SOCKET)`. */
export function describeFailure(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${e.message} (${code})` : e.message);
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}
