import { Context } from '@temporalio/activity';

/** The worker sends heartbeats at most every 5 s (maxHeartbeatThrottleInterval); beating as often keeps cancels prompt. */
const INTERVAL_MS = 5_000;

/**
 * Heartbeats while `work` is in flight, whether or not it makes visible progress: a long INSERT,
 * or a fetch waiting for response headers or out a 429. Liveness is then detected by the
 * heartbeat timeout without cutting off slow but live work, and a cancel (a pause) reaches the
 * activity within seconds, since it arrives only in a heartbeat's response. `details` gives what
 * each heartbeat carries (the fetch's committed parts); without it heartbeats carry nothing.
 *
 * The first beat comes after one interval, not at the start: the server writes every heartbeat
 * into the workflow's state, and one from an activity that just started tells it nothing; a cancel
 * reaches the activity as soon either way.
 *
 * Beating stops once the activity is cancelled: it must end now, and if it hangs instead, the
 * heartbeat timeout says so rather than a timer keeping it alive until its start-to-close timeout.
 */
export async function keepAlive<R>(work: Promise<R>, details?: () => unknown): Promise<R> {
  const ctx = Context.current();
  const beat = () => {
    if (ctx.cancellationSignal.aborted) return;
    if (details) ctx.heartbeat(details());
    else ctx.heartbeat();
  };
  // unref: a hung activity's timer must not keep a stopping worker process alive.
  const timer = setInterval(beat, INTERVAL_MS).unref();
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
