// StrykerJS configuration for `npm run mutate` (docs/mutation-testing.md).
import { fileURLToPath } from 'node:url';
import './tools/mutation/mocha_cjs_resolve.js';

const mochaShim = fileURLToPath(new URL('./tools/mutation/mocha_cjs_resolve.js', import.meta.url));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  testRunnerNodeArgs: ['--import', mochaShim],
  checkerNodeArgs: ['--import', mochaShim],
  // Tests run from dist/ (.mocharc.json), so the sandbox builds the mutated sources first.
  buildCommand: 'tsc -p tsconfig.json',
  mutate: [
    'nodes/controller_bridge/{control_loop,merge_rule,safety_filter,pose_joint_limiter,watchdog,chunk_executor,chunk_timeline}.ts',
    'nodes/failure_monitor/{conformal_band,episode_monitor,scorer}.ts',
    'nodes/replay/golden.ts',
  ],
  // Mutant switching produces code tsc cannot type; the default pattern only covers src/, lib/, test/.
  disableTypeChecks: 'nodes/**/*.ts',
  mochaOptions: {
    config: '.mocharc.json',
    // Unit tests of the mutated modules; the subprocess tests (safe_cli, golden_fixture) are slow
    // and re-test the same code through a CLI.
    spec: [
      // Not node.test / closed_loop.test: they run the node on the embedded backend, whose timers
      // keep running after a test ends; Stryker then sees the covered code as static and
      // restarts a test process per mutant (too slow on 2 cores). The pure-core tests below
      // cover the same code.
      ...['action_decoder', 'chunk_execution', 'continuity', 'control_loop', 'pose_joint_limiter', 'properties', 'robots', 'safety_filter', 'watchdog'].map(
        (name) => `dist/test/controller_bridge/${name}.test.js`,
      ),
      // mocha's glob has no {a,b}: one entry per file.
      ...['calibration_file', 'conformal_band', 'episode_monitor', 'failure_monitor_node', 'metrics', 'reference_detector', 'scorer'].map(
        (name) => `dist/test/failure_monitor/${name}.test.js`,
      ),
      'dist/test/replay/golden.test.js',
    ],
  },
  coverageAnalysis: 'perTest',
  // Mutants that run while modules load (constant tables) each need a fresh test process; on
  // 2 cores they took 92 % of the time of a run. Stryker reports them as ignored (listed in the doc).
  ignoreStatic: true,
  concurrency: 2,
  incremental: true,
  incrementalFile: 'docs/mutation/stryker-incremental.json',
  // dist/ is copied (not ignored): the tests Stryker records are dist/test/*.js, and the
  // incremental diff needs their current text to reuse results (`npm run mutate` builds first).
  ignorePatterns: ['docs', 'out', 'build', 'install', 'log'],
  reporters: ['progress', 'clear-text', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
