import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type Activities } from '../../src/activities/index.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { BronzeResult } from '../../src/model/stage-results.js';
import { BronzeManifestSchema } from '../../src/model/stage-results.js';
import type { Unit } from '../../src/model/unit.js';
import { bahrainRaceUnit } from '../helpers/bahrain-race-unit.js';
import { OpenF1Client } from '../../src/openf1/client.js';
import { createObjectStore, type ObjectStore } from '../../src/storage/object-store.js';
import { migrate } from '../../src/warehouse/migrations.js';
import { insertUnitParquet, unitChecksum } from '../../src/warehouse/unit-tables.js';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse-client.js';

// Activities run in Temporal's activity test environment against the real emulator, a file://
// store and chDB: these tests aim at what one activity promises on retry, resume and re-run.
const UNIT: Unit = bahrainRaceUnit(44);

const dir = mkdtempSync(join(tmpdir(), 'f1-unit-activities-'));
let emulator: Emulator;
/** Same seed, no result cap: the reference answer for the whole unit in one request. */
let reference: Emulator;
let store: ObjectStore;
let warehouse: Warehouse;
let activities: Activities;

/** Runs an activity in a (given or fresh) activity environment, keeping its result type. */
function inActivity<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...a: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

async function apiRows(): Promise<unknown[]> {
  const res = await fetch(`${reference.url}/car_data?session_key=7953&driver_number=44&speed>=100`);
  assert.equal(res.status, 200);
  return (await res.json()) as unknown[];
}

async function bronzeRows(manifestKey: string): Promise<unknown[]> {
  const manifest = BronzeManifestSchema.parse(JSON.parse((await store.getBytes(manifestKey)).toString()));
  const rows: unknown[] = [];
  for (const part of manifest.parts) {
    for await (const line of createInterface({ input: (await store.get(part.key)).pipe(createGunzip()) })) if (line) rows.push(JSON.parse(line));
  }
  return rows;
}

before(async () => {
  // A small result cap makes the client bisect the 2-hour session into several windows (parts).
  emulator = await startEmulator({ maxRows: 4_000 });
  reference = await startEmulator();
  store = createObjectStore({ url: `file://${join(dir, 'staging')}` });
  warehouse = openWarehouse({ mode: 'embedded', path: join(dir, 'chdb'), database: 'it_unit_activities' });
  await migrate(warehouse);
  activities = createActivities({ openf1: new OpenF1Client({ baseUrl: emulator.url, rateLimit: false, retryBaseDelayMs: 10 }), store, warehouse, loadMode: 'pull' });
});

after(async () => {
  await warehouse?.close();
  await emulator?.close();
  await reference?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('stageBronze', () => {
  let full: BronzeResult;
  const heartbeats: unknown[] = [];

  test('splits an oversized unit into windows and stages exactly the API rows, in order', async () => {
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: unknown) => heartbeats.push(structuredClone(d)));
    full = await inActivity(env, activities.stageBronze, UNIT);
    const expected = await apiRows();
    assert.equal(full.rows, expected.length);
    assert.ok(full.apiRequests > 2, `expected bisection, got ${full.apiRequests} requests`);
    assert.deepEqual(await bronzeRows(full.manifestKey), expected);
  });

  test('a committed unit is not fetched again', async () => {
    emulator.resetStats();
    const again = await inActivity(new MockActivityEnvironment(), activities.stageBronze, UNIT);
    assert.equal(again.fetched, false);
    assert.equal(again.sha256, full.sha256);
    assert.equal(emulator.stats().requests, 0);
  });

  test('a retried attempt resumes after the parts in its last heartbeat', async () => {
    const mid = heartbeats.find((h) => (h as { parts: unknown[] }).parts.length >= 2) as { parts: Array<{ key: string; rows: number }> };
    assert.ok(mid, 'a heartbeat with at least two committed parts');
    // The attempt "died" here: no manifest yet, and a stray part beyond the heartbeat.
    await store.delete(full.manifestKey);
    await store.put(`${full.manifestKey.replace('_manifest.json', '')}part-9999999999999.ndjson.gz`, 'stray');
    emulator.resetStats();
    const resumed = await inActivity(new MockActivityEnvironment({ heartbeatDetails: mid }), activities.stageBronze, UNIT);
    const expected = await apiRows();
    assert.equal(resumed.rows, expected.length);
    assert.deepEqual(await bronzeRows(resumed.manifestKey), expected);
    const manifest = BronzeManifestSchema.parse(JSON.parse((await store.getBytes(resumed.manifestKey)).toString()));
    assert.deepEqual(manifest.parts.slice(0, mid.parts.length).map((p) => p.key), mid.parts.map((p) => p.key));
    // Only the windows after the heartbeat are fetched again.
    assert.ok(emulator.stats().requests < full.apiRequests, `resumed with ${emulator.stats().requests} requests, full fetch took ${full.apiRequests}`);
    assert.ok(resumed.apiRequests < full.apiRequests);
    const left = await store.list(full.manifestKey.replace('_manifest.json', ''));
    assert.equal(left.length, manifest.parts.length + 1, 'stray part removed, manifest and listed parts kept');
  });

  test('a cancelled fetch leaves no manifest behind', async () => {
    const other = { ...UNIT, driverNumber: 1 };
    const env = new MockActivityEnvironment();
    env.once('heartbeat', () => env.cancel());
    await assert.rejects(inActivity(env, activities.stageBronze, other));
    assert.equal(await store.head(full.manifestKey.replace('driver=44', 'driver=1')), null);
  });
});

