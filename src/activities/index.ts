import { instrumentActivities } from '../observability/activity-instrumentation.js';
import { processMetrics } from '../observability/metrics-registry.js';
import type { OpenF1Client } from '../openf1/client.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Warehouse } from '../warehouse/warehouse-client.js';
import { createConvertSilverActivity } from './convert-silver.js';
import { createLoadWarehouseActivity } from './load-warehouse.js';
import { createPlanActivities } from './plan-calendar.js';
import { createReconcileActivity } from './reconcile-unit.js';
import { createStageBronzeActivity } from './stage-bronze.js';
import { withTerminalErrors } from './terminal-errors.js';

export interface ActivityDeps {
  openf1: OpenF1Client;
  store: ObjectStore;
  warehouse: Warehouse;
  stagingCredentials?: { accessKeyId: string; secretAccessKey: string };
}

/** All activities, bound to the clients the worker created. Workflows type their proxies from this. */
export function createActivities(deps: ActivityDeps) {
  const { planSeason, planRound, planDryRun, planIncremental } = createPlanActivities(deps);
  return instrumentActivities(
    {
      planSeason: withTerminalErrors(planSeason),
      planRound: withTerminalErrors(planRound),
      planDryRun: withTerminalErrors(planDryRun),
      planIncremental: withTerminalErrors(planIncremental),
      stageBronze: withTerminalErrors(createStageBronzeActivity(deps)),
      convertToSilver: withTerminalErrors(createConvertSilverActivity(deps)),
      loadWarehouse: withTerminalErrors(createLoadWarehouseActivity(deps)),
      reconcileUnit: withTerminalErrors(createReconcileActivity(deps)),
    },
    processMetrics(),
  );
}

export type Activities = ReturnType<typeof createActivities>;
