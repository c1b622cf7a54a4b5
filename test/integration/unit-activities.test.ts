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
import type { BronzeResult, SilverResult, StagedUnit, TelemetryChecksum } from '../../src/model/stage-results.js';
import { BronzeManifestSchema } from '../../src/model/stage-results.js';
import { unitId, type Unit } from '../../src/model/unit.js';
import { bahrainRaceUnit } from '../helpers/bahrain-race-unit.js';
import { OpenF1Client } from '../../src/openf1/client.js';
import { createObjectStore, type ObjectStore } from '../../src/storage/object-store.js';
import { migrate } from '../../src/warehouse/migrations.js';
import { driverSessionStatsSelect, insertUnitParquet, unitChecksum } from '../../src/warehouse/unit-tables.js';
import { queryRows } from '../../src/warehouse/warehouse-client.js';
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
let client: OpenF1Client;

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
  client = new OpenF1Client({ baseUrl: emulator.url, rateLimit: false, retryBaseDelayMs: 10 });
  activities = createActivities({ openf1: client, store, warehouse, loadMode: 'pull' });
});

after(async () => {
  await warehouse?.close();
  await emulator?.close();
  await reference?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Silver's checksum of rows as the API serves them. */
function checksumOf(rows: unknown[]): { rows: number; sumSpeed: string; sumRpm: string } {
  const typed = rows as Array<{ speed: number; rpm: number }>;
  return { rows: typed.length, sumSpeed: String(typed.reduce((n, r) => n + r.speed, 0)), sumRpm: String(typed.reduce((n, r) => n + r.rpm, 0)) };
}

function withoutDate({ rows, sumSpeed, sumRpm }: TelemetryChecksum) {
  return { rows, sumSpeed, sumRpm };
}

/** The unit's gold row as the materialized view left it, and as computed now from its stored rows: they must agree. */
async function goldOf(unit: Unit): Promise<{ stored: unknown[]; recomputed: unknown[] }> {
  const where = `session_key = {session:UInt32} AND driver_number = {driver:UInt8} AND filter_key = {filterKey:String}`;
  const params = { session: unit.sessionKey, driver: unit.driverNumber, filterKey: unit.filterKey };
  const columns = 'toUInt64(samples) AS samples, max_speed, avg_speed, full_throttle_share, braking_events, drs_share, first_sample, last_sample';
  const db = warehouse.database;
  return {
    stored: await queryRows(warehouse, `SELECT ${columns} FROM ${db}.driver_session_stats FINAL WHERE ${where}`, params),
    recomputed: await queryRows(warehouse, `SELECT ${columns} FROM (${driverSessionStatsSelect(`${db}.car_data WHERE ${where}`)})`, params),
  };
}

describe('stageUnit', () => {
  let full: StagedUnit;
  let parquet: Buffer;
  const heartbeats: unknown[] = [];

  test('splits an oversized unit into windows, stages exactly the API rows in order, and converts the same rows', async () => {
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: unknown) => heartbeats.push(structuredClone(d)));
    full = await inActivity(env, activities.stageUnit, UNIT);
    const expected = await apiRows();
    assert.equal(full.bronze.rows, expected.length);
    assert.ok(full.bronze.apiRequests > 2, `expected bisection, got ${full.bronze.apiRequests} requests`);
    assert.deepEqual(await bronzeRows(full.bronze.manifestKey), expected);
    assert.deepEqual(withoutDate(full.silver.checksum), checksumOf(expected));
    parquet = await store.getBytes(full.silver.parquetKey);
  });

  test('a fresh one-window unit costs one listing and three puts (part, manifest, Parquet): nothing read, nothing deleted', async () => {
    // Requests per unit are a per-unit cost in the worker, the object store and the network.
    const calls: Record<string, number> = {};
    const counted = new Proxy(store, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const uncapped = new OpenF1Client({ baseUrl: reference.url, rateLimit: false });
    const staged = await inActivity(new MockActivityEnvironment(), createActivities({ openf1: uncapped, store: counted, warehouse, loadMode: 'pull' }).stageUnit, {
      ...UNIT,
      driverNumber: 63,
    });
    assert.equal(staged.bronze.apiRequests, 1);
    assert.ok(staged.bronze.rows > 0);
    assert.deepEqual(calls, { list: 1, put: 3 });
  });

  test('a committed unit is not fetched again; its silver is rebuilt from bronze, byte for byte', async () => {
    emulator.resetStats();
    await store.delete(full.silver.parquetKey);
    const again = await inActivity(new MockActivityEnvironment(), activities.stageUnit, UNIT);
    assert.equal(again.bronze.fetched, false);
    assert.equal(again.bronze.sha256, full.bronze.sha256);
    assert.deepEqual(again.silver.checksum, full.silver.checksum);
    assert.ok((await store.getBytes(full.silver.parquetKey)).equals(parquet));
    assert.equal(emulator.stats().requests, 0);
  });

  test('a retried attempt resumes after the parts in its last heartbeat, and its silver holds every row once', async () => {
    const mid = heartbeats.find((h) => (h as { parts: unknown[] }).parts.length >= 2) as { parts: Array<{ key: string; rows: number }> };
    assert.ok(mid, 'a heartbeat with at least two committed parts');
    // The attempt "died" here: no manifest yet, and a stray part beyond the heartbeat.
    await store.delete(full.bronze.manifestKey);
    await store.put(`${full.bronze.manifestKey.replace('_manifest.json', '')}part-9999999999999.ndjson.gz`, 'stray');
    emulator.resetStats();
    const resumed = await inActivity(new MockActivityEnvironment({ heartbeatDetails: mid }), activities.stageUnit, UNIT);
    const expected = await apiRows();
    assert.equal(resumed.bronze.rows, expected.length);
    assert.deepEqual(await bronzeRows(resumed.bronze.manifestKey), expected);
    assert.deepEqual(resumed.silver.checksum, full.silver.checksum);
    assert.ok((await store.getBytes(full.silver.parquetKey)).equals(parquet));
    const manifest = BronzeManifestSchema.parse(JSON.parse((await store.getBytes(resumed.bronze.manifestKey)).toString()));
    assert.deepEqual(manifest.parts.slice(0, mid.parts.length).map((p) => p.key), mid.parts.map((p) => p.key));
    // Only the windows after the heartbeat are fetched again.
    assert.ok(emulator.stats().requests < full.bronze.apiRequests, `resumed with ${emulator.stats().requests} requests, full fetch took ${full.bronze.apiRequests}`);
    assert.ok(resumed.bronze.apiRequests < full.bronze.apiRequests);
    const left = await store.list(full.bronze.manifestKey.replace('_manifest.json', ''));
    assert.equal(left.length, manifest.parts.length + 1, 'stray part removed, manifest and listed parts kept');
  });

  test('responses cut off mid-body are fetched again without a row counted twice', async () => {
    const other = { ...UNIT, driverNumber: 16 };
    emulator.setFaults({ truncateRate: 0.5, seed: 3 });
    try {
      const retriesBefore = client.stats().retries;
      const staged = await inActivity(new MockActivityEnvironment(), activities.stageUnit, other);
      const rows = (await (await fetch(`${reference.url}/car_data?session_key=7953&driver_number=16&speed>=100`)).json()) as unknown[];
      assert.ok(client.stats().retries > retriesBefore, 'some responses were cut off and fetched again');
      assert.deepEqual(withoutDate(staged.silver.checksum), checksumOf(rows));
      assert.deepEqual(await bronzeRows(staged.bronze.manifestKey), rows);
    } finally {
      emulator.setFaults({});
    }
  });

  test('a fetch waiting for its first byte keeps heartbeating, so a cancel reaches it before the answer', async () => {
    const other = { ...UNIT, driverNumber: 11 };
    // Longer than two heartbeat intervals (5 s), shorter than the client's 30 s request timeout.
    emulator.setFaults({ latencyMs: 15_000 });
    try {
      const env = new MockActivityEnvironment();
      const beats: Array<{ parts: unknown[] }> = [];
      env.on('heartbeat', (d: { parts: unknown[] }) => {
        beats.push(structuredClone(d));
        // Beats come every 5 s from the first: both of these come from the wait.
        if (beats.length === 2) env.cancel();
      });
      const started = Date.now();
      await assert.rejects(inActivity(env, activities.stageUnit, other));
      assert.equal(beats.length, 2);
      assert.ok(beats.every((b) => b.parts.length === 0), 'no part was committed: the answer never came');
      assert.ok(Date.now() - started < 15_000, 'cancelled while the request waited');
    } finally {
      emulator.setFaults({});
    }
  });

  test('a cancelled fetch leaves no manifest behind', async () => {
    const other = { ...UNIT, driverNumber: 1 };
    const env = new MockActivityEnvironment();
    env.once('heartbeat', () => env.cancel());
    await assert.rejects(inActivity(env, activities.stageUnit, other));
    assert.equal(await store.head(full.bronze.manifestKey.replace('driver=44', 'driver=1')), null);
  });
});

describe('loadWarehouse: exactly once', () => {
  let bronze: BronzeResult;
  let silver: SilverResult;
  const run = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A) => inActivity(new MockActivityEnvironment(), fn, ...args);

  before(async () => {
    ({ bronze, silver } = await run(activities.stageUnit, UNIT));
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
    // The replacement's gold row (newest) describes the whole unit again, not the partial one.
    const { stored, recomputed } = await goldOf(UNIT);
    assert.equal(stored.length, 1);
    assert.deepEqual(stored, recomputed);
  });

  test('a unit that comes back empty is emptied, gold row included', async () => {
    const unit = bahrainRaceUnit(1);
    const staged = await run(activities.stageUnit, unit);
    await run(activities.loadWarehouse, unit, staged.bronze, staged.silver);
    assert.equal((await goldOf(unit)).stored.length, 1);
    const none = { rows: 0, sumSpeed: '0', sumRpm: '0', sumDateMicros: '0' };
    const emptied = await run(activities.loadWarehouse, unit, { ...staged.bronze, rows: 0 }, { ...staged.silver, rows: 0, checksum: none });
    assert.deepEqual([emptied.action, emptied.rowsInWarehouse], ['replaced', 0]);
    assert.deepEqual(await goldOf(unit), { stored: [], recomputed: [] });
  });

  test('gold comes from the whole unit even when it spans several ClickHouse read blocks', async () => {
    // The 9.5-hour testing day, unfiltered: ~126k rows, nearly twice the 65,409-row block a read
    // yields; the insert squashes them into one block, which is what the view sees.
    const day: Unit = {
      season: 2023, roundLabel: 't1', meetingKey: 1140, sessionKey: 9222, sessionName: 'Practice 1', sessionType: 'Practice',
      driverNumber: 44, dateStart: '2023-02-23T07:00:00+00:00', dateEnd: '2023-02-23T16:30:00+00:00', filters: [], filterKey: '',
    };
    const uncapped = createActivities({ openf1: new OpenF1Client({ baseUrl: reference.url, rateLimit: false }), store, warehouse, loadMode: 'pull' });
    const staged = await run(uncapped.stageUnit, day);
    assert.ok(staged.silver.rows > 65_409, `${staged.silver.rows} rows`);
    assert.equal((await run(uncapped.loadWarehouse, day, staged.bronze, staged.silver)).action, 'inserted');
    const { stored, recomputed } = await goldOf(day);
    assert.equal(stored.length, 1);
    assert.equal(Number((stored[0] as { samples: unknown }).samples), staged.silver.rows);
    assert.deepEqual(stored, recomputed);
  });

  test('the load reconciles: one ingest_log row per load, and a mismatch fails loudly', async () => {
    const logged = async () => (await warehouse.client.query({ query: `SELECT count() AS n FROM ${warehouse.database}.ingest_log WHERE unit_id = {id:String}`, query_params: { id: unitId(UNIT) }, format: 'JSONEachRow' }).then((r) => r.json<{ n: string }>()))[0].n;
    const before = Number(await logged());
    assert.equal((await run(activities.loadWarehouse, UNIT, bronze, silver)).rowsInWarehouse, silver.rows);
    assert.equal(Number(await logged()), before + 1);
    const lying = { ...silver, checksum: { ...silver.checksum, sumSpeed: '1' } };
    await assert.rejects(run(activities.loadWarehouse, UNIT, bronze, lying), (err: Error & { type?: string }) => {
      assert.match(err.message, /does not reconcile/);
      assert.equal(err.type, 'ReconcileMismatch');
      return true;
    });
  });
});
