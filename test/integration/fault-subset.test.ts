import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { formatTable, runChaos, shortSuite, type ScenarioReport } from '../chaos/run.js';

// The `--short` chaos subset on the real stack (Temporal, MinIO, emulator, chDB, worker process):
// after each fault ClickHouse must match the emulator per unit (rows, checksum, no duplicates).
describe('fault subset (chaos --short)', { timeout: 420_000 }, () => {
  let reports: ScenarioReport[];
  before(async () => {
    reports = await runChaos(shortSuite());
    console.log(formatTable(reports));
  });

  const expectations: Array<[scenario: string, minTrials: number, loadsRows: boolean]> = [
    ['worker SIGKILL', 2, true],
    ['pause cancels a lost fetch', 1, true],
    ['API faults', 1, true],
    ['duplicate backfills', 2, true],
    ['bad input', 40, false],
  ];
  for (const [scenario, minTrials, loadsRows] of expectations) {
    test(`${scenario}: every trial recovers to exactly the emulator's rows`, () => {
      const r = reports.find((x) => x.scenario === scenario);
      assert.ok(r, `${scenario} did not run`);
      assert.deepEqual(r.failures, []);
      assert.ok(r.trials >= minTrials, `${r.trials} trials`);
      assert.equal(r.passed, r.trials);
      assert.equal(r.rowsLoaded, r.rowsExpected);
      if (loadsRows) assert.ok(r.rowsExpected > 10_000, `only ${r.rowsExpected} rows expected: the scope is too small to mean anything`);
    });
  }
});
