import type { AppConfig } from './config.js';
import type { SourceDeps, WarehouseDeps } from './activities/index.js';
import { installObservability, type Observability } from './observability/install-observability.js';
import { processMetrics } from './observability/metrics-registry.js';
import { countClientEvents } from './observability/openf1-client-metrics.js';
import { OpenF1Client } from './openf1/client.js';
import { createObjectStore } from './storage/object-store.js';
import { migrate } from './warehouse/migrations.js';
import { openWarehouse, type Warehouse } from './warehouse/warehouse-client.js';

export interface Runtime {
  /** Clients for activities; the warehouse ones only when this process serves the warehouse queue. */
  deps: SourceDeps | WarehouseDeps;
  /** Open only when the worker's roles include `warehouse` (embedded chDB: one process only). */
  warehouse?: Warehouse;
  /** JSON logs and the Prometheus endpoint (see installObservability). */
  observability: Observability;
  close(): Promise<void>;
}

/**
 * Builds the clients activities need from validated config, opens and migrates the warehouse
 * when this process serves the warehouse queue, and installs the process's observability last:
 * it must precede any Temporal connection, which every caller opens after this, and nothing is
 * installed if a client cannot be built.
 */
export async function createRuntime(config: AppConfig): Promise<Runtime> {
  const openf1 = new OpenF1Client({
    baseUrl: config.openf1.baseUrl,
    rateLimit: config.openf1.rateLimit,
    requestTimeoutMs: config.openf1.requestTimeoutMs,
    auth: config.openf1.auth,
    onEvent: countClientEvents(processMetrics()),
  });
  const store = createObjectStore({ url: config.staging.url, s3: config.staging.s3 });
  const warehouse = config.worker.roles.includes('warehouse') ? openWarehouse(config.clickhouse) : undefined;
  const closeClients = async () => {
    await warehouse?.close();
    await store.close?.();
  };
  let observability: Observability;
  try {
    if (warehouse) await migrate(warehouse);
    observability = await installObservability(config);
  } catch (err) {
    await closeClients();
    throw err;
  }
  const s3 = config.staging.s3;
  return {
    deps: warehouse
      ? {
          openf1,
          store,
          warehouse,
          loadMode: config.clickhouse.load.mode,
          clickhouseS3Endpoint: config.clickhouse.load.s3Endpoint,
          ...(s3?.accessKeyId && s3.secretAccessKey ? { stagingCredentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
        }
      : { openf1, store },
    warehouse,
    observability,
    async close() {
      await closeClients();
      await observability.close();
    },
  };
}
