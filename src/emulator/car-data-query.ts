/**
 * Planning and iteration of a `/v1/car_data` query over the synthetic telemetry.
 *
 * Cost model (emulating an indexed store): `session_key`, `meeting_key`, `driver_number` and `date`
 * are indexed, so the rows a query *scans* are the samples of the selected (session, driver) pairs
 * inside the hull of its date filters; value filters (`speed>=315`, ...) are applied to scanned rows.
 * The scanned count is computed arithmetically (no generation), and bounds the result size.
 *
 * Result order mirrors the reference's sort (meeting_key, session_key, then storage order, which for
 * telemetry is time): sessions in (meeting_key, session_key) order, within a session all drivers
 * merged by date (ties by driver number).
 */
import type { CalendarData, SessionInfo } from './calendar-data.js';
import { DriverTelemetry, type CarSample } from './car-data-generator.js';
import { compileFieldMatcher, dateHull, type FieldKind, type Matcher } from './filter-match.js';
import type { ParsedQuery } from './query-params.js';

const CAR_DATA_FIELDS: ReadonlyMap<string, FieldKind> = new Map([
  ['brake', 'number'],
  ['date', 'date'],
  ['driver_number', 'number'],
  ['drs', 'number'],
  ['meeting_key', 'number'],
  ['n_gear', 'number'],
  ['rpm', 'number'],
  ['session_key', 'number'],
  ['speed', 'number'],
  ['throttle', 'number'],
]);
const VALUE_FIELDS = ['brake', 'drs', 'n_gear', 'rpm', 'speed', 'throttle'] as const;

/** The samples [from, to) of one driver that the query scans. */
export interface DriverWindow {
  /** Position of the window in the plan (0, 1, ... across sessions). */
  readonly id: number;
  readonly telemetry: DriverTelemetry;
  readonly from: number;
  readonly to: number;
}

export interface CarDataPlan {
  /** Grouped by session, in result order. */
  readonly sessions: readonly (readonly DriverWindow[])[];
  readonly scannedRows: number;
  /** True when the query selects sessions but every one of them is a "no data" session. */
  readonly onlyNoDataSessions: boolean;
  /** Filters that need more than the sample time (undefined: every scanned row is a result). */
  readonly valueFilter: ((row: CarSample) => boolean) | undefined;
  readonly dateFilter: Matcher | undefined;
}

export interface PlanOptions {
  readonly seed: number;
  /** Sessions whose telemetry is withheld (the `noDataSessions` fault). */
  readonly noDataSessions: ReadonlySet<number>;
}

export function planCarDataQuery(data: CalendarData, query: ParsedQuery, options: PlanOptions): CarDataPlan {
  const matcher = (field: string): Matcher | undefined => {
    const params = query.get(field);
    return params && compileFieldMatcher(params, CAR_DATA_FIELDS.get(field) as FieldKind);
  };
  const emptyPlan: CarDataPlan = {
    sessions: [],
    scannedRows: 0,
    onlyNoDataSessions: false,
    valueFilter: undefined,
    dateFilter: undefined,
  };
  // A filter on a field telemetry rows don't have matches nothing, as in MongoDB.
  if ([...query.keys()].some((field) => !CAR_DATA_FIELDS.has(field))) return emptyPlan;

  const matchSession = matcher('session_key');
  const matchMeeting = matcher('meeting_key');
  const matchDriver = matcher('driver_number');
  const selected = data.sessions.filter(
    (s) => (!matchSession || matchSession(s.sessionKey)) && (!matchMeeting || matchMeeting(s.meetingKey)),
  );
  const served = selected.filter((s) => !options.noDataSessions.has(s.sessionKey));
  const onlyNoDataSessions = selected.length > 0 && served.length === 0;

  const dateParams = query.get('date');
  const hull = dateParams ? dateHull(dateParams) : { lo: -Infinity, hi: Infinity };
  if (!hull) return { ...emptyPlan, onlyNoDataSessions };

  let scannedRows = 0;
  let nextId = 0;
  const sessions = served
    .map((session: SessionInfo) =>
      session.driverNumbers
        .filter((driver) => !matchDriver || matchDriver(driver))
        .map((driver) => {
          const telemetry = new DriverTelemetry(session, driver, options.seed);
          const from = telemetry.indexAtOrAfter(hull.lo);
          const to = Math.max(from, telemetry.indexAtOrAfter(hull.hi + 1));
          scannedRows += to - from;
          return { telemetry, from, to };
        })
        .filter((w) => w.to > w.from)
        .map((w) => ({ ...w, id: nextId++ })),
    )
    .filter((windows) => windows.length > 0);

  const valueMatchers = VALUE_FIELDS.flatMap((field) => {
    const m = matcher(field);
    return m ? [[field, m] as const] : [];
  });
  return {
    sessions,
    scannedRows,
    onlyNoDataSessions,
    valueFilter:
      valueMatchers.length === 0 ? undefined : (row) => valueMatchers.every(([field, m]) => m(row[field])),
    dateFilter: matcher('date'),
  };
}

