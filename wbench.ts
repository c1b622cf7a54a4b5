import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createObjectStore } from './src/storage/object-store.js';
import { migrate } from './src/warehouse/migrations.js';
import { openWarehouse } from './src/warehouse/warehouse-client.js';
import { insertUnitParquet, refreshDriverSessionStats, unitChecksum } from './src/warehouse/unit-tables.js';
import { SilverBuilder } from './src/activities/convert-silver.js';
import { bahrainRaceUnit } from './test/helpers/bahrain-race-unit.js';

const dir = mkdtempSync(join(tmpdir(), 'wb-'));
const store = createObjectStore({ url: `file://${join(dir, 'staging')}` });
const wh = openWarehouse({ mode: 'embedded', path: join(dir, 'chdb'), database: 'wb' });
let t = performance.now();
await migrate(wh);
console.log('migrate', Math.round(performance.now() - t));
// 16k rows of synthetic NDJSON
const lines: string[] = [];
for (let i = 0; i < 16000; i++) lines.push(JSON.stringify({ brake: 0, date: new Date(1678028400000 + i * 270).toISOString().replace('Z', '000+00:00'), driver_number: 1, drs: 0, meeting_key: 1141, n_gear: 7, rpm: 10000 + i % 500, session_key: 7953, speed: 200 + i % 100, throttle: 99 }));
const buf = Buffer.from(lines.join('\n') + '\n');
const timing: Record<string, number> = {};
const time = async (k: string, f: () => Promise<unknown>) => { const s = performance.now(); await f(); timing[k] = (timing[k] ?? 0) + performance.now() - s; };
const N = Number(process.argv[2] ?? 50);
const cpu0 = process.cpuUsage();
const w0 = performance.now();
for (let d = 1; d <= N; d++) {
  const unit = { ...bahrainRaceUnit(d) };
  const b = new SilverBuilder(); b.beginPart('x'); b.push(buf, 16000); b.endPart();
  const silver = await b.write(store, unit, 'k', 16000);
  await time('checksum1', () => unitChecksum(wh, unit));
  const loc = store.locate(silver.parquetKey);
  await time('insert', () => insertUnitParquet(wh, unit, loc as never, `tok-${d}`));
  await time('gold', () => refreshDriverSessionStats(wh, unit));
  await time('checksum2', () => unitChecksum(wh, unit));
  await time('log', () => wh.client.insert({ table: 'wb.ingest_log', format: 'JSONEachRow', values: [{ unit_id: 'x', season: 2023, meeting_key: 1, session_key: 1, driver_number: d, filter_key: 'k', status: 'ok', bronze_rows: 1, silver_rows: 1, warehouse_rows: 1, bronze_sha256: 'x', api_requests: 1, staged_bytes: 1, fetch_ms: 1, convert_ms: 1, load_ms: 1, workflow_id: '', run_id: '' }] }));
}
const wall = performance.now() - w0;
const cpu = process.cpuUsage(cpu0);
for (const [k, v] of Object.entries(timing)) console.log(k, (v / N).toFixed(1), 'ms/unit');
console.log('wall', (wall / N).toFixed(1), 'ms/unit; cpu', ((cpu.user + cpu.system) / 1000 / N).toFixed(1), 'ms/unit');
await wh.close();
