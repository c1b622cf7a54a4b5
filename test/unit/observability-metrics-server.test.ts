import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { startMetricsServer } from '../../src/observability/metrics-server.js';

const CORE_TEXT = '# HELP temporal_workflow_completed Count of successfully completed workflows\n# TYPE temporal_workflow_completed counter\ntemporal_workflow_completed{namespace="default",workflow_type="driverSessionIngest"} 3\n';

/** Stands in for core's exporter: answers /metrics with `status` and CORE_TEXT. */
async function fakeCore(status = 200): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' }).end(status === 200 ? CORE_TEXT : 'boom'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, server };
}

function registryWithRows(n: number): Registry {
  const registry = new Registry();
  new Counter({ name: 'f1_ingest_rows_loaded_total', help: 'rows', registers: [registry] }).inc(n);
  return registry;
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

test('/metrics is our registry followed by the text scraped from core', async () => {
  const core = await fakeCore();
  const errors: unknown[] = [];
  const metrics = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: registryWithRows(1234), coreMetricsUrl: core.url, onCoreScrapeError: (e) => errors.push(e) });
  try {
    assert.match(metrics.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*\/metrics$/, 'port 0 resolved to the bound port');
    const res = await fetch(metrics.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    assert.match(body, /^f1_ingest_rows_loaded_total 1234$/m);
    assert.ok(body.endsWith(CORE_TEXT), 'core text appended verbatim');
    assert.ok(body.indexOf('f1_ingest_rows_loaded_total') < body.indexOf('temporal_workflow_completed'));
    assert.ok(!body.includes('\n\n'), 'no blank line between the two expositions');
    assert.deepEqual(errors, []);

    assert.equal((await fetch(metrics.url.replace('/metrics', '/'))).status, 404);
    assert.equal((await fetch(metrics.url, { method: 'POST' })).status, 405);
    const head = await fetch(metrics.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  } finally {
    await metrics.close();
    await closeServer(core.server);
  }
  await assert.rejects(fetch(metrics.url), 'closed');
});

test('when core cannot be scraped (down or failing), our series are still served and the error reported', async () => {
  for (const failure of ['down', '500'] as const) {
    const core = await fakeCore(failure === 'down' ? 200 : 500);
    if (failure === 'down') await closeServer(core.server);
    const errors: unknown[] = [];
    const metrics = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: registryWithRows(7), coreMetricsUrl: core.url, onCoreScrapeError: (e) => errors.push(e) });
    try {
      const res = await fetch(metrics.url);
      assert.equal(res.status, 200, failure);
      const body = await res.text();
      assert.match(body, /^f1_ingest_rows_loaded_total 7$/m);
      assert.ok(!body.includes('temporal_') && !body.includes('boom'), failure);
      assert.equal(errors.length, 1, failure);
    } finally {
      await metrics.close();
      if (failure === '500') await closeServer(core.server);
    }
  }
});

test('an address in use fails start-up, naming it', async () => {
  const first = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: new Registry(), onCoreScrapeError: () => undefined });
  try {
    const port = Number(new URL(first.url).port);
    await assert.rejects(
      startMetricsServer({ host: '127.0.0.1', port, registry: new Registry(), onCoreScrapeError: () => undefined }),
      new RegExp(`cannot serve metrics on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    );
  } finally {
    await first.close();
  }
});
