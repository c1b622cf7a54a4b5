/**
 * `npm run bench`: the pipeline on the embedded stack (Temporal dev server, MinIO, chDB, the local
 * OpenF1 server), measured beside the machine's own limit in the same run: chDB loading the very
 * same bronze NDJSON straight into an identical table. Each workload runs `--runs` times (default
 * 3) on a fresh stack; the report gives the median and the spread, writes JSON under
 * bench/reports/ and prints a table. Not a test: targets are reported, not asserted.
 *
 *   npm run bench                      # S, M, T and the rate-limited run
 *   npm run bench -- --large           # adds L, the whole 2023 season (speed>=100)
 *   npm run bench -- --workloads M --runs 1 --no-rate-limited --cpu-prof /tmp/prof
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_GLOBAL_RATE_LIMIT } from '../src/config.js';
import type { BackfillInput } from '../src/model/backfill-input.js';
import { repoRoot } from '../src/dev/binaries.js';
import type { SeasonOutcome } from '../src/workflows/season-backfill.js';
import { ChaosStack, type WorkerProcess } from '../test/chaos/stack.js';
import { measureEmulatorRate, type EmulatorRate } from './emulator-rate.js';
import { CpuMeter } from './process-cpu.js';
import { summarizeRuns, type Summary } from './stats.js';
import type { ProbeInput, ProbeResult } from './warehouse-probe.js';

interface Workload {
  key: string;
  label: string;
  input: BackfillInput;
}

const WORKLOADS: Record<string, Workload> = {
  S: { key: 'S', label: 'one session (2023 Bahrain race), all drivers', input: { season: 2023, rounds: [1], sessionNames: ['Race'] } },
  M: { key: 'M', label: 'one round (2023 Bahrain), all sessions and drivers', input: { season: 2023, rounds: [1] } },
  // Unit size, not count: the 9.5-hour testing day has ~126k rows per driver (Bahrain FP1 comes along: `rounds` needs one round).
  T: {
    key: 'T',
    label: '9.5-hour testing day (2023, session 9222) + Bahrain FP1, all drivers',
    input: { season: 2023, rounds: [1], includeTesting: true, sessionNames: ['Practice 1'] },
  },
  L: { key: 'L', label: 'the 2023 season, speed>=100', input: { season: 2023, filters: { speedGte: 100 } } },
};

/** Units in flight in the rate-limited run (the backfill's maxConcurrentUnits). */
const RATE_LIMITED_UNITS_IN_FLIGHT = 24;

/** Issue #6: pipeline rows/s over baseline rows/s on M. */
const M_RATIO_TARGET = 0.2;

/** OpenF1's published limit, enforced by the emulator in the rate-limited run. */
const API_LIMIT = { requests: 30, perMs: 10_000 };

interface RunFigures extends Record<string, number> {
  units: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  fetchRowsPerSecond: number;
  convertRowsPerSecond: number;
  loadRowsPerSecond: number;
  workerPeakRssMb: number;
  warehouseProcessPeakRssMb: number;
  apiRequests: number;
  historyEventsPerUnit: number;
  baselineRowsPerSecond: number;
  ratio: number;
  /** CPU seconds during the backfill, by process: the worker (workflows, fetch, convert). */
  cpuWorker: number;
  /** The chDB process (warehouse queue: load, reconcile). */
  cpuWarehouseProcess: number;
  cpuTemporal: number;
  cpuMinio: number;
  /** This process: the OpenF1 emulator, and the client waiting on the backfill. */
  cpuEmulator: number;
  cpuTotal: number;
  /** cpuTotal over (seconds x cores): near 1, the machine's cores were the limit. */
  cpuBusyShare: number;
  temporalCpuMsPerUnit: number;
}

interface RateLimitedFigures extends Record<string, number> {
  units: number;
  carDataRequests: number;
  requestsPerUnit: number;
  throttled: number;
  achievedRequestsPerSecond: number;
  achievedShareOfLimit: number;
  seconds: number;
}

