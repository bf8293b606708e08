#!/usr/bin/env node
// The `vla-ros` command. The TypeScript sources are compiled to dist/ by `npm run build`
// (the README's test command builds too); on a fresh clone this builds once, first.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'dist', 'nodes', 'cli', 'main.js');
if (!existsSync(main)) {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    process.stderr.write('vla-ros: dependencies are not installed; run `npm ci` in ' + root + '\n');
    process.exit(1);
  }
  process.stderr.write('vla-ros: first run, compiling TypeScript (npm run build)...\n');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(main)) {
    process.stderr.write('vla-ros: build failed; run `npm run build` to see why\n');
    process.exit(1);
  }
}
const { runCli } = await import(pathToFileURL(main).href);
process.exitCode = await runCli(process.argv.slice(2));
