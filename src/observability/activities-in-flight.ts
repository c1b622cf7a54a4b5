import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

interface Attempt {
  activity: string;
  workflowId: string;
  attempt: number;
  startedAt: number;
  cancelledAt?: number;
}

/**
 * The activity attempts a worker process is running, registered through an activity interceptor.
 * A worker that gives up waiting for its activities at shutdown (shutdownForceTime) names the ones
 * still running, and whether and when they were cancelled: the code that did not stop.
 */
export class ActivitiesInFlight {
  private readonly attempts = new Set<Attempt>();

  readonly interceptor: ActivityInterceptorsFactory = (ctx: Context) => ({
    inbound: {
      execute: async (input, next) => {
        const { info, cancellationSignal } = ctx;
        const attempt: Attempt = { activity: info.activityType, workflowId: info.workflowExecution?.workflowId ?? '(standalone)', attempt: info.attempt, startedAt: Date.now() };
        const onCancel = () => (attempt.cancelledAt = Date.now());
        cancellationSignal.addEventListener('abort', onCancel, { once: true });
        this.attempts.add(attempt);
        try {
          return await next(input);
        } finally {
          this.attempts.delete(attempt);
          cancellationSignal.removeEventListener('abort', onCancel);
        }
      },
    },
  });

  /** One line per running attempt, e.g. `stageUnit of f1/2023/r01/s7953/d16/speed>=100 (attempt 1, running 150 s, cancelled 121 s ago)`. */
  describe(now = Date.now()): string[] {
    const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
    return [...this.attempts].map(
      (a) =>
        `${a.activity} of ${a.workflowId} (attempt ${a.attempt}, running ${seconds(now - a.startedAt)}, ` +
        `${a.cancelledAt === undefined ? 'never cancelled' : `cancelled ${seconds(now - a.cancelledAt)} ago`})`,
    );
  }
}
