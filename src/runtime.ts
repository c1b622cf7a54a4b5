import type { AppConfig } from './config.js';
import type { ActivityDeps } from './activities/index.js';
import { installObservability, type Observability } from './observability/install-observability.js';
import { processMetrics } from './observability/metrics-registry.js';
import { countClientEvents } from './observability/openf1-client-metrics.js';
import { OpenF1Client } from './openf1/client.js';
import { createObjectStore } from './storage/object-store.js';
import { migrate } from './warehouse/migrations.js';
import { openWarehouse, type Warehouse } from './warehouse/warehouse-client.js';

export interface Runtime {
  deps: ActivityDeps;
  warehouse: Warehouse;
  /** JSON logs and the Prometheus endpoint (see installObservability). */
  observability: Observability;
  close(): Promise<void>;
}

/**
 * Builds the clients activities need from validated config, migrates the warehouse, and installs
 * the process's observability last: it must precede any Temporal connection, which every caller
 * opens after this, and nothing is installed if a client cannot be built.
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
  const warehouse = openWarehouse(config.clickhouse);
  const closeClients = async () => {
    await warehouse.close();
    await store.close?.();
  };
  let observability: Observability;
  try {
    await migrate(warehouse);
    observability = await installObservability(config);
  } catch (err) {
    await closeClients();
    throw err;
  }
  const s3 = config.staging.s3;
  return {
    deps: {
      openf1,
      store,
      warehouse,
      ...(s3?.accessKeyId && s3.secretAccessKey ? { stagingCredentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
    },
    warehouse,
    observability,
    async close() {
      await closeClients();
      await observability.close();
    },
  };
}
