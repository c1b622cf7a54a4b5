import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (see `url`). */
  port: number;
  registry: Registry;
  /** Core's own Prometheus exporter (Temporal SDK series), scraped on each request; unset: ours only. */
  coreMetricsUrl?: string;
  /** Called when core's exporter cannot be scraped; our series are served regardless. */
  onCoreScrapeError: (error: unknown) => void;
}

export interface MetricsServer {
  /** `http://host:port/metrics` with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

/** Bounds a scrape of core's loopback exporter, well inside Prometheus's usual 10 s scrape timeout. */
const CORE_SCRAPE_TIMEOUT_MS = 3_000;

/**
 * One `/metrics` for the worker: prom-client's registry followed by the text scraped from core's
 * exporter, which listens on an internal loopback port. Both are Prometheus text format 0.0.4 with
 * disjoint metric names, so concatenation is a valid exposition and Prometheus needs one target.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://metrics').pathname !== '/metrics') return reply(res, 404, 'text/plain', 'Not found; metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain', 'Method not allowed\n');
    void exposition(opts).then(
      (body) => reply(res, 200, opts.registry.contentType, body),
      (err: unknown) => reply(res, 500, 'text/plain', `Collecting metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot serve metrics on ${opts.host}:${opts.port}: ${err.message}`, { cause: err })));
    server.listen({ host: opts.host, port: opts.port }, resolve);
  });
  // The endpoint serves while a worker runs; it must not keep a process alive whose worker failed
  // to start or has stopped.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function exposition(opts: MetricsServerOptions): Promise<string> {
  const [ours, core] = await Promise.all([opts.registry.metrics(), opts.coreMetricsUrl ? scrapeCore(opts.coreMetricsUrl, opts.onCoreScrapeError) : '']);
  return core ? `${ours.trimEnd()}\n${core}` : ours;
}

async function scrapeCore(url: string, onError: (error: unknown) => void): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(CORE_SCRAPE_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return await res.text();
  } catch (err) {
    onError(err);
    return '';
  }
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType }).end(res.req.method === 'HEAD' ? undefined : body);
}
