import { ApplicationFailure } from '@temporalio/common';
import type { BronzeResult, LoadResult, SilverResult, TelemetryChecksum } from '../model/stage-results.js';
import { unitId, type Unit } from '../model/unit.js';
import type { ObjectStore } from '../storage/object-store.js';
import { deleteUnitRows, insertUnitParquet, refreshDriverSessionStats, unitChecksum, type ParquetSource } from '../warehouse/unit-tables.js';
import type { Warehouse } from '../warehouse/warehouse-client.js';
import { keepAlive } from './keep-alive.js';
import { reconcileUnit, sameChecksum } from './reconcile-unit.js';

export interface LoadDeps {
  warehouse: Warehouse;
  store: ObjectStore;
  /** `pull`: ClickHouse reads staging itself; `push`: the worker sends the bytes (see CLICKHOUSE_LOAD_MODE). */
  loadMode: 'pull' | 'push';
  /** Pull from s3:// staging: the S3 endpoint as ClickHouse reaches it, when it differs from the worker's. */
  clickhouseS3Endpoint?: string;
  /** Credentials ClickHouse uses to read s3:// staging itself (pull). */
  stagingCredentials?: { accessKeyId: string; secretAccessKey: string };
}

/** How ClickHouse gets the Parquet: it reads the staged object (pull), or the worker sends it (push). */
async function parquetSource(deps: LoadDeps, key: string): Promise<ParquetSource> {
  if (deps.loadMode === 'push') return { kind: 'push', stream: () => deps.store.get(key), bytes: () => deps.store.getBytes(key) };
  const location = deps.store.locate(key, { endpoint: deps.clickhouseS3Endpoint });
  if (location.kind === 'file') return location;
  // Config validation requires keys for pull from S3; this guards callers that build deps by hand.
  if (!deps.stagingCredentials) {
    throw ApplicationFailure.nonRetryable('pull from S3 staging needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY for ClickHouse to read it', 'ConfigError');
  }
  return { kind: 's3', url: location.url, ...deps.stagingCredentials };
}

export function createLoadWarehouseActivity(deps: LoadDeps) {
  /**
   * Load (ClickHouse), exactly once per unit: a unit already present with the same checksum is
   * left alone; a unit present with different content (a partial or stale load) is replaced;
   * otherwise it is inserted as one deduplicated block, and the engine's materialized view writes
   * its gold row from that block (migrations.ts). Then reconciled against what ClickHouse
   * holds (reconcile-unit.ts), so a unit is never reported loaded unverified.
   */
  return async function loadWarehouse(unit: Unit, bronze: BronzeResult, silver: SilverResult): Promise<LoadResult> {
    return keepAlive(
      (async () => {
        const { result, inWarehouse } = await load(unit, bronze, silver);
        await reconcileUnit(deps.warehouse, unit, { bronze, silver, load: result, inWarehouse });
        return result;
      })(),
    );
  };

  async function load(unit: Unit, bronze: BronzeResult, silver: SilverResult): Promise<{ result: LoadResult; inWarehouse: TelemetryChecksum }> {
    const started = Date.now();
    const present = await unitChecksum(deps.warehouse, unit);
    if (present.rows > 0 && sameChecksum(present, silver.checksum)) {
      await refreshDriverSessionStats(deps.warehouse, unit);
      return { result: { rowsInWarehouse: present.rows, action: 'present', durationMs: Date.now() - started }, inWarehouse: present };
    }
    if (silver.rows === 0 && present.rows === 0) return { result: { rowsInWarehouse: 0, action: 'empty', durationMs: Date.now() - started }, inWarehouse: present };

    const replacing = present.rows > 0;
    if (replacing) await deleteUnitRows(deps.warehouse, unit);
    if (silver.rows > 0) {
      // The token names the content (bronze hash); after a replace the old token is still in the
      // dedup window and would swallow the insert, so a replace gets a token of its own.
      const token = `${unitId(unit)}@${bronze.sha256}${replacing ? `#replace-${Date.now()}` : ''}`;
      const source = await parquetSource(deps, silver.parquetKey);
      await insertUnitParquet(deps.warehouse, unit, source, token).catch((err: unknown) => {
        if (source.kind !== 's3') throw err;
        // ClickHouse's message names the object but not where it looked: say which setting decides that.
        throw new Error(
          `ClickHouse could not read ${source.url} (pull mode; that endpoint comes from CLICKHOUSE_S3_ENDPOINT, else S3_ENDPOINT; ` +
            `it must be reachable from ClickHouse, or set CLICKHOUSE_LOAD_MODE=push): ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      });
    }
    const after = await unitChecksum(deps.warehouse, unit);
    return { result: { rowsInWarehouse: after.rows, action: replacing ? 'replaced' : 'inserted', durationMs: Date.now() - started }, inWarehouse: after };
  }
}
