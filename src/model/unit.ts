import { z } from 'zod';
import { FilterSchema } from '../openf1/filters.js';

/**
 * A unit of ingestion: one driver's car_data for one session under one filter set.
 * Everything that identifies it is a number or a validated filter, so object keys and
 * workflow IDs built from it cannot contain path tricks.
 */
export const UnitSchema = z.object({
  season: z.number().int(),
  /** `r01`..`r24` for championship rounds, `t1`.. for pre-season tests. */
  roundLabel: z.string().regex(/^(r\d{2}|t\d)$/),
  meetingKey: z.number().int().positive(),
  sessionKey: z.number().int().positive(),
  sessionName: z.string(),
  sessionType: z.string(),
  driverNumber: z.number().int().min(1).max(99),
  dateStart: z.string(),
  dateEnd: z.string(),
  filters: z.array(FilterSchema),
  /** Canonical filter key, e.g. `speed>=100` ('' = unfiltered); part of the unit's identity. */
  filterKey: z.string(),
});
export type Unit = z.infer<typeof UnitSchema>;

export function roundLabel(kind: 'round' | 'testing', n: number): string {
  return kind === 'round' ? `r${String(n).padStart(2, '0')}` : `t${n}`;
}

export function roundWorkflowId(parentWorkflowId: string, label: string): string {
  return `${parentWorkflowId}/${label}`;
}

/**
 * Units have scope-derived IDs (not parent-derived) so that two backfills covering the same
 * unit share one workflow ID and Temporal refuses the duplicate.
 */
export function unitId(u: Pick<Unit, 'season' | 'roundLabel' | 'sessionKey' | 'driverNumber' | 'filterKey'>): string {
  const base = `f1/${u.season}/${u.roundLabel}/s${u.sessionKey}/d${u.driverNumber}`;
  return u.filterKey ? `${base}/${u.filterKey}` : base;
}

const OP_SLUG = { '=': 'eq', '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' } as const;

/** Path-safe rendering of the filter set for Hive-style object keys, e.g. `speed-gte-100`. */
export function filterSlug(u: Pick<Unit, 'filters'>): string {
  if (u.filters.length === 0) return 'all';
  return u.filters.map((f) => `${f.field}-${OP_SLUG[f.op]}-${String(f.value).replace(/[^A-Za-z0-9.]/g, '_')}`).join('_');
}

/** Deterministic Hive-style prefix of a unit in one layer of the lake. */
export function unitPrefix(layer: 'bronze' | 'silver', u: Unit): string {
  return `${layer}/openf1/car_data/season=${u.season}/meeting=${u.meetingKey}/session=${u.sessionKey}/driver=${u.driverNumber}/filter=${filterSlug(u)}`;
}
