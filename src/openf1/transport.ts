/**
 * One OpenF1 GET, from rate limiter to response body chunks.
 *
 * Handles what never costs a retry attempt: waiting for the rate limiter, 429 (wait for
 * Retry-After, bounded), one token refresh on 401. Turns everything else into either a body to
 * stream, `null` (OpenF1's ways of saying "no data"), or a classified error. Retrying is the
 * caller's business.
 */
import type { TokenProvider } from './auth.js';
import { OpenF1HttpError, OpenF1TransportError, describeFailure } from './errors.js';
import type { ClientEvent } from './events.js';
import type { RateLimiter } from './rate-limiter.js';

/** Error bodies are only read this far: enough for OpenF1's `{"detail": ...}`, bounded for HTML stack traces. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_DETAIL_CHARS = 200;

export interface TransportOptions {
  fetchImpl: typeof fetch;
  limiter: RateLimiter | undefined;
  auth: TokenProvider | undefined;
  /** Limit on the wait for response headers and on each wait for the next body chunk. */
  timeoutMs: number;
  /** Bound on the total 429 wait within one `open` call. */
  maxThrottleWaitMs: number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Delay before the n-th (1-based) repetition, for a 429 without Retry-After. */
  backoffMs: (n: number) => number;
  emit: (event: ClientEvent) => void;
  counters: { requests: number; throttled: number };
}

/** OpenF1 reports an empty result as `{"detail": "No results found."}` (with 404, 422 or even 200). */
export function isNoResultsDetail(detail: string | undefined): boolean {
  return detail !== undefined && /no results/i.test(detail);
}

/** The `detail` of a FastAPI-style JSON error body, if the text is one. */
export function detailOf(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null || !('detail' in body)) return undefined;
    const detail = body.detail;
    return (typeof detail === 'string' ? detail : JSON.stringify(detail)).slice(0, MAX_DETAIL_CHARS);
  } catch {
    return undefined;
  }
}

/** Retry-After as a delay: delta-seconds or an HTTP-date. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A request in flight: its abort controller (linked to the caller's signal) and its inactivity timer. */
class Exchange {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private readonly unlink: () => void;

  constructor(
    readonly url: string,
    private readonly signal: AbortSignal | undefined,
    private readonly timeoutMs: number,
    private readonly redact: (text: string) => string,
  ) {
    const onAbort = () => this.controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.unlink = () => signal?.removeEventListener('abort', onAbort);
  }

  /**
   * Runs one network wait under the inactivity timeout, classifying its failure. The abort (the
   * caller's or the timeout's) ends the wait itself: undici 6 leaves a body read pending forever
   * when the abort comes after the whole body arrived but before the reader saw its end
   * (nodejs/undici#4089), and a cancelled fetch then never finished.
   */
  async timed<T>(wait: () => Promise<T>): Promise<T> {
    const { signal } = this.controller;
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.timeoutMs);
    try {
      return await Promise.race([wait(), aborted]);
    } catch (error) {
      throw this.classify(error);
    } finally {
      clearTimeout(this.timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  finish(): void {
    clearTimeout(this.timer);
    this.unlink();
  }

  private classify(error: unknown): unknown {
    // The caller's own abort propagates as is: it must not be retried.
    if (this.signal?.aborted) return this.signal.reason;
    if (this.timedOut) {
      return new OpenF1TransportError({ url: this.url, failure: 'timeout', message: `no data for ${this.timeoutMs} ms` });
    }
    return new OpenF1TransportError({
      url: this.url,
      failure: 'network',
      message: this.redact(describeFailure(error)),
      cause: error,
    });
  }
}

/** A 2xx response whose body has not been read yet. */
export class OpenResponse {
  private released = false;

  constructor(
    private readonly response: Response,
    private readonly exchange: Exchange,
  ) {}

  /** The body, chunk by chunk; each wait for a chunk is under the inactivity timeout. */
  async *chunks(): AsyncGenerator<Uint8Array> {
    const body = this.response.body;
    if (body === null) return;
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await this.exchange.timed(() => reader.read());
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
      await this.release();
    }
  }

  /** Frees the connection; idempotent, and needed when the body is abandoned unread. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.exchange.finish();
    await this.response.body?.cancel().catch(() => undefined);
  }
}

export class Transport {
  constructor(private readonly opts: TransportOptions) {}

  /**
   * Sends `GET url`. Resolves with the response to stream, or `null` when OpenF1 says there is no
   * data (404, or 422 with a "no results" detail). `tally.requests` counts the requests sent.
   */
  async open(url: string, signal: AbortSignal | undefined, tally = { requests: 0 }): Promise<OpenResponse | null> {
    const { opts } = this;
    let throttledMs = 0;
    let throttles = 0;
    let reauthorized = false;
    for (;;) {
      // Token first: its own request takes a rate-limit slot, and the slot taken below must be
      // the one this request is actually sent in.
      const token = await opts.auth?.token();
      await opts.limiter?.take(signal);
      // Checked after the waits, not before: the request's Exchange only hears aborts that come later.
      signal?.throwIfAborted();
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;

      const exchange = new Exchange(url, signal, opts.timeoutMs, this.redact);
      opts.counters.requests++;
      tally.requests++;
      opts.emit({ type: 'request', url });
      const startedAt = opts.now();
      let response: Response;
      let errorBody: string;
      try {
        response = await exchange.timed(() => opts.fetchImpl(url, { headers, signal: exchange.controller.signal }));
        opts.emit({ type: 'response', url, status: response.status, durationMs: opts.now() - startedAt });
        if (response.ok) return new OpenResponse(response, exchange);
        errorBody = await exchange.timed(() => readPrefix(response, MAX_ERROR_BODY_BYTES));
      } catch (error) {
        exchange.finish();
        throw error;
      }
      exchange.finish();

      const rawDetail = detailOf(errorBody);
      const { status } = response;
      if (status === 404 || (status === 422 && isNoResultsDetail(rawDetail))) return null;
      const detail = rawDetail === undefined ? undefined : this.redact(rawDetail);
      if (status === 429) {
        throttles++;
        opts.counters.throttled++;
        const waitMs = retryAfterMs(response.headers.get('retry-after'), opts.now()) ?? opts.backoffMs(throttles);
        if (throttledMs + waitMs > opts.maxThrottleWaitMs) throw new OpenF1HttpError({ url, status, retryable: true, detail });
        throttledMs += waitMs;
        opts.emit({ type: 'throttled', url, waitMs });
        await opts.sleep(waitMs, signal);
        continue;
      }
      if (status === 401 && token !== undefined && !reauthorized) {
        opts.auth?.invalidate(token);
        reauthorized = true;
        continue;
      }
      throw new OpenF1HttpError({ url, status, retryable: status >= 500 || status === 408, detail });
    }
  }

  private readonly redact = (text: string): string => this.opts.auth?.redact(text) ?? text;
}

/** The first `limit` bytes of a body as text; the rest is discarded. */
async function readPrefix(response: Response, limit: number): Promise<string> {
  if (response.body === null) return '';
  const parts: Buffer[] = [];
  let size = 0;
  const reader = response.body.getReader();
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}
