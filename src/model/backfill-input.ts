import { z } from 'zod';
import type { Filter } from '../openf1/filters.js';

/** The first season the bundled OpenF1 data (and the public API's car_data) covers. */
export const FIRST_SEASON = 2023;

/**
 * Telemetry filters a backfill may apply, as OpenF1 filter operators on car_data fields.
 * Adding one is a line here; everything downstream works from the generated Filter list.
 */
const FILTER_FIELDS = {
  speedGte: { field: 'speed', op: '>=', max: 400 },
  speedLte: { field: 'speed', op: '<=', max: 400 },
  rpmGte: { field: 'rpm', op: '>=', max: 20_000 },
  rpmLte: { field: 'rpm', op: '<=', max: 20_000 },
  throttleGte: { field: 'throttle', op: '>=', max: 100 },
  throttleLte: { field: 'throttle', op: '<=', max: 100 },
  nGearGte: { field: 'n_gear', op: '>=', max: 8 },
  nGearLte: { field: 'n_gear', op: '<=', max: 8 },
} as const satisfies Record<string, { field: string; op: Filter['op']; max: number }>;

type FilterName = keyof typeof FILTER_FIELDS;

const TelemetryFiltersSchema = z
  .object(
    Object.fromEntries(
      Object.entries(FILTER_FIELDS).map(([name, f]) => [name, z.number().int().min(0).max(f.max).optional()]),
    ) as Record<FilterName, z.ZodOptional<z.ZodNumber>>,
  )
  .strict();

export const BackfillInputSchema = z
  .object({
    season: z
      .number()
      .int()
      .refine((s) => s >= FIRST_SEASON, { message: `is before the first season with data, ${FIRST_SEASON}` })
      .refine((s) => s <= 2100, { message: 'is not a plausible season' }),
    /** Championship round numbers (1 = first Grand Prix). Default: every round. */
    rounds: z.array(z.number().int().min(1).max(30)).min(1).optional(),
    /** Session names as OpenF1 spells them, e.g. "Race", "Qualifying", "Practice 1". Default: all. */
    sessionNames: z.array(z.string().min(1)).min(1).optional(),
    /** Car numbers. Default: every driver of each session. */
    drivers: z.array(z.number().int().min(1).max(99)).min(1).optional(),
    filters: TelemetryFiltersSchema.optional(),
    /** Pre-season testing is not a championship round; it is ingested only when asked for. Default false. */
    includeTesting: z.boolean().default(false),
    /** Rounds ingested at once. Default 2. */
    maxConcurrentRounds: z.number().int().min(1).max(24).default(2),
    /** (session, driver) units ingested at once per round. Default 8. */
    maxConcurrentUnits: z.number().int().min(1).max(200).default(8),
    /** Report units, expected rows and requests and the ETA under the rate limit; fetch and write nothing. Default false. */
    dryRun: z.boolean().default(false),
  })
  .strict();

export type BackfillInput = z.input<typeof BackfillInputSchema>;
export type BackfillSpec = z.output<typeof BackfillInputSchema>;

/** Every problem with an input, one line per field: what was given and what is allowed. */
export function describeInputIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(input)';
    const given = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
    return `${field}: ${given === undefined ? '' : `${JSON.stringify(given)} `}${issue.message}`;
  });
}

/** OpenF1 filters for the telemetry filter object, in a stable order. */
export function toOpenF1Filters(filters: BackfillSpec['filters']): Filter[] {
  if (!filters) return [];
  return (Object.keys(FILTER_FIELDS) as FilterName[])
    .filter((name) => filters[name] !== undefined)
    .map((name) => ({ field: FILTER_FIELDS[name].field, op: FILTER_FIELDS[name].op, value: filters[name] as number }));
}

/**
 * Input of the scheduled `incrementalIngest`: the backfill's scope, minus what only makes sense
 * once. `since` seeds the watermark of the very first run (default: the start of the season).
 */
export const IncrementalInputSchema = BackfillInputSchema.omit({ maxConcurrentRounds: true, dryRun: true })
  .extend({ since: z.iso.datetime({ offset: true }).optional() })
  .strict();
export type IncrementalInput = z.input<typeof IncrementalInputSchema>;