const { values: flags } = parseArgs({
  options: {
    workloads: { type: 'string', default: 'S,M,T' },
    large: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    'no-rate-limited': { type: 'boolean', default: false },
    /** Units in flight per round (the backfill input's maxConcurrentUnits); default: the product default. */
    'max-concurrent-units': { type: 'string' },
    /** Directory for V8 CPU profiles of the worker processes (node --cpu-prof), e.g. to open in Chrome DevTools. */
    'cpu-prof': { type: 'string' },
  },
});
const nodeArgs = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${flags['cpu-prof']}`] : [];
const runs = Number(flags.runs);
const concurrency = flags['max-concurrent-units'] === undefined ? {} : { maxConcurrentUnits: Number(flags['max-concurrent-units']) };
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a whole number >= 1, got ${flags.runs}`);
const keys = [...new Set([...flags.workloads.split(',').map((k) => k.trim().toUpperCase()).filter(Boolean), ...(flags.large ? ['L'] : [])])];
const unknown = keys.filter((k) => !WORKLOADS[k]);
if (unknown.length > 0) throw new Error(`--workloads: unknown ${unknown.join(', ')}; expected some of ${Object.keys(WORKLOADS).join(', ')}`);

function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) throw new Error('worker is not running');
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** Events of every workflow the run started (season, rounds, units): the stack is fresh per run. */
async function historyEvents(stack: ChaosStack): Promise<number> {
  let events = 0;
  for await (const wf of stack.client.workflow.list()) events += (await stack.client.workflow.getHandle(wf.workflowId, wf.runId).describe()).historyLength;
  return events;
}

function runProbe(input: ProbeInput): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/warehouse-probe.ts', JSON.stringify(input)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult) : reject(new Error(`warehouse probe failed (${code}): ${stderr}`))));
  });
}

function backfill(stack: ChaosStack, workflowId: string, input: BackfillInput): Promise<SeasonOutcome> {
  return stack.client.workflow.execute('seasonBackfill', { taskQueue: stack.taskQueue, workflowId, args: [{ ...input, ...concurrency }] }) as Promise<SeasonOutcome>;
}

async function runWorkload(w: Workload, run: number): Promise<RunFigures> {
  const stack = await ChaosStack.start({ name: 'bench' });
  const workers: WorkerProcess[] = [];
  try {
    const database = `bench_${w.key.toLowerCase()}`;
    // Production's shape on one machine: the worker (workflows, fetch, convert) in one process,
    // the ClickHouse engine (chDB, ~200 MB resident before any data) with the warehouse queue in
    // another, as a ClickHouse server would be. Both peaks are reported.
    const warehouse = await stack.startWorker(database, { WORKER_ROLES: 'warehouse' }, nodeArgs);
    workers.push(warehouse);
    const worker = await stack.startWorker(`${database}_worker`, { WORKER_ROLES: 'workflows,fetch' }, nodeArgs);
    workers.push(worker);
    const cpu = CpuMeter.start({ worker: worker.pid, warehouse: warehouse.pid, temporal: stack.temporal.handle.pid, minio: stack.minio.handle.pid, emulator: 'self' });
    const started = performance.now();
    const outcome = await backfill(stack, `bench/${w.key}/${run}`, w.input);
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpu.stop();
    const cpuTotal = Object.values(cpuSeconds).reduce((a, b) => a + b, 0);
    const workerPeakRssMb = peakRssMb(worker.pid);
    const warehouseProcessPeakRssMb = peakRssMb(warehouse.pid);
    const events = await historyEvents(stack);
    const apiRequests = stack.emulator.stats().requests;
    for (const w of workers) await w.stop();
    const probe = await runProbe({
      chdbPath: stack.chdbPath,
      database,
      bronze: { url: `${stack.minio.endpoint}/${stack.taskQueue}/bronze/**/*.ndjson.gz`, accessKeyId: stack.minio.accessKey, secretAccessKey: stack.minio.secretKey },
    });
    // A benchmark of a wrong result is worthless: every figure below is of an exact load.
    const rows = outcome.rowsLoaded;
    if (probe.rowsLoaded !== rows || probe.rowsInCarData !== rows || probe.baseline.rows !== rows || probe.units !== outcome.unitsLoaded) {
      throw new Error(`${w.key} run ${run}: rows disagree: workflow ${rows}, ingest_log ${probe.rowsLoaded}, car_data ${probe.rowsInCarData}, baseline ${probe.baseline.rows}`);
    }
    const rowsPerSecond = rows / seconds;
    const baselineRowsPerSecond = rows / (probe.baseline.ms / 1000);
    return {
      units: probe.units,
      rows,
      seconds,
      rowsPerSecond,
      fetchRowsPerSecond: rows / (probe.stageMs.fetch / 1000),
      convertRowsPerSecond: rows / (probe.stageMs.convert / 1000),
      loadRowsPerSecond: rows / (probe.stageMs.load / 1000),
      workerPeakRssMb,
      warehouseProcessPeakRssMb,
      apiRequests,
      historyEventsPerUnit: events / probe.units,
      baselineRowsPerSecond,
      ratio: rowsPerSecond / baselineRowsPerSecond,
      cpuWorker: cpuSeconds.worker,
      cpuWarehouseProcess: cpuSeconds.warehouse,
      cpuTemporal: cpuSeconds.temporal,
      cpuMinio: cpuSeconds.minio,
      cpuEmulator: cpuSeconds.emulator,
      cpuTotal,
      cpuBusyShare: cpuTotal / (seconds * os.cpus().length),
      temporalCpuMsPerUnit: (cpuSeconds.temporal * 1000) / probe.units,
    };
  } finally {
    for (const w of workers) await w.stop().catch(() => undefined);
    await stack.stop();
  }
}

