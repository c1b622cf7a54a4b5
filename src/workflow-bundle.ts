import { bundleWorkflowCode } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SELF = fileURLToPath(import.meta.url);
/** Sources (`.ts`, run through tsx) or the build (`.js`, dist/): whichever this module was loaded from. */
const COMPILED = extname(SELF) === '.js';
export const WORKFLOWS_PATH = fileURLToPath(new URL(`./workflows/index${extname(SELF)}`, import.meta.url));

/**
 * The workflow bundle, built by webpack in a short-lived child process. Bundling inside the worker
 * (Worker.create with workflowsPath) left ~250 MB of webpack's heap resident in the worker for its
 * whole life (idle worker 485 MB, against ~200 MB without); the child returns that memory to the
 * OS when it exits. Same bundler, same code.
 */
export async function bundleWorkflows(): Promise<{ code: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'f1-workflow-bundle-'));
  try {
    const out = join(dir, 'workflows.js');
    await promisify(execFile)(process.execPath, [...(COMPILED ? [] : ['--import', 'tsx']), SELF, out], {
      maxBuffer: 16 * 1024 * 1024,
      // webpack needs more heap than the worker's own caps allow (WORKER_PROCESS_ENV); the child lifts them.
      env: { ...process.env, NODE_OPTIONS: withoutHeapCaps(process.env.NODE_OPTIONS ?? '') },
    });
    return { code: readFileSync(out, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withoutHeapCaps(nodeOptions: string): string {
  return nodeOptions
    .split(/\s+/)
    .filter((o) => o !== '' && !/^--max-(old|semi)-space-size=/.test(o))
    .join(' ');
}

if (process.argv[1] && SELF === process.argv[1]) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: workflow-bundle.ts <output file>');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  writeFileSync(out, code);
}