/**
 * Pull-based iteration over a plan's result rows (a method call per row, no per-row allocation).
 * Per session, the drivers' sample streams are merged by (date, driver number) through a ring of
 * streams kept sorted by their next sample: the stream just consumed moves about one period ahead,
 * i.e. back to (or near) the end of the ring, so re-inserting it takes a comparison or two.
 * With `withValues` false only `date` is filled, which is enough to count rows when no value filter applies.
 */
export class CarDataCursor {
  /** Sample index (within its driver's telemetry) of the row last read. */
  index = 0;
  private sessionIndex = -1;
  private windows: readonly DriverWindow[] = [];
  private nextIndex = new Float64Array(0);
  private nextTime = new Float64Array(0);
  private driverNumber = new Int32Array(0);
  /** Stream numbers in (next time, driver number) order, starting at `head`, `live` of them. */
  private ring = new Int32Array(0);
  private head = 0;
  private live = 0;
  private readonly withValues: boolean;

  constructor(
    private readonly plan: CarDataPlan,
    withValues = true,
  ) {
    this.withValues = withValues || plan.valueFilter !== undefined;
  }

  /** Fills `row` with the next result row and returns its driver window; undefined when done. */
  read(row: CarSample): DriverWindow | undefined {
    const { dateFilter, valueFilter } = this.plan;
    for (;;) {
      if (this.live === 0 && !this.openNextSession()) return undefined;
      const w = this.ring[this.head];
      this.head = this.head + 1 === this.ring.length ? 0 : this.head + 1;
      this.live--;
      const window = this.windows[w];
      const index = this.nextIndex[w];
      if (this.withValues) window.telemetry.fill(index, row);
      else row.date = this.nextTime[w];
      if (index + 1 < window.to) {
        this.nextIndex[w] = index + 1;
        this.nextTime[w] = window.telemetry.timeAt(index + 1);
        this.insert(w);
      }
      if ((!dateFilter || dateFilter(row.date)) && (!valueFilter || valueFilter(row))) {
        this.index = index;
        return window;
      }
    }
  }

  private openNextSession(): boolean {
    if (++this.sessionIndex >= this.plan.sessions.length) return false;
    const windows = this.plan.sessions[this.sessionIndex];
    this.windows = windows;
    this.nextIndex = Float64Array.from(windows, (w) => w.from);
    this.nextTime = Float64Array.from(windows, (w) => w.telemetry.timeAt(w.from));
    this.driverNumber = Int32Array.from(windows, (w) => w.telemetry.driverNumber);
    this.ring = new Int32Array(windows.length);
    this.head = 0;
    this.live = 0;
    for (let w = 0; w < windows.length; w++) this.insert(w);
    return windows.length > 0;
  }

  /** Inserts stream `w` at its place, scanning from the back of the ring. */
  private insert(w: number): void {
    const { ring, nextTime, driverNumber } = this;
    const size = ring.length;
    const time = nextTime[w];
    const driver = driverNumber[w];
    let at = this.head + this.live;
    if (at >= size) at -= size;
    for (let i = this.live; i > 0; i--) {
      const prev = at === 0 ? size - 1 : at - 1;
      const other = ring[prev];
      if (nextTime[other] < time || (nextTime[other] === time && driverNumber[other] < driver)) break;
      ring[at] = other;
      at = prev;
    }
    ring[at] = w;
    this.live++;
  }
}

/** Number of result rows, counting no further than `limit + 1` (enough to tell "over the limit"). */
export function countRows(plan: CarDataPlan, limit: number): number {
  const cursor = new CarDataCursor(plan, false);
  const row = newSample();
  let count = 0;
  while (count <= limit && cursor.read(row)) count++;
  return count;
}

export function newSample(): CarSample {
  return { date: 0, brake: 0, drs: 0, n_gear: 0, rpm: 0, speed: 0, throttle: 0 };
}
