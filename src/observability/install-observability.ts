import { Runtime, type Logger } from '@temporalio/worker';
import type { AppConfig } from '../config.js';
import { freePort } from '../dev/ports.js';
import { createJsonLogger } from './json-logger.js';
import { processMetrics, type IngestMetrics } from './metrics-registry.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { SecretRedactor } from './secret-redactor.js';

export interface Observability {
  /** The Temporal Runtime's logger, for the process's own messages. */
  logger: Logger;
  metrics: IngestMetrics;
  /** `http://host:port/metrics`, or undefined when METRICS_ADDRESS is `off`. */
  metricsUrl: string | undefined;
  /** Ends this holder's use; the endpoint closes when the last holder has closed. Idempotent. */
  close(): Promise<void>;
}

/** Process-wide: what the one Temporal Runtime was installed with, and who still uses the endpoint. */
interface Installation {
  settings: AppConfig['observability'];
  logger: Logger;
  redactor: SecretRedactor;
  /** Core's own Prometheus exporter, on an internal loopback port; undefined when metrics are off. */
  coreMetricsUrl: string | undefined;
  holders: number;
  /** The endpoint while anyone holds it, and the last close in flight (a reopen waits for it to free the port). */
  server: Promise<MetricsServer> | undefined;
  closing: Promise<void>;
}

let installation: Promise<Installation> | undefined;

/**
 * Sets up logging and metrics for this process; call it before any NativeConnection or Worker
 * exists (createRuntime does). The Temporal Runtime can be installed once per process and only
 * before the SDK has created one, so the first call installs it and later calls, e.g. from tests
 * that start several workers, share it: they must ask for the same LOG_LEVEL, LOG_FORMAT and
 * METRICS_ADDRESS, and each adds its config's secrets to those masked in logs. Each call returns
 * a holder to close; the metrics endpoint stays up while any holder is open.
 */
export async function installObservability(config: AppConfig): Promise<Observability> {
  installation ??= install(config.observability);
  const inst = await installation;
  if (JSON.stringify(inst.settings) !== JSON.stringify(config.observability)) {
    throw new Error(
      `observability is already installed in this process with ${JSON.stringify(inst.settings)}; ` +
        `the Temporal Runtime is process-wide, so LOG_LEVEL, LOG_FORMAT and METRICS_ADDRESS cannot change (asked for ${JSON.stringify(config.observability)})`,
    );
  }
  inst.redactor.add(...secretsOf(config));
  const server = await acquireServer(inst);
  let closed = false;
  return {
    logger: inst.logger,
    metrics: processMetrics(),
    metricsUrl: server?.url,
    async close() {
      if (closed) return;
      closed = true;
      await releaseServer(inst);
    },
  };
}

async function install(settings: AppConfig['observability']): Promise<Installation> {
  const redactor = new SecretRedactor();
  const logger = createJsonLogger({
    level: settings.logLevel,
    format: settings.logFormat,
    // stderr, like the SDK's default logger: stdout stays for command output (`sql`, `dev`'s summary).
    write: (line) => process.stderr.write(line),
    redact: (line) => redactor.redact(line),
  });
  const corePort = settings.metrics ? await freePort('127.0.0.1') : undefined;
  try {
    Runtime.install({
      logger,
      telemetryOptions: {
        // Core (Rust) logs go straight to stderr, rendered by core as JSON or pretty text. Forwarding
        // them to `logger` instead would hold Node's event loop open until the SDK shuts the Runtime
        // down, which it only does when the last connection closes: a worker failing before it
        // connects would never exit. Core is never handed our secrets, so it cannot log them.
        logging: { console: { format: settings.logFormat }, filter: { core: settings.logLevel } },
        ...(corePort === undefined ? {} : { metrics: { prometheus: { bindAddress: `127.0.0.1:${corePort}` } } }),
      },
    });
  } catch (err) {
    throw new Error(`installObservability must run before any Temporal NativeConnection or Worker is created: ${String(err)}`, { cause: err });
  }
  const coreMetricsUrl = corePort === undefined ? undefined : `http://127.0.0.1:${corePort}/metrics`;
  return { settings, logger, redactor, coreMetricsUrl, holders: 0, server: undefined, closing: Promise.resolve() };
}

async function acquireServer(inst: Installation): Promise<MetricsServer | undefined> {
  const address = inst.settings.metrics;
  if (!address) return undefined;
  inst.holders += 1;
  // A failed close was reported to its caller (server.close fails only when not listening).
  const pending = (inst.server ??= inst.closing.catch(() => undefined).then(async () => {
    const server = await startMetricsServer({
      ...address,
      registry: processMetrics().registry,
      coreMetricsUrl: inst.coreMetricsUrl,
      onCoreScrapeError: (err) => inst.logger.warn('Temporal core metrics could not be scraped; serving f1-ingest metrics only', { error: err }),
    });
    inst.logger.info('Serving Prometheus metrics', { url: server.url });
    return server;
  }));
  try {
    return await pending;
  } catch (err) {
    // Not holding an endpoint that never opened; the next caller tries again.
    inst.holders -= 1;
    if (inst.server === pending) inst.server = undefined;
    throw err;
  }
}

async function releaseServer(inst: Installation): Promise<void> {
  if (!inst.settings.metrics) return;
  inst.holders -= 1;
  if (inst.holders > 0 || !inst.server) return;
  const server = inst.server;
  inst.server = undefined;
  inst.closing = server.then((s) => s.close());
  await inst.closing;
}

/** Every secret value the config hands to a client. */
function secretsOf(config: AppConfig): Array<string | undefined> {
  return [
    config.openf1.auth?.password,
    config.temporal.apiKey,
    config.staging.s3?.secretAccessKey,
    config.clickhouse.mode === 'server' ? config.clickhouse.password : undefined,
  ];
}
