import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../../src/dev/binaries.js';

// bin/f1-ingest.js in a scratch tree whose dist/ and src/ entry points say which one ran.
const dir = mkdtempSync(join(tmpdir(), 'f1-cli-entry-'));
mkdirSync(join(dir, 'bin'));
copyFileSync(join(repoRoot, 'bin/f1-ingest.js'), join(dir, 'bin/f1-ingest.js'));
symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
const entry = (name: string) => `export async function main() { console.log('${name}'); return 0; }\n`;
mkdirSync(join(dir, 'dist/cli'), { recursive: true });
writeFileSync(join(dir, 'dist/cli/main.js'), entry('dist'));
mkdirSync(join(dir, 'src/cli'), { recursive: true });
writeFileSync(join(dir, 'src/cli/main.ts'), entry('src'));

after(() => rmSync(dir, { recursive: true, force: true }));

const ran = () => execFileSync(process.execPath, [join(dir, 'bin/f1-ingest.js')], { encoding: 'utf8' }).trim();
const at = (path: string, seconds: number) => utimesSync(join(dir, path), seconds, seconds);

test('bin/f1-ingest.js runs dist/ only while it is newer than every source, else src/ through tsx', () => {
  writeFileSync(join(dir, 'dist/.build-stamp'), '');
  at('src/cli/main.ts', 1_000);
  at('dist/.build-stamp', 2_000);
  assert.equal(ran(), 'dist');

  at('src/cli/main.ts', 3_000); // a source edited after the build
  assert.equal(ran(), 'src');

  rmSync(join(dir, 'dist/.build-stamp')); // never built
  assert.equal(ran(), 'src');

  writeFileSync(join(dir, 'dist/.build-stamp'), '');
  rmSync(join(dir, 'src'), { recursive: true }); // the image: dist/ without src/
  assert.equal(ran(), 'dist');
});
