import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { UnitOutcome } from '../model/stage-results.js';

export interface Progress {
  state: 'planning' | 'running' | 'paused' | 'cancelling' | 'done' | 'failed';
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
  /** Workflow time of the last change; rate and ETA are measured up to it. */
  updatedAt: string;
  /** Rows loaded per second since the start. */
  rowsPerSecond: number;
  /** Seconds to go at the pace so far; null until a unit has finished. */
  etaSeconds: number | null;
  maxConcurrent: number;
}

/** Progress of a season or round workflow; answered from workflow state, so cheap to poll every second. */
export const progressQuery = defineQuery<Progress>('progress');

/** Stop starting new work anywhere below (in-flight fetches stop at their next heartbeat); running children are told too. */
export const pauseSignal = defineSignal('pause');
/** Continue where the pause stopped. */
export const resumeSignal = defineSignal('resume');

/**
 * Parent -> child: the pause state, numbered. Two separate signals may be delivered out of order,
 * so a child applies only a state newer than the last one it saw from its parent.
 */
export const pauseStateSignal = defineSignal<[state: { paused: boolean; seq: number }]>('pauseState');

export interface ConcurrencyChange {
  /** Season only: rounds at once. */
  maxConcurrentRounds?: number;
  /** Units at once in each round (a season passes it to its running and future rounds). */
  maxConcurrentUnits?: number;
}
/** Changes concurrency of a running backfill without a restart; returns the limits now in force. */
export const setConcurrencyUpdate = defineUpdate<Required<ConcurrencyChange> | { maxConcurrentUnits: number }, [ConcurrencyChange]>('setConcurrency');

/** Season -> its running rounds: the new per-round unit concurrency. */
export const unitConcurrencySignal = defineSignal<[maxConcurrentUnits: number]>('unitConcurrency');

/** Round -> season: a round planned this many units. */
export const unitsPlannedSignal = defineSignal<[count: number]>('unitsPlanned');

export type UnitReport = { unitId: string; status: 'running' } | { unitId: string; status: 'failed' } | UnitOutcome;
/**
 * Round -> season: units that started, finished or failed since the last batch. Batched (at most
 * one signal per few seconds) because every signal is an event in the season's history.
 */
export const unitReportsSignal = defineSignal<[reports: UnitReport[]]>('unitReports');
