/**
 * A unit's identity: its workflow ID and object keys. Free of zod at run time (the schema is in
 * unit-schema.ts) because every workflow imports this module; see workflows/schemas.ts.
 */
import type { Unit } from './unit-schema.js';

export type { Unit };

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
