import { createServer, type Server } from 'node:net';
import { z } from 'zod';

/** TCP port for a dev service; 0 asks for a free one (see withFreePorts). */
export const PortSchema = z.number().int().min(0).max(65_535);

/** Interface a dev service binds. IPv6 literals are refused because addresses are built as `host:port`. */
export const HostSchema = z
  .string()
  .regex(/^[A-Za-z0-9.-]+$/, 'host must be an IPv4 address or a hostname')
  .default('127.0.0.1');

/**
 * `count` distinct TCP ports that are free on `host` right now: the kernel picks each for a port-0
 * bind, and all are held until every one is known (so none repeats), then released. Another process
 * could take one before the caller binds it; ephemeral ports are handed out in sequence, so that window
 * is small enough for tests and local dev.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnAnyPort(server, host));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** One free TCP port on `host` (see freePorts for the caveat). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port;
}

/** `ports` with every 0 replaced by a distinct free port on `host`. */
export async function withFreePorts(host: string, ports: readonly number[]): Promise<number[]> {
  const picked = await freePorts(ports.filter((port) => port === 0).length, host);
  return ports.map((port) => (port === 0 ? (picked.shift() as number) : port));
}

/**
 * Starts a service on `ports` (0 = pick a free one). Picking a port and the service binding it
 * leave a window in which another process can take it; when that happens to a port we picked,
 * pick again rather than fail the caller.
 */
export async function startOnFreePorts<T>(host: string, ports: readonly number[], start: (chosen: number[]) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const chosen = await withFreePorts(host, ports);
    try {
      return await start(chosen);
    } catch (err) {
      const clash = err instanceof Error && /address already in use/i.test(err.message);
      if (!clash || !ports.includes(0) || attempt >= attempts) throw err;
    }
  }
}

function listenOnAnyPort(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error(`unexpected listen address ${String(address)}`));
      else resolve(address.port);
    });
  });
}
