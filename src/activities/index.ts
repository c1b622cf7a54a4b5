import { instrumentActivities } from '../observability/activity-instrumentation.js';
import { processMetrics } from '../observability/metrics-registry.js';
import type { OpenF1Client } from '../openf1/client.js';
import type { WorkerRole } from '../model/task-queues.js';
import type { ObjectStore } from '../storage/object-store.js';
import { createLoadWarehouseActivity, type LoadDeps } from './load-warehouse.js';
import { createCalendarReadActivities, createPlanActivities } from './plan-calendar.js';
import { createStageUnitActivity } from './stage-unit.js';
import { withTerminalErrors } from './terminal-errors.js';

/** What every worker has: the OpenF1 client and the staging store. */
export interface SourceDeps {
  openf1: OpenF1Client;
  store: ObjectStore;
}

/** What a worker that serves the warehouse queue also has. */
export type WarehouseDeps = SourceDeps & LoadDeps;

/** Activities of the main queue (beside the workflows): calendar reads that write nothing. */
export function createWorkflowQueueActivities(deps: SourceDeps) {
  const { planDryRun, planIncremental } = createCalendarReadActivities(deps);
  return instrumentActivities(
    {
      planDryRun: withTerminalErrors(planDryRun),
      planIncremental: withTerminalErrors(planIncremental),
    },
    processMetrics(),
  );
}

/** Activities of the fetch queue: the bulk of OpenF1 requests, one activity per unit (bronze and silver from the same bytes). */
export function createFetchQueueActivities(deps: SourceDeps) {
  return instrumentActivities({ stageUnit: withTerminalErrors(createStageUnitActivity(deps)) }, processMetrics());
}

/** Activities of the warehouse queue: everything that reads or writes ClickHouse. */
export function createWarehouseQueueActivities(deps: WarehouseDeps) {
  const { planSeason, planRound } = createPlanActivities(deps);
  return instrumentActivities(
    {
      planSeason: withTerminalErrors(planSeason),
      planRound: withTerminalErrors(planRound),
      loadWarehouse: withTerminalErrors(createLoadWarehouseActivity(deps)),
    },
    processMetrics(),
  );
}

/** Every activity under the name Temporal registers it; workflows type their proxies from this. */
export type Activities = ReturnType<typeof createWorkflowQueueActivities> &
  ReturnType<typeof createFetchQueueActivities> &
  ReturnType<typeof createWarehouseQueueActivities>;

/** The activities a worker registers on the queue of `role`; the warehouse queue needs a warehouse. */
export function activitiesForRole(role: WorkerRole, deps: SourceDeps | WarehouseDeps): Record<string, (...args: never[]) => Promise<unknown>> {
  switch (role) {
    case 'workflows':
      return createWorkflowQueueActivities(deps);
    case 'fetch':
      return createFetchQueueActivities(deps);
    case 'warehouse':
      if (!('warehouse' in deps)) throw new Error('the warehouse role needs a ClickHouse connection (the runtime opens one when WORKER_ROLES includes "warehouse")');
      return createWarehouseQueueActivities(deps);
  }
}

/** All activities bound to one set of clients (a single-process worker, tests). */
export function createActivities(deps: WarehouseDeps): Activities {
  return { ...createWorkflowQueueActivities(deps), ...createFetchQueueActivities(deps), ...createWarehouseQueueActivities(deps) };
}
