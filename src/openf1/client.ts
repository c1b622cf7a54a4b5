/**
 * Typed, streaming OpenF1 client: retries, rate limiting, auth, and time-windowed fetching of
 * large endpoints (car_data) with automatic bisection of windows the server finds too large.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { TokenProvider } from './auth.js';
import { decodeRows, ndjsonBatches, type NdjsonBatch } from './decode-rows.js';
import { endpoints, type EndpointName, type RecordOf, type RowOf } from './endpoints.js';
import {
  OpenF1Error,
  OpenF1HttpError,
  OpenF1TransportError,
  OpenF1UsageError,
  OpenF1WindowFloorError,
} from './errors.js';
import type { ClientEvent } from './events.js';
import { toQueryString, type Filter } from './filters.js';
import { RateLimiter, type RateLimit } from './rate-limiter.js';
import { Transport, type OpenResponse } from './transport.js';

export interface OpenF1ClientOptions {
  /** API root; must not contain credentials. Default 'https://api.openf1.org/v1'. */
  baseUrl?: string;
  /** Client-side limit on request starts (retries and token requests included); `false` disables. Default 30 per 10_000 ms, OpenF1's own limit. */
  rateLimit?: RateLimit | false;
  /** Limit on the wait for response headers, and on each wait for more body bytes. Default 30_000. */
  requestTimeoutMs?: number;
  /** Attempts per request for retryable failures (5xx, network, timeout, truncated body); 429 waits do not count. Default 4. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, with jitter (50-100 % of the nominal delay). Default 1_000. */
  retryBaseDelayMs?: number;
  /** Cap on the nominal retry delay. Default 30_000. */
  retryMaxDelayMs?: number;
  /** Bound on the time one attempt spends waiting out 429s; past it the attempt fails with a retryable 429 (so the total is bounded by maxAttempts times this). Default 120_000. */
  maxThrottleWaitMs?: number;
  /** OAuth2 credentials for OpenF1's authenticated tier. Default: anonymous. */
  auth?: { username: string; password: string };
  /** fetchWindowed never splits a window below this size. Default 60_000. */
  minWindowMs?: number;
  /** Default: global fetch. */
  fetchImpl?: typeof fetch;
  /** Default: timers/promises setTimeout (abortable). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Default: Date.now. */
  now?: () => number;
  /** Request/retry/429/bisect/token events for metrics and logs; never contains credentials. Default: none. */
  onEvent?: (e: ClientEvent) => void;
}

export interface TimeWindow {
  from: string;
  to: string;
}

export interface WindowedRequest<E extends EndpointName> extends TimeWindow {
  endpoint: E;
  /** Filters other than the endpoint's time field, which fetchWindowed sets itself. */
  filters: Filter[];
  /** Remembers the last good window size under this key, so later fetches of the same kind start there. */
  windowKey?: string;
}

/** Counters since the client was created. */
export interface ClientStats {
  /** API requests sent (every attempt; token requests excluded). */
  requests: number;
  /** Backoff retries after retryable failures. */
  retries: number;
  /** 429 answers. */
  throttled: number;
  /** Windows split in two by fetchWindowed. */
  bisections: number;
}

const DEFAULT_BASE_URL = 'https://api.openf1.org/v1';
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Response body chunks of one window -> what its consumer reads (rows, or batches of row text). */
type Decode<T> = (url: string, chunks: AsyncIterable<Uint8Array>) => AsyncIterable<T>;

/** Carries an error thrown by a fetchWindowed consumer through the retry loop untouched. */
class ConsumerFailure {
  constructor(readonly error: unknown) {}
}

/** Failures that may mean "this query is too big" but are also plain transient faults. */
function maybeTooLarge(error: unknown): boolean {
  return (
    (error instanceof OpenF1HttpError && (error.status === 500 || error.status === 504)) ||
    (error instanceof OpenF1TransportError && error.failure === 'timeout')
  );
}

