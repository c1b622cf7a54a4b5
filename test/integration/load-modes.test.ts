import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities/index.js';
import { startMinio, type MinioServer } from '../../src/dev/minio.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { Unit } from '../../src/model/unit.js';
import { bahrainRaceUnit } from '../helpers/bahrain-race-unit.js';
import { OpenF1Client } from '../../src/openf1/client.js';
import { createObjectStore, type ObjectStore } from '../../src/storage/object-store.js';
import { migrate } from '../../src/warehouse/migrations.js';
import { queryRows, openWarehouse, type Warehouse } from '../../src/warehouse/warehouse-client.js';

// Both load modes, on both staging backends, into chDB: each case owns a ClickHouse database
// and loads the same unit; the rows must be the emulator's, whichever way the Parquet travelled.
const UNIT: Unit = bahrainRaceUnit(1);

const dir = mkdtempSync(join(tmpdir(), 'f1-load-modes-'));
let emulator: Emulator;
let minio: MinioServer;
let warehouse: Warehouse;
const stores: ObjectStore[] = [];

before(async () => {
  emulator = await startEmulator();
  minio = await startMinio({ dataDir: join(dir, 'minio'), port: 0, consolePort: 0, logDir: join(dir, 'logs') });
  // One chDB per process; each case gets its own database on it.
  warehouse = openWarehouse({ mode: 'embedded', path: join(dir, 'chdb'), database: 'unused' });
});

after(async () => {
  for (const store of stores) await store.close?.();
  await warehouse?.close();
  await emulator?.close();
  await minio?.handle.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs an activity in a fresh activity environment, keeping its result type. */
function run<A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A): Promise<R> {
  return new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
}

async function expectedRows(): Promise<Array<{ date: string; speed: number; rpm: number }>> {
  const res = await fetch(`${emulator.url}/car_data?session_key=${UNIT.sessionKey}&driver_number=${UNIT.driverNumber}&speed>=100`);
  assert.equal(res.status, 200);
  return (await res.json()) as Array<{ date: string; speed: number; rpm: number }>;
}

/** A database and a staging store of the case's own, and activities loading in `loadMode`. */
async function setUp(database: string, staging: 'file' | 's3', loadMode: 'pull' | 'push', clickhouseS3Endpoint: string) {
  const store =
    staging === 'file'
      ? createObjectStore({ url: `file://${join(dir, `staging-${database}`)}` })
      : createObjectStore({ url: `s3://${database.replaceAll('_', '-')}`, s3: { endpoint: minio.endpoint, region: 'us-east-1', accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  stores.push(store);
  await store.ensureBucket?.();
  const wh: Warehouse = { ...warehouse, database };
  await migrate(wh);
  const activities = createActivities({
    openf1: new OpenF1Client({ baseUrl: emulator.url, rateLimit: false }),
    store,
    warehouse: wh,
    loadMode,
    stagingCredentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey },
    clickhouseS3Endpoint,
  });
  return { wh, activities };
}

const cases = [
  { staging: 'file', loadMode: 'pull' },
  { staging: 'file', loadMode: 'push' },
  { staging: 's3', loadMode: 'pull' },
  { staging: 's3', loadMode: 'push' },
] as const;

describe('load modes into chDB', { timeout: 300_000 }, () => {
  for (const c of cases) {
    test(`${c.loadMode} from ${c.staging} staging loads the unit exactly`, async () => {
      const database = `it_load_${c.loadMode}_${c.staging}`;
      // ClickHouse reaches MinIO by another name than the worker does: pull must use this one.
      const { wh, activities } = await setUp(database, c.staging, c.loadMode, minio.endpoint.replace('127.0.0.1', 'localhost'));
      const { bronze, silver } = await run(activities.stageUnit, UNIT);
      const load = await run(activities.loadWarehouse, UNIT, bronze, silver);
      assert.equal(load.action, 'inserted');

      const expected = await expectedRows();
      assert.ok(expected.length > 1000);
      const [got] = await queryRows<{ rows: number; speed: string; rpm: string; first: string; last: string }>(
        wh,
        `SELECT toUInt32(count()) AS rows, toString(sum(speed)) AS speed, toString(sum(rpm)) AS rpm,
                toString(min(date)) AS first, toString(max(date)) AS last
         FROM ${database}.car_data`,
      );
      const micros = (d: string) => d.replace('T', ' ').replace('+00:00', '').padEnd(26, '0');
      assert.deepEqual(got, {
        rows: expected.length,
        speed: String(expected.reduce((n, r) => n + r.speed, 0)),
        rpm: String(expected.reduce((n, r) => n + r.rpm, 0)),
        first: micros(expected[0].date),
        last: micros(expected.at(-1)!.date),
      });
      // A re-run of the load (a retry after a crash) finds the unit present, in either mode.
      assert.equal((await run(activities.loadWarehouse, UNIT, bronze, silver)).action, 'present');
    });
  }

  test('a bad row fails the unit naming part, line and field, as fetched and as read back from S3 (not the S3 body it stops)', async () => {
    emulator.setFaults({ malformed: { rate: 0.001, sessionKeys: [UNIT.sessionKey] } });
    try {
      const { activities } = await setUp('it_load_bad_row', 's3', 'pull', minio.endpoint);
      const badRow = (err: ApplicationFailure) => {
        assert.equal(err.type, 'SilverConversionError');
        assert.equal(err.nonRetryable, true);
        assert.match(err.message, /^bronze bronze\/.*part-\d+\.ndjson\.gz line \d+ field "(speed|date)": expected /);
        return true;
      };
      // Decoded as it arrives: bronze still keeps everything the API sent.
      await assert.rejects(run(activities.stageUnit, UNIT), badRow);
      // A re-run finds bronze committed and decodes it from MinIO: the same error, not an aborted read.
      emulator.setFaults({});
      await assert.rejects(run(activities.stageUnit, UNIT), badRow);
    } finally {
      emulator.setFaults({});
    }
  });

  test('pull from S3 fails clearly when ClickHouse cannot reach the endpoint it is given', async () => {
    const database = 'it_load_bad_endpoint';
    const { wh, activities } = await setUp(database, 's3', 'pull', 'http://127.0.0.1:1');
    const { bronze, silver } = await run(activities.stageUnit, UNIT);
    await assert.rejects(run(activities.loadWarehouse, UNIT, bronze, silver), /127\.0\.0\.1:1/);
    const [row] = await queryRows<{ rows: number }>(wh, `SELECT toUInt32(count()) AS rows FROM ${database}.car_data`);
    assert.equal(row.rows, 0, 'nothing half-loaded');
  });
});
