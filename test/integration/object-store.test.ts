import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { ListMultipartUploadsCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startMinio, type MinioServer } from '../../src/dev/minio.js';
import { freePort } from '../../src/dev/ports.js';
import { createObjectStore, type ObjectStore, type StagingConfig } from '../../src/storage/object-store.js';
import { S3ObjectStore } from '../../src/storage/s3-object-store.js';
import {
  InvalidObjectKeyError,
  ObjectNotFoundError,
  ObjectStoreConfigError,
  ObjectStoreError,
  ObjectStoreTransientError,
} from '../../src/storage/object-store-errors.js';

const MiB = 1024 * 1024;
const HIVE_KEY = 'bronze/openf1/car_data/season=2023/meeting=1141/session=9222/driver=44/part-0.ndjson.gz';
const SECRET = `secret-${randomUUID()}`;

/** A backend under test plus the backend-specific ways to look behind the interface. */
interface Backend {
  store: ObjectStore;
  /** Traces a failed put could leave: dot-files on disk, unfinished multipart uploads in S3. */
  leftovers(keys: string[]): Promise<string[]>;
  /** Whether `key` was written as a multipart upload (S3) — the file backend has no such notion. */
  storedInParts?(key: string): Promise<boolean>;
  /** What `locate(key)` must return. */
  expectedLocation(key: string): ReturnType<ObjectStore['locate']>;
  close(): Promise<void>;
}

let scratch: string;
let minio: MinioServer;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'f1-object-store-'));
  minio = await startMinio({ dataDir: join(scratch, 'minio'), logDir: join(scratch, 'logs'), accessKey: 'contract-user', secretKey: SECRET });
});

after(async () => {
  await minio?.handle.stop();
  await rm(scratch, { recursive: true, force: true });
});

function s3Config(bucket: string, overrides: Partial<NonNullable<StagingConfig['s3']>> = {}, prefix = 'contract'): StagingConfig {
  return {
    url: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
    s3: { endpoint: minio.endpoint, accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey, ...overrides },
  };
}

function rawS3(): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: minio.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey },
  });
}

async function fileBackend(): Promise<Backend> {
  const root = join(scratch, 'file-store');
  const store = createObjectStore({ url: `file://${root}` });
  return {
    store,
    async leftovers() {
      const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
      return entries.filter((entry) => entry.split('/').some((segment) => segment.startsWith('.')));
    },
    expectedLocation: (key) => ({ kind: 'file', path: join(root, key) }),
    close: async () => undefined,
  };
}

async function s3Backend(): Promise<Backend> {
  const bucket = `contract-${randomUUID().slice(0, 8)}`;
  const store = createObjectStore(s3Config(bucket));
  await store.ensureBucket?.();
  const client = rawS3();
  return {
    store,
    async leftovers(keys) {
      const open: string[] = [];
      // MinIO lists unfinished uploads per object, so ask for each key that might have one.
      for (const key of keys) {
        const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `contract/${key}` }));
        open.push(...(out.Uploads ?? []).map((upload) => `${upload.Key} (upload ${upload.UploadId})`));
      }
      return open;
    },
    async storedInParts(key) {
      // A multipart object's ETag is "<md5 of part md5s>-<part count>".
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `contract/${key}` }));
      return /-\d+"?$/.test(head.ETag ?? '');
    },
    expectedLocation: (key) => ({ kind: 's3', url: `${minio.endpoint}/${bucket}/contract/${key}` }),
    async close() {
      client.destroy();
      await store.close?.();
    },
  };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** `mib` MiB of random bytes as a stream of 1 MiB chunks, and the sha256 of all of them. */
function randomBody(mib: number): { stream: Readable; sha256: string } {
  const chunks = Array.from({ length: mib }, () => randomBytes(MiB));
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return { stream: Readable.from(chunks), sha256: hash.digest('hex') };
}

async function expectRejects<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => assert.fail(`expected ${type.name}, got success`),
    (err: unknown) => err,
  );
  assert.ok(error instanceof type, `expected ${type.name}, got ${inspect(error)}`);
  return error;
}

