/**
 * Query-string parsing with the semantics of OpenF1's `query_api/query_params.py`:
 * - the raw query string is split like Starlette does (`&`, first `=`, `+` is a space, percent
 *   decoding, blank values kept), so `speed>=315` arrives as key `speed>` + value `315` and is
 *   re-joined to the filter string `speed>=315`; a key with an empty value is the filter on its own
 *   (`date<2023-01-01` has no `=` at all);
 * - `" hh:mm"` at the end of a filter mentioning "date" gets its first space turned back into `+`
 *   (an unencoded timezone offset);
 * - the first operator of `>=`, `<=`, `=`, `>`, `<` found anywhere in the filter splits it; no
 *   operator raises `ValueError` (-> 500 via the reference's catch-all handler);
 * - the field is lower-cased; the value is typed by {@link castValue} except for `gmt_offset` and
 *   `team_colour` (compared as given, before lower-casing, as the reference does);
 * - a date without time info is widened to the whole day (`_adjust_time_param`);
 * - `latest` for `meeting_key` / `session_key` is replaced by the latest session's keys.
 */
import { OpenF1Exception } from './errors.js';
import { castValue, DAY_MS, parseDate, type FilterValue } from './value-cast.js';

export type Operator = '>=' | '<=' | '=' | '>' | '<';

// The reference iterates its operator table in this order and takes the first one contained in the filter.
const OPERATORS: readonly Operator[] = ['>=', '<=', '=', '>', '<'];
const UNCAST_FIELDS = new Set(['gmt_offset', 'team_colour']);
const UNENCODED_TZ = / \d{2}:\d{2}$/;

export interface QueryParam {
  readonly field: string;
  readonly op: Operator;
  readonly value: FilterValue;
}

/** Filters grouped by field, in first-seen order. */
export type ParsedQuery = Map<string, QueryParam[]>;

export interface LatestKeys {
  readonly meetingKey: number;
  readonly sessionKey: number;
}

/** `resolveLatest` is only called when a filter uses `latest`, as the reference only looks it up then. */
export function parseQueryParams(rawQuery: string, resolveLatest: () => LatestKeys): ParsedQuery {
  const parsed: ParsedQuery = new Map();
  for (const filter of splitFilters(rawQuery)) {
    for (const param of filterToParams(filter)) {
      const resolved = replaceLatest(param, resolveLatest);
      const list = parsed.get(resolved.field);
      if (list) list.push(resolved);
      else parsed.set(resolved.field, [resolved]);
    }
  }
  return parsed;
}

function splitFilters(rawQuery: string): string[] {
  const valuesByKey = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    const values = valuesByKey.get(key);
    if (values) values.push(value);
    else valuesByKey.set(key, [value]);
  }
  const filters: string[] = [];
  for (const [key, values] of valuesByKey) {
    for (const value of values) {
      let filter = value ? `${key}=${value}` : key;
      if (filter.includes('date') && UNENCODED_TZ.test(filter)) filter = filter.replace(' ', '+');
      filters.push(filter);
    }
  }
  return filters;
}

function filterToParams(filter: string): QueryParam[] {
  for (const op of OPERATORS) {
    const at = filter.indexOf(op);
    if (at < 0) continue;
    const rawField = filter.slice(0, at);
    const rawValue = filter.slice(at + op.length);
    const value: FilterValue = UNCAST_FIELDS.has(rawField)
      ? { kind: 'string', value: rawValue }
      : castValue(rawValue);
    const param: QueryParam = { field: rawField.toLowerCase(), op, value };
    if (value.kind === 'date' && !parseDate(rawValue)?.hasTime) return widenToWholeDay(param, value.value);
    return [param];
  }
  throw new OpenF1Exception('ValueError', `No valid operator found in \`${filter}\`.`);
}

function widenToWholeDay(param: QueryParam, dayStart: number): QueryParam[] {
  const at = (op: Operator, value: number): QueryParam => ({
    field: param.field,
    op,
    value: { kind: 'date', value },
  });
  switch (param.op) {
    case '>':
      return [at('>=', dayStart + DAY_MS)];
    case '<':
      return [param];
    case '>=':
      return [at('>=', dayStart)];
    case '<=':
      return [at('<', dayStart + DAY_MS)];
    case '=':
      return [at('>=', dayStart), at('<', dayStart + DAY_MS)];
  }
}

function replaceLatest(param: QueryParam, resolveLatest: () => LatestKeys): QueryParam {
  if (param.value.kind !== 'string' || param.value.value !== 'latest') return param;
  if (param.field === 'meeting_key') {
    return { ...param, value: { kind: 'number', value: resolveLatest().meetingKey } };
  }
  if (param.field === 'session_key') {
    return { ...param, value: { kind: 'number', value: resolveLatest().sessionKey } };
  }
  return param;
}
