import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { LogTimestamp, type LogLevel } from '@temporalio/worker';
import { createJsonLogger, type LogFormat } from '../../src/observability/json-logger.js';
import { SecretRedactor } from '../../src/observability/secret-redactor.js';

function capture(level: LogLevel = 'INFO', format: LogFormat = 'json', redactor = new SecretRedactor()) {
  const lines: string[] = [];
  const logger = createJsonLogger({ level, format, write: (line) => lines.push(line), redact: (line) => redactor.redact(line) });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('one JSON object per line: time, level, message, then the metadata flattened', () => {
  const { logger, lines, records } = capture();
  // What the SDK attaches to a workflow log (timestamp of when the workflow logged it, in ns).
  const at = BigInt(Date.UTC(2023, 2, 5, 15, 0, 1, 234)) * 1_000_000n;
  logger.info('Workflow completed', { [LogTimestamp]: at, sdkComponent: 'workflow', workflowId: 'f1/2023/r01/s7953/d1/speed>=100', runId: 'r-1', workflowType: 'driverSessionIngest' });
  assert.equal(lines.length, 1);
  assert.ok(lines[0].endsWith('}\n') && !lines[0].slice(0, -1).includes('\n'));
  assert.deepEqual(records()[0], {
    time: '2023-03-05T15:00:01.234Z',
    level: 'INFO',
    message: 'Workflow completed',
    sdkComponent: 'workflow',
    workflowId: 'f1/2023/r01/s7953/d1/speed>=100',
    runId: 'r-1',
    workflowType: 'driverSessionIngest',
  });
  assert.deepEqual(Object.keys(records()[0]).slice(0, 3), ['time', 'level', 'message']);
});

test('LOG_LEVEL filters: below it nothing is written', () => {
  const { logger, records } = capture('WARN');
  logger.trace('t');
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  assert.deepEqual(records().map((r) => [r.level, r.message]), [['WARN', 'w'], ['ERROR', 'e']]);
});

test('metadata cannot overwrite time, level or message', () => {
  const { logger, records } = capture();
  logger.warn('real', { message: 'spoofed', level: 'DEBUG', time: 'then', other: 1 });
  const r = records()[0];
  assert.equal(r.message, 'real');
  assert.equal(r.level, 'WARN');
  assert.match(String(r.time), /^\d{4}-\d\d-\d\dT/);
  assert.equal(r.other, 1);
});

test('errors, BigInt, cycles, byte arrays, maps and functions still give valid JSON', () => {
  const { logger, records } = capture();
  const failure = ApplicationFailure.create({ message: 'bad row 7', type: 'OpenF1DataError', nonRetryable: true, cause: new Error('speed is "fast"') });
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  logger.error('Activity failed', {
    error: failure,
    bytes: 12n,
    cyclic,
    payload: new Uint8Array(4096),
    activities: new Map([['stageBronze', { retries: 2 }]]),
    callback: () => undefined,
  });
  const r = records()[0] as Record<string, Record<string, unknown>>;
  assert.equal(r.error.message, 'bad row 7');
  assert.equal(r.error.type, 'OpenF1DataError');
  assert.equal(r.error.nonRetryable, true);
  assert.match(String(r.error.stack), /bad row 7/);
  assert.equal((r.error.cause as Record<string, unknown>).message, 'speed is "fast"');
  assert.equal(r.bytes as unknown, '12');
  assert.deepEqual(r.cyclic, { name: 'loop', self: '[Circular]' });
  assert.equal(r.payload as unknown, '<4096 bytes>');
  assert.deepEqual(r.activities, { stageBronze: { retries: 2 } });
  assert.ok(!('callback' in r));
});

test('pretty: time, padded level, message and the metadata on one line', () => {
  const { logger, lines } = capture('INFO', 'pretty');
  logger.info('Worker state changed', { state: 'RUNNING' });
  logger.warn('no metadata');
  assert.match(lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  Worker state changed \{"state":"RUNNING"\}\n$/);
  assert.match(lines[1], /^\S+ WARN  no metadata\n$/);
});

test('secret values are masked wherever they appear, including JSON-escaped ones', () => {
  const secrets = ['s3-secret-Zq9', 'ch-pass "quoted" \\ back', 'of1-pass-Xx7'];
  const redactor = new SecretRedactor();
  redactor.add(...secrets, undefined, '');
  for (const format of ['json', 'pretty'] as const) {
    const { logger, lines } = capture('TRACE', format, redactor);
    logger.info(`connecting with ${secrets[2]}`, {
      options: { s3: { secretAccessKey: secrets[0] }, clickhouse: { password: secrets[1] } },
      error: new Error(`auth failed for password=${secrets[2]}`),
    });
    const out = lines.join('');
    for (const secret of secrets) {
      assert.ok(!out.includes(secret), `${format} output contains ${secret}`);
      assert.ok(!out.includes(JSON.stringify(secret).slice(1, -1)), `${format} output contains ${secret} JSON-escaped`);
    }
    assert.ok(out.includes(SecretRedactor.MASK));
    if (format === 'json') {
      const r = JSON.parse(lines[0]) as { message: string; options: { clickhouse: { password: string } } };
      assert.equal(r.message, `connecting with ${SecretRedactor.MASK}`);
      assert.equal(r.options.clickhouse.password, SecretRedactor.MASK);
    }
  }
});

test('a secret that contains another is masked whole', () => {
  const redactor = new SecretRedactor();
  redactor.add('abc', 'xxabcxx');
  assert.equal(redactor.redact('k=xxabcxx j=abc'), `k=${SecretRedactor.MASK} j=${SecretRedactor.MASK}`);
});