function causedBy(error: unknown, cause: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && depth < 5; depth++) {
    if (e === cause) return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

export class OpenF1Client {
  private readonly baseUrl: string;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly minWindowMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly emit: (event: ClientEvent) => void;
  private readonly transport: Transport;
  private readonly counters: ClientStats = { requests: 0, retries: 0, throttled: 0, bisections: 0 };
  /** windowKey -> window size (ms) that worked after a larger one did not. */
  private readonly windowSizes = new Map<string, number>();
  /** The request budget this client keeps to (planning uses it to estimate durations). */
  readonly rateLimit: RateLimit | false;

  constructor(opts: OpenF1ClientOptions = {}) {
    const base = new URL(opts.baseUrl ?? DEFAULT_BASE_URL);
    if (base.username || base.password) throw new OpenF1UsageError('baseUrl must not contain credentials; use the auth option');
    if (base.search || base.hash) throw new OpenF1UsageError('baseUrl must not have a query or fragment');
    this.baseUrl = base.href.replace(/\/+$/, '');
    this.maxAttempts = opts.maxAttempts ?? 4;
    this.retryBaseDelayMs = opts.retryBaseDelayMs ?? 1_000;
    this.retryMaxDelayMs = opts.retryMaxDelayMs ?? 30_000;
    this.minWindowMs = opts.minWindowMs ?? 60_000;
    const now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    const onEvent = opts.onEvent;
    this.emit = onEvent ? (event) => onEvent(event) : () => undefined;

    const rawFetch = opts.fetchImpl ?? globalThis.fetch;
    const rateLimit = opts.rateLimit ?? { requests: 30, perMs: 10_000 };
    this.rateLimit = rateLimit;
    const limiter = rateLimit === false ? undefined : new RateLimiter(rateLimit, { now, sleep: this.sleep });
    const timeoutMs = opts.requestTimeoutMs ?? 30_000;
    const auth = opts.auth
      ? new TokenProvider({
          tokenUrl: tokenUrlOf(base),
          credentials: opts.auth,
          // The token request counts against the same per-IP limit as API requests.
          fetchImpl: async (input, init) => {
            await limiter?.take();
            return rawFetch(input, init);
          },
          now,
          timeoutMs,
          onToken: (expiresInMs) => this.emit({ type: 'token', url: tokenUrlOf(base), expiresInMs }),
        })
      : undefined;
    this.transport = new Transport({
      fetchImpl: rawFetch,
      limiter,
      auth,
      timeoutMs,
      maxThrottleWaitMs: opts.maxThrottleWaitMs ?? 120_000,
      now,
      sleep: this.sleep,
      backoffMs: (n) => this.backoffMs(n),
      emit: this.emit,
      counters: this.counters,
    });
  }

  /** The URL requested for these filters (fetch percent-encodes `<` and `>` on the wire; OpenF1 decodes them back). */
  url(endpoint: EndpointName, filters: Filter[]): string {
    const query = toQueryString(filters);
    return `${this.baseUrl}/${endpoints[endpoint].path}${query ? `?${query}` : ''}`;
  }

  /** All records at once, for small endpoints. Any retryable failure, even mid-body, restarts the request. */
  async list<E extends EndpointName>(endpoint: E, filters: Filter[], opts: { signal?: AbortSignal } = {}): Promise<RecordOf<E>[]> {
    const url = this.url(endpoint, filters);
    return this.withRetries(url, opts.signal, async () => {
      const response = await this.transport.open(url, opts.signal);
      const records: RecordOf<E>[] = [];
      if (response) for await (const { row } of decodeRows(endpoint, url, response.chunks())) records.push(row);
      return records;
    });
  }

  /**
   * Rows as they arrive. Failures before the body starts are retried; a failure in the body
   * (truncation, reset, stall) throws a retryable error after the rows already yielded, and the
   * caller must restart (fetchWindowed does this per window).
   */
  async *stream<E extends EndpointName>(
    endpoint: E,
    filters: Filter[],
    opts: { signal?: AbortSignal } = {},
  ): AsyncGenerator<RowOf<E>> {
    const url = this.url(endpoint, filters);
    const response = await this.withRetries(url, opts.signal, () => this.transport.open(url, opts.signal));
    if (response) yield* decodeRows(endpoint, url, response.chunks());
  }

  /**
   * Fetches `[from, to)` of a time-indexed endpoint window by window, in time order, handing each
   * window's rows to `consume` while they stream.
   *
   * Starts with the whole range as one request (or the size remembered under `windowKey`). A
   * window the server finds too large (422 other than "no results", or 500/504/timeout twice in a
   * row) is halved, down to `minWindowMs`; below that an OpenF1WindowFloorError (retryable) is
   * thrown. If a window fails after rows were handed out, the rows iterable throws; `consume` must
   * let that error propagate (and discard its partial output), and is called again for the
   * retried or halved window. Errors thrown by `consume` itself end the fetch unchanged.
   *
   * `consume` is called for every window, with an empty iterable when the window has no data, and
   * must read its rows to the end.
   */
  fetchWindowed<E extends EndpointName>(
    req: WindowedRequest<E>,
    consume: (window: TimeWindow & { url: string }, rows: AsyncIterable<RowOf<E>>) => Promise<void>,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ requests: number; windows: TimeWindow[] }> {
    return this.windowed(req, (url, chunks) => decodeRows(req.endpoint, url, chunks), consume, opts);
  }

  /**
   * fetchWindowed for bulk staging: each window's rows as NDJSON bytes (the API's bytes of each
   * row and a newline), in batches (one per response chunk), never decoded. The array's structure
   * is still checked (truncation, a non-array answer, "no results"); row values are for the
   * caller's own decoder to check, so a bulk fetch does not parse every row twice.
   */
  fetchWindowedNdjson<E extends EndpointName>(
    req: WindowedRequest<E>,
    consume: (window: TimeWindow & { url: string }, batches: AsyncIterable<NdjsonBatch>) => Promise<void>,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ requests: number; windows: TimeWindow[] }> {
    return this.windowed(req, (url, chunks) => ndjsonBatches(req.endpoint, url, chunks), consume, opts);
  }

  private async windowed<E extends EndpointName, T>(
    req: WindowedRequest<E>,
    decode: Decode<T>,
    consume: (window: TimeWindow & { url: string }, items: AsyncIterable<T>) => Promise<void>,
    opts: { signal?: AbortSignal },
  ): Promise<{ requests: number; windows: TimeWindow[] }> {
    const { endpoint, filters, from, to, windowKey } = req;
    const timeField = endpoints[endpoint].timeField;
    if (timeField === null) throw new OpenF1UsageError(`${endpoint} has no time field to window on`);
    if (filters.some((f) => f.field === timeField)) {
      throw new OpenF1UsageError(`fetchWindowed sets ${timeField} itself; remove it from the filters`);
    }
    const fromMs = parseInstant(from);
    const toMs = parseInstant(to);
    if (!(fromMs < toMs)) throw new OpenF1UsageError(`empty time range ${from} .. ${to}`);

    const tally = { requests: 0 };
    const windows: TimeWindow[] = [];
    const rangeMs = toMs - fromMs;
    let sizeMs = Math.min(rangeMs, (windowKey && this.windowSizes.get(windowKey)) || rangeMs);
    for (let startMs = fromMs; startMs < toMs; ) {
      const endMs = Math.min(startMs + sizeMs, toMs);
      // The caller's own strings at the range edges keep their full (e.g. microsecond) precision.
      const window = {
        from: startMs === fromMs ? from : new Date(startMs).toISOString(),
        to: endMs === toMs ? to : new Date(endMs).toISOString(),
      };
      const url = this.url(endpoint, [
        ...filters,
        { field: timeField, op: '>=', value: window.from },
        { field: timeField, op: '<', value: window.to },
      ]);
      const halfMs = Math.ceil((endMs - startMs) / 2);
      const tooLarge = await this.fetchWindow({ ...window, url }, decode, consume, halfMs >= this.minWindowMs, opts.signal, tally);
      if (tooLarge === undefined) {
        windows.push(window);
        startMs = endMs;
        if (windowKey !== undefined && sizeMs < rangeMs) this.windowSizes.set(windowKey, sizeMs);
        continue;
      }
      if (halfMs < this.minWindowMs) {
        throw new OpenF1WindowFloorError({ url, ...window, minWindowMs: this.minWindowMs, cause: tooLarge });
      }
      this.counters.bisections++;
      this.emit({ type: 'bisect', endpoint, ...window, windowMs: halfMs, error: tooLarge.message });
      sizeMs = halfMs;
    }
    return { requests: tally.requests, windows };
  }

  stats(): ClientStats {
    return { ...this.counters };
  }

  /**
   * One window, retried as usual; resolves with the error if the window looks too large
   * (`splittable` windows give up on 500/504/timeout after one retry, since a transient fault
   * usually clears on the first retry and an oversized query fails again).
   */
  private async fetchWindow<T>(
    window: TimeWindow & { url: string },
    decode: Decode<T>,
    consume: (window: TimeWindow & { url: string }, items: AsyncIterable<T>) => Promise<void>,
    splittable: boolean,
    signal: AbortSignal | undefined,
    tally: { requests: number },
  ): Promise<OpenF1Error | undefined> {
    let suspectFailures = 0;
    let gaveUp = false;
    const giveUp = (error: OpenF1Error) => (gaveUp = splittable && maybeTooLarge(error) && ++suspectFailures >= 2);
    try {
      await this.withRetries(
        window.url,
        signal,
        async () => {
          const response = await this.transport.open(window.url, signal, tally);
          try {
            await this.consumeWindow(window, response, decode, consume);
          } finally {
            await response?.release();
          }
        },
        giveUp,
      );
      return undefined;
    } catch (error) {
      if (error instanceof ConsumerFailure) throw error.error;
      if (gaveUp || (error instanceof OpenF1HttpError && error.status === 422)) return error as OpenF1Error;
      throw error;
    }
  }

  /** Runs `consume` over one response, telling the client's own stream errors from the consumer's. */
  private async consumeWindow<T>(
    window: TimeWindow & { url: string },
    response: OpenResponse | null,
    decode: Decode<T>,
    consume: (window: TimeWindow & { url: string }, items: AsyncIterable<T>) => Promise<void>,
  ): Promise<void> {
    let finished = false;
    let streamError: unknown;
    const rows = async function* (): AsyncGenerator<T> {
      try {
        if (response) yield* decode(window.url, response.chunks());
        finished = true;
      } catch (error) {
        streamError = error;
        throw error;
      }
    };
    try {
      await consume(window, rows());
    } catch (error) {
      if (streamError !== undefined && causedBy(error, streamError)) throw streamError;
      throw new ConsumerFailure(error);
    }
    if (!finished) {
      throw new ConsumerFailure(
        new OpenF1UsageError(`consume returned before reading every row of ${window.from} .. ${window.to} (GET ${window.url})`),
      );
    }
  }

  /** Runs `attempt` until it succeeds, retrying retryable OpenF1 errors with exponential backoff. */
  private async withRetries<T>(
    url: string,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T>,
    giveUp?: (error: OpenF1Error) => boolean,
  ): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (signal?.aborted || !(error instanceof OpenF1Error) || !error.retryable) throw error;
        if (giveUp?.(error) || n >= this.maxAttempts) throw error;
        const delayMs = this.backoffMs(n);
        this.counters.retries++;
        this.emit({ type: 'retry', url, attempt: n, delayMs, errorType: error.type, error: error.message });
        await this.sleep(delayMs, signal);
      }
    }
  }

  /** Exponential backoff with "equal jitter": 50-100 % of base * 2^(n-1), capped. */
  private backoffMs(n: number): number {
    const nominal = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** (n - 1));
    return Math.round(nominal * (0.5 + Math.random() / 2));
  }
}

function tokenUrlOf(base: URL): string {
  return `${base.origin}${base.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}/token`;
}

function parseInstant(text: string): number {
  const ms = ISO_INSTANT.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new OpenF1UsageError(`not an ISO instant with an offset: ${JSON.stringify(text)}`);
  return ms;
}
