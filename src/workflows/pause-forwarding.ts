import { getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { pauseSignal, resumeSignal } from './messages.js';
import type { WorkPool } from './work-pool.js';

/**
 * pause/resume for a workflow that fans out: the pool stops (or resumes) starting children, and
 * the children running now are told, so nothing new starts anywhere in the tree.
 */
export function handlePauseResume(pool: WorkPool, runningChildren: ReadonlySet<string>): void {
  const tell = async (signal: typeof pauseSignal | typeof resumeSignal) => {
    // A child may finish between our bookkeeping and the signal; that is not an error.
    await Promise.all([...runningChildren].map((id) => getExternalWorkflowHandle(id).signal(signal).catch(() => undefined)));
  };
  setHandler(pauseSignal, async () => {
    pool.paused = true;
    await tell(pauseSignal);
  });
  setHandler(resumeSignal, async () => {
    pool.paused = false;
    await tell(resumeSignal);
  });
}
