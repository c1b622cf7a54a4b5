/**
 * The HTTP server: routing of the OpenF1 API (`/v1/*`, `/token`) and of the admin endpoints
 * (`/admin/*`), with authentication and fault injection in front of the API.
 *
 * Routing mirrors OpenF1's query app (`query_api/app.py`): one GET/POST catch-all route; `/` with no
 * query answers "Welcome to OpenF1!"; the query string is parsed before the path, then the path must
 * be `v1/<word>` (case-insensitive) or `ValueError("Invalid route")` becomes a 500; `v1/<word>` for
 * a collection that doesn't exist queries an empty collection: `200 []`; an empty result is `200 []`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TokenAuthority } from './auth.js';
import { loadCalendarData, METADATA_ENDPOINTS, type MetadataEndpoint } from './calendar-data.js';
import { carDataReply, type CarDataContext } from './car-data-endpoint.js';
import { OpenF1Exception } from './errors.js';
import { FaultConfigSchema, FaultInjector, type FaultConfig } from './faults.js';
import { queryMetadata } from './metadata-query.js';
import { EmulatorOptionsSchema, type EmulatorOptions } from './options.js';
import { parseQueryParams } from './query-params.js';
import {
  detailReply,
  exceptionReply,
  jsonReply,
  sendReply,
  serverErrorReply,
  textReply,
  type Reply,
} from './responses.js';
import { StatsRecorder, type EmulatorStats } from './stats.js';
import type { FilterValue } from './value-cast.js';

const MAX_BODY_BYTES = 1024 * 1024;
const COLLECTION_PATH = /^\/v1\/(\w+)$/i;

export interface Emulator {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  readonly port: number;
  /** Replaces the fault configuration (validated; throws on an invalid one) and restarts its sequence. */
  setFaults(faults: FaultConfig): void;
  stats(): EmulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const options = EmulatorOptionsSchema.parse(opts);
  const data = await loadCalendarData(options.dataDir);
  const faults = new FaultInjector(options.faults);
  const stats = new StatsRecorder();
  const closing = new AbortController();
  const api = new ApiHandler(stats, new TokenAuthority(options.auth), {
    data,
    seed: options.seed,
    maxRows: options.maxRows,
    timeBudgetMs: options.timeBudgetMs,
    scanRowsPerSecond: options.scanRowsPerSecond,
    faults,
    onRowsWritten: (rows) => stats.rows(rows),
    signal: closing.signal,
  });
  const admin = new AdminHandler(faults, stats);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const handled = url.pathname.startsWith('/admin/')
      ? admin.handle(req, url.pathname).then((reply) => sendReply(res, reply))
      : api.handle(req, res, url);
    handled.catch((error: unknown) => {
      if (!res.headersSent && !closing.signal.aborted) {
        const reply = exceptionReply(new OpenF1Exception('InternalError', String(error)));
        void sendReply(res, reply);
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${host}:${port}/v1`,
    port,
    setFaults: (config) => void faults.set(config),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

class ApiHandler {
  constructor(
    private readonly stats: StatsRecorder,
    private readonly auth: TokenAuthority,
    /** Also holds the data and the fault injector every query uses. */
    private readonly ctx: CarDataContext,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const collection = COLLECTION_PATH.exec(url.pathname)?.[1]?.toLowerCase();
    this.stats.request(url.pathname === '/token' ? 'token' : (collection ?? url.pathname));
    const reply =
      url.pathname === '/token'
        ? await this.token(req)
        : await this.guarded(req, (truncate) => this.query(url, collection, truncate));
    this.stats.status(reply.status);
    await sendReply(res, reply);
  }

  private async token(req: IncomingMessage): Promise<Reply> {
    if (req.method !== 'POST') return detailReply(405, 'Method Not Allowed');
    const body = await readBody(req);
    return body === undefined ? detailReply(413, 'Request body too large') : this.auth.issue(body, Date.now());
  }

  /** What stands in front of the query app: method routing, latency, authentication, rate limit, 5xx faults. */
  private async guarded(req: IncomingMessage, query: (truncate: boolean) => Promise<Reply>): Promise<Reply> {
    if (req.method !== 'GET' && req.method !== 'POST') return detailReply(405, 'Method Not Allowed');
    const faults = this.ctx.faults.nextRequest(Date.now());
    if (faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: this.ctx.signal });
    const denied = this.auth.reject(req.headers.authorization, Date.now());
    if (denied) return denied;
    if (faults.rateLimited) {
      // slowapi's `_rate_limit_exceeded_handler` body; Retry-After added so clients can back off precisely.
      return jsonReply(
        429,
        { error: `Rate limit exceeded: ${faults.rateLimited.limit}` },
        { 'retry-after': String(faults.rateLimited.retryAfterSeconds) },
      );
    }
    if (faults.errorStatus !== undefined) {
      return serverErrorReply(faults.errorStatus, new OpenF1Exception('RuntimeError', 'injected server error'));
    }
    try {
      return await query(faults.truncate);
    } catch (error) {
      if (error instanceof OpenF1Exception) return exceptionReply(error);
      throw error;
    }
  }

  private async query(url: URL, collection: string | undefined, truncate: boolean): Promise<Reply> {
    if (url.pathname === '/' && new URLSearchParams(url.search).size === 0) {
      return textReply(200, 'Welcome to OpenF1!');
    }
    const query = parseQueryParams(url.search.slice(1), () => this.ctx.data.latestKeys(Date.now()));
    if (collection === undefined) throw new OpenF1Exception('ValueError', 'Invalid route');
    const csv = query.get('csv');
    query.delete('csv');
    if (csv && pythonTruthy(csv[0].value)) return detailReply(501, 'csv output is not emulated; request JSON');
    if (collection === 'car_data') return carDataReply(this.ctx, query, truncate);
    if (!isMetadataEndpoint(collection)) return jsonReply(200, []);
    const records = queryMetadata(this.ctx.data.collections[collection], query);
    this.stats.rows(records.length);
    return jsonReply(200, records);
  }
}

class AdminHandler {
  constructor(
    private readonly faults: FaultInjector,
    private readonly stats: StatsRecorder,
  ) {}

  async handle(req: IncomingMessage, path: string): Promise<Reply> {
    const route = `${req.method ?? ''} ${path}`;
    switch (route) {
      case 'GET /admin/stats':
        return jsonReply(200, this.stats.snapshot());
      case 'POST /admin/reset':
        this.stats.reset();
        return jsonReply(200, this.stats.snapshot());
      case 'POST /admin/faults':
        return this.setFaults(await readBody(req));
    }
    const known = ['/admin/stats', '/admin/reset', '/admin/faults'].includes(path);
    return known ? detailReply(405, 'Method Not Allowed') : detailReply(404, 'Not Found');
  }

  private setFaults(body: string | undefined): Reply {
    if (body === undefined) return detailReply(413, 'Request body too large');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return detailReply(400, 'body: not valid JSON');
    }
    const parsed = FaultConfigSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      return detailReply(400, problems.join('; '));
    }
    return jsonReply(200, this.faults.set(parsed.data));
  }
}

function isMetadataEndpoint(collection: string): collection is MetadataEndpoint {
  return (METADATA_ENDPOINTS as readonly string[]).includes(collection);
}

/** Python truthiness of a cast query value (the reference pops `csv` and tests its value). */
function pythonTruthy(value: FilterValue): boolean {
  return value.kind === 'date' || Boolean(value.value);
}

/** The request body as text, or undefined when it exceeds MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
