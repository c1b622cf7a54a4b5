import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import * as arrow from 'apache-arrow';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import * as parquet from 'parquet-wasm';
import { BronzeManifestSchema, type BronzeResult, type SilverResult, type TelemetryChecksum } from '../model/stage-results.js';
import { parseOpenF1DateMicros } from '../model/openf1-date.js';
import { unitPrefix, type Unit } from '../model/unit.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readJsonObject } from './object-json.js';

/** Silver column layout: OpenF1 car_data with the narrowest types that hold every real value. */
const INT_COLUMNS = {
  session_key: { type: () => new arrow.Uint32(), array: Uint32Array, max: 0xffffffff },
  meeting_key: { type: () => new arrow.Uint32(), array: Uint32Array, max: 0xffffffff },
  driver_number: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
  speed: { type: () => new arrow.Uint16(), array: Uint16Array, max: 0xffff },
  rpm: { type: () => new arrow.Uint16(), array: Uint16Array, max: 0xffff },
  n_gear: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
  throttle: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
  brake: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
  drs: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
} as const;
type IntColumn = keyof typeof INT_COLUMNS;
const INT_NAMES = Object.keys(INT_COLUMNS) as IntColumn[];

export function silverParquetKey(unit: Unit): string {
  return `${unitPrefix('silver', unit)}/car_data.parquet`;
}

/** A bronze row that cannot become a silver row: terminal, retrying will not change the data. */
function badRow(partKey: string, line: number, field: string, value: unknown, expected: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `bronze ${partKey} line ${line} field "${field}": expected ${expected}, got ${JSON.stringify(value)}`,
    'SilverConversionError',
  );
}

export function createConvertSilverActivity(deps: { store: ObjectStore }) {
  /** Convert (silver): bronze gzip NDJSON -> typed Arrow columns -> Parquet (zstd). Deterministic, so re-runs rewrite identical bytes. */
  return async function convertToSilver(unit: Unit, bronze: BronzeResult): Promise<SilverResult> {
    const started = Date.now();
    const ctx = Context.current();
    const manifest = await readJsonObject(deps.store, bronze.manifestKey, BronzeManifestSchema);
    if (!manifest) throw ApplicationFailure.nonRetryable(`bronze manifest ${bronze.manifestKey} is missing`, 'BronzeMissing');

    const n = manifest.rows;
    const ints = Object.fromEntries(INT_NAMES.map((c) => [c, new INT_COLUMNS[c].array(n)])) as { [K in IntColumn]: InstanceType<(typeof INT_COLUMNS)[K]['array']> };
    const dates = new BigInt64Array(n);
    const checksum = { speed: 0, rpm: 0, date: 0n };
    let i = 0;
    for (const part of manifest.parts) {
      const lines = createInterface({ input: (await deps.store.get(part.key)).pipe(createGunzip()), crlfDelay: Infinity });
      let lineNo = 0;
      for await (const line of lines) {
        lineNo += 1;
        if (line.length === 0) continue;
        if (i >= n) throw ApplicationFailure.nonRetryable(`bronze ${part.key} holds more rows than its manifest says (${n})`, 'SilverConversionError');
        const row = JSON.parse(line) as Record<string, unknown>;
        for (const c of INT_NAMES) {
          const v = row[c];
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > INT_COLUMNS[c].max) throw badRow(part.key, lineNo, c, v, `an integer 0..${INT_COLUMNS[c].max}`);
          ints[c][i] = v;
        }
        if (typeof row.date !== 'string') throw badRow(part.key, lineNo, 'date', row.date, 'an ISO date string');
        try {
          dates[i] = parseOpenF1DateMicros(row.date);
        } catch {
          throw badRow(part.key, lineNo, 'date', row.date, 'an ISO date such as 2023-09-15T13:08:19.923000+00:00');
        }
        checksum.speed += ints.speed[i];
        checksum.rpm += ints.rpm[i];
        checksum.date += dates[i];
        i += 1;
        if (i % 50_000 === 0) ctx.heartbeat(i);
      }
    }
    if (i !== n) throw ApplicationFailure.nonRetryable(`bronze parts of ${bronze.manifestKey} hold ${i} rows, manifest says ${n}`, 'SilverConversionError');

    const table = new arrow.Table({
      date: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: n, nullCount: 0, data: dates })),
      ...Object.fromEntries(
        INT_NAMES.map((c) => [c, arrow.makeVector(arrow.makeData({ type: INT_COLUMNS[c].type(), length: n, nullCount: 0, data: ints[c] } as never))]),
      ),
    });
    const bytes = writeParquet(table);
    const parquetKey = silverParquetKey(unit);
    await deps.store.put(parquetKey, bytes, { contentType: 'application/vnd.apache.parquet' });
    const result: TelemetryChecksum = { rows: n, sumSpeed: String(checksum.speed), sumRpm: String(checksum.rpm), sumDateMicros: checksum.date.toString() };
    return { parquetKey, rows: n, bytes: bytes.byteLength, checksum: result, durationMs: Date.now() - started };
  };
}

export function writeParquet(table: arrow.Table): Uint8Array {
  const wasmTable = parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  const props = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).build();
  return parquet.writeParquet(wasmTable, props);
}
