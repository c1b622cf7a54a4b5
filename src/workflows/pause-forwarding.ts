import { PauseSwitch } from './pause-switch.js';
import type { WorkPool } from './work-pool.js';

/**
 * pause/resume for a workflow that fans out: the pool stops (or resumes) starting children, and
 * the children running now are told, so nothing new starts anywhere in the tree.
 */
export function handlePauseResume(pool: WorkPool, runningChildren: ReadonlySet<string>): PauseSwitch {
  const pause: PauseSwitch = new PauseSwitch(async (paused) => {
    pool.paused = paused;
    await pause.tell(runningChildren);
  });
  return pause;
}
