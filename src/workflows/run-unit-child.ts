import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { F1Driver, F1Meeting, F1Season, F1Session, F1Stage } from '../model/search-attributes.js';
import type { UnitOutcome } from '../model/stage-results.js';
import { unitId, type Unit } from '../model/unit.js';
import { driverSessionIngest } from './driver-session-ingest.js';
import type { UnitReport } from './messages.js';

/**
 * Runs one unit as a child workflow under its scope-derived ID, reporting start and outcome.
 * A unit that already completed (another backfill, an earlier run) is reported as skipped; a
 * failed, cancelled or terminated one may run again.
 */
export async function runUnitChild(unit: Unit, report: (r: UnitReport) => void | Promise<void>): Promise<UnitOutcome> {
  const id = unitId(unit);
  await report({ unitId: id, status: 'running' });
  try {
    const outcome = await executeChild(driverSessionIngest, {
      workflowId: id,
      args: [unit],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: [
        { key: F1Season, value: unit.season },
        { key: F1Meeting, value: unit.meetingKey },
        { key: F1Session, value: unit.sessionKey },
        { key: F1Driver, value: String(unit.driverNumber) },
        { key: F1Stage, value: 'fetch' },
      ],
    });
    await report(outcome);
    return outcome;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      await report({ unitId: id, status: 'failed' });
      throw err;
    }
    const skipped: UnitOutcome = { unitId: id, status: 'skipped', rowsFetched: 0, rowsLoaded: 0, bytesStaged: 0, apiRequests: 0 };
    await report(skipped);
    return skipped;
  }
}
