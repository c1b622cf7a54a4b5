import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { UnitOutcome } from '../model/stage-results.js';

export interface Progress {
  state: 'planning' | 'running' | 'done' | 'failed';
  unitsTotal: number;
  unitsDone: number;
  unitsRunning: number;
  unitsFailed: number;
  unitsSkipped: number;
  rowsFetched: number;
  rowsLoaded: number;
  bytesStaged: number;
  apiRequests: number;
  startedAt: string;
}

/** Progress of a season or round workflow; answered from workflow state, so cheap to poll. */
export const progressQuery = defineQuery<Progress>('progress');

/** Round -> season: a round planned this many units. */
export const unitsPlannedSignal = defineSignal<[count: number]>('unitsPlanned');

export type UnitReport = { unitId: string; status: 'running' } | { unitId: string; status: 'failed' } | UnitOutcome;
/** Round -> season: a unit started, finished or failed. */
export const unitReportSignal = defineSignal<[report: UnitReport]>('unitReport');
