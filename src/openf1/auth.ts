/**
 * OAuth2 password-grant tokens for OpenF1's authenticated tier: `POST {origin}/token` with the
 * form-encoded username and password, answered with `{ access_token, expires_in, token_type }`
 * (`expires_in` in seconds, sent as a string by the real server).
 *
 * The password and tokens never leave this module except in the Authorization header; `redact`
 * scrubs them from any server-provided text before it reaches an error message or event.
 */
import { z } from 'zod';
import { OpenF1AuthError, OpenF1TransportError, describeFailure } from './errors.js';

const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]),
  token_type: z.string().regex(/^bearer$/i),
});

export interface Credentials {
  username: string;
  password: string;
}

export interface TokenProviderOptions {
  tokenUrl: string;
  credentials: Credentials;
  /** Used for the token request (the client passes its rate-limited fetch). */
  fetchImpl: typeof fetch;
  now: () => number;
  /** The token request is aborted after this long. */
  timeoutMs: number;
  /**
   * Refresh this long before the token expires, but never later than half-way through its
   * lifetime (so a short-lived token is not refreshed on every request). Default 300_000 (5 min).
   */
  refreshMarginMs?: number;
  /** Called after each successful token request (never with the token itself). */
  onToken?: (expiresInMs: number) => void;
}

/** How many recently issued tokens `redact` remembers (the server only ever sees the current one). */
const REMEMBERED_TOKENS = 3;

export class TokenProvider {
  private current: { token: string; refreshAt: number } | undefined;
  /** Concurrent callers share one token request. */
  private inflight: Promise<string> | undefined;
  private readonly recentTokens: string[] = [];

  constructor(private readonly opts: TokenProviderOptions) {}

  /** A token that is valid for a while yet, fetching a new one when due. */
  async token(): Promise<string> {
    if (this.current && this.opts.now() < this.current.refreshAt) return this.current.token;
    this.inflight ??= this.requestToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Forgets `token` after the API rejected it (401), so the next `token()` fetches a new one. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  /** `text` with the password and recent tokens replaced by `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.opts.credentials.password, ...this.recentTokens]) {
      if (secret) out = out.split(secret).join('[redacted]');
    }
    return out;
  }

  private async requestToken(): Promise<string> {
    const { tokenUrl, credentials, timeoutMs } = this.opts;
    const requestedAt = this.opts.now();
    let res: Response;
    try {
      res = await this.opts.fetchImpl(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ username: credentials.username, password: credentials.password }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new OpenF1TransportError({
        url: tokenUrl,
        method: 'POST',
        failure: timedOut ? 'timeout' : 'network',
        message: `token request failed: ${this.redact(describeFailure(error))}`,
        cause: error,
      });
    }
    if (!res.ok) {
      await res.body?.cancel();
      // The body is not quoted: a token endpoint may echo the submitted form.
      throw new OpenF1AuthError({
        url: tokenUrl,
        status: res.status,
        retryable: res.status >= 500 || res.status === 429 || res.status === 408,
        message: `token request failed with HTTP ${res.status}`,
      });
    }
    const parsed = TokenResponseSchema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      // Only field names are reported: the values may include the token.
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))].join(', ');
      throw new OpenF1AuthError({ url: tokenUrl, retryable: false, message: `token response is invalid (${fields})` });
    }
    const { access_token: token, expires_in: expiresInS } = parsed.data;
    const lifetimeMs = expiresInS * 1000;
    const refreshMarginMs = this.opts.refreshMarginMs ?? 300_000;
    this.current = { token, refreshAt: requestedAt + Math.max(lifetimeMs - refreshMarginMs, lifetimeMs / 2) };
    this.recentTokens.unshift(token);
    this.recentTokens.length = Math.min(this.recentTokens.length, REMEMBERED_TOKENS);
    this.opts.onToken?.(lifetimeMs);
    return token;
  }
}
