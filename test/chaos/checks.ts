import type { BackfillInput } from '../../src/model/backfill-input.js';
import type { ChaosStack } from './stack.js';

/** Count and content checksum of one unit's rows (sums as decimal strings: they pass 2^53). */
export interface UnitSums {
  rows: number;
  sumSpeed: string;
  sumRpm: string;
  sumDateMicros: string;
  /** Rows whose (date) repeats within the unit. */
  duplicates: number;
}

export interface UnitCheck {
  session: number;
  driver: number;
  expected: UnitSums;
  loaded: UnitSums;
  ok: boolean;
}

export interface ScopeCheck {
  units: UnitCheck[];
  expectedRows: number;
  loadedRows: number;
  /** Rows in the database outside the expected units (must be 0). */
  strayRows: number;
  ok: boolean;
}

const BAHRAIN_2023 = 1141;
const EMPTY: UnitSums = { rows: 0, sumSpeed: '0', sumRpm: '0', sumDateMicros: '0', duplicates: 0 };

/** `2023-03-05T15:03:00.123456+00:00` -> microseconds since the epoch. */
export function dateMicros(date: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|\+00:00)$/.exec(date);
  if (!m) throw new Error(`unexpected date from the emulator: ${date}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

/** GET on the emulator, outside the pipeline's client (with a token when the emulator wants one). */
export async function apiGet<T>(stack: ChaosStack, path: string): Promise<T> {
  const headers: Record<string, string> = {};
  const auth = stack.openf1Auth;
  if (auth) {
    const res = await fetch(new URL('/token', stack.emulator.url), { method: 'POST', body: new URLSearchParams(auth) });
    headers.authorization = `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
  }
  const res = await fetch(`${stack.emulator.url}${path}`, { headers });
  if (res.status === 404) return [] as T;
  if (!res.ok) throw new Error(`emulator ${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/**
 * The units a single-round backfill covers, as the emulator lists them: its sessions (by name)
 * times the requested drivers that took part. Faults must be off while this runs.
 */
export async function expectedUnits(stack: ChaosStack, input: BackfillInput): Promise<Array<{ session: number; driver: number }>> {
  if (input.season !== 2023 || JSON.stringify(input.rounds) !== '[1]') throw new Error('chaos scopes are 2023 round 1 (Bahrain, meeting 1141)');
  const sessions = await apiGet<Array<{ session_key: number; session_name: string }>>(stack, `/sessions?meeting_key=${BAHRAIN_2023}`);
  const units: Array<{ session: number; driver: number }> = [];
  for (const s of sessions.filter((x) => input.sessionNames?.includes(x.session_name))) {
    const drivers = await apiGet<Array<{ driver_number: number }>>(stack, `/drivers?session_key=${s.session_key}`);
    for (const d of drivers.filter((x) => input.drivers?.includes(x.driver_number))) units.push({ session: s.session_key, driver: d.driver_number });
  }
  return units;
}

/** What ClickHouse must hold for a unit: the emulator's rows for the same filter, summed here. */
async function emulatorSums(stack: ChaosStack, session: number, driver: number, speedGte: number): Promise<UnitSums> {
  const rows = await apiGet<Array<{ date: string; speed: number; rpm: number }>>(stack, `/car_data?session_key=${session}&driver_number=${driver}&speed>=${speedGte}`);
  let speed = 0n;
  let rpm = 0n;
  let micros = 0n;
  for (const r of rows) {
    speed += BigInt(r.speed);
    rpm += BigInt(r.rpm);
    micros += dateMicros(r.date);
  }
  return { rows: rows.length, sumSpeed: String(speed), sumRpm: String(rpm), sumDateMicros: String(micros), duplicates: rows.length - new Set(rows.map((r) => r.date)).size };
}

/** A scope to check, and the units that must hold nothing (no-data or malformed sessions). */
export interface ScopeSpec {
  scope: BackfillInput & { filters: { speedGte: number } };
  empty?: (unit: { session: number; driver: number }) => boolean;
}

/**
 * Compares ClickHouse (database `database`) with the emulator unit by unit, for each scope (told
 * apart by their speed threshold, i.e. filter_key). Reads chDB through a subprocess, so no worker
 * may be running; turns the emulator's faults off to read its rows.
 */
export async function checkScopes(stack: ChaosStack, database: string, specs: readonly ScopeSpec[]): Promise<ScopeCheck[]> {
  stack.emulator.setFaults({});
  const loadedRows = await stack.sql<UnitSums & { filter_key: string; session_key: number; driver_number: number }>(
    database,
    `SELECT filter_key, session_key, driver_number, toUInt32(count()) AS rows, toString(sum(speed)) AS sumSpeed, toString(sum(rpm)) AS sumRpm,
            toString(sum(toInt128(toUnixTimestamp64Micro(date)))) AS sumDateMicros, toUInt32(count() - uniqExact(date)) AS duplicates
     FROM ${database}.car_data GROUP BY filter_key, session_key, driver_number`,
  );
  const loaded = new Map(loadedRows.map((r) => [`${r.filter_key}/${r.session_key}/${r.driver_number}`, r]));
  const checks: ScopeCheck[] = [];
  for (const { scope, empty = () => false } of specs) {
    const speedGte = scope.filters.speedGte;
    const units: UnitCheck[] = [];
    for (const u of await expectedUnits(stack, scope)) {
      const key = `speed>=${speedGte}/${u.session}/${u.driver}`;
      const expected = empty(u) ? EMPTY : await emulatorSums(stack, u.session, u.driver, speedGte);
      const got = loaded.get(key);
      loaded.delete(key);
      const sums: UnitSums = got ? { rows: got.rows, sumSpeed: got.sumSpeed, sumRpm: got.sumRpm, sumDateMicros: got.sumDateMicros, duplicates: got.duplicates } : EMPTY;
      units.push({ session: u.session, driver: u.driver, expected, loaded: sums, ok: JSON.stringify(sums) === JSON.stringify(expected) });
    }
    const strayRows = [...loaded.entries()].filter(([k]) => k.startsWith(`speed>=${speedGte}/`)).reduce((n, [, r]) => n + r.rows, 0);
    checks.push({
      units,
      expectedRows: units.reduce((n, u) => n + u.expected.rows, 0),
      loadedRows: units.reduce((n, u) => n + u.loaded.rows, 0) + strayRows,
      strayRows,
      ok: units.length > 0 && strayRows === 0 && units.every((u) => u.ok),
    });
  }
  return checks;
}

/** One line per unit that does not match, for failure messages. */
export function describeMismatches(check: ScopeCheck): string {
  const bad = check.units.filter((u) => !u.ok).map((u) => `s${u.session}/d${u.driver}: expected ${JSON.stringify(u.expected)}, loaded ${JSON.stringify(u.loaded)}`);
  if (check.strayRows > 0) bad.push(`${check.strayRows} rows outside the expected units`);
  if (check.units.length === 0) bad.push('no units expected: the scope is empty');
  return bad.join('\n');
}
