import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

test('defaults give the embedded stack: chDB under the data dir, file:// staging, public OpenF1 at 30 req/10 s', () => {
  const c = loadConfig({ F1_INGEST_DATA_DIR: '/tmp/f1data' });
  assert.deepEqual(c.clickhouse, { mode: 'embedded', path: '/tmp/f1data/chdb', database: 'f1', load: { mode: 'pull' } });
  assert.equal(c.staging.url, 'file:///tmp/f1data/staging');
  assert.equal(c.openf1.baseUrl, 'https://api.openf1.org/v1');
  assert.deepEqual(c.openf1.rateLimit, { requests: 30, perMs: 10_000 });
  assert.equal(c.temporal.address, '127.0.0.1:7233');
  assert.equal(c.openf1.auth, undefined);
  assert.deepEqual(c.worker.roles, ['workflows', 'fetch', 'warehouse']);
  assert.equal(c.worker.fetchesPerSecond, 2.8);
});

test('CLICKHOUSE_URL switches to server mode; S3 staging carries its credentials', () => {
  const c = loadConfig({
    CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_PASSWORD: 'pw', STAGING_URL: 's3://lake/f1',
    S3_ENDPOINT: 'http://minio:9000', S3_ACCESS_KEY_ID: 'ak', S3_SECRET_ACCESS_KEY: 'sk', OPENF1_RATE_LIMIT: 'off',
  });
  assert.equal(c.clickhouse.mode, 'server');
  assert.deepEqual(c.staging.s3, { endpoint: 'http://minio:9000', region: 'us-east-1', accessKeyId: 'ak', secretAccessKey: 'sk' });
  assert.equal(c.openf1.rateLimit, false);
  // A server is pushed the Parquet by default: it needs no route to staging.
  assert.deepEqual(c.clickhouse.load, { mode: 'push', s3Endpoint: 'http://minio:9000' });
});

test('load mode: one switch, with the S3 endpoint as ClickHouse sees it', () => {
  const s3 = { STAGING_URL: 's3://lake', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY_ID: 'ak', S3_SECRET_ACCESS_KEY: 'sk' };
  const server = { CLICKHOUSE_URL: 'https://ch:8443', ...s3 };
  assert.deepEqual(loadConfig({ ...server, CLICKHOUSE_LOAD_MODE: 'pull', CLICKHOUSE_S3_ENDPOINT: 'http://minio:9000' }).clickhouse.load, {
    mode: 'pull',
    s3Endpoint: 'http://minio:9000',
  });
  assert.equal(loadConfig({ CLICKHOUSE_LOAD_MODE: 'push' }).clickhouse.load.mode, 'push');
  const serverConfig = loadConfig({ ...server, CLICKHOUSE_REQUEST_TIMEOUT_MS: '60000' }).clickhouse;
  assert.equal(serverConfig.mode === 'server' && serverConfig.requestTimeoutMs, 60_000);
});

test('worker roles and the global fetch rate', () => {
  assert.deepEqual(loadConfig({ WORKER_ROLES: 'fetch, workflows' }).worker.roles, ['fetch', 'workflows']);
  assert.equal(loadConfig({ OPENF1_GLOBAL_RATE_LIMIT: '57/20s' }).worker.fetchesPerSecond, 2.85);
  assert.equal(loadConfig({ OPENF1_GLOBAL_RATE_LIMIT: 'off' }).worker.fetchesPerSecond, false);
});

