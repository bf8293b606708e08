// StrykerJS configuration for `npm run mutate` (docs/mutation-testing.md). One Stryker run per
// module of tools/mutation/modules.json, chosen by MUTATION_MODULE, each with its own kept
// (incremental) report, so modules are refreshed and merged independently.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import './tools/mutation/mocha_cjs_resolve.js';

const mochaShim = fileURLToPath(new URL('./tools/mutation/mocha_cjs_resolve.js', import.meta.url));
const modules = JSON.parse(fs.readFileSync(new URL('./tools/mutation/modules.json', import.meta.url), 'utf8'));
const name = process.env.MUTATION_MODULE;
const module = name === undefined ? undefined : modules[name];
if (module === undefined) {
  throw new Error(
    `stryker.config.js: set MUTATION_MODULE to one of ${Object.keys(modules).join(', ')} (or run \`npm run mutate -- <module>\`)`,
  );
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  testRunnerNodeArgs: ['--import', mochaShim],
  checkerNodeArgs: ['--import', mochaShim],
  // Tests run from dist/ (.mocharc.json), so the sandbox builds the mutated sources first.
  buildCommand: 'tsc -p tsconfig.json',
  mutate: module.mutate,
  // Mutant switching produces code tsc cannot type; the default pattern only covers src/, lib/, test/.
  disableTypeChecks: 'nodes/**/*.ts',
  // Only the pure-core unit tests of the module (modules.json says which and why): node tests on
  // the embedded backend leave timers running, and Stryker then restarts a process per mutant.
  mochaOptions: { config: '.mocharc.json', spec: module.spec },
  coverageAnalysis: 'perTest',
  // Mutants that run while modules load (constant tables) each need a fresh test process; on
  // 2 cores they took most of a run's time (docs/mutation-testing.md). Stryker reports them as ignored.
  ignoreStatic: true,
  concurrency: 2,
  incremental: true,
  incrementalFile: `docs/mutation/${name}.json`,
  // dist/ is copied (not ignored): the tests Stryker records are dist/test/*.js, and the
  // incremental diff needs their current text to reuse results (`npm run mutate` builds first).
  ignorePatterns: ['docs', 'out', 'build', 'install', 'log'],
  reporters: ['progress', 'clear-text', 'json'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: `.stryker-tmp-${name}`,
  cleanTempDir: 'always',
};
