import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OpenF1Client } from '../../src/openf1/index.js';
import { carDataRow, startServer } from './openf1-test-server.js';

// A forced GC makes heap samples measure live data rather than collection timing; the test
// command does not pass --expose-gc, so expose it at runtime.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROWS = 150_000; // > a 9.5-hour session for one car (~126k rows at 3.7 Hz)
const T0 = Date.UTC(2023, 1, 23, 7, 0, 0);
const HEAP_BUDGET = 15 * 1024 * 1024;

void test('streaming ~150k rows (> 20 MB) keeps the heap flat', async (t) => {
  let bodyBytes = 0;
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    let i = 0;
    // Generated and written chunk by chunk, honouring backpressure, so the server side holds
    // no more than one ~64 KB chunk either.
    const writeSome = () => {
      while (i < ROWS) {
        let chunk = i === 0 ? '[' : '';
        for (; chunk.length < 64_000 && i < ROWS; i++) chunk += `${i === 0 ? '' : ',\n'}${JSON.stringify(carDataRow(T0 + i * 270, i))}`;
        if (i === ROWS) chunk += ']';
        bodyBytes += Buffer.byteLength(chunk);
        if (!res.write(chunk)) return void res.once('drain', () => setImmediate(writeSome));
      }
      res.end();
    };
    writeSome();
  });
  try {
    const client = new OpenF1Client({ baseUrl: server.baseUrl, rateLimit: false });
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    let lastDate = '';
    for await (const { row, index } of client.stream('car_data', [{ field: 'session_key', op: '=', value: 9222 }])) {
      assert.equal(index, count);
      assert.ok(row.date > lastDate, 'rows arrive in order');
      lastDate = row.date;
      count++;
      if (count % 10_000 === 0) {
        // The consumer is slower than the network now and then, as a real sink would be.
        await new Promise((resolve) => setTimeout(resolve, 5));
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    assert.equal(count, ROWS);
    assert.ok(bodyBytes > 20 * 1024 * 1024, `body was only ${bodyBytes} bytes`);
    t.diagnostic(`body ${(bodyBytes / 1048576).toFixed(1)} MB, peak heap growth ${(peak / 1048576).toFixed(1)} MB`);
    // Holding the body as one string (~21 MB) or the rows as one array (~40+ MB) would exceed this.
    assert.ok(peak < HEAP_BUDGET, `heap grew by ${(peak / 1048576).toFixed(1)} MB`);
  } finally {
    await server.close();
  }
});
