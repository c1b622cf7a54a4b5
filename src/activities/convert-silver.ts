import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import * as arrow from 'apache-arrow';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as parquet from 'parquet-wasm';
import { BronzeManifestSchema, type BronzeResult, type SilverResult, type TelemetryChecksum } from '../model/stage-results.js';
import { unitPrefix, type Unit } from '../model/unit.js';
import type { ObjectStore } from '../storage/object-store.js';
import { BronzeRowError, CarDataDecoder, INT_COLUMNS, INT_NAMES, sumInt64, TooManyRowsError } from './car-data-columns.js';
import { readJsonObject } from './object-json.js';

const HEARTBEAT_EVERY_ROWS = 50_000;

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
    // Bytes straight into typed columns (see car-data-columns.ts): no string, object or BigInt per row.
    const decoder = new CarDataDecoder(n);
    let nextHeartbeat = HEARTBEAT_EVERY_ROWS;
    const heartbeat = () => {
      if (decoder.rows < nextHeartbeat) return;
      ctx.heartbeat(decoder.rows);
      nextHeartbeat = (Math.floor(decoder.rows / HEARTBEAT_EVERY_ROWS) + 1) * HEARTBEAT_EVERY_ROWS;
    };
    for (const part of manifest.parts) {
      // Kept apart: pipeline may reject with the error of a stream it destroyed because of the
      // decoder's (an S3 body reports "The operation was aborted"), hiding the bad row.
      let decodeError: unknown;
      try {
        // pipeline (not .pipe): a decode error destroys the object stream too, instead of leaving it open.
        await pipeline(await deps.store.get(part.key), createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
          try {
            for await (const chunk of chunks) {
              decoder.push(chunk);
              heartbeat();
            }
          } catch (err) {
            decodeError = err;
            throw err;
          }
        });
        decoder.end();
        heartbeat();
      } catch (caught) {
        const err = decodeError ?? caught;
        // The decoder counts lines within the part; bad bronze data is terminal, retrying will not change it.
        if (err instanceof BronzeRowError) throw badRow(part.key, err.line, err.field, err.value, err.expected);
        if (err instanceof TooManyRowsError) throw ApplicationFailure.nonRetryable(`bronze ${part.key} holds more rows than its manifest says (${n})`, 'SilverConversionError');
        throw err;
      }
    }
    if (decoder.rows !== n) throw ApplicationFailure.nonRetryable(`bronze parts of ${bronze.manifestKey} hold ${decoder.rows} rows, manifest says ${n}`, 'SilverConversionError');
    const { date: dates, ...ints } = decoder.columns;
    let sumSpeed = 0;
    let sumRpm = 0;
    for (let i = 0; i < n; i++) {
      sumSpeed += ints.speed[i];
      sumRpm += ints.rpm[i];
    }

    const table = new arrow.Table({
      date: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: n, nullCount: 0, data: dates })),
      ...Object.fromEntries(
        INT_NAMES.map((c) => [c, arrow.makeVector(arrow.makeData({ type: INT_COLUMNS[c].type(), length: n, nullCount: 0, data: ints[c] } as never))]),
      ),
    });
    const bytes = writeParquet(table);
    const parquetKey = silverParquetKey(unit);
    await deps.store.put(parquetKey, bytes, { contentType: 'application/vnd.apache.parquet' });
    const result: TelemetryChecksum = { rows: n, sumSpeed: String(sumSpeed), sumRpm: String(sumRpm), sumDateMicros: sumInt64(dates).toString() };
    return { parquetKey, rows: n, bytes: bytes.byteLength, checksum: result, durationMs: Date.now() - started };
  };
}

export function writeParquet(table: arrow.Table): Uint8Array {
  const wasmTable = parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  const props = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).build();
  return parquet.writeParquet(wasmTable, props);
}
