import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { addBackfillOptions, backfillInputFromFlags, backfillWorkflowId } from '../../src/cli/backfill-options.js';

function parse(args: string[]) {
  const cmd = addBackfillOptions(new Command('backfill').exitOverride().configureOutput({ writeErr: () => undefined }));
  cmd.parse(args, { from: 'user' });
  return backfillInputFromFlags(cmd.opts());
}

test('flags mirror the JSON input', () => {
  assert.deepEqual(parse(['--season', '2023', '--rounds', '1,2', '--sessions', 'Race,Qualifying', '--drivers', '1,44', '--speed-gte', '100']), {
    season: 2023, rounds: [1, 2], sessionNames: ['Race', 'Qualifying'], drivers: [1, 44], filters: { speedGte: 100 },
  });
});

test('a malformed list names the flag and an example', () => {
  assert.throws(() => parse(['--season', '2023', '--rounds', '1,two']), /--rounds takes whole numbers separated by commas, e.g. --rounds 1,2; got "1,two"/);
});

test('workflow IDs depend on scope only, not on concurrency or key order', () => {
  const a = backfillWorkflowId({ season: 2023, rounds: [1], filters: { speedGte: 100 } });
  assert.equal(a, backfillWorkflowId({ filters: { speedGte: 100 }, rounds: [1], season: 2023, maxConcurrentUnits: 3 }));
  assert.notEqual(a, backfillWorkflowId({ season: 2023, rounds: [1], filters: { speedGte: 120 } }));
  assert.match(a, /^f1\/2023\/backfill-[0-9a-f]{10}$/);
});
