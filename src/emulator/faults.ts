/**
 * Fault injection. Every decision is a pure function of the fault seed and a request counter (or of
 * the row identity for malformed rows), so a given sequence of requests meets the same faults on
 * every run; replacing the configuration restarts the sequence.
 */
import { z } from 'zod';
import { counterHash, hashInts, unitInterval } from './prng.js';

const SessionKeys = z.array(z.number().int());

/** Flat JSON so it maps 1:1 onto CLI flags and the `POST /admin/faults` body. */
export const FaultConfigSchema = z.strictObject({
  /** Seed of the fault sequence. Default 1. */
  seed: z.number().int().optional(),
  /**
   * Fixed-window rate limit, like OpenF1's `30/10seconds` (slowapi fixed window): requests beyond
   * `requests` within `perMs` of the window's first request get 429 with `Retry-After` (seconds).
   */
  rateLimit: z.strictObject({ requests: z.number().int().positive(), perMs: z.number().int().positive() }).optional(),
  /** Fraction of `/v1` requests answered with a 5xx picked from `errorStatuses`. */
  errorRate: z.number().min(0).max(1).optional(),
  /** Default [500, 502, 503]. */
  errorStatuses: z
    .array(z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]))
    .min(1)
    .optional(),
  /** Delay added before answering every `/v1` request. */
  latencyMs: z.number().int().nonnegative().optional(),
  /** Fraction of successful car_data responses cut off mid-body (socket destroyed). */
  truncateRate: z.number().min(0).max(1).optional(),
  /** car_data for these sessions is withheld: `status` with `{"detail": "No results found."}`. */
  noDataSessions: z.strictObject({ status: z.union([z.literal(404), z.literal(422)]), sessionKeys: SessionKeys }).optional(),
  /**
   * Fraction `rate` of car_data rows (only in `sessionKeys` when given) carry a schema-breaking
   * value: either `"speed":"fast"` or no `date` key.
   */
  malformed: z.strictObject({ rate: z.number().min(0).max(1), sessionKeys: SessionKeys.optional() }).optional(),
});

export type FaultConfig = z.input<typeof FaultConfigSchema>;
type ParsedFaultConfig = z.output<typeof FaultConfigSchema>;

const DEFAULT_ERROR_STATUSES = [500, 502, 503] as const;

const enum Salt {
  Error = 1,
  ErrorStatus,
  Truncate,
  Malformed,
}

/** How a car_data row breaks the schema. */
export type Malformation = 'none' | 'speed-not-a-number' | 'missing-date';

export interface RequestFaults {
  readonly latencyMs: number;
  /** Set when this request is over the rate limit. */
  readonly rateLimited?: { readonly retryAfterSeconds: number; readonly limit: string };
  /** Set when this request must fail with this 5xx. */
  readonly errorStatus?: number;
  /** Whether a successful car_data response must be cut off. */
  readonly truncate: boolean;
}

export class FaultInjector {
  private config: ParsedFaultConfig = {};
  private seed = 1;
  private requestNumber = 0;
  private windowStart = -Infinity;
  private windowCount = 0;
  private noData: ReadonlySet<number> = new Set();
  private malformedSessions: ReadonlySet<number> | undefined;

  constructor(config: FaultConfig = {}) {
    this.set(config);
  }

  /** Replaces the configuration (validated; throws a ZodError) and restarts the fault sequence. */
  set(config: FaultConfig): ParsedFaultConfig {
    this.config = FaultConfigSchema.parse(config);
    this.seed = this.config.seed ?? 1;
    this.requestNumber = 0;
    this.windowStart = -Infinity;
    this.windowCount = 0;
    this.noData = new Set(this.config.noDataSessions?.sessionKeys ?? []);
    const malformedKeys = this.config.malformed?.sessionKeys;
    this.malformedSessions = malformedKeys && new Set(malformedKeys);
    return this.config;
  }

  /** Draws the faults of the next `/v1` request. */
  nextRequest(nowMs: number): RequestFaults {
    const n = this.requestNumber++;
    const draw = (salt: Salt): number => unitInterval(hashInts(this.seed, n, salt));
    const { errorRate = 0, truncateRate = 0, latencyMs = 0 } = this.config;
    const statuses = this.config.errorStatuses ?? DEFAULT_ERROR_STATUSES;
    return {
      latencyMs,
      rateLimited: this.countAgainstRateLimit(nowMs),
      errorStatus:
        draw(Salt.Error) < errorRate ? statuses[hashInts(this.seed, n, Salt.ErrorStatus) % statuses.length] : undefined,
      truncate: draw(Salt.Truncate) < truncateRate,
    };
  }

  private countAgainstRateLimit(nowMs: number): RequestFaults['rateLimited'] {
    const limit = this.config.rateLimit;
    if (!limit) return undefined;
    if (nowMs >= this.windowStart + limit.perMs) {
      this.windowStart = nowMs;
      this.windowCount = 0;
    }
    if (++this.windowCount <= limit.requests) return undefined;
    return {
      retryAfterSeconds: Math.max(1, Math.ceil((this.windowStart + limit.perMs - nowMs) / 1000)),
      limit: `${limit.requests} per ${limit.perMs / 1000} second`,
    };
  }

  get noDataSessions(): ReadonlySet<number> {
    return this.noData;
  }

  get noDataStatus(): 404 | 422 {
    return this.config.noDataSessions?.status ?? 404;
  }

  /** Key for {@link malformation} on one driver's rows, or undefined when none of them is malformed. */
  malformationKey(sessionKey: number, driverNumber: number): number | undefined {
    const rate = this.config.malformed?.rate ?? 0;
    if (rate === 0 || (this.malformedSessions && !this.malformedSessions.has(sessionKey))) return undefined;
    return hashInts(this.seed, sessionKey, driverNumber, Salt.Malformed);
  }

  malformation(key: number, sampleIndex: number): Malformation {
    const h = counterHash(key, sampleIndex);
    if (unitInterval(h) >= (this.config.malformed?.rate ?? 0)) return 'none';
    return (h & 1) === 0 ? 'speed-not-a-number' : 'missing-date';
  }
}
