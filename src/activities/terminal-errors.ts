import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

/**
 * How an activity's error reaches Temporal.
 * - Cancelled (a pause or cancel reached the activity at a heartbeat): whatever the aborted I/O
 *   threw (a transport error, a failed upload), it is reported as a cancellation, not a failure
 *   that would fail the unit.
 * - Errors are transient unless marked terminal: the OpenF1 client and the object stores flag each
 *   error `retryable`, and one that is not (bad data, bad credentials, a missing bucket) becomes a
 *   non-retryable ApplicationFailure of the same `type`, so Temporal stops retrying at once.
 */
/** An error's stable type: its `type` field (our error classes, ApplicationFailure) or its class name. */
export function errorTypeOf(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const type = (err as { type?: unknown }).type;
  return typeof type === 'string' && type !== '' ? type : err.name;
}

export function withTerminalErrors<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const wrapped = async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      if (Context.current().cancellationSignal.aborted && !(err instanceof CancelledFailure)) {
        throw new CancelledFailure('activity cancelled', [], err instanceof Error ? err : undefined);
      }
      if (err instanceof Error && (err as { retryable?: unknown }).retryable === false) {
        throw ApplicationFailure.create({ message: err.message, type: errorTypeOf(err), nonRetryable: true, cause: err });
      }
      throw err;
    }
  };
  // Temporal registers activities under their function names.
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}
