import { z } from 'zod';
import { FilterSchema } from '../openf1/filters.js';

/**
 * What each stage hands the next through workflow history: keys, counts and checksums only,
 * never telemetry (Temporal payloads are capped at 2 MB and history at 51,200 events).
 */

export const BronzePartSchema = z.object({
  key: z.string(),
  from: z.string(),
  to: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** sha256 of the part's uncompressed NDJSON. */
  sha256: z.string(),
});
export type BronzePart = z.infer<typeof BronzePartSchema>;

/** `_manifest.json` beside the bronze parts: the commit point of the stage. */
export const BronzeManifestSchema = z.object({
  schemaVersion: z.literal(1),
  unitId: z.string(),
  sourceUrl: z.string(),
  filters: z.array(FilterSchema),
  fetchedAt: z.string(),
  rows: z.number().int().nonnegative(),
  /** sha256 over the parts' sha256 values in order (so a resumed fetch need not re-read earlier parts). */
  sha256: z.string(),
  apiRequests: z.number().int().nonnegative(),
  parts: z.array(BronzePartSchema),
});
export type BronzeManifest = z.infer<typeof BronzeManifestSchema>;

export interface BronzeResult {
  manifestKey: string;
  rows: number;
  bytes: number;
  sha256: string;
  apiRequests: number;
  /** false when a previous attempt had already committed the manifest. */
  fetched: boolean;
  durationMs: number;
}

/** Order-independent content checksum, comparable between silver and ClickHouse. */
export interface TelemetryChecksum {
  rows: number;
  sumSpeed: string;
  sumRpm: string;
  sumDateMicros: string;
}

export interface SilverResult {
  parquetKey: string;
  rows: number;
  bytes: number;
  checksum: TelemetryChecksum;
  durationMs: number;
}

/** The fetch stage's result: bronze staged and silver written from the same bytes. */
export interface StagedUnit {
  bronze: BronzeResult;
  silver: SilverResult;
}

export interface LoadResult {
  rowsInWarehouse: number;
  /** inserted: rows written now; present: the unit was already loaded identically; empty: nothing to load. */
  action: 'inserted' | 'present' | 'replaced' | 'empty';
  durationMs: number;
}

export interface UnitOutcome {
  unitId: string;
  status: 'loaded' | 'skipped';
  rowsFetched: number;
  rowsLoaded: number;
  bytesStaged: number;
  apiRequests: number;
}
