import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import cliProgress from 'cli-progress';
import { BackfillInputSchema, describeInputIssues, type BackfillInput } from '../model/backfill-input.js';
import type { SeasonOutcome } from '../workflows/season-backfill.js';
import { progressQuery, type Progress } from '../workflows/messages.js';
import type { seasonBackfill } from '../workflows/index.js';
import { backfillWorkflowId } from './backfill-options.js';

export class CliUsageError extends Error {
  readonly type = 'CliUsageError';
}

/** Validates like the workflow does, so a bad flag fails here with the same message and nothing starts. */
export function validateBackfillInput(input: BackfillInput): void {
  const parsed = BackfillInputSchema.safeParse(input);
  if (!parsed.success) throw new CliUsageError(`Invalid backfill input:\n  ${describeInputIssues(parsed.error, input).join('\n  ')}`);
}

/** Starts the season workflow, or attaches to the identical one already running. */
export async function startOrAttachBackfill(
  client: Client,
  taskQueue: string,
  input: BackfillInput,
): Promise<{ handle: WorkflowHandle<typeof seasonBackfill>; attached: boolean }> {
  validateBackfillInput(input);
  const workflowId = backfillWorkflowId(input);
  try {
    const handle = await client.workflow.start<typeof seasonBackfill>('seasonBackfill', { taskQueue, workflowId, args: [input] });
    return { handle, attached: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { handle: client.workflow.getHandle<typeof seasonBackfill>(workflowId), attached: true };
  }
}

/**
 * Waits for the workflow's result while drawing a progress bar from its `progress` query (stderr).
 * Resolves undefined when `signal` aborts first (e.g. the local worker stopped: queries would hang).
 */
export async function watchBackfill(
  handle: WorkflowHandle<typeof seasonBackfill>,
  opts: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<SeasonOutcome | undefined> {
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: ' {bar} {value}/{total} units | {rows} rows | {running} running | {failed} failed | {state}', hideCursor: true, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let lastLine = '';
  const render = (p: Progress) => {
    const finished = p.unitsDone + p.unitsSkipped + p.unitsFailed;
    const fields = { rows: p.rowsLoaded.toLocaleString('en-US'), running: p.unitsRunning, failed: p.unitsFailed, state: p.state };
    if (bar) {
      bar.setTotal(Math.max(p.unitsTotal, 1));
      bar.update(finished, fields);
      return;
    }
    const line = `progress: ${finished}/${p.unitsTotal} units, ${fields.rows} rows, ${p.unitsRunning} running, ${p.unitsFailed} failed (${p.state})`;
    if (line !== lastLine) process.stderr.write(line + '\n');
    lastLine = line;
  };
  bar?.start(1, 0, { rows: '0', running: 0, failed: 0, state: 'planning' });
  // Every call runs under one signal, so stopping cancels the in-flight long-poll instead of
  // leaving it to retry on a closed connection.
  const stop = new AbortController();
  opts.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  if (opts.signal?.aborted) stop.abort();
  // Each call gets its own signal, linked to `stop` only while it runs: the client leaves a listener
  // on the signal it is given, and a long watch makes thousands of calls.
  const call = async <R>(fn: () => Promise<R>): Promise<R> => {
    const one = new AbortController();
    const abort = () => one.abort();
    stop.signal.addEventListener('abort', abort, { once: true });
    try {
      return await handle.client.withAbortSignal(one.signal, fn);
    } finally {
      stop.signal.removeEventListener('abort', abort);
    }
  };
  const stopped = new Promise<undefined>((resolve) => {
    if (stop.signal.aborted) resolve(undefined);
    stop.signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const poll = (async () => {
    while (!stop.signal.aborted) {
      const p = await call(() => handle.query(progressQuery)).catch(() => undefined);
      if (p && !stop.signal.aborted) render(p);
      await Promise.race([new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000)), stopped]);
    }
  })();
  try {
    const outcome = await Promise.race([call(() => handle.result()).catch((err) => (stop.signal.aborted ? undefined : Promise.reject(err))), stopped]);
    if (outcome) render(await handle.query(progressQuery));
    return outcome;
  } finally {
    stop.abort();
    await poll;
    bar?.stop();
  }
}
