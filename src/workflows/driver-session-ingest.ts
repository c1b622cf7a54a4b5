import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { UnitOutcome } from '../model/stage-results.js';
import { unitId, type Unit } from '../model/unit.js';

const { stageBronze } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  // A fetch streams for a long time; a silent worker must be noticed quickly so another resumes it.
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

const { convertToSilver, loadWarehouse, reconcileUnit } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

/**
 * One driver's car_data for one session: fetch+stage (bronze) -> convert (silver) -> load -> reconcile.
 * Each step's result is recorded in history, so after a crash the unit resumes at the first
 * unfinished step; only keys, counts and checksums pass through here.
 */
export async function driverSessionIngest(unit: Unit): Promise<UnitOutcome> {
  const bronze = await stageBronze(unit);
  const silver = await convertToSilver(unit, bronze);
  const load = await loadWarehouse(unit, bronze, silver);
  const reconciled = await reconcileUnit(unit, bronze, silver, load);
  return {
    unitId: unitId(unit),
    status: 'loaded',
    rowsFetched: bronze.rows,
    rowsLoaded: reconciled.rows,
    bytesStaged: bronze.bytes,
    apiRequests: bronze.apiRequests,
  };
}
