import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivitiesInFlight } from '../../src/observability/activities-in-flight.js';

const info = { activityType: 'stageUnit', attempt: 2, workflowExecution: { workflowId: 'f1/2023/r01/s7953/d16/speed>=100', runId: 'r' } };

test('an attempt is listed while it runs, with when it was cancelled, and gone once it settles', async () => {
  const inFlight = new ActivitiesInFlight();
  const env = new MockActivityEnvironment(info, { interceptors: [inFlight.interceptor] });
  let release!: () => void;
  const running = env.run(async () => {
    // Ignores its cancellation until released, like the code a forced shutdown must name.
    await new Promise<void>((resolve) => (release = resolve));
    return Context.current().cancellationSignal.aborted;
  });
  await new Promise((resolve) => setImmediate(resolve));
  const started = Date.now();
  assert.deepEqual(inFlight.describe(started + 3_000), ['stageUnit of f1/2023/r01/s7953/d16/speed>=100 (attempt 2, running 3 s, never cancelled)']);

  env.cancel();
  assert.match(inFlight.describe(Date.now() + 20_000)[0], /^stageUnit of f1\/2023\/r01\/s7953\/d16\/speed>=100 \(attempt 2, running 2\d s, cancelled 20 s ago\)$/);

  release();
  assert.equal(await running, true);
  assert.deepEqual(inFlight.describe(), []);
});

test('a failing attempt is no longer listed either', async () => {
  const inFlight = new ActivitiesInFlight();
  const env = new MockActivityEnvironment(info, { interceptors: [inFlight.interceptor] });
  await assert.rejects(
    env.run(async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.deepEqual(inFlight.describe(), []);
});
