import { ApplicationFailure } from '@temporalio/common';
import type { BronzeResult, LoadResult, SilverResult, TelemetryChecksum } from '../model/stage-results.js';
import { unitId, type Unit } from '../model/unit.js';
import type { ObjectStore } from '../storage/object-store.js';
import { deleteUnitRows, insertUnitParquet, refreshDriverSessionStats, unitChecksum, type ParquetSource } from '../warehouse/unit-tables.js';
import type { Warehouse } from '../warehouse/warehouse-client.js';
import { keepAlive } from './keep-alive.js';

export interface LoadDeps {
  warehouse: Warehouse;
  store: ObjectStore;
  /** Credentials ClickHouse uses to read s3:// staging itself (pull). */
  stagingCredentials?: { accessKeyId: string; secretAccessKey: string };
}

export function sameChecksum(a: TelemetryChecksum, b: TelemetryChecksum): boolean {
  return a.rows === b.rows && a.sumSpeed === b.sumSpeed && a.sumRpm === b.sumRpm && a.sumDateMicros === b.sumDateMicros;
}

/**
 * How ClickHouse gets the Parquet: embedded chDB reads the staged object itself (its connection
 * cannot carry binary insert bodies); a server is pushed the bytes, so it needs no route to staging.
 */
async function parquetSource(deps: LoadDeps, key: string): Promise<ParquetSource> {
  if (deps.warehouse.mode === 'server') return { kind: 'push', body: await deps.store.get(key) };
  const location = deps.store.locate(key);
  if (location.kind === 'file') return location;
  if (!deps.stagingCredentials) {
    throw ApplicationFailure.nonRetryable('S3 staging needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY for ClickHouse to read it', 'ConfigError');
  }
  return { kind: 's3', url: location.url, ...deps.stagingCredentials };
}

export function createLoadWarehouseActivity(deps: LoadDeps) {
  /**
   * Load (ClickHouse), exactly once per unit: a unit already present with the same checksum is
   * left alone; a unit present with different content (a partial or stale load) is replaced;
   * otherwise it is inserted as one deduplicated block.
   */
  return async function loadWarehouse(unit: Unit, bronze: BronzeResult, silver: SilverResult): Promise<LoadResult> {
    return keepAlive(load(unit, bronze, silver));
  };

  async function load(unit: Unit, bronze: BronzeResult, silver: SilverResult): Promise<LoadResult> {
    const started = Date.now();
    const present = await unitChecksum(deps.warehouse, unit);
    if (present.rows > 0 && sameChecksum(present, silver.checksum)) {
      await refreshDriverSessionStats(deps.warehouse, unit);
      return { rowsInWarehouse: present.rows, action: 'present', durationMs: Date.now() - started };
    }
    if (silver.rows === 0 && present.rows === 0) return { rowsInWarehouse: 0, action: 'empty', durationMs: Date.now() - started };

    const replacing = present.rows > 0;
    if (replacing) await deleteUnitRows(deps.warehouse, unit);
    if (silver.rows > 0) {
      // The token names the content (bronze hash); after a replace the old token is still in the
      // dedup window and would swallow the insert, so a replace gets a token of its own.
      const token = `${unitId(unit)}@${bronze.sha256}${replacing ? `#replace-${Date.now()}` : ''}`;
      await insertUnitParquet(deps.warehouse, unit, await parquetSource(deps, silver.parquetKey), token);
      await refreshDriverSessionStats(deps.warehouse, unit);
    }
    const after = await unitChecksum(deps.warehouse, unit);
    return { rowsInWarehouse: after.rows, action: replacing ? 'replaced' : 'inserted', durationMs: Date.now() - started };
  }
}
