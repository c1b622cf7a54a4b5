import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../config.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { SEARCH_ATTRIBUTES } from '../model/search-attributes.js';
import { startMinio, type MinioServer } from './minio.js';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-server.js';

export interface DevStackOptions {
  /** Root of local state; Temporal's SQLite file, MinIO's data and chDB live under it. */
  dataDir: string;
  /** `minio` (default) stages to a local MinIO; `file` to `<dataDir>/staging`. */
  staging: 'minio' | 'file';
  /** Ports on 127.0.0.1. Defaults: Temporal 7233, UI 8233, MinIO 9000/9001, emulator 8787; 0 picks a free one. */
  ports?: Partial<Record<'temporal' | 'temporalUi' | 'minio' | 'minioConsole' | 'emulator', number>>;
  /** Environment the stack's config is derived from (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface DevStack {
  config: AppConfig;
  temporal: TemporalDevServer;
  minio?: MinioServer;
  emulator: Emulator;
  stop(): Promise<void>;
}

const DEV_BUCKET = 'f1-ingest';

/**
 * The embedded stack on loopback: Temporal dev server (SQLite), MinIO or file:// staging and the
 * OpenF1 emulator. chDB needs no process: the worker opens it. The returned config points
 * everything at these services, so the same code runs here and against production endpoints.
 */
export async function startDevStack(opts: DevStackOptions): Promise<DevStack> {
  const ports = { temporal: 7233, temporalUi: 8233, minio: 9000, minioConsole: 9001, emulator: 8787, ...opts.ports };
  const logDir = join(opts.dataDir, 'logs');
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const temporal = await startTemporalDevServer({
      dbFile: join(opts.dataDir, 'temporal', 'temporal.db'),
      port: ports.temporal,
      uiPort: ports.temporalUi,
      searchAttributes: SEARCH_ATTRIBUTES,
      logDir,
    });
    started.push(temporal.handle);
    const emulator = await startEmulator({ port: ports.emulator });
    started.push({ stop: () => emulator.close() });
    let minio: MinioServer | undefined;
    if (opts.staging === 'minio') {
      minio = await startMinio({ dataDir: join(opts.dataDir, 'minio'), port: ports.minio, consolePort: ports.minioConsole, logDir });
      started.push(minio.handle);
    }
    const env = opts.env ?? process.env;
    const config = loadConfig({
      // dev is read by a person next to a progress bar: readable lines, warnings and up, unless asked otherwise.
      LOG_FORMAT: 'pretty',
      LOG_LEVEL: 'WARN',
      ...env,
      F1_INGEST_DATA_DIR: opts.dataDir,
      TEMPORAL_ADDRESS: temporal.address,
      OPENF1_BASE_URL: emulator.url,
      // The emulator is ours: no need to pace requests to it as the public API requires.
      OPENF1_RATE_LIMIT: 'off',
      OPENF1_GLOBAL_RATE_LIMIT: 'off',
      ...(minio
        ? { STAGING_URL: `s3://${DEV_BUCKET}`, S3_ENDPOINT: minio.endpoint, S3_ACCESS_KEY_ID: minio.accessKey, S3_SECRET_ACCESS_KEY: minio.secretKey }
        : { STAGING_URL: `file://${join(opts.dataDir, 'staging')}` }),
    });
    return { config, temporal, minio, emulator, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