describe('loadWarehouse: exactly once', () => {
  let bronze: BronzeResult;
  let silver: Awaited<ReturnType<Activities['convertToSilver']>>;
  const run = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A) => inActivity(new MockActivityEnvironment(), fn, ...args);

  before(async () => {
    bronze = await run(activities.stageBronze, UNIT);
    silver = await run(activities.convertToSilver, UNIT, bronze);
  });

  test('first load inserts the unit; a re-run finds it present and adds nothing', async () => {
    const first = await run(activities.loadWarehouse, UNIT, bronze, silver);
    assert.equal(first.action, 'inserted');
    assert.equal(first.rowsInWarehouse, silver.rows);
    const second = await run(activities.loadWarehouse, UNIT, bronze, silver);
    assert.equal(second.action, 'present');
    assert.deepEqual(await unitChecksum(warehouse, UNIT), silver.checksum);
  });

  test('a retried insert after a crash post-commit is dropped by the deduplication token', async () => {
    const token = `f1/2023/r01/s7953/d44/speed>=100@${bronze.sha256}`;
    const location = store.locate(silver.parquetKey);
    assert.equal(location.kind, 'file');
    await insertUnitParquet(warehouse, UNIT, location, token);
    assert.deepEqual(await unitChecksum(warehouse, UNIT), silver.checksum);
  });

  test('a partial unit is replaced, never topped up twice', async () => {
    await warehouse.client.command({
      query: `ALTER TABLE ${warehouse.database}.car_data DELETE WHERE session_key = 7953 AND driver_number = 44 AND date > '2023-03-05 16:00:00'`,
      clickhouse_settings: { mutations_sync: '2' },
    });
    assert.ok((await unitChecksum(warehouse, UNIT)).rows < silver.rows);
    const repaired = await run(activities.loadWarehouse, UNIT, bronze, silver);
    assert.equal(repaired.action, 'replaced');
    assert.deepEqual(await unitChecksum(warehouse, UNIT), silver.checksum);
  });

  test('reconcile logs the unit and fails loudly on a mismatch', async () => {
    const load = await run(activities.loadWarehouse, UNIT, bronze, silver);
    assert.deepEqual(await run(activities.reconcileUnit, UNIT, bronze, silver, load), { rows: silver.rows });
    const lying = { ...silver, checksum: { ...silver.checksum, sumSpeed: '1' } };
    await assert.rejects(run(activities.reconcileUnit, UNIT, bronze, lying, load), (err: Error & { type?: string }) => {
      assert.match(err.message, /does not reconcile/);
      assert.equal(err.type, 'ReconcileMismatch');
      return true;
    });
  });
});