function contract(name: string, makeBackend: () => Promise<Backend>): void {
  describe(`ObjectStore contract: ${name}`, { timeout: 60_000 }, () => {
    let backend: Backend;
    let store: ObjectStore;
    before(async () => {
      backend = await makeBackend();
      store = backend.store;
    });
    after(() => backend.close());

    it('puts, gets, heads, lists and deletes objects of every body kind', async () => {
      assert.deepEqual(await store.put('crud/a.txt', 'hello'), { bytes: 5 });
      assert.deepEqual(await store.put('crud/b.bin', new Uint8Array([1, 2, 3])), { bytes: 3 });
      assert.deepEqual(await store.put('crud/c.ndjson', Readable.from(['{"a":1}\n', '{"a":2}\n'])), { bytes: 16 });

      assert.equal((await store.getBytes('crud/a.txt')).toString(), 'hello');
      assert.deepEqual([...(await collect(await store.get('crud/b.bin')))], [1, 2, 3]);
      assert.equal((await collect(await store.get('crud/c.ndjson'))).toString(), '{"a":1}\n{"a":2}\n');
      assert.deepEqual(await store.head('crud/c.ndjson'), { size: 16 });

      assert.deepEqual(await store.list('crud/'), [
        { key: 'crud/a.txt', size: 5 },
        { key: 'crud/b.bin', size: 3 },
        { key: 'crud/c.ndjson', size: 16 },
      ]);
      await store.delete('crud/b.bin');
      await store.delete('crud/b.bin');
      assert.equal(await store.head('crud/b.bin'), null);
      assert.deepEqual(
        (await store.list('crud/')).map((o) => o.key),
        ['crud/a.txt', 'crud/c.ndjson'],
      );
    });

    it('lists by string prefix across directories, sorted', async () => {
      for (const key of ['lp/x/part-1', 'lp/x/part-0', 'lp/x/partner', 'lp/x/y/part-2', 'lp/xz/part-0', 'lq/part-0']) await store.put(key, key);
      assert.deepEqual(
        (await store.list('lp/x/part-')).map((o) => o.key),
        ['lp/x/part-0', 'lp/x/part-1'],
      );
      assert.deepEqual(
        (await store.list('lp/x')).map((o) => o.key),
        ['lp/x/part-0', 'lp/x/part-1', 'lp/x/partner', 'lp/x/y/part-2', 'lp/xz/part-0'],
      );
      assert.deepEqual(await store.list('nothing-here/'), []);
      const everything = (await store.list('')).map((o) => o.key);
      assert.ok(everything.includes('lq/part-0') && everything.includes('lp/xz/part-0'));
      assert.deepEqual(everything, [...everything].sort());
    });

    it('overwrites in place and accepts Hive-style keys, which locate() addresses for ClickHouse', async () => {
      await store.put(HIVE_KEY, 'v1', { contentType: 'application/x-ndjson' });
      await store.put(HIVE_KEY, 'version two');
      assert.equal((await store.getBytes(HIVE_KEY)).toString(), 'version two');
      assert.deepEqual(await store.head(HIVE_KEY), { size: 11 });
      assert.deepEqual(store.locate(HIVE_KEY), backend.expectedLocation(HIVE_KEY));
      const location = store.locate(HIVE_KEY);
      if (location.kind === 'file') assert.equal((await readFile(location.path)).toString(), 'version two');
    });

    it('streams a 24 MiB body in and out intact (multipart on S3)', async () => {
      const body = randomBody(24);
      assert.deepEqual(await store.put('large/blob.bin', body.stream), { bytes: 24 * MiB });
      assert.deepEqual(await store.head('large/blob.bin'), { size: 24 * MiB });
      const hash = createHash('sha256');
      for await (const chunk of await store.get('large/blob.bin')) hash.update(chunk as Uint8Array);
      assert.equal(hash.digest('hex'), body.sha256);
      if (backend.storedInParts) assert.ok(await backend.storedInParts('large/blob.bin'), 'expected a multipart object');
    });

    it('leaves the previous object and no trace when the body stream fails midway', async () => {
      await store.put('atomic/existing.bin', 'old content');
      const sourceError = new Error('producer died');
      async function* failing() {
        for (let i = 0; i < 12; i++) yield randomBytes(MiB);
        throw sourceError;
      }
      for (const key of ['atomic/existing.bin', 'atomic/new.bin']) {
        const error = await store.put(key, Readable.from(failing())).then(
          () => assert.fail('put of a failing stream succeeded'),
          (err: unknown) => err,
        );
        assert.equal(error, sourceError, 'the body stream error should surface unchanged');
      }
      assert.equal((await store.getBytes('atomic/existing.bin')).toString(), 'old content');
      assert.equal(await store.head('atomic/new.bin'), null);
      assert.deepEqual(
        (await store.list('atomic/')).map((o) => o.key),
        ['atomic/existing.bin'],
      );
      assert.deepEqual(await backend.leftovers(['atomic/existing.bin', 'atomic/new.bin']), []);
    });

    it('shows readers the old object while a put is still streaming', async () => {
      await store.put('atomic/swap.txt', 'old');
      const body = new PassThrough();
      const putting = store.put('atomic/swap.txt', body);
      body.write(Buffer.alloc(MiB, 'n'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal((await store.getBytes('atomic/swap.txt')).toString(), 'old');
      assert.deepEqual(await store.head('atomic/swap.txt'), { size: 3 });
      assert.deepEqual(
        (await store.list('atomic/swap')).map((o) => o.key),
        ['atomic/swap.txt'],
      );
      body.end('!');
      assert.deepEqual(await putting, { bytes: MiB + 1 });
      assert.deepEqual(await store.head('atomic/swap.txt'), { size: MiB + 1 });
    });

    it('rejects invalid keys, naming the key and the rule, before touching the backend', async () => {
      const invalid: Array<[string, RegExp]> = [
        ['', /empty/],
        ['/abs/key', /relative/],
        ['a/../b', /"\.\."/],
        ['..', /"\.\."/],
        ['a\\b', /backslash/],
        ['a//b', /empty segments/],
        ['dir/', /trailing/],
        ['a/.hidden', /start with "\."/],
        ['glob/*.ndjson', /may only contain/],
        ['with space', /may only contain/],
      ];
      for (const [key, rule] of invalid) {
        for (const attempt of [() => store.put(key, 'x'), () => store.get(key), () => store.getBytes(key), () => store.head(key), () => store.delete(key)]) {
          const error = await expectRejects(attempt(), InvalidObjectKeyError);
          assert.equal(error.key, key);
          assert.match(error.rule, rule);
          assert.ok(error.message.includes(JSON.stringify(key)), error.message);
          assert.equal(error.retryable, false);
        }
        assert.throws(() => store.locate(key), InvalidObjectKeyError);
      }
      await expectRejects(store.list('../'), InvalidObjectKeyError);
    });

    it('reports missing objects: get/getBytes throw ObjectNotFoundError with the key, head returns null', async () => {
      for (const read of [store.get.bind(store), store.getBytes.bind(store)]) {
        const error = await expectRejects(read('missing/object.bin'), ObjectNotFoundError);
        assert.equal(error.key, 'missing/object.bin');
        assert.equal(error.type, 'ObjectNotFound');
        assert.equal(error.retryable, false);
      }
      assert.equal(await store.head('missing/object.bin'), null);
      await store.put('missing/dir/child', 'x');
      // A "directory" of other objects is not an object itself.
      await expectRejects(store.getBytes('missing/dir'), ObjectNotFoundError);
      assert.equal(await store.head('missing/dir'), null);
    });

    it('never shows credentials in its url or errors', async () => {
      assert.doesNotMatch(store.url, new RegExp(`${SECRET}|contract-user|@`));
      const error = await expectRejects(store.getBytes('missing/for-credentials'), ObjectStoreError);
      assertCredentialFree(error);
    });
  });
}

function assertCredentialFree(error: unknown): void {
  const rendered = [inspect(error, { depth: Infinity, showHidden: true }), JSON.stringify(error), (error as Error).stack ?? ''].join('\n');
  assert.ok(!rendered.includes(SECRET), `secret leaked: ${rendered}`);
  assert.ok(!rendered.includes('contract-user'), `access key leaked: ${rendered}`);
}

contract('file://', fileBackend);
contract('s3:// (MinIO)', s3Backend);

describe('S3 stream puts go through a spool file', { timeout: 30_000 }, () => {
  it('writes a stream body to spoolDir while it is produced, uploads it, and removes the file, also when the source fails', async () => {
    const spoolDir = await mkdtemp(join(scratch, 'spool-'));
    const bucket = `spool-${randomUUID().slice(0, 8)}`;
    const store = new S3ObjectStore({
      bucket, prefix: '', endpoint: minio.endpoint, region: 'us-east-1',
      accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey, forcePathStyle: true, spoolDir,
    });
    try {
      await store.ensureBucket();
      const body = new PassThrough();
      const putting = store.put('spooled.bin', body);
      body.write(Buffer.alloc(MiB, 's'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Mid-stream, the bytes are in the spool file rather than in a part buffer.
      const [spooled] = await readdir(spoolDir);
      assert.ok(spooled, 'expected a spool file while the body streams');
      assert.equal((await readFile(join(spoolDir, spooled))).length, MiB);
      body.end('!');
      assert.deepEqual(await putting, { bytes: MiB + 1 });
      assert.deepEqual(await store.head('spooled.bin'), { size: MiB + 1 });

      // Sources failing at once (before the spool file has even opened) and after some bytes.
      for (const partial of [...Array<string>(10).fill(''), 'partial']) {
        async function* failing() {
          if (partial) yield Buffer.from(partial);
          throw new Error('producer died');
        }
        await assert.rejects(store.put('failed.bin', Readable.from(failing())), /producer died/);
        assert.deepEqual(await readdir(spoolDir), [], partial ? 'after some bytes' : 'failing at once');
      }
      assert.equal(await store.head('failed.bin'), null);
    } finally {
      await store.close();
    }
  });
});

describe('S3 failure classification', { timeout: 30_000 }, () => {
  it('marks rejected credentials non-retryable, says what to fix and leaks neither key', async (t) => {
    const store = createObjectStore(s3Config('contract-creds', { secretAccessKey: `wrong-${SECRET}` }));
    t.after(() => store.close?.());
    for (const attempt of [() => store.put('k', 'x'), () => store.getBytes('k'), () => store.head('k'), () => store.list('')]) {
      const error = await expectRejects(attempt(), ObjectStoreConfigError);
      assert.equal(error.retryable, false);
      assert.equal(error.type, 'ObjectStoreConfig');
      assert.match(error.message, /check the S3 credentials/);
      assertCredentialFree(error);
    }
  });

  it('marks a missing bucket non-retryable and names it, also for head()', async (t) => {
    const store = createObjectStore(s3Config('contract-no-such-bucket'));
    t.after(() => store.close?.());
    for (const attempt of [() => store.put('k', 'x'), () => store.getBytes('k'), () => store.head('k'), () => store.list('')]) {
      const error = await expectRejects(attempt(), ObjectStoreConfigError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /bucket "contract-no-such-bucket" does not exist.*ensureBucket/);
    }
  });

  it('marks an unreachable endpoint retryable', async (t) => {
    const closedPort = await freePort();
    const store = createObjectStore(s3Config('contract-offline', { endpoint: `http://127.0.0.1:${closedPort}` }));
    t.after(() => store.close?.());
    const error = await expectRejects(store.head('k'), ObjectStoreTransientError);
    assert.equal(error.retryable, true);
    assert.equal(error.type, 'ObjectStoreTransient');
    assert.equal(error.code, 'ECONNREFUSED');
    assertCredentialFree(error);
  });

  it('ensureBucket is idempotent', async (t) => {
    const store = createObjectStore(s3Config(`contract-ensure-${randomUUID().slice(0, 8)}`, {}, ''));
    t.after(() => store.close?.());
    await store.ensureBucket?.();
    await store.ensureBucket?.();
    await store.put('k', 'x');
    assert.deepEqual(await store.list(''), [{ key: 'k', size: 1 }]);
  });
});

describe('StagingConfig validation', () => {
  it('refuses credentials in urls without echoing them', () => {
    for (const config of [
      { url: `s3://user:${SECRET}@bucket/prefix` },
      { url: 's3://bucket', s3: { endpoint: `http://user:${SECRET}@127.0.0.1:9000` } },
    ]) {
      const error = (() => {
        try {
          createObjectStore(config);
        } catch (err) {
          return err;
        }
        return assert.fail('config with credentials accepted');
      })();
      assert.match(String(error), /must not contain credentials/);
      assertCredentialFree(error);
    }
  });

  it('refuses unknown schemes, bad bucket names, bad prefixes and half-given credentials', () => {
    for (const config of [
      { url: 'http://example.com/x' },
      { url: 's3://Bad_Bucket/x' },
      { url: 's3://bucket/a/../b' },
      { url: 's3://bucket', s3: { accessKeyId: 'only-the-id' } },
    ]) {
      assert.throws(() => createObjectStore(config), `accepted ${JSON.stringify(config)}`);
    }
  });

  it('builds both backends from valid urls', () => {
    assert.equal(createObjectStore({ url: 'file:///tmp/f1-staging' }).url, 'file:///tmp/f1-staging');
    const s3 = createObjectStore({ url: 's3://f1-bucket/bronze/', s3: { endpoint: 'http://127.0.0.1:9000' } });
    assert.equal(s3.url, 's3://f1-bucket/bronze');
    assert.deepEqual(s3.locate('a/b'), { kind: 's3', url: 'http://127.0.0.1:9000/f1-bucket/bronze/a/b' });
    void s3.close?.();
  });
});
