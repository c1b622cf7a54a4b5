import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { startMinio, type MinioServer } from '../../src/dev/minio.js';
import { freePort } from '../../src/dev/ports.js';
import { ProcessStartError, type ProcessHandle } from '../../src/dev/process.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/dev/temporal-server.js';
import { createObjectStore, type ObjectStore } from '../../src/storage/object-store.js';
import { ObjectStoreTransientError } from '../../src/storage/object-store-errors.js';

let scratch: string;
const started: ProcessHandle[] = [];

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'f1-services-'));
});

// Stops whatever a failed test left running, so the file never leaves processes behind.
after(async () => {
  for (const handle of started) await handle.stop();
  await rm(scratch, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    // A zombie still answers kill(0) until its new parent reaps it, but it holds no ports or files.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    if (!isAlive(pid)) return true;
  }
  return false;
}

/** Kills `handle` the way a crash would and checks that the OS process is really gone. */
async function crash(handle: ProcessHandle): Promise<void> {
  const pid = handle.pid;
  assert.ok(pid !== undefined && isAlive(pid), 'service should be running before the crash');
  await handle.kill();
  assert.equal(handle.running, false);
  assert.equal(handle.pid, undefined);
  assert.equal(isAlive(pid), false, `pid ${pid} survived SIGKILL`);
}

describe('Temporal dev server', { timeout: 60_000 }, () => {
  let server: TemporalDevServer;
  let connection: Connection | undefined;

  before(async () => {
    server = await startTemporalDevServer({
      dbFile: join(scratch, 'temporal', 'temporal.db'),
      port: 0,
      uiPort: 0,
      searchAttributes: { F1Season: 'Int', F1Unit: 'Keyword' },
      logDir: join(scratch, 'logs'),
    });
    started.push(server.handle);
  });

  after(async () => {
    await connection?.close();
  });

  it('answers on loopback with its UI, namespace and search attributes', async () => {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/);
    assert.equal(server.namespace, 'default');
    connection = await Connection.connect({ address: server.address });
    const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    assert.equal(attributes.customAttributes?.F1Season, 3 /* INDEXED_VALUE_TYPE_INT */);
    assert.equal(attributes.customAttributes?.F1Unit, 2 /* INDEXED_VALUE_TYPE_KEYWORD */);
    const ui = await fetch(server.uiUrl);
    await ui.body?.cancel();
    assert.equal(ui.status, 200);
  });

  it('keeps a workflow execution across SIGKILL and restart on the same SQLite file', async () => {
    connection ??= await Connection.connect({ address: server.address });
    const workflowId = `crash-probe-${randomUUID()}`;
    // Nobody polls this task queue, so the execution stays RUNNING and only the server's store holds it.
    const started = await new Client({ connection }).workflow.start('crashProbe', {
      taskQueue: `unpolled-${randomUUID()}`,
      workflowId,
      args: [{ season: 2023 }],
    });
    await connection.close();
    connection = undefined;

    await crash(server.handle);
    await assert.rejects(Connection.connect({ address: server.address, connectTimeout: 500 }), 'server should be down after SIGKILL');

    await server.handle.restart();
    connection = await Connection.connect({ address: server.address });
    const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
    assert.equal(description.runId, started.firstExecutionRunId);
    assert.equal(description.status.name, 'RUNNING');
    assert.equal(description.type, 'crashProbe');
  });

  it('stops gracefully and reports it', async () => {
    const pid = server.handle.pid;
    assert.ok(pid !== undefined);
    await connection?.close();
    connection = undefined;
    await server.handle.stop();
    assert.equal(server.handle.running, false);
    assert.equal(isAlive(pid), false);
  });
});

describe('MinIO', { timeout: 60_000 }, () => {
  let minio: MinioServer;
  let store: ObjectStore;

  before(async () => {
    minio = await startMinio({ dataDir: join(scratch, 'minio'), logDir: join(scratch, 'logs') });
    started.push(minio.handle);
    store = createObjectStore({
      url: 's3://services-test/prefix',
      s3: { endpoint: minio.endpoint, accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey },
    });
    await store.ensureBucket?.();
  });

  after(async () => {
    await store?.close?.();
  });

  it('answers its health endpoint on loopback', async () => {
    assert.match(minio.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${minio.endpoint}/minio/health/live`);
    await response.body?.cancel();
    assert.equal(response.status, 200);
  });

  it('keeps objects across SIGKILL and restart, and the outage surfaces as retryable', async () => {
    await store.put('survivor.txt', 'still here');
    await crash(minio.handle);
    const outage = await store.head('survivor.txt').then(
      () => assert.fail('head succeeded while MinIO was down'),
      (err: unknown) => err,
    );
    assert.ok(outage instanceof ObjectStoreTransientError, `expected a transient error, got ${String(outage)}`);

    await minio.handle.restart();
    assert.equal((await store.getBytes('survivor.txt')).toString(), 'still here');
  });

  it('fails fast with the log tail when the port is taken, leaving nothing running', async () => {
    // Holds the port; readiness probes that connect to it are dropped at the end so close() can finish.
    const probes = new Set<Socket>();
    const blocker = createServer((socket) => probes.add(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const error = await startMinio({ dataDir: join(scratch, 'minio-blocked'), port, logDir: join(scratch, 'logs-blocked'), readyTimeoutMs: 20_000 }).then(
        (server) => {
          started.push(server.handle);
          return assert.fail('MinIO started on a taken port');
        },
        (err: unknown) => err,
      );
      assert.ok(error instanceof ProcessStartError, `expected ProcessStartError, got ${String(error)}`);
      assert.equal(error.reason, 'exited');
      assert.match(error.message, /minio exited before becoming ready/);
      assert.match(error.message, new RegExp(`${port}`));
    } finally {
      for (const socket of probes) socket.destroy();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('cleanup when the parent goes away', { timeout: 60_000 }, () => {
  // A parent that starts MinIO, prints its pid, then waits; for 'exit' it calls process.exit() once told on stdin.
  const parentScript = (dir: string) => `
    import { startMinio } from ${JSON.stringify(new URL('../../src/dev/minio.ts', import.meta.url).href)};
    const minio = await startMinio({ dataDir: ${JSON.stringify(join(dir, 'data'))}, logDir: ${JSON.stringify(join(dir, 'logs'))} });
    console.log(minio.handle.pid);
    process.stdin.once('data', () => process.exit(3));
  `;

  for (const mode of ['SIGTERM', 'SIGINT', 'exit'] as const) {
    it(`stops MinIO when the parent ${mode === 'exit' ? 'calls process.exit()' : `receives ${mode}`}`, async () => {
      const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', parentScript(join(scratch, `parent-${mode}`))], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => parent.once('exit', (code, signal) => resolve({ code, signal })));
      let output = '';
      for await (const chunk of parent.stdout) {
        output += String(chunk);
        if (output.includes('\n')) break;
      }
      const minioPid = Number(output.trim());
      assert.ok(Number.isInteger(minioPid) && isAlive(minioPid), `parent did not report a live MinIO pid: ${JSON.stringify(output)}`);
      if (mode === 'exit') parent.stdin.write('exit\n');
      else parent.kill(mode);
      const exit = await exited;
      // The re-raised signal must still terminate the parent as Node's default handling would.
      assert.deepEqual(exit, mode === 'exit' ? { code: 3, signal: null } : { code: null, signal: mode });
      assert.ok(await waitUntilGone(minioPid, 10_000), `MinIO pid ${minioPid} outlived its parent`);
    });
  }
});
