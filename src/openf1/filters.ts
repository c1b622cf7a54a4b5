/**
 * OpenF1 query filters and their query-string form.
 *
 * OpenF1 does not use ordinary `key=value` pairs: the operator is written into the query
 * (`speed>=315`, `date<2023-09-15T13:08:19`). The server lets its framework split the query on
 * `&` and on the first `=`, percent-decodes both halves, glues them back together as
 * `key=value` (or just `key` when there was no `=`) and then looks for the first operator in
 * the order `>=`, `<=`, `=`, `>`, `<`. Consequences for the client:
 *  - operators may be sent as-is (and are kept readable here);
 *  - a value may be percent-encoded (the server decodes it before re-gluing), so characters that
 *    would otherwise change the split (`&`, `#`, `%`, `+` which decodes to a space, spaces,
 *    non-ASCII) are encoded;
 *  - a string value containing `<`, `>` or `=` would be re-parsed as a different filter whatever
 *    the encoding, so such values are rejected instead of silently querying something else.
 */
import { z } from 'zod';
import { OpenF1UsageError } from './errors.js';

export const FILTER_OPS = ['=', '>=', '<=', '>', '<'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export const FilterSchema = z.object({
  // Digits are allowed after the first letter: real fields include `i1_speed` and `duration_sector_1`.
  field: z.string().regex(/^[a-z][a-z0-9_]*$/),
  op: z.enum(FILTER_OPS),
  value: z.union([
    z.string().min(1).regex(/^[^<>=]*$/, 'must not contain <, > or = (OpenF1 would parse it as another filter)'),
    z.number().refine(Number.isFinite, 'must be a finite number'),
  ]),
});
export type Filter = z.infer<typeof FilterSchema>;

// Everything outside RFC 3986 "unreserved" plus `:` (kept so ISO dates stay readable) is encoded.
const NEEDS_ENCODING = /[^A-Za-z0-9\-._~:]/gu;

function encodeTerm(filter: Filter): string {
  const parsed = FilterSchema.safeParse(filter);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OpenF1UsageError(`invalid filter ${JSON.stringify(filter)}: ${issue?.path.join('.')} ${issue?.message}`);
  }
  const { field, op, value } = parsed.data;
  return `${field}${op}${String(value).replace(NEEDS_ENCODING, encodeURIComponent)}`;
}

/** The query string OpenF1 expects, e.g. `session_key=9159&speed>=315&date<2023-09-15T13:08:19%2B00:00`. */
export function toQueryString(filters: Filter[]): string {
  return filters.map(encodeTerm).join('&');
}

/**
 * A stable, human-readable key for a set of filters (order and duplicates do not matter; a
 * number and its decimal string are the same filter, as on the server): the sorted, de-duplicated
 * query string. `''` for no filters.
 */
export function canonicalFilterKey(filters: Filter[]): string {
  return [...new Set(filters.map(encodeTerm))].sort().join('&');
}
