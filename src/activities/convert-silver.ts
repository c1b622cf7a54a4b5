import { ApplicationFailure } from '@temporalio/common';
import * as arrow from 'apache-arrow';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as parquet from 'parquet-wasm';
import type { BronzePart, SilverResult, TelemetryChecksum } from '../model/stage-results.js';
import { unitPrefix, type Unit } from '../model/unit.js';
import type { ObjectStore } from '../storage/object-store.js';
import { BronzeRowError, CarDataDecoder, INT_COLUMNS, INT_NAMES, sumInt64, TooManyRowsError } from './car-data-columns.js';

/** Rows decoded from staged parts between heartbeats. */
const HEARTBEAT_EVERY_ROWS = 50_000;

export function silverParquetKey(unit: Unit): string {
  return `${unitPrefix('silver', unit)}/car_data.parquet`;
}

/** A bronze row that cannot become a silver row: terminal, retrying will not change the data. */
function silverFailure(partKey: string, err: unknown): unknown {
  if (err instanceof BronzeRowError) {
    return ApplicationFailure.nonRetryable(
      `bronze ${partKey} line ${err.line} field "${err.field}": expected ${err.expected}, got ${JSON.stringify(err.value)}`,
      'SilverConversionError',
    );
  }
  if (err instanceof TooManyRowsError) {
    return ApplicationFailure.nonRetryable(`bronze ${partKey} line ${err.line} is one row more than it was counted with (${err.capacity})`, 'SilverConversionError');
  }
  return err;
}

/**
 * Convert (silver) of one unit: bronze NDJSON bytes -> typed Arrow columns -> Parquet (zstd).
 * Bytes are fed part by part, either as they are fetched (so nothing is read back or parsed twice)
 * or from parts already staged (a resumed or repeated stage). Rows go straight into typed columns
 * (car-data-columns.ts): no string, object or BigInt per row.
 *
 * A bad row does not throw where it is met: the bytes still have to reach bronze, which keeps what
 * the API sent. The builder stops decoding and `write()` reports the first bad row, naming part,
 * line and field (a non-retryable SilverConversionError).
 */
export class SilverBuilder {
  private readonly decoder = new CarDataDecoder(0);
  private partKey = '';
  private partStartRows = 0;
  private failure: unknown;
  /** Time spent decoding and writing, i.e. convert's own share of the stage. */
  private busy = 0;

  get rows(): number {
    return this.decoder.rows;
  }

  /** Milliseconds spent decoding and writing so far: convert's own share of the time. */
  get busyMs(): number {
    return this.busy;
  }

  beginPart(key: string): void {
    this.partKey = key;
    this.partStartRows = this.decoder.rows;
  }

  /** `rows`: the number of lines in `chunk`, when the sender counted them (fetched batches always end at a line). */
  push(chunk: Uint8Array, rows: number): void {
    if (this.failure !== undefined) return;
    const started = performance.now();
    try {
      this.decoder.reserve(this.decoder.rows + rows);
      this.decoder.push(chunk);
    } catch (err) {
      this.failure = silverFailure(this.partKey, err);
    }
    this.busy += performance.now() - started;
  }

  endPart(): void {
    if (this.failure !== undefined) return;
    try {
      this.decoder.end();
    } catch (err) {
      this.failure = silverFailure(this.partKey, err);
    }
  }

  /** The current part's bytes stopped half-way and will be sent again from the start. */
  abortPart(): void {
    if (this.failure === undefined) this.decoder.truncate(this.partStartRows);
  }

  /** Feeds parts already staged in bronze (gzip NDJSON), in order, calling `heartbeat` every HEARTBEAT_EVERY_ROWS. */
  async pushStoredParts(store: ObjectStore, parts: readonly BronzePart[], heartbeat: () => void): Promise<void> {
    let nextHeartbeat = this.rows + HEARTBEAT_EVERY_ROWS;
    for (const part of parts) {
      if (this.failure !== undefined) return;
      this.beginPart(part.key);
      // Not push(): a stored part's chunks split lines anywhere, so its row count is reserved up front.
      this.decoder.reserve(this.decoder.rows + part.rows);
      try {
        // pipeline (not .pipe): a failing read destroys every stream instead of leaving one open.
        await pipeline(await store.get(part.key), createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
          for await (const chunk of chunks) {
            this.push(chunk, 0);
            if (this.rows >= nextHeartbeat) {
              heartbeat();
              nextHeartbeat = this.rows + HEARTBEAT_EVERY_ROWS;
            }
            // A bad row stops the read; the failure is reported by write(), not as the aborted body's error.
            if (this.failure !== undefined) return;
          }
        });
      } catch (err) {
        if (this.failure === undefined) throw err;
      }
      this.endPart();
    }
  }

  /**
   * Writes the unit's Parquet (deterministic: a re-run rewrites identical bytes) and returns its
   * checksum; `expectedRows` is bronze's count, which every decoded row must add up to.
   */
  async write(store: ObjectStore, unit: Unit, bronzeKey: string, expectedRows: number): Promise<SilverResult> {
    if (this.failure !== undefined) throw this.failure;
    const started = performance.now();
    const n = this.decoder.rows;
    if (n !== expectedRows) throw ApplicationFailure.nonRetryable(`bronze parts of ${bronzeKey} hold ${n} rows, its manifest says ${expectedRows}`, 'SilverConversionError');
    const { date: dates, ...ints } = this.decoder.columns;
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
    await store.put(parquetKey, bytes, { contentType: 'application/vnd.apache.parquet' });
    const checksum: TelemetryChecksum = { rows: n, sumSpeed: String(sumSpeed), sumRpm: String(sumRpm), sumDateMicros: sumInt64(dates).toString() };
    this.busy += performance.now() - started;
    return { parquetKey, rows: n, bytes: bytes.byteLength, checksum, durationMs: Math.round(this.busy) };
  }
}

export function writeParquet(table: arrow.Table): Uint8Array {
  const wasmTable = parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  // No dictionary pages and column-chunk (not per-page) min/max: the writer's defaults made this a
  // third of convert's time, and zstd packs these value streams smaller without a dictionary
  // (a 16k-row unit: 20 ms -> 5 ms, 129 kB -> 104 kB). Readers still prune row groups on the stats.
  const props = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setDictionaryEnabled(false)
    .setStatisticsEnabled(parquet.EnabledStatistics.Chunk)
    .build();
  return parquet.writeParquet(wasmTable, props);
}
