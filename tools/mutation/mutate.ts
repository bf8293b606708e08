// `npm run mutate -- [module ...] [-- stryker options]`: one incremental Stryker run per module
// of tools/mutation/modules.json (all of them when none is named), then the doc tables.
//
//   npm run mutate                          every module
//   npm run mutate -- controller_bridge     one module
//   npm run mutate -- replay --force        re-test every mutant of a module (--concurrency 1 on a busy machine)

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModules, writeDoc } from './mutation_report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const modules = Object.keys(readModules(root));
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('-'));
const chosen = firstOption < 0 ? args : args.slice(0, firstOption);
const strykerArgs = firstOption < 0 ? [] : args.slice(firstOption);
const unknown = chosen.filter((m) => !modules.includes(m));
if (unknown.length > 0) {
  console.error(`npm run mutate: unknown module ${unknown.join(', ')}; modules: ${modules.join(', ')}`);
  process.exit(2);
}
for (const name of chosen.length > 0 ? chosen : modules) {
  console.log(`\n== mutation testing: ${name} ==`);
  const run = spawnSync('npx', ['stryker', 'run', ...strykerArgs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, MUTATION_MODULE: name },
  });
  if (run.status !== 0) {
    console.error(`npm run mutate: stryker failed for ${name} (exit ${run.status ?? run.signal})`);
    process.exit(1);
  }
}
writeDoc(root);
