import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SeasonOutcome } from '../../src/workflows/season-backfill.js';
import { scope, startBackfill } from '../chaos/faults.js';
import { ChaosStack, type WorkerProcess } from '../chaos/stack.js';

// Distinctive values, so any appearance is a leak and not a coincidence.
const SECRETS = {
  s3AccessKey: 'AKIAF1LEAKCHECK7F3A',
  s3SecretKey: 's3-secret-9d1c-never-logged',
  openf1User: 'f1-user-leakcheck-51a2',
  openf1Password: 'f1-pass-leakcheck-c0ffee',
  clickhousePassword: 'ch-pass-leakcheck-b00b5',
};

describe('secrets never reach workflow histories, search attributes or worker logs', { timeout: 300_000 }, () => {
  let stack: ChaosStack;
  let worker: WorkerProcess;
  let outcome: SeasonOutcome;
  const histories = new Map<string, string>();
  let searchAttributes = '';

  before(async () => {
    stack = await ChaosStack.start({
      s3: { accessKey: SECRETS.s3AccessKey, secretKey: SECRETS.s3SecretKey },
      openf1Auth: { username: SECRETS.openf1User, password: SECRETS.openf1Password },
      workerEnv: { CLICKHOUSE_PASSWORD: SECRETS.clickhousePassword, LOG_LEVEL: 'DEBUG' },
    });
    worker = await stack.startWorker('secrets');
    const run = await (await startBackfill(stack, 'secrets/backfill', scope(180, ['Race'], [1, 44]), 240_000)).outcome;
    assert.equal(run.status, 'completed', JSON.stringify(run));
    outcome = (run as { result: SeasonOutcome }).result;
    for await (const wf of stack.client.workflow.list()) {
      const history = await stack.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      histories.set(`${wf.type} ${wf.workflowId}`, JSON.stringify(history));
      searchAttributes += JSON.stringify(wf.searchAttributes);
    }
    await worker.stop();
  });
  after(async () => stack?.stop());

  test('the backfill used the credentials (authenticated API, S3 staging) and loaded rows', () => {
    assert.equal(outcome.unitsLoaded, 2);
    assert.ok(outcome.rowsLoaded > 10_000);
    assert.ok(stack.emulator.stats().byEndpoint.token, 'the worker never asked for an OpenF1 token');
  });

  test('histories of season, round and unit workflows were recorded', () => {
    const types = [...histories.keys()].map((k) => k.split(' ')[0]);
    for (const type of ['seasonBackfill', 'roundIngest', 'driverSessionIngest']) assert.ok(types.includes(type), `no ${type} history`);
    // The search would find a value that is there: the histories carry the unit keys.
    assert.ok([...histories.values()].some((h) => h.includes('speed>=180')));
  });

  for (const [name, secret] of Object.entries(SECRETS)) {
    test(`${name} appears nowhere`, () => {
      for (const [id, history] of histories) assert.ok(!history.includes(secret), `${name} in the history of ${id}`);
      assert.ok(!searchAttributes.includes(secret), `${name} in search attributes`);
      const log = worker.log();
      assert.ok(log.length > 1000, 'worker log not captured');
      assert.ok(!log.includes(secret), `${name} in the worker log`);
    });
  }
});
