/**
 * Events the client reports for metrics and logs. URLs are the same as in errors (no
 * credentials); `error` texts are the client's own error messages, already redacted.
 */
export type ClientEvent =
  /** An API request is about to be sent (every attempt, after the rate limiter let it through). */
  | { type: 'request'; url: string }
  /** Response headers arrived. */
  | { type: 'response'; url: string; status: number; durationMs: number }
  /** A retryable failure; the same request is sent again after `delayMs`. */
  | { type: 'retry'; url: string; attempt: number; delayMs: number; errorType: string; error: string }
  /** HTTP 429; the request is repeated after `waitMs` without using up an attempt. */
  | { type: 'throttled'; url: string; waitMs: number }
  /** A time window was too large and is split; `windowMs` is the new window size. */
  | { type: 'bisect'; endpoint: string; from: string; to: string; windowMs: number; error: string }
  /** A new OAuth2 token was obtained (the token itself is never reported). */
  | { type: 'token'; url: string; expiresInMs: number };
