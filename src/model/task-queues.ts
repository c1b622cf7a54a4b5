/**
 * Task queues by what their activities need, so each kind of work can be placed and limited on
 * its own: workflows and convert (CPU, staging only) on the main queue; the OpenF1 fetch on
 * `<main>-fetch`, whose Temporal task-queue rate limit is the API's limit for all workers at
 * once; planning, load and reconcile on `<main>-warehouse`, served only by workers that can open
 * ClickHouse (with embedded chDB, the one process that owns its directory).
 * Pure and deterministic: workflows derive activity queues from their own.
 */
export const WORKER_ROLES = ['workflows', 'fetch', 'warehouse'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

export function taskQueueOf(role: WorkerRole, mainTaskQueue: string): string {
  return role === 'workflows' ? mainTaskQueue : `${mainTaskQueue}-${role}`;
}
