import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import * as parquet from 'parquet-wasm';
import * as arrow from 'apache-arrow';
import type { BackfillInput } from '../../src/model/backfill-input.js';
import { BronzeManifestSchema } from '../../src/model/stage-results.js';
import { queryRows } from '../../src/warehouse/warehouse-client.js';
import type { SeasonOutcome } from '../../src/workflows/season-backfill.js';
import { startRealStack, type RealStack } from '../helpers/pipeline-harness.js';

// 2023 round 1 (Bahrain), two sessions x three drivers, filtered on speed as the issue asks.
const INPUT: BackfillInput = { season: 2023, rounds: [1], sessionNames: ['Qualifying', 'Race'], drivers: [1, 11, 44], filters: { speedGte: 100 } };
const BAHRAIN = { meetingKey: 1141, sessions: [7768, 7953] };

interface CarRow {
  brake: number; date: string; driver_number: number; drs: number; meeting_key: number; n_gear: number; rpm: number; session_key: number; speed: number; throttle: number;
}

async function runBackfill(s: RealStack, workflowId: string): Promise<SeasonOutcome> {
  return s.client.workflow.execute('seasonBackfill', { taskQueue: s.stack.config.temporal.taskQueue, workflowId, args: [INPUT] }) as Promise<SeasonOutcome>;
}

/** The emulator's answer for a unit, fetched directly (not through the pipeline's client). */
async function apiRows(s: RealStack, session: number, driver: number): Promise<CarRow[]> {
  const res = await fetch(`${s.stack.emulator.url}/car_data?session_key=${session}&driver_number=${driver}&speed>=100`);
  assert.equal(res.status, 200);
  return (await res.json()) as CarRow[];
}

function toMicros(date: string): string {
  const [whole, frac = ''] = date.replace(/\+00:00$/, '').split('.');
  return `${whole.replace('T', ' ')}.${frac.padEnd(6, '0')}`;
}

for (const staging of ['minio', 'file'] as const) {
  describe(`backfill on the real stack, ${staging} staging`, { timeout: 600_000 }, () => {
    let s: RealStack;
    let first: SeasonOutcome;
    before(async () => {
      s = await startRealStack({ staging, database: `it_pipeline_${staging}` });
      first = await runBackfill(s, `it/${staging}/first`);
    });
    after(async () => s?.stop());

    test('plans 2 sessions x 3 drivers and loads every unit', () => {
      assert.equal(first.rounds.length, 1);
      assert.equal(first.rounds[0].meetingKey, BAHRAIN.meetingKey);
      assert.equal(first.rounds[0].units, 6);
      assert.equal(first.unitsLoaded, 6);
      assert.deepEqual(first.rounds[0].failed, []);
    });

    test('ClickHouse holds exactly the rows the emulator returns for the same filters', async () => {
      const wh = s.warehouse;
      let total = 0;
      for (const session of BAHRAIN.sessions) {
        for (const driver of [1, 11, 44]) {
          const expected = await apiRows(s, session, driver);
          assert.ok(expected.length > 1000, `emulator returned ${expected.length} rows for ${session}/${driver}`);
          assert.ok(expected.every((r) => r.speed >= 100));
          const loaded = await queryRows<Omit<CarRow, 'date'> & { date: string }>(
            wh,
            `SELECT brake, toString(date) AS date, driver_number, drs, meeting_key, n_gear, rpm, session_key, speed, throttle
             FROM ${wh.database}.car_data WHERE session_key = {s:UInt32} AND driver_number = {d:UInt8} ORDER BY date`,
            { s: session, d: driver },
          );
          assert.equal(loaded.length, expected.length, `row count for ${session}/${driver}`);
          assert.deepEqual(loaded, expected.map((r) => ({ ...r, date: toMicros(r.date) })));
          total += expected.length;
        }
      }
      assert.equal(first.rowsLoaded, total);
      const [log] = await queryRows<{ units: number; ok: number }>(wh, `SELECT toUInt32(count()) AS units, toUInt32(countIf(status = 'ok')) AS ok FROM ${wh.database}.ingest_log`);
      assert.deepEqual(log, { units: 6, ok: 6 });
      const gold = await queryRows<{ n: number; max_speed: number }>(wh, `SELECT toUInt32(count()) AS n, max(max_speed) AS max_speed FROM ${wh.database}.driver_session_stats FINAL`);
      assert.equal(gold[0].n, 6);
      assert.ok(gold[0].max_speed >= 300);
    });

    test('bronze rows are the API rows, same values and order; silver Parquet has the declared types', async () => {
      const store = s.runtime.deps.store;
      const session = BAHRAIN.sessions[1];
      const prefix = `bronze/openf1/car_data/season=2023/meeting=${BAHRAIN.meetingKey}/session=${session}/driver=44/filter=speed-gte-100`;
      const manifest = BronzeManifestSchema.parse(JSON.parse((await store.getBytes(`${prefix}/_manifest.json`)).toString()));
      const bronze: unknown[] = [];
      for (const part of manifest.parts) {
        for await (const line of createInterface({ input: (await store.get(part.key)).pipe(createGunzip()) })) if (line) bronze.push(JSON.parse(line));
      }
      assert.deepEqual(bronze, await apiRows(s, session, 44));
      assert.equal(manifest.rows, bronze.length);
      assert.match(manifest.sourceUrl, /car_data\?session_key=7953&driver_number=44&speed>=100$/);

      const pq = await store.getBytes(prefix.replace('bronze/', 'silver/') + '/car_data.parquet');
      const table = arrow.tableFromIPC(parquet.readParquet(pq).intoIPCStream());
      const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
      assert.deepEqual(types, {
        date: 'Timestamp<MICROSECOND, UTC>',
        session_key: 'Uint32', meeting_key: 'Uint32', driver_number: 'Uint8', speed: 'Uint16', rpm: 'Uint16',
        n_gear: 'Uint8', throttle: 'Uint8', brake: 'Uint8', drs: 'Uint8',
      });
      assert.equal(table.numRows, bronze.length);
    });

    test('running the same backfill again adds 0 rows', async () => {
      const wh = s.warehouse;
      const count = async () => (await queryRows<{ n: number }>(wh, `SELECT toUInt32(count()) AS n FROM ${wh.database}.car_data`))[0].n;
      const before = await count();
      const again = await runBackfill(s, `it/${staging}/again`);
      assert.equal(again.rowsLoaded, 0);
      assert.equal(again.unitsSkipped, 6);
      assert.equal(await count(), before);
    });
  });
}
