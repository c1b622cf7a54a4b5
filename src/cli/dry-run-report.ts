import type { AppConfig } from '../config.js';
import { BackfillInputSchema, type BackfillInput } from '../model/backfill-input.js';
import { OpenF1Client } from '../openf1/client.js';
import { planBackfillDryRun } from '../planning/dry-run.js';
import { validateBackfillInput } from './run-backfill.js';

/** `backfill --dry-run`: the same planner the workflow's `dryRun` input runs, straight from the CLI. */
export async function printDryRun(config: AppConfig, input: BackfillInput): Promise<void> {
  validateBackfillInput(input);
  const openf1 = new OpenF1Client({ baseUrl: config.openf1.baseUrl, rateLimit: config.openf1.rateLimit, requestTimeoutMs: config.openf1.requestTimeoutMs, auth: config.openf1.auth });
  const report = await planBackfillDryRun(openf1, BackfillInputSchema.parse(input));
  console.table(report.rounds.flatMap((r) => r.sessions.map((s) => ({ round: r.label, meeting: r.meetingName, session: s.sessionName, units: s.units, expectedRows: s.expectedRows }))));
  console.log(
    `Dry run, season ${report.season}: ${report.units} units, ~${report.expectedRows.toLocaleString('en-US')} rows (duration x 3.7 Hz, filters not applied), ` +
      `~${report.expectedRequests} requests, ETA ${report.etaSeconds === null ? 'not rate limited' : `${report.etaSeconds} s at ${report.rateLimit}`}.`,
  );
}
