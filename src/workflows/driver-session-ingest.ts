import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import { F1Stage } from '../model/search-attributes.js';
import type { StagedUnit, UnitOutcome } from '../model/stage-results.js';
import { unitId, type Unit } from '../model/unit.js';
import { activitiesOn } from './activity-proxies.js';
import { PauseSwitch } from './pause-switch.js';

const FETCH: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  // A fetch streams for a long time; a silent worker must be noticed quickly so another resumes it.
  heartbeatTimeout: '2 minutes',
  // A pause cancels the fetch; wait until it has really stopped writing before anything else runs.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
};

const STEP: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
};

type Stage = 'fetch' | 'load' | 'done' | 'paused';

/**
 * Whether a fetch our pause cancelled ended in a way that resume should simply run it again:
 * acknowledged (a cancellation), or lost or failed before it heard the cancel (its worker died, the
 * attempt timed out or failed retryably). A cancel request stops the server from retrying an
 * attempt, so without this a pause would turn a lost worker, which is always retried, into a
 * failed unit. A non-retryable failure stands, as does an attempt that timed out or failed with
 * its retries used up regardless of the cancel: the fetch failed for good, pause or not.
 */
function endedByPause(err: unknown): boolean {
  if (isCancellation(err)) return true;
  // CANCEL_REQUESTED: the server stopped retrying because of the cancel, not because attempts ran out.
  return (
    err instanceof ActivityFailure &&
    err.retryState === RetryState.CANCEL_REQUESTED &&
    !(err.cause instanceof ApplicationFailure && err.cause.nonRetryable)
  );
}

/**
 * One driver's car_data for one session in two activities: stageUnit (fetch, staged to bronze and
 * converted to silver as the bytes arrive) on the fetch queue, then loadWarehouse (load, then
 * reconcile) on the warehouse queue. Each result is recorded in history, so after a crash the unit
 * resumes at the first unfinished step; only keys, counts and checksums pass through here.
 */
export async function driverSessionIngest(unit: Unit): Promise<UnitOutcome> {
  const { stageUnit } = activitiesOn('fetch', FETCH);
  const { loadWarehouse } = activitiesOn('warehouse', STEP);
  let fetchScope: CancellationScope | undefined;
  // Set when a pause cancelled the running fetch: the resume may arrive before the fetch has
  // acknowledged the cancel, so "still paused" cannot tell our cancel from a real one.
  let fetchCancelledByPause = false;
  const pause = new PauseSwitch((paused) => {
    // The fetch stops at its next heartbeat; what it staged is kept and the next attempt resumes after it.
    if (paused && fetchScope) {
      fetchCancelledByPause = true;
      fetchScope.cancel();
    }
  });

  const enter = async (stage: Stage) => {
    if (pause.paused) {
      upsertSearchAttributes([{ key: F1Stage, value: 'paused' }]);
      await condition(() => !pause.paused);
    }
    upsertSearchAttributes([{ key: F1Stage, value: stage }]);
  };

  let staged: StagedUnit | undefined;
  while (!staged) {
    await enter('fetch');
    fetchScope = new CancellationScope();
    fetchCancelledByPause = false;
    try {
      staged = await fetchScope.run(() => stageUnit(unit));
    } catch (err) {
      // Cancelled by our own pause: go round (waiting for resume if still paused). Any other cancellation is real.
      if (!(fetchCancelledByPause && endedByPause(err) && !CancellationScope.current().consideredCancelled)) throw err;
    } finally {
      fetchScope = undefined;
    }
  }
  const { bronze, silver } = staged;
  await enter('load');
  // Once loading starts the unit finishes (one atomic insert, then a read-only reconcile): a cancel
  // arriving now never leaves a unit loaded but unreconciled.
  const load = await CancellationScope.nonCancellable(() => loadWarehouse(unit, bronze, silver));
  upsertSearchAttributes([{ key: F1Stage, value: 'done' }]);
  return {
    unitId: unitId(unit),
    status: 'loaded',
    rowsFetched: bronze.rows,
    rowsLoaded: load.rowsInWarehouse,
    bytesStaged: bronze.bytes,
    apiRequests: bronze.apiRequests,
  };
}
