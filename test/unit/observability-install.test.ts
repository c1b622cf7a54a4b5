import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../../src/config.js';
import { installObservability } from '../../src/observability/install-observability.js';

// This file's process gets the one Temporal Runtime (node:test runs each file in its own process).
const env = { F1_INGEST_DATA_DIR: '/tmp/f1-observability-test', METRICS_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'debug', OPENF1_USERNAME: 'me', OPENF1_PASSWORD: 'of1-Secret-9' };

/** Lines the Runtime's logger writes to stderr while `fn` runs. */
function stderrOf(fn: () => void): string {
  const original = process.stderr.write;
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return out;
}

test('installs the Temporal Runtime once with our logger; later calls share it and the endpoint', async () => {
  const first = await installObservability(loadConfig(env));
  const second = await installObservability(loadConfig(env));
  try {
    assert.equal(Runtime.instance().logger, first.logger, 'the Runtime logs through our logger');
    assert.equal(second.logger, first.logger);
    assert.equal(second.metrics, first.metrics);
    assert.ok(first.metricsUrl);
    assert.equal(second.metricsUrl, first.metricsUrl);
    const body = await (await fetch(first.metricsUrl)).text();
    assert.match(body, /^# TYPE f1_ingest_rows_loaded_total counter$/m);
    assert.match(body, /^nodejs_heap_size_used_bytes \d+/m, 'Node process metrics too');

    const line = stderrOf(() => first.logger.debug('token request', { password: 'of1-Secret-9' }));
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record.level, 'DEBUG', 'LOG_LEVEL=debug is honoured');
    assert.equal(record.password, '[REDACTED]', "the config's OpenF1 password is masked");
    assert.equal(stderrOf(() => first.logger.trace('below the level')), '');
  } finally {
    await first.close();
  }
  assert.equal((await fetch(second.metricsUrl!)).status, 200, 'still served while another holder is open');
  await first.close(); // idempotent: must not release the second holder's hold
  assert.equal((await fetch(second.metricsUrl!)).status, 200);
  await second.close();
  await assert.rejects(fetch(second.metricsUrl!), 'closed with the last holder');

  const again = await installObservability(loadConfig(env));
  try {
    assert.equal(again.logger, first.logger, 'same Runtime');
    assert.equal((await fetch(again.metricsUrl!)).status, 200, 'endpoint reopened');
  } finally {
    await again.close();
  }
});

test('settings differing from the installed ones are refused: the Runtime cannot be reconfigured', async () => {
  const held = await installObservability(loadConfig(env));
  try {
    await assert.rejects(installObservability(loadConfig({ ...env, LOG_FORMAT: 'pretty' })), /already installed.*LOG_FORMAT/);
    await assert.rejects(installObservability(loadConfig({ ...env, METRICS_ADDRESS: 'off' })), /already installed/);
  } finally {
    await held.close();
  }
});

test('config: LOG_LEVEL, LOG_FORMAT and METRICS_ADDRESS defaults, parsing and errors', () => {
  assert.deepEqual(loadConfig({}).observability, { logLevel: 'INFO', logFormat: 'json', metrics: { host: '127.0.0.1', port: 9464 } });
  assert.deepEqual(loadConfig({ LOG_LEVEL: 'warn', LOG_FORMAT: 'pretty', METRICS_ADDRESS: 'off' }).observability, { logLevel: 'WARN', logFormat: 'pretty', metrics: false });
  assert.deepEqual(loadConfig({ METRICS_ADDRESS: '0.0.0.0:0' }).observability.metrics, { host: '0.0.0.0', port: 0 });
  for (const [variable, value] of [['LOG_LEVEL', 'verbose'], ['LOG_FORMAT', 'xml'], ['METRICS_ADDRESS', '9464'], ['METRICS_ADDRESS', '127.0.0.1:70000']]) {
    assert.throws(() => loadConfig({ [variable]: value }), (err: Error) => err.message.includes(`${variable}:`) && err.message.includes(value));
  }
});
