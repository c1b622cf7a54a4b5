/**
 * Typing of query-string values, mirroring OpenF1's `openf1/util/type_casting.py` (`_cast`):
 * boolean first ("true"/"false", any case), then int, then float, then date, else the raw string.
 *
 * Dates: the reference uses `dateutil.parser.parse`, which accepts almost anything. This module
 * accepts the forms a client realistically sends (documented in OpenF1's "Time-Based Filtering"):
 * ISO 8601 (`2023-09-16`, `2023-09-16T13:03:35`, fractional seconds, `Z`/`UTC`/`GMT`/`±hh[:mm]`),
 * `/` instead of `-`, a space instead of `T`, and the US numeric forms `09/16/2023` / `09-16-2023`.
 * Other strings stay strings (so they only ever match string fields).
 */

/** A typed filter value. Dates are epoch milliseconds (MongoDB/BSON dates have millisecond precision). */
export type FilterValue =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'date'; readonly value: number };

export interface ParsedDate {
  readonly ms: number;
  /** Mirrors the reference's `_has_time_info`: false for a bare date, which widens to the whole day. */
  readonly hasTime: boolean;
}

export const DAY_MS = 86_400_000;

// Python's int()/float() accept surrounding whitespace, a sign and `_` between digits.
const PY_INT = /^\s*[+-]?\d(?:_?\d)*\s*$/;
const PY_FLOAT =
  /^\s*[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf|infinity|nan)\s*$/i;

const TIME_AND_ZONE = String.raw`(?:[T ](\d{1,2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?`;
const YEAR_FIRST = new RegExp(String.raw`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})${TIME_AND_ZONE}$`, 'i');
const MONTH_FIRST = new RegExp(String.raw`^(\d{1,2})[-/](\d{1,2})[-/](\d{4})${TIME_AND_ZONE}$`, 'i');

export function castValue(raw: string): FilterValue {
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === 'false') return { kind: 'bool', value: lower === 'true' };
  if (PY_INT.test(raw)) return { kind: 'number', value: Number(raw.replace(/_/g, '')) };
  if (PY_FLOAT.test(raw)) return { kind: 'number', value: parsePythonFloat(raw) };
  const date = parseDate(raw);
  if (date) return { kind: 'date', value: date.ms };
  return { kind: 'string', value: raw };
}

function parsePythonFloat(raw: string): number {
  const s = raw.trim().replace(/_/g, '').toLowerCase();
  const sign = s.startsWith('-') ? -1 : 1;
  const unsigned = s.replace(/^[+-]/, '');
  if (unsigned === 'nan') return NaN;
  if (unsigned === 'inf' || unsigned === 'infinity') return sign * Infinity;
  return Number(s);
}

export function parseDate(raw: string): ParsedDate | undefined {
  const s = raw.trim();
  const ymd = YEAR_FIRST.exec(s);
  if (ymd) return buildDate(ymd[1], ymd[2], ymd[3], ymd.slice(4));
  const mdy = MONTH_FIRST.exec(s);
  if (mdy) return buildDate(mdy[3], mdy[1], mdy[2], mdy.slice(4));
  return undefined;
}

function buildDate(
  year: string,
  month: string,
  day: string,
  [hour, minute, second, fraction, zone]: (string | undefined)[],
): ParsedDate | undefined {
  const [y, mo, d] = [Number(year), Number(month), Number(day)];
  const [h, mi, sec] = [Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0)];
  // pymongo stores datetimes with millisecond precision, truncating the microseconds.
  const ms = Number((fraction ?? '').slice(0, 3).padEnd(3, '0'));
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59) return undefined;
  const local = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  if (new Date(local).getUTCDate() !== d) return undefined; // e.g. 2023-02-30
  return { ms: local - zoneOffsetMs(zone), hasTime: hour !== undefined };
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || /^(z|utc|gmt)$/i.test(zone)) return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return (zone.startsWith('-') ? -minutes : minutes) * 60_000;
}
