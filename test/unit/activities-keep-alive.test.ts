import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { keepAlive } from '../../src/activities/keep-alive.js';

test('heartbeats every 5 s with the current details while work runs, and none once cancelled', async () => {
  const env = new MockActivityEnvironment();
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  let release!: () => void;
  const progress = { parts: 0 };
  const running = env.run(() =>
    keepAlive(
      new Promise<string>((resolve) => (release = () => resolve('done'))),
      () => ({ ...progress }),
    ),
  );
  try {
    await delay(4_700);
    assert.deepEqual(beats, [], 'none at the start: the server learns nothing from an activity that just started');
    progress.parts = 1;
    await delay(600);
    assert.deepEqual(beats, [{ parts: 1 }], 'one from the timer, with the details as they are then');
    progress.parts = 2;
    await delay(5_000);
    assert.deepEqual(beats, [{ parts: 1 }, { parts: 2 }]);

    env.cancel();
    // A cancelled activity must end; one that hangs instead is left to the heartbeat timeout.
    await delay(5_300);
    assert.equal(beats.length, 2, 'no heartbeat after the cancel');
  } finally {
    release();
  }
  assert.equal(await running, 'done');
});
