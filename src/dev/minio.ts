import { join } from 'node:path';
import { z } from 'zod';
import { resolveBinary } from './binaries.js';
import { HostSchema, PortSchema, startOnFreePorts } from './ports.js';
import { startProcess, type ProcessHandle } from './process.js';

export const MinioOptionsSchema = z.object({
  /** Directory holding buckets and objects; start again on the same directory to keep them. */
  dataDir: z.string().min(1),
  /** Interface to bind. Default '127.0.0.1'. */
  host: HostSchema,
  /** S3 API port. Default 0: a free port is picked. */
  port: PortSchema.default(0),
  /** Web console port. Default 0: a free port is picked. */
  consolePort: PortSchema.default(0),
  /** Root user (S3 access key). Default 'minioadmin', MinIO's own default. */
  accessKey: z.string().min(3, 'MinIO requires an access key of at least 3 characters').default('minioadmin'),
  /** Root password (S3 secret key). Default 'minioadmin'. */
  secretKey: z.string().min(8, 'MinIO requires a secret key of at least 8 characters').default('minioadmin'),
  /** Directory for `minio.log`. */
  logDir: z.string().min(1),
  /** How long to wait for the health endpoint. Default 30 000 ms. */
  readyTimeoutMs: z.number().int().positive().default(30_000),
});
export type MinioOptions = z.input<typeof MinioOptionsSchema>;

export interface MinioServer {
  /** S3 endpoint, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  consoleUrl: string;
  accessKey: string;
  secretKey: string;
  handle: ProcessHandle;
}

const PROBE_TIMEOUT_MS = 1_000;

/** Starts a single-drive MinIO server and resolves once `/minio/health/live` answers. */
export async function startMinio(options: MinioOptions): Promise<MinioServer> {
  const opts = MinioOptionsSchema.parse(options);
  return startOnFreePorts(opts.host, [opts.port, opts.consolePort], ([port, consolePort]) => launch(opts, port, consolePort));
}

async function launch(opts: z.output<typeof MinioOptionsSchema>, port: number, consolePort: number): Promise<MinioServer> {
  const endpoint = `http://${opts.host}:${port}`;
  const handle = await startProcess({
    name: 'minio',
    command: resolveBinary('minio'),
    args: [
      'server',
      opts.dataDir,
      '--address',
      `${opts.host}:${port}`,
      '--console-address',
      `${opts.host}:${consolePort}`,
      // Without this MinIO creates ~/.minio/certs; loopback dev servers never use TLS.
      '--certs-dir',
      join(opts.logDir, 'minio-certs'),
      '--json',
      '--anonymous',
    ],
    // Credentials go through the environment so they never appear in the logged command line.
    env: { MINIO_ROOT_USER: opts.accessKey, MINIO_ROOT_PASSWORD: opts.secretKey, MINIO_UPDATE: 'off' },
    logDir: opts.logDir,
    readyTimeoutMs: opts.readyTimeoutMs,
    isReady: async () => {
      const response = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.body?.cancel();
      return response.ok;
    },
  });
  return { endpoint, consoleUrl: `http://${opts.host}:${consolePort}`, accessKey: opts.accessKey, secretKey: opts.secretKey, handle };
}
