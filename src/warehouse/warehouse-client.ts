import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ClickHouseConnectionConfig } from '../config.js';

/** A ClickHouse client plus the database our tables live in. */
export interface Warehouse {
  client: ClickHouseClient;
  database: string;
  /** `embedded`: chDB in this process, which can only read staged files through file()/s3(). */
  mode: 'embedded' | 'server';
  close(): Promise<void>;
}

/**
 * One code path for both engines: @clickhouse/client over HTTP, or over chDB's in-process connection.
 * chDB binds one data directory per process, so a process must open at most one embedded
 * warehouse; the worker owns it and everything that needs it (load, reconcile, `sql`) runs there.
 */
export function openWarehouse(config: ClickHouseConnectionConfig): Warehouse {
  let client: ClickHouseClient;
  if (config.mode === 'embedded') {
    mkdirSync(config.path, { recursive: true });
    // Loaded only in embedded mode: chDB's native library is large, and a server-mode worker
    // (e.g. the production image) need not ship it.
    const { createChdbConnection } = createRequire(import.meta.url)('chdb/connection') as typeof import('chdb/connection');
    // chdb types its connection against @clickhouse/client-common, which @clickhouse/client now
    // vendors as its own copy: structurally the same contract, nominally two types.
    const connection = createChdbConnection({ path: config.path }) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'];
    client = createClient({ connection });
  } else {
    client = createClient({
      url: config.url,
      username: config.username,
      password: config.password,
      // Exactly-once relies on synchronous, deduplicated inserts.
      clickhouse_settings: { async_insert: 0, insert_deduplicate: 1 },
      request_timeout: config.requestTimeoutMs,
      ...(config.caCert ? { tls: { ca_cert: config.caCert } } : {}),
    });
  }
  return { client, database: config.database, mode: config.mode, close: () => client.close() };
}

/** Runs a query and returns its rows as objects. */
export async function queryRows<T>(wh: Warehouse, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await wh.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}
