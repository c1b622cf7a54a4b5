import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { taskQueueOf, type WorkerRole } from '../model/task-queues.js';

/**
 * Activities scheduled on the task queue of `role`, derived from the workflow's own queue (so a
 * test or a second deployment on another queue keeps its activities to itself). Call it inside
 * the workflow function: workflowInfo() belongs to a running workflow, not to module load.
 */
export function activitiesOn(role: WorkerRole, options: ActivityOptions) {
  return proxyActivities<Activities>({ ...options, taskQueue: taskQueueOf(role, workflowInfo().taskQueue) });
}
