/**
 * Records real workflow histories into test/histories/ for the replay test, which fails CI when a
 * workflow change would break executions already running. Files already there are kept: they
 * were recorded by older workflow code, which is what the replay test is for. To re-record one
 * (only for an intentional change made safe with Temporal's patching, `patched()`), delete it first.
 *
 *   node --import tsx scripts/record-histories.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { resolveBinary } from '../src/dev/binaries.js';
import { pauseSignal, progressQuery, resumeSignal } from '../src/workflows/messages.js';
import { startRealStack } from '../test/helpers/pipeline-harness.js';

const OUT = fileURLToPath(new URL('../test/histories/', import.meta.url));
const s = await startRealStack({ staging: 'file', database: 'record_histories' });
const taskQueue = s.stack.config.temporal.taskQueue;

/** The Temporal CLI writes histories in the standard JSON form that historyFromJSON reads. */
async function save(name: string, workflowId: string): Promise<void> {
  if (existsSync(`${OUT}${name}.json`)) {
    console.log(`kept ${name} (recorded by earlier code)`);
    return;
  }
  const json = execFileSync(resolveBinary('temporal'), ['workflow', 'show', '--workflow-id', workflowId, '--address', s.stack.config.temporal.address, '--output', 'json'], { encoding: 'utf8' });
  // The workflow ID matters on replay: the season derives its children's IDs from its own.
  writeFileSync(`${OUT}${name}.json`, JSON.stringify({ workflowId, history: JSON.parse(json) as unknown }) + '\n');
  console.log(`recorded ${name} (${(JSON.parse(json) as { events: unknown[] }).events.length} events) from ${workflowId}`);
}

try {
  const scope = { season: 2023, rounds: [1], sessionNames: ['Race'], filters: { speedGte: 100 } };
  await s.client.workflow.execute('seasonBackfill', { taskQueue, workflowId: 'rec/season', args: [{ ...scope, drivers: [1, 11] }] });
  await save('season-backfill', 'rec/season');
  await save('round-ingest', 'rec/season/r01');
  await save('driver-session-ingest', 'f1/2023/r01/s7953/d1/speed>=100');

  // Pause and resume mid-run, so the signal paths are in a recorded history too.
  // Units slow enough that the pause lands while the backfill still has units to run.
  s.stack.emulator.setFaults({ latencyMs: 2_000 });
  const paused = await s.client.workflow.start('seasonBackfill', { taskQueue, workflowId: 'rec/paused', args: [{ ...scope, drivers: [14, 16, 44], maxConcurrentUnits: 1 }] });
  while ((await paused.query(progressQuery)).unitsDone < 1) await sleep(200);
  await paused.signal(pauseSignal);
  await sleep(2_000);
  await paused.signal(resumeSignal);
  await paused.result();
  s.stack.emulator.setFaults({});
  await save('season-backfill-paused', 'rec/paused');
  await save('round-ingest-paused', 'rec/paused/r01');

  // A pause cancelling a fetch mid-request, then resume re-running it: the cancelled stageUnit and
  // its second run in one unit history. Answers slower than a heartbeat interval (5 s) make sure
  // the cancel reaches the fetch while it waits.
  s.stack.emulator.setFaults({ latencyMs: 8_000 });
  const unitId = 'f1/2023/r01/s7953/d63/speed>=100';
  const unitPaused = await s.client.workflow.start('seasonBackfill', { taskQueue, workflowId: 'rec/unit-paused', args: [{ ...scope, drivers: [63] }] });
  const pendingFetches = async () => (await s.client.workflow.getHandle(unitId).describe().catch(() => undefined))?.raw.pendingActivities?.length ?? 0;
  while ((await pendingFetches()) === 0) await sleep(200);
  await unitPaused.signal(pauseSignal);
  while ((await pendingFetches()) > 0) await sleep(200);
  s.stack.emulator.setFaults({});
  await unitPaused.signal(resumeSignal);
  await unitPaused.result();
  await save('driver-session-ingest-paused', unitId);

  await s.client.workflow.execute('incrementalIngest', { taskQueue, workflowId: 'rec/incremental', args: [{ ...scope, drivers: [55] }] });
  await save('incremental-ingest', 'rec/incremental');
} finally {
  await s.stop();
}
