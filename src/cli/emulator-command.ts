import { Command, InvalidArgumentError } from 'commander';
import { parseRateSpec } from '../config.js';
import { wholeNumber } from './arg-parsers.js';
import { EmulatorOptionsSchema, startEmulator, type FaultConfig } from '../emulator/index.js';
import { CliUsageError } from './run-backfill.js';

function fraction(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`${flag} takes a fraction from 0 to 1, e.g. 0.1; got "${value}"`);
    return n;
  };
}

function rate(flag: string) {
  return (value: string) => parseRateSpec(value) ?? (() => { throw new InvalidArgumentError(`${flag} takes <requests>/<n>(ms|s|m), e.g. 30/10s; got "${value}"`); })();
}

/** `404:9222,9223` -> withheld sessions answered with that status. */
function noData(value: string): NonNullable<FaultConfig['noDataSessions']> {
  const m = /^(404|422):(\d+(?:,\d+)*)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`--fault-no-data takes <404|422>:<session keys>, e.g. 404:9222,9223; got "${value}"`);
  return { status: Number(m[1]) as 404 | 422, sessionKeys: m[2].split(',').map(Number) };
}

interface EmulatorFlags {
  host: string;
  port: number;
  seed: number;
  dataDir?: string;
  maxRows?: number;
  timeBudgetMs?: number;
  faultSeed?: number;
  faultRateLimit?: { requests: number; perMs: number };
  faultErrorRate?: number;
  faultLatencyMs?: number;
  faultTruncateRate?: number;
  faultNoData?: FaultConfig['noDataSessions'];
  faultMalformedRate?: number;
}

/** `f1-ingest emulator`: the OpenF1-compatible local server, with its fault knobs as flags. */
export function emulatorCommand(): Command {
  return new Command('emulator')
    .description('Serve an OpenF1-compatible API on loopback: real 2023/2024 calendar, synthetic deterministic car_data')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', wholeNumber('--port', 0), 8787)
    .option('--seed <n>', 'telemetry seed: same seed, same bytes', wholeNumber('--seed', 0), 1)
    .option('--data-dir <dir>', 'calendar JSON root (default: ../shared/openf1)')
    .option('--max-rows <n>', 'car_data results above this get 422, like the real API', wholeNumber('--max-rows', 0))
    .option('--time-budget-ms <ms>', 'queries estimated to take longer fail with 500, like the real API', wholeNumber('--time-budget-ms', 0))
    .option('--fault-seed <n>', 'seed of the fault sequence', wholeNumber('--fault-seed', 0))
    .option('--fault-rate-limit <rate>', 'answer 429 + Retry-After above this rate, e.g. 30/10s', rate('--fault-rate-limit'))
    .option('--fault-error-rate <fraction>', 'fraction of requests answered 5xx', fraction('--fault-error-rate'))
    .option('--fault-latency-ms <ms>', 'delay added to every request', wholeNumber('--fault-latency-ms', 0))
    .option('--fault-truncate-rate <fraction>', 'fraction of car_data bodies cut off mid-stream', fraction('--fault-truncate-rate'))
    .option('--fault-no-data <status:sessions>', 'withhold car_data for sessions, e.g. 404:9222,9223', noData)
    .option('--fault-malformed-rate <fraction>', 'fraction of car_data rows that break the schema', fraction('--fault-malformed-rate'))
    .action(async (flags: EmulatorFlags) => {
      const faults: FaultConfig = {
        ...(flags.faultSeed !== undefined ? { seed: flags.faultSeed } : {}),
        ...(flags.faultRateLimit ? { rateLimit: flags.faultRateLimit } : {}),
        ...(flags.faultErrorRate !== undefined ? { errorRate: flags.faultErrorRate } : {}),
        ...(flags.faultLatencyMs !== undefined ? { latencyMs: flags.faultLatencyMs } : {}),
        ...(flags.faultTruncateRate !== undefined ? { truncateRate: flags.faultTruncateRate } : {}),
        ...(flags.faultNoData ? { noDataSessions: flags.faultNoData } : {}),
        ...(flags.faultMalformedRate !== undefined ? { malformed: { rate: flags.faultMalformedRate } } : {}),
      };
      const options = EmulatorOptionsSchema.safeParse({
        host: flags.host,
        port: flags.port,
        seed: flags.seed,
        faults,
        ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
        ...(flags.maxRows !== undefined ? { maxRows: flags.maxRows } : {}),
        ...(flags.timeBudgetMs !== undefined ? { timeBudgetMs: flags.timeBudgetMs } : {}),
      });
      if (!options.success) throw new CliUsageError(`Invalid emulator options: ${options.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const emulator = await startEmulator(options.data);
      console.log(`OpenF1 emulator on ${emulator.url} (admin: ${emulator.url.replace(/\/v1$/, '')}/admin/stats)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await emulator.close();
    });
}
