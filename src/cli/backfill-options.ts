import { InvalidArgumentError, type Command } from 'commander';
import { createHash } from 'node:crypto';
import { wholeNumber } from './arg-parsers.js';
import type { BackfillInput } from '../model/backfill-input.js';

function intList(flag: string) {
  return (value: string): number[] =>
    value.split(',').map((part) => {
      const n = Number(part.trim());
      if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} takes whole numbers separated by commas, e.g. ${flag} 1,2; got "${value}"`);
      return n;
    });
}

/** The backfill flags, the same on `dev` and `backfill`; they mirror the workflow's JSON input. */
export function addBackfillOptions(cmd: Command, defaults: { season?: number; rounds?: number[]; speedGte?: number } = {}): Command {
  return cmd
    .option('--season <year>', 'season to ingest (required by backfill)', wholeNumber('--season'), defaults.season)
    .option('--rounds <list>', 'championship rounds, e.g. 1,2 (default: all)', intList('--rounds'), defaults.rounds)
    .option('--sessions <list>', 'session names, e.g. Race,Qualifying (default: all)', (v: string) => v.split(',').map((s) => s.trim()))
    .option('--drivers <list>', 'car numbers, e.g. 1,44 (default: all)', intList('--drivers'))
    .option('--speed-gte <kph>', 'only samples with speed >= this', wholeNumber('--speed-gte'), defaults.speedGte)
    .option('--include-testing', 'also ingest pre-season testing')
    .option('--max-concurrent-rounds <n>', 'rounds at once', wholeNumber('--max-concurrent-rounds'))
    .option('--max-concurrent-units <n>', '(session, driver) units at once per round', wholeNumber('--max-concurrent-units'));
}

export interface BackfillFlags {
  season?: number;
  rounds?: number[];
  sessions?: string[];
  drivers?: number[];
  speedGte?: number;
  includeTesting?: boolean;
  maxConcurrentRounds?: number;
  maxConcurrentUnits?: number;
}

/** Flags -> the workflow's JSON input (validated by the same schema the workflow uses). */
export function backfillInputFromFlags(flags: BackfillFlags): BackfillInput {
  return {
    season: flags.season as number,
    ...(flags.rounds ? { rounds: flags.rounds } : {}),
    ...(flags.sessions ? { sessionNames: flags.sessions } : {}),
    ...(flags.drivers ? { drivers: flags.drivers } : {}),
    ...(flags.speedGte !== undefined ? { filters: { speedGte: flags.speedGte } } : {}),
    ...(flags.includeTesting ? { includeTesting: true } : {}),
    ...(flags.maxConcurrentRounds !== undefined ? { maxConcurrentRounds: flags.maxConcurrentRounds } : {}),
    ...(flags.maxConcurrentUnits !== undefined ? { maxConcurrentUnits: flags.maxConcurrentUnits } : {}),
  };
}

/** Same scope, same ID: starting an identical backfill again attaches to it instead of duplicating it. */
export function backfillWorkflowId(input: BackfillInput): string {
  const { maxConcurrentRounds: _rounds, maxConcurrentUnits: _units, ...scope } = input;
  const digest = createHash('sha256').update(canonicalJson(scope)).digest('hex').slice(0, 10);
  return `f1/${input.season}/backfill-${digest}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