/**
 * The emulator enforces OpenF1's limit; two worker processes share the fetch queue, whose Temporal
 * rate limit is the product default (OPENF1_GLOBAL_RATE_LIMIT, a little under the API's).
 * Per-process pacing is off, so only the global limit keeps the pair under the API's.
 */
async function runRateLimited(run: number): Promise<RateLimitedFigures> {
  const stack = await ChaosStack.start({ name: 'bench' });
  const workers: WorkerProcess[] = [];
  try {
    stack.emulator.setFaults({ rateLimit: API_LIMIT });
    const limit = DEFAULT_GLOBAL_RATE_LIMIT;
    workers.push(await stack.startWorker('bench_rl', { OPENF1_GLOBAL_RATE_LIMIT: limit }, nodeArgs));
    workers.push(await stack.startWorker('bench_rl_fetch_only', { OPENF1_GLOBAL_RATE_LIMIT: limit, WORKER_ROLES: 'workflows,fetch' }, nodeArgs));
    const started = performance.now();
    // Enough units in flight that the limit, not a unit's latency, sets the pace: at 3 fetches/s
    // and ~3 s per unit on this machine, 8 in flight (the default) would fetch at most ~2.7/s.
    const outcome = await backfill(stack, `bench/rate-limited/${run}`, { ...WORKLOADS.M.input, maxConcurrentUnits: RATE_LIMITED_UNITS_IN_FLIGHT });
    const seconds = (performance.now() - started) / 1000;
    const stats = stack.emulator.stats();
    const units = outcome.unitsLoaded;
    const carDataRequests = stats.byEndpoint.car_data ?? 0;
    const windowSeconds = ((stats.lastRequestAt ?? 0) - (stats.firstRequestAt ?? 0)) / 1000;
    const allowed = (API_LIMIT.requests * 1000) / API_LIMIT.perMs;
    const achieved = stats.requests / windowSeconds;
    return {
      units,
      carDataRequests,
      requestsPerUnit: carDataRequests / units,
      throttled: stats.byStatus['429'] ?? 0,
      achievedRequestsPerSecond: achieved,
      achievedShareOfLimit: achieved / allowed,
      seconds,
    };
  } finally {
    for (const w of workers) await w.stop().catch(() => undefined);
    await stack.stop();
  }
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function cell(s: Summary, digits = 0): string {
  return `${fmt(s.median, digits)} (±${fmt((s.spread * 100) / 2, 0)}%)`;
}

const report: {
  startedAt: string;
  machine: Record<string, unknown>;
  runs: number;
  emulator?: EmulatorRate;
  workloads: Record<string, { label: string; input: BackfillInput; runs: RunFigures[]; summary: Record<keyof RunFigures, Summary> }>;
  rateLimited?: { limit: typeof API_LIMIT; workers: number; runs: RateLimitedFigures[]; summary: Record<keyof RateLimitedFigures, Summary> };
  targets: Record<string, { target: string; value: number | null; met: boolean | null }>;
} = {
  startedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
  runs,
  workloads: {},
  targets: {},
};

console.error(`bench: workloads ${keys.join(', ')}, ${runs} run(s) each${flags['no-rate-limited'] ? '' : ', plus the rate-limited run'}`);
report.emulator = await measureEmulatorRate();
console.error(`emulator serves ${fmt(report.emulator.rowsPerSecond)} car_data rows/s`);
for (const key of keys) {
  const w = WORKLOADS[key];
  const figures: RunFigures[] = [];
  for (let i = 1; i <= runs; i++) {
    const f = await runWorkload(w, i);
    console.error(`${key} run ${i}: ${fmt(f.rows)} rows in ${fmt(f.seconds, 1)} s = ${fmt(f.rowsPerSecond)} rows/s; baseline ${fmt(f.baselineRowsPerSecond)} rows/s; ratio ${fmt(f.ratio, 3)}; RSS ${fmt(f.workerPeakRssMb)} MB`);
    figures.push(f);
  }
  report.workloads[key] = { label: w.label, input: w.input, runs: figures, summary: summarizeRuns(figures) };
}
if (!flags['no-rate-limited']) {
  const figures: RateLimitedFigures[] = [];
  for (let i = 1; i <= runs; i++) {
    const f = await runRateLimited(i);
    console.error(`rate-limited run ${i}: ${fmt(f.achievedRequestsPerSecond, 2)} req/s (${fmt(f.achievedShareOfLimit * 100, 1)}% of the limit), ${fmt(f.requestsPerUnit, 3)} requests/unit, ${f.throttled} 429s`);
    figures.push(f);
  }
  report.rateLimited = { limit: API_LIMIT, workers: 2, runs: figures, summary: summarizeRuns(figures) };
}

const median = (key: string, field: keyof RunFigures) => report.workloads[key]?.summary[field].median ?? null;
const target = (name: string, text: string, value: number | null, ok: (v: number) => boolean) =>
  (report.targets[name] = { target: text, value, met: value === null ? null : ok(value) });
target('ratioM', `pipeline / baseline rows/s on M >= ${M_RATIO_TARGET}`, median('M', 'ratio'), (v) => v >= M_RATIO_TARGET);
target('rssL', 'worker peak RSS on L <= 300 MB', median('L', 'workerPeakRssMb'), (v) => v <= 300);
target('rssT', 'worker peak RSS on the 9.5-hour session (T) <= 300 MB', median('T', 'workerPeakRssMb'), (v) => v <= 300);
const [rowsL, rowsM] = [median('L', 'rowsPerSecond'), median('M', 'rowsPerSecond')];
target('linear', 'rows/s on L within 20% of M (|L/M - 1|)', rowsL !== null && rowsM !== null ? Math.abs(rowsL / rowsM - 1) : null, (v) => v <= 0.2);
const rl = report.rateLimited?.summary;
target('rateAchieved', 'rate-limited: achieved request rate >= 95% of the limit', rl?.achievedShareOfLimit.median ?? null, (v) => v >= 0.95);
target('requestsPerUnit', 'rate-limited: <= 1.05 requests per unit', rl?.requestsPerUnit.median ?? null, (v) => v <= 1.05);

const dir = join(repoRoot, 'bench', 'reports');
mkdirSync(dir, { recursive: true });
const file = join(dir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(report, null, 2));

console.log(`\nf1-ingest bench, ${runs} run(s) per workload, median (± half the spread): ${report.machine.cpus} × ${String(report.machine.cpuModel)}, ${String(report.machine.memoryGiB)} GiB, Node ${process.version}`);
console.log(`emulator: ${fmt(report.emulator.rowsPerSecond)} rows/s\n`);
console.log('| workload | units | rows | end-to-end rows/s | fetch+stage rows/s | convert rows/s | load rows/s | baseline rows/s | ratio | worker peak RSS MB | chDB process peak RSS MB | API requests | history events/unit |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [key, w] of Object.entries(report.workloads)) {
  const s = w.summary;
  console.log(
    `| ${key} | ${fmt(s.units.median)} | ${fmt(s.rows.median)} | ${cell(s.rowsPerSecond)} | ${cell(s.fetchRowsPerSecond)} | ${cell(s.convertRowsPerSecond)} | ${cell(s.loadRowsPerSecond)} | ${cell(s.baselineRowsPerSecond)} | ${cell(s.ratio, 3)} | ${cell(s.workerPeakRssMb)} | ${cell(s.warehouseProcessPeakRssMb)} | ${fmt(s.apiRequests.median)} | ${fmt(s.historyEventsPerUnit.median, 1)} |`,
  );
}
console.log('\nCPU seconds during the backfill, by process (all cores; end-to-end time is about their sum over the cores when the machine is busy):\n');
console.log('| workload | worker | chDB process | Temporal server | MinIO | emulator | total | busy share of the cores | Temporal ms/unit |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [key, w] of Object.entries(report.workloads)) {
  const s = w.summary;
  console.log(
    `| ${key} | ${fmt(s.cpuWorker.median, 1)} | ${fmt(s.cpuWarehouseProcess.median, 1)} | ${fmt(s.cpuTemporal.median, 1)} | ${fmt(s.cpuMinio.median, 1)} | ${fmt(s.cpuEmulator.median, 1)} | ${fmt(s.cpuTotal.median, 1)} | ${fmt(s.cpuBusyShare.median, 2)} | ${fmt(s.temporalCpuMsPerUnit.median)} |`,
  );
}
const m = report.workloads.M?.summary;
if (m) {
  // What the M target leaves to spend: its rows at the target times the baseline, on every core of this machine.
  const budget = (m.rows.median / (M_RATIO_TARGET * m.baselineRowsPerSecond.median)) * os.cpus().length;
  console.log(`\nM at the ${M_RATIO_TARGET} target: ${fmt(budget, 1)} CPU seconds for everything; the Temporal server alone used ${fmt(m.cpuTemporal.median, 1)}, all processes ${fmt(m.cpuTotal.median, 1)}.`);
}
if (rl) {
  console.log(`\nrate-limited (emulator at ${API_LIMIT.requests}/${API_LIMIT.perMs / 1000}s, global limit ${DEFAULT_GLOBAL_RATE_LIMIT}, 2 workers, M, ${RATE_LIMITED_UNITS_IN_FLIGHT} units in flight): ${cell(rl.achievedRequestsPerSecond, 2)} req/s = ${cell(rl.achievedShareOfLimit, 3)} of the limit; ${cell(rl.requestsPerUnit, 3)} requests/unit; ${fmt(rl.throttled.median)} 429s (max ${fmt(rl.throttled.max)})`);
}
console.log('\n| target | value | met |\n|---|---|---|');
for (const t of Object.values(report.targets)) console.log(`| ${t.target} | ${t.value === null ? 'not run' : fmt(t.value, 3)} | ${t.met === null ? '-' : t.met ? 'yes' : 'NO'} |`);
console.log('\nStage rates are per activity slot: rows over the summed activity time of that stage.');
console.log(`report: ${file}`);
