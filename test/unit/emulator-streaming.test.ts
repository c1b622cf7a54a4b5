import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

// The longest 2023 session: pre-season test day 1, 9.5 h x 19 drivers, ~2.4 M rows, ~400 MB of JSON.
const LONGEST_SESSION = 9222;
const OPEN_BRACE = '{'.charCodeAt(0);
const MiB = 1024 * 1024;

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator({ maxRows: 10_000_000, timeBudgetMs: 600_000 });
});
after(() => emulator.close());

const memory = (): number => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(url, resolve).on('error', reject).end());
}

void test('the longest session streams with flat memory to a slow client', async () => {
  const baseline = memory();
  const res = await get(`${emulator.url}/car_data?session_key=${LONGEST_SESSION}`);
  assert.equal(res.statusCode, 200);

  let bytes = 0;
  let rows = 0;
  let last = 0;
  let peak = 0;
  res.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === OPEN_BRACE) rows++;
    last = chunk[chunk.length - 1];
    peak = Math.max(peak, memory());
  });
  const ended = new Promise<void>((resolve, reject) => res.on('end', resolve).on('error', reject));

  // A client that stops reading: the server must stop producing (bounded by socket buffers and
  // its small chunk pool), not buffer the 400 MB response.
  res.pause();
  await sleep(300);
  const servedWhilePaused = emulator.stats().rowsServed;
  await sleep(700);
  assert.equal(emulator.stats().rowsServed, servedWhilePaused, 'nothing produced while the client does not read');
  assert.ok(servedWhilePaused < 200_000, `${servedWhilePaused} rows produced ahead of the client`);

  // A slow client: a trickle of reads for a second.
  for (let i = 0; i < 20; i++) {
    res.resume();
    await sleep(5);
    res.pause();
    await sleep(45);
  }
  assert.ok(emulator.stats().rowsServed < 400_000, 'production follows the slow reads');

  res.resume();
  await ended;
  assert.equal(last, ']'.charCodeAt(0), 'complete JSON array');
  assert.equal(rows, emulator.stats().rowsServed);
  assert.ok(rows > 2_300_000, `${rows} rows`);
  assert.ok(bytes > 350 * MiB, `${bytes} bytes`);
  assert.ok(peak - baseline < 96 * MiB, `memory grew by ${Math.round((peak - baseline) / MiB)} MiB for a ${Math.round(bytes / MiB)} MiB body`);
});
