import { Context } from '@temporalio/activity';

/** The worker sends heartbeats at most every 5 s (maxHeartbeatThrottleInterval); beating as often keeps cancels prompt. */
const INTERVAL_MS = 5_000;

/**
 * Heartbeats while `work` is in flight, whether or not it makes visible progress: a long INSERT,
 * or a fetch waiting for response headers or out a 429. Liveness is then detected by the
 * heartbeat timeout without cutting off slow but live work, and a cancel (a pause) reaches the
 * activity within seconds, since it arrives only in a heartbeat's response. `details` gives what
 * each heartbeat carries (the fetch's committed parts); without it heartbeats carry nothing.
 */
export async function keepAlive<R>(work: Promise<R>, details?: () => unknown): Promise<R> {
  const ctx = Context.current();
  const beat = () => (details ? ctx.heartbeat(details()) : ctx.heartbeat());
  beat();
  const timer = setInterval(beat, INTERVAL_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
