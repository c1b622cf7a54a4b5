import { getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { pauseSignal, pauseStateSignal, resumeSignal } from './messages.js';

/**
 * A workflow's pause state, set by the operator's `pause`/`resume` signals or by its parent's
 * numbered `pauseState` (stale parent states are ignored, whatever order they arrive in).
 * `onChange` runs on every change: stop or restart starting work, tell the children.
 */
export class PauseSwitch {
  paused = false;
  private lastParentSeq = -1;
  private seq = 0;

  constructor(private readonly onChange: (paused: boolean) => void | Promise<void>) {
    setHandler(pauseSignal, () => this.set(true));
    setHandler(resumeSignal, () => this.set(false));
    setHandler(pauseStateSignal, ({ paused, seq }) => {
      if (seq <= this.lastParentSeq) return;
      this.lastParentSeq = seq;
      return this.set(paused);
    });
  }

  /** Sends the current state to children, numbered after every state sent before. */
  async tell(children: Iterable<string>): Promise<void> {
    this.seq += 1;
    const state = { paused: this.paused, seq: this.seq };
    // A child may finish between our bookkeeping and the signal; that is not an error.
    await Promise.all([...children].map((id) => getExternalWorkflowHandle(id).signal(pauseStateSignal, state).catch(() => undefined)));
  }

  private async set(paused: boolean): Promise<void> {
    this.paused = paused;
    await this.onChange(paused);
  }
}
