import { Context } from '@temporalio/activity';

const INTERVAL_MS = 10_000;

/**
 * Heartbeats while one long call (an INSERT, a checksum query) is in flight, so the heartbeat
 * timeout detects a dead worker quickly without cutting off a slow but live statement.
 * Only for activities whose heartbeat details carry nothing (they would be overwritten).
 */
export async function keepAlive<R>(work: Promise<R>): Promise<R> {
  const ctx = Context.current();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), INTERVAL_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
