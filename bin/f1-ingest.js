#!/usr/bin/env node
// Runs the compiled CLI from dist/ (`npm run build`, which scripts/bootstrap.sh runs) when it is
// current, else the TypeScript sources through tsx. Compiled, a worker has no tsx: Node runs tsx's
// module hooks on a thread of their own, which held ~35 MB resident for the process's whole life.
// "Current" means no file under src/ is newer than dist/.build-stamp, so an edited source is never
// shadowed by a stale build; the image ships dist/ without src/.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestSourceMtimeMs(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest; // no src/: a deployment of dist/ only
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtimeMs(path) : (mtimeMs(path) ?? 0));
  }
  return newest;
}

const built = mtimeMs(join(root, 'dist/.build-stamp'));
let main;
if (built !== undefined && newestSourceMtimeMs(join(root, 'src')) <= built) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
