import { badInput } from './bad-input.js';
import { checkScopes, describeMismatches } from './checks.js';
import { apiFaults, duplicateRuns, loadErrors, minioOutage, pauseCancelsLostFetch, temporalKill, workerSigkill, type Scenario, type Trial } from './scenarios.js';
import { ChaosStack } from './stack.js';

export interface ScenarioReport {
  scenario: string;
  trials: number;
  passed: number;
  rowsExpected: number;
  rowsLoaded: number;
  /** One line per failed trial. */
  failures: string[];
  notes: string[];
}

const DATABASE = 'chaos';

/** The `--short` subset: about two minutes on two cores. */
export function shortSuite(): Scenario[] {
  return [workerSigkill(2, 110), pauseCancelsLostFetch(220), apiFaults([422], 160), duplicateRuns(170), badInput()];
}

export function fullSuite(): Scenario[] {
  return [workerSigkill(10, 110), pauseCancelsLostFetch(220), temporalKill(130), minioOutage(140), loadErrors(150), apiFaults([404, 422], 160), duplicateRuns(170), badInput()];
}

/**
 * Runs the scenarios on one fresh stack and one worker process, then, with the worker stopped,
 * compares ClickHouse with the emulator for every trial's scope. Always cleans up.
 */
export async function runChaos(scenarios: Scenario[]): Promise<ScenarioReport[]> {
  const stack = await ChaosStack.start();
  try {
    // 1.5 s per request: the API scenario's latency (2.5 s) must outlast it.
    const worker = await stack.startWorker(DATABASE, { OPENF1_REQUEST_TIMEOUT_MS: '1500' });
    const ran: Array<{ scenario: Scenario; trials: Trial[] }> = [];
    try {
      for (const scenario of scenarios) {
        // Progress on stderr: a full run takes minutes.
        console.error(`chaos: ${scenario.name} ...`);
        const trials = await scenario.run({ stack, worker }).catch((err: unknown): Trial[] => [{ label: 'scenario', problems: [`crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`] }]);
        ran.push({ scenario, trials });
        console.error(`chaos: ${scenario.name} done (${trials.length} trials)`);
      }
    } finally {
      await worker.stop();
    }
    const checked = ran.flatMap((r) => r.trials.filter((t) => t.check));
    const checks = await checkScopes(stack, DATABASE, checked.map((t) => t.check!));
    const byTrial = new Map(checked.map((t, i) => [t, checks[i]]));
    return ran.map(({ scenario, trials }) => {
      const failures: string[] = [];
      let passed = 0;
      let rowsExpected = 0;
      let rowsLoaded = 0;
      for (const t of trials) {
        const check = byTrial.get(t);
        rowsExpected += check?.expectedRows ?? 0;
        rowsLoaded += check?.loadedRows ?? 0;
        const problems = [...t.problems, ...(check && !check.ok ? [describeMismatches(check)] : [])];
        if (problems.length === 0) passed++;
        else failures.push(`${t.label}: ${problems.join('; ')}`);
      }
      return { scenario: scenario.name, trials: trials.length, passed, rowsExpected, rowsLoaded, failures, notes: trials.filter((t) => t.note).map((t) => `${t.label}: ${t.note}`) };
    });
  } finally {
    await stack.stop();
  }
}

export function formatTable(reports: ScenarioReport[]): string {
  const header = ['scenario', 'trials', 'passed', 'rows expected', 'rows loaded'];
  const rows = reports.map((r) => [r.scenario, String(r.trials), String(r.passed), String(r.rowsExpected), String(r.rowsLoaded)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const short = process.argv.includes('--short');
  const started = Date.now();
  const reports = await runChaos(short ? shortSuite() : fullSuite());
  console.log(`\n${formatTable(reports)}\n`);
  for (const r of reports) for (const note of r.notes) console.log(`  ${r.scenario} / ${note}`);
  const failed = reports.filter((r) => r.passed !== r.trials);
  for (const r of failed) for (const f of r.failures) console.log(`FAIL ${r.scenario} / ${f}`);
  console.log(`\n${failed.length === 0 ? 'all scenarios passed' : `${failed.length} scenario(s) failed`} in ${Math.round((Date.now() - started) / 1000)} s`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}