const invalid: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
  ['rate limit syntax', { OPENF1_RATE_LIMIT: 'fast' }, /OPENF1_RATE_LIMIT: expected "<requests>\/<n>\(ms\|s\|m\)"/],
  ['global rate limit syntax', { OPENF1_GLOBAL_RATE_LIMIT: '3 per second' }, /OPENF1_GLOBAL_RATE_LIMIT: expected "<requests>\/<n>\(ms\|s\|m\)"/],
  ['unknown worker role', { WORKER_ROLES: 'workflows,loader' }, /WORKER_ROLES: expected a comma-separated subset of workflows, fetch, warehouse; got "workflows,loader"/],
  ['load mode value', { CLICKHOUSE_LOAD_MODE: 'stream' }, /CLICKHOUSE_LOAD_MODE: .*"stream"/],
  ['pull from a server needs s3 staging', { CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_LOAD_MODE: 'pull' }, /CLICKHOUSE_LOAD_MODE: pull needs s3:\/\/ staging when ClickHouse is a server/],
  ['pull from s3 needs keys', { STAGING_URL: 's3://lake' }, /S3_ACCESS_KEY_ID: pull from s3:\/\/ staging passes the S3 keys to ClickHouse/],
  ['unreadable ClickHouse CA', { CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_TLS_CA_PATH: '/nonexistent/ca.pem' }, /CLICKHOUSE_TLS_CA_PATH: cannot read "\/nonexistent\/ca.pem" \(ENOENT\)/],
  ['temporal address', { TEMPORAL_ADDRESS: 'localhost' }, /TEMPORAL_ADDRESS: expected host:port/],
  ['base url', { OPENF1_BASE_URL: 'not a url' }, /OPENF1_BASE_URL: .*"not a url"/],
  ['staging scheme', { STAGING_URL: 'ftp://x' }, /STAGING_URL: expected s3:\/\/bucket/],
  ['relative file staging', { STAGING_URL: 'file://rel/dir' }, /STAGING_URL: file:\/\/ staging needs an absolute path/],
  ['database identifier', { CLICKHOUSE_DATABASE: 'f1; DROP' }, /CLICKHOUSE_DATABASE: expected an identifier/],
  ['half credentials', { OPENF1_USERNAME: 'me' }, /OPENF1_PASSWORD: OpenF1 credentials need both/],
  ['half S3 credentials', { S3_ACCESS_KEY_ID: 'ak' }, /S3_SECRET_ACCESS_KEY: S3 credentials need both/],
  ['timeout not a number', { OPENF1_REQUEST_TIMEOUT_MS: 'soon' }, /OPENF1_REQUEST_TIMEOUT_MS/],
];

for (const [name, env, message] of invalid) {
  test(`invalid ${name} stops start-up naming the variable`, () => {
    assert.throws(() => loadConfig(env), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, message);
      return true;
    });
  });
}

test('a secret value never appears in a config error', () => {
  assert.throws(() => loadConfig({ OPENF1_USERNAME: 'me', OPENF1_PASSWORD: undefined, S3_SECRET_ACCESS_KEY: 'hunter2', TEMPORAL_ADDRESS: 'bad' }), (err: Error) => {
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
});

test('Temporal TLS, mTLS and API key: files read at start-up, an API key implies TLS, the key never echoed', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { temporalConnectionOptions } = await import('../../src/temporal-connection.js');
  const dir = mkdtempSync(join(tmpdir(), 'f1-tls-'));
  for (const f of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, f), `PEM ${f}`);

  assert.deepEqual(temporalConnectionOptions(loadConfig({}).temporal), { address: '127.0.0.1:7233' });
  assert.deepEqual(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123' }).temporal), {
    address: 'ns.acct.tmprl.cloud:7233',
    tls: {},
    apiKey: 'key-123',
  });
  const mtls = loadConfig({
    TEMPORAL_TLS_CA_PATH: join(dir, 'ca.pem'),
    TEMPORAL_TLS_CERT_PATH: join(dir, 'client.pem'),
    TEMPORAL_TLS_KEY_PATH: join(dir, 'client.key'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
  }).temporal.tls;
  assert.equal(mtls?.serverNameOverride, 'temporal.internal');
  assert.equal(mtls?.serverRootCACertificate?.toString(), 'PEM ca.pem');
  assert.equal(mtls?.clientCertPair?.crt.toString(), 'PEM client.pem');
  assert.equal(mtls?.clientCertPair?.key.toString(), 'PEM client.key');

  assert.throws(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: join(dir, 'client.pem') }), /TEMPORAL_TLS_KEY_PATH: mTLS needs both/);
  assert.throws(() => loadConfig({ TEMPORAL_TLS_CA_PATH: join(dir, 'missing.pem') }), /TEMPORAL_TLS_CA_PATH: cannot read ".*missing\.pem" \(ENOENT\)/);
  assert.throws(() => loadConfig({ TEMPORAL_API_KEY: 'key-secret-456', TEMPORAL_TLS: 'yes' }), (err: Error) => {
    assert.match(err.message, /TEMPORAL_TLS/);
    assert.doesNotMatch(err.message, /key-secret-456/);
    return true;
  });
});
