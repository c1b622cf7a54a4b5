/**
 * car_data serving rate of the emulator over loopback: streams the largest 2023 session (9222,
 * 9.5 h, every driver) and prints `{ rowsPerSecond, bytesPerSecond, rows }` as JSON.
 * The client runs in a separate process and is a bare TCP reader (no HTTP parsing; bytes are the
 * response bytes on the wire), so the figure is the server's throughput on its one core.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../src/emulator/index.js';

const SESSION_KEY = 9222;
// Sends the request, counts the response bytes and prints "<status> <bytes> <seconds>".
const CLIENT = `
const url = new URL(process.argv[1]);
const started = process.hrtime.bigint();
let bytes = 0;
let head = '';
const socket = require('node:net').connect(Number(url.port), url.hostname, () =>
  socket.write('GET ' + url.pathname + url.search + ' HTTP/1.1\\r\\nHost: ' + url.host + '\\r\\nConnection: close\\r\\n\\r\\n'),
);
socket.on('data', (chunk) => {
  if (bytes === 0) head = chunk.toString('latin1', 0, 12);
  bytes += chunk.length;
});
socket.on('end', () => console.log(head.split(' ')[1], bytes, Number(process.hrtime.bigint() - started) / 1e9));
`;

export interface EmulatorRate {
  rowsPerSecond: number;
  bytesPerSecond: number;
  rows: number;
}

export async function measureEmulatorRate(): Promise<EmulatorRate> {
  const emulator = await startEmulator({ maxRows: Number.MAX_SAFE_INTEGER, timeBudgetMs: 3_600_000 });
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const client = spawn(process.execPath, ['-e', CLIENT, `${emulator.url}/car_data?session_key=${SESSION_KEY}`]);
      let stdout = '';
      client.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      client.on('error', reject);
      client.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`client exited with ${code}`))));
    });
    const [status, bytes, seconds] = output.trim().split(' ').map(Number);
    if (status !== 200) throw new Error(`HTTP ${status}`);
    const rows = emulator.stats().rowsServed;
    return { rowsPerSecond: Math.round(rows / seconds), bytesPerSecond: Math.round(bytes / seconds), rows };
  } finally {
    await emulator.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await measureEmulatorRate()));
}
