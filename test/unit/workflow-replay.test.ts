import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/workflow-bundle.js';

// Determinism guard: histories recorded from real runs (scripts/record-histories.ts) must replay
// on today's workflow code, or a deploy would break executions already in flight.
const dir = new URL('../histories/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('recorded histories replay without nondeterminism', async () => {
  assert.ok(files.length >= 6, `expected recorded histories in test/histories, found ${files.length}`);
  // Each file: { workflowId, history } with the history in the Temporal CLI's JSON form, which the worker parses.
  const histories = files.map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { workflowId: string; history: unknown });
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, replayName: 'f1-ingest-replay' }, histories)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  assert.equal(replayed, files.length);
  assert.deepEqual(failures, []);
});
