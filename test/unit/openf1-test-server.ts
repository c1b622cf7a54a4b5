/**
 * Helpers for the OpenF1 client tests: a throwaway HTTP server on 127.0.0.1, a query parser that
 * mimics OpenF1's own, synthetic car_data rows, and a fake clock.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface ParsedFilter {
  field: string;
  op: string;
  value: string;
}

/**
 * Parses a query string the way OpenF1 does: the framework splits on `&` and on the first `=`,
 * turns `+` into a space and percent-decodes both halves; OpenF1 glues them back as `key=value`
 * (or `key` when the value is empty) and takes the first operator found, in the order
 * `>=`, `<=`, `=`, `>`, `<`.
 */
export function parseOpenF1Query(query: string): ParsedFilter[] {
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const key = decode(eq < 0 ? part : part.slice(0, eq));
      const value = eq < 0 ? '' : decode(part.slice(eq + 1));
      const glued = value ? `${key}=${value}` : key;
      for (const op of ['>=', '<=', '=', '>', '<']) {
        const at = glued.indexOf(op);
        if (at >= 0) return { field: glued.slice(0, at), op, value: glued.slice(at + op.length) };
      }
      throw new Error(`no operator in ${glued}`);
    });
}

export interface Received {
  method: string;
  path: string;
  query: string;
  filters: ParsedFilter[];
  headers: IncomingMessage['headers'];
  body: string;
}

export interface TestServer {
  /** e.g. http://127.0.0.1:12345 */
  origin: string;
  /** `${origin}/v1`, the client's baseUrl */
  baseUrl: string;
  received: Received[];
  close(): Promise<void>;
}

export type Handler = (req: Received, res: ServerResponse) => void | Promise<void>;

export async function startServer(handler: Handler): Promise<TestServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const query = q < 0 ? '' : url.slice(q + 1);
      const r: Received = {
        method: req.method ?? 'GET',
        path: q < 0 ? url : url.slice(0, q),
        query,
        filters: query && !url.startsWith('/token') ? parseOpenF1Query(query) : [],
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(r);
      Promise.resolve(handler(r, res)).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    baseUrl: `${origin}/v1`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `body` as JSON with the given status. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A 200 whose body ends cleanly but too early (e.g. a proxy cut it): the JSON is incomplete. */
export function sendTruncated(res: ServerResponse, partialBody: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(partialBody);
}

/** A 200 that sends part of its body, then the connection dies. */
export function sendThenDrop(res: ServerResponse, partialBody: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write(partialBody, () => setTimeout(() => res.destroy(), 10));
}

/** What the scripted server does for one request. */
export type Step =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { reset: true }
  | { hang: true }
  /** 200, a body that ends cleanly but too early. */
  | { truncate: string }
  /** 200, part of the body, then the connection dies. */
  | { drop: string }
  /** 200, part of the body, then silence. */
  | { stall: string }
  | { gzip: string };

/** Answers one request as `step` says. */
export function play(step: Step, res: ServerResponse): void {
  if ('reset' in step) res.socket?.destroy();
  else if ('hang' in step) return;
  else if ('truncate' in step) sendTruncated(res, step.truncate);
  else if ('drop' in step) sendThenDrop(res, step.drop);
  else if ('stall' in step) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(step.stall);
  } else if ('gzip' in step) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(step.gzip));
  } else sendJson(res, step.status, step.body ?? '', step.headers);
}

/** OpenF1's instant format: `2023-09-15T13:08:19.923000+00:00`. */
export function openf1Instant(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000+00:00');
}

export function carDataRow(ms: number, i = 0): Record<string, unknown> {
  return {
    brake: i % 7 === 0 ? 100 : 0,
    date: openf1Instant(ms),
    driver_number: 55,
    drs: 12,
    meeting_key: 1219,
    n_gear: 1 + (i % 8),
    rpm: 10000 + (i % 2000),
    session_key: 9159,
    speed: 100 + (i % 230),
    throttle: i % 101,
  };
}

export function jsonArray(rows: unknown[]): string {
  return `[${rows.map((r) => JSON.stringify(r)).join(',')}]`;
}

/** A manual clock whose sleep advances time instantly (and records the requested delays). */
export class FakeClock {
  t: number;
  readonly sleeps: number[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  readonly now = (): number => this.t;

  readonly sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.t += ms;
    await Promise.resolve();
  };
}

/** Collects every item of an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
