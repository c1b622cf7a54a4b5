import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackfillInputSchema, describeInputIssues, toOpenF1Filters } from '../../src/model/backfill-input.js';

test('only season is required; defaults are filled in', () => {
  const spec = BackfillInputSchema.parse({ season: 2023 });
  assert.deepEqual(spec, { season: 2023, includeTesting: false, maxConcurrentRounds: 2, maxConcurrentUnits: 8, dryRun: false });
});

test('filters become OpenF1 filters in a stable order', () => {
  const spec = BackfillInputSchema.parse({ season: 2024, filters: { throttleGte: 50, speedGte: 100 } });
  assert.deepEqual(toOpenF1Filters(spec.filters), [
    { field: 'speed', op: '>=', value: 100 },
    { field: 'throttle', op: '>=', value: 50 },
  ]);
  assert.deepEqual(toOpenF1Filters(undefined), []);
});

const invalid: Array<[unknown, string[]]> = [
  [{ season: 1949 }, ['season: 1949 is before the first season with data, 2023']],
  [{}, ['season: ']],
  [{ season: '2023' }, ['season: "2023" ']],
  [{ season: 2023, rounds: [0] }, ['rounds.0: 0 ']],
  [{ season: 2023, rounds: [] }, ['rounds: [] ']],
  [{ season: 2023, drivers: [100] }, ['drivers.0: 100 ']],
  [{ season: 2023, filters: { speedGte: -1 } }, ['filters.speedGte: -1 ']],
  [{ season: 2023, filters: { speed: 100 } }, ['filters: ']],
  [{ season: 2023, sessions: ['Race'] }, ['(input): ']],
  [{ season: 1900, rounds: ['x'], maxConcurrentUnits: 0 }, ['season: 1900 ', 'rounds.0: "x" ', 'maxConcurrentUnits: 0 ']],
];

for (const [input, expected] of invalid) {
  test(`invalid input ${JSON.stringify(input)} names every bad field`, () => {
    const parsed = BackfillInputSchema.safeParse(input);
    assert.equal(parsed.success, false);
    const lines = describeInputIssues(parsed.error!, input);
    assert.equal(lines.length, expected.length, lines.join('\n'));
    expected.forEach((prefix, i) => assert.ok(lines[i].startsWith(prefix), `${lines[i]} should start with ${prefix}`));
  });
}
