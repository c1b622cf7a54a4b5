import type { AppConfig } from './config.js';
import type { ActivityDeps } from './activities/index.js';
import { OpenF1Client } from './openf1/client.js';
import { createObjectStore } from './storage/object-store.js';
import { migrate } from './warehouse/migrations.js';
import { openWarehouse, type Warehouse } from './warehouse/warehouse-client.js';

export interface Runtime {
  deps: ActivityDeps;
  warehouse: Warehouse;
  close(): Promise<void>;
}

/** Builds the clients activities need from validated config, and migrates the warehouse. */
export async function createRuntime(config: AppConfig): Promise<Runtime> {
  const openf1 = new OpenF1Client({
    baseUrl: config.openf1.baseUrl,
    rateLimit: config.openf1.rateLimit,
    requestTimeoutMs: config.openf1.requestTimeoutMs,
    auth: config.openf1.auth,
  });
  const store = createObjectStore({ url: config.staging.url, s3: config.staging.s3 });
  const warehouse = openWarehouse(config.clickhouse);
  await migrate(warehouse);
  const s3 = config.staging.s3;
  return {
    deps: {
      openf1,
      store,
      warehouse,
      ...(s3?.accessKeyId && s3.secretAccessKey ? { stagingCredentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
    },
    warehouse,
    async close() {
      await warehouse.close();
      await store.close?.();
    },
  };
}
