/**
 * Matching of one field's filters, mirroring OpenF1's `util/db.py` (`_generate_query_predicate`)
 * and MongoDB comparison semantics:
 * - duplicate (operator, value) filters collapse;
 * - equality filters are OR-ed; lower bounds (`>`, `>=`) are greedily paired with the closest upper
 *   bound (`<`, `<=`) not below them, each pair being an AND (an interval); the field matches when
 *   any equality, any unpaired inequality or any interval matches
 *   (so `date>=A&date<B` is the interval [A, B), and `position=1&position=3` is 1 OR 3);
 * - pairing compares filter values the Python way: values of incomparable types (a number and a
 *   string, a date and a number) raise `TypeError` (-> 500 in the reference);
 * - MongoDB only compares values of the same type bracket: a filter value of another type than the
 *   field's (e.g. `speed=fast`, or `true` on a number) never matches, and null/missing fields never match.
 */
import { OpenF1Exception } from './errors.js';
import type { Operator, QueryParam } from './query-params.js';
import type { FilterValue } from './value-cast.js';

/** The type of a stored field; date fields hold epoch milliseconds. */
export type FieldKind = FilterValue['kind'];
export type Scalar = number | string | boolean;
export type Matcher = (fieldValue: Scalar) => boolean;

interface FieldPredicates {
  readonly equalities: readonly QueryParam[];
  readonly unbounded: readonly QueryParam[];
  readonly intervals: readonly (readonly [QueryParam, QueryParam])[];
}

const isLowerBound = (p: QueryParam): boolean => p.op === '>' || p.op === '>=';
const isUpperBound = (p: QueryParam): boolean => p.op === '<' || p.op === '<=';

export function compileFieldMatcher(params: readonly QueryParam[], fieldKind: FieldKind): Matcher {
  const groups = groupPredicates(params);
  const ofKind = (p: QueryParam): boolean => p.value.kind === fieldKind;
  const single = [...groups.equalities, ...groups.unbounded].filter(ofKind).map(toTest);
  const intervals = groups.intervals
    .filter(([lo, hi]) => ofKind(lo) && ofKind(hi))
    .map(([lo, hi]) => [toTest(lo), toTest(hi)] as const);
  if (single.length === 0 && intervals.length === 0) return () => false;
  return (x) => single.some((test) => test(x)) || intervals.some(([lo, hi]) => lo(x) && hi(x));
}

/**
 * Smallest closed range [lo, hi] containing every date value the filters can match (lo/hi may be
 * infinite), or undefined when no date can match. Used to bound the telemetry samples to scan.
 */
export function dateHull(params: readonly QueryParam[]): { lo: number; hi: number } | undefined {
  const groups = groupPredicates(params);
  const isDate = (p: QueryParam): boolean => p.value.kind === 'date';
  const ranges: [number, number][] = [];
  for (const p of [...groups.equalities, ...groups.unbounded].filter(isDate)) {
    const v = p.value.value as number;
    ranges.push(p.op === '=' ? [v, v] : isLowerBound(p) ? [v, Infinity] : [-Infinity, v]);
  }
  for (const [lo, hi] of groups.intervals) {
    if (isDate(lo) && isDate(hi)) ranges.push([lo.value.value as number, hi.value.value as number]);
  }
  if (ranges.length === 0) return undefined;
  return { lo: Math.min(...ranges.map((r) => r[0])), hi: Math.max(...ranges.map((r) => r[1])) };
}

function groupPredicates(params: readonly QueryParam[]): FieldPredicates {
  const seen = new Set<string>();
  const unique = params.filter((p) => {
    const key = `${p.op}\u0000${p.value.kind}\u0000${String(p.value.value)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const equalities = unique.filter((p) => p.op === '=');
  // Sorted descending and consumed from the end, i.e. smallest lower bound first, as the reference does.
  const lowers = unique.filter(isLowerBound).sort((a, b) => pythonCompare(b.value, a.value));
  const uppers = unique.filter(isUpperBound).sort((a, b) => pythonCompare(b.value, a.value));
  const intervals: [QueryParam, QueryParam][] = [];
  while (lowers.length > 0 && uppers.length > 0) {
    const lower = lowers.pop() as QueryParam;
    let match = -1;
    for (let i = uppers.length - 1; i >= 0; i--) {
      if (pythonCompare(lower.value, uppers[i].value) <= 0) {
        match = i;
        break;
      }
    }
    if (match < 0) break;
    intervals.push([lower, uppers.splice(match, 1)[0]]);
  }
  const paired = new Set(intervals.flat());
  const unbounded = unique.filter((p) => p.op !== '=' && !paired.has(p));
  return { equalities, unbounded, intervals };
}

function toTest(p: QueryParam): Matcher {
  return compare[p.op](p.value.value);
}

const compare: Record<Operator, (v: Scalar) => Matcher> = {
  '=': (v) => (x) => x === v,
  '>': (v) => (x) => x > v,
  '>=': (v) => (x) => x >= v,
  '<': (v) => (x) => x < v,
  '<=': (v) => (x) => x <= v,
};

const PYTHON_TYPE: Record<FieldKind, string> = {
  number: 'float',
  string: 'str',
  bool: 'bool',
  date: 'datetime.datetime',
};

function pythonCompare(a: FilterValue, b: FilterValue): number {
  const numeric = (v: FilterValue): number | undefined =>
    v.kind === 'number' ? v.value : v.kind === 'bool' ? Number(v.value) : undefined;
  const [na, nb] = [numeric(a), numeric(b)];
  if (na !== undefined && nb !== undefined) return na - nb;
  if (a.kind === b.kind) return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  throw new OpenF1Exception(
    'TypeError',
    `'<=' not supported between instances of '${PYTHON_TYPE[a.kind]}' and '${PYTHON_TYPE[b.kind]}'`,
  );
}
