/**
 * The real 2023/2024 OpenF1 records (meetings, sessions, drivers, stints, pit) the emulator serves,
 * loaded once per data directory from `<dataDir>/<year>/<endpoint>.json`.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { OpenF1Exception } from './errors.js';
import type { FieldKind, Scalar } from './filter-match.js';
import type { LatestKeys } from './query-params.js';
import { parseDate } from './value-cast.js';

export const METADATA_ENDPOINTS = ['meetings', 'sessions', 'drivers', 'stints', 'pit'] as const;
export type MetadataEndpoint = (typeof METADATA_ENDPOINTS)[number];

const SEASONS = ['2023', '2024'] as const;
// Stored as BSON dates by OpenF1, so they compare as dates, not strings.
const DATE_FIELDS = new Set(['date', 'date_start', 'date_end']);
// The reference sorts every result on these keys (`util/db.py`, `_SORT_KEYS`; a missing key sorts
// first, ties keep storage order). `position_current` is omitted: none of these endpoints has it.
const SORT_KEYS = ['date_start', 'meeting_key', 'session_key'] as const;
// The reference's "latest" session is the last one started before now + 60 s (`get_latest_session_info`).
const LATEST_LOOKAHEAD_MS = 60_000;

export interface MetadataCollection {
  /** Records exactly as OpenF1 returns them, in the reference's result order. */
  readonly records: readonly object[];
  /** `records[i]` with date fields as epoch ms, for filtering. */
  readonly typed: readonly Readonly<Record<string, Scalar | null>>[];
  /** Type of each field present in the collection. */
  readonly kinds: ReadonlyMap<string, FieldKind>;
}

export interface SessionInfo {
  readonly sessionKey: number;
  readonly meetingKey: number;
  readonly circuitKey: number;
  readonly sessionType: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Drivers listed for the session in drivers.json, ascending. */
  readonly driverNumbers: readonly number[];
}

export interface CalendarData {
  readonly collections: Readonly<Record<MetadataEndpoint, MetadataCollection>>;
  /** Ordered by (meeting_key, session_key), the order car_data results are sorted in. */
  readonly sessions: readonly SessionInfo[];
  latestKeys(nowMs: number): LatestKeys;
}

const RecordsSchema = z.array(z.record(z.string(), z.unknown()));
const SessionRecordSchema = z.looseObject({
  session_key: z.number().int(),
  meeting_key: z.number().int(),
  circuit_key: z.number().int(),
  session_type: z.string(),
  date_start: z.string(),
  date_end: z.string(),
});
const DriverRecordSchema = z.looseObject({ session_key: z.number().int(), driver_number: z.number().int() });

/** `OPENF1_DATA_DIR`, else `<repo root>/../shared/openf1` (this file lives in `<repo root>/src/emulator`). */
export function defaultDataDir(): string {
  return process.env.OPENF1_DATA_DIR ?? resolve(fileURLToPath(import.meta.url), '../../../../shared/openf1');
}

const loaded = new Map<string, Promise<CalendarData>>();

/** Loads (once per directory) and indexes the shared OpenF1 records. */
export function loadCalendarData(dataDir: string): Promise<CalendarData> {
  const key = resolve(dataDir);
  let data = loaded.get(key);
  if (!data) {
    data = readCalendarData(key);
    data.catch(() => loaded.delete(key));
    loaded.set(key, data);
  }
  return data;
}

async function readCalendarData(dataDir: string): Promise<CalendarData> {
  const entries = await Promise.all(
    METADATA_ENDPOINTS.map(async (endpoint) => {
      const perSeason = await Promise.all(
        SEASONS.map(async (season) => {
          const file = resolve(dataDir, season, `${endpoint}.json`);
          const parsed = RecordsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
          if (!parsed.success) throw new Error(`${file}: not an array of OpenF1 records: ${parsed.error.message}`);
          return parsed.data;
        }),
      );
      return [endpoint, buildCollection(perSeason.flat())] as const;
    }),
  );
  const collections = Object.fromEntries(entries) as Record<MetadataEndpoint, MetadataCollection>;
  const sessions = indexSessions(collections.sessions, collections.drivers);
  return { collections, sessions, latestKeys: (nowMs) => latestKeys(sessions, nowMs) };
}

function buildCollection(raw: Record<string, unknown>[]): MetadataCollection {
  const kinds = new Map<string, FieldKind>();
  const typedRows = raw.map((record) => {
    const typed: Record<string, Scalar | null> = {};
    for (const [field, value] of Object.entries(record)) {
      const scalar = toScalar(field, value);
      typed[field] = scalar;
      if (scalar !== null && !kinds.has(field)) kinds.set(field, kindOf(field, scalar));
    }
    return { record, typed };
  });
  typedRows.sort((a, b) => compareForSort(a.typed, b.typed));
  return { records: typedRows.map((r) => r.record), typed: typedRows.map((r) => r.typed), kinds };
}

function toScalar(field: string, value: unknown): Scalar | null {
  if (typeof value === 'string' && DATE_FIELDS.has(field)) {
    const date = parseDate(value);
    if (!date) throw new Error(`unparseable ${field}: ${value}`);
    return date.ms;
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return null;
}

function kindOf(field: string, value: Scalar): FieldKind {
  if (DATE_FIELDS.has(field)) return 'date';
  return typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? 'number' : 'string';
}

function compareForSort(a: Readonly<Record<string, Scalar | null>>, b: Readonly<Record<string, Scalar | null>>): number {
  for (const key of SORT_KEYS) {
    const [x, y] = [a[key] ?? null, b[key] ?? null];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function indexSessions(sessions: MetadataCollection, drivers: MetadataCollection): SessionInfo[] {
  const driversBySession = new Map<number, number[]>();
  for (const record of drivers.records) {
    const { session_key, driver_number } = DriverRecordSchema.parse(record);
    const list = driversBySession.get(session_key) ?? [];
    list.push(driver_number);
    driversBySession.set(session_key, list);
  }
  return sessions.records
    .map((record) => {
      const s = SessionRecordSchema.parse(record);
      return {
        sessionKey: s.session_key,
        meetingKey: s.meeting_key,
        circuitKey: s.circuit_key,
        sessionType: s.session_type,
        startMs: toScalar('date_start', s.date_start) as number,
        endMs: toScalar('date_end', s.date_end) as number,
        driverNumbers: [...new Set(driversBySession.get(s.session_key) ?? [])].sort((x, y) => x - y),
      };
    })
    .sort((a, b) => a.meetingKey - b.meetingKey || a.sessionKey - b.sessionKey);
}

function latestKeys(sessions: readonly SessionInfo[], nowMs: number): LatestKeys {
  let latest: SessionInfo | undefined;
  for (const s of sessions) {
    if (s.startMs <= nowMs + LATEST_LOOKAHEAD_MS && (!latest || s.startMs > latest.startMs)) latest = s;
  }
  if (!latest) throw new OpenF1Exception('SystemError', 'Could not find any past or current session in MongoDB');
  return { meetingKey: latest.meetingKey, sessionKey: latest.sessionKey };
}
