// `npm test`'s mocha: every test of .mocharc.json (dist/test/**/*.test.js), run by two worker
// processes (--parallel --jobs 2; on two cores the serial run leaves one mostly idle). Each test
// file runs whole in one worker, so the files that take longest start first: the list below only
// orders, it selects nothing (a file missing from it, or renamed, still runs, just later).
// `npx mocha` (.mocharc.json) still runs everything serially in one process.
'use strict';
const fs = process.getBuiltinModule('node:fs');
const path = process.getBuiltinModule('node:path');
const base = JSON.parse(fs.readFileSync(path.join(__dirname, '.mocharc.json'), 'utf8'));

/** The longest test files first (by wall time in mocha's JSON reporter; README.md, Development). */
const LONGEST_FIRST = [
  'sim/pipeline_agreement',
  'cli/cli',
  'cli/corrupt_model',
  'replay/golden_fixture',
  'cli/sim_cli',
  'sim/expert',
  'packaging/packaging',
  'bags/bag_fuzz',
  'packaging/lint_on_robot',
  'cli/command_line',
  'replay/compressed_replay',
  'replay/clock_jumps',
  'bags/recorder',
  'failure_monitor/conformal_band',
  'sim/dataset_export',
  'launcher/embedded_launcher',
].map((name) => path.join('dist', 'test', `${name}.test.js`));

function testFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? testFiles(path.join(dir, e.name)) : e.name.endsWith('.test.js') ? [path.join(dir, e.name)] : []))
    .sort();
}

const all = fs.existsSync(path.join('dist', 'test')) ? testFiles(path.join('dist', 'test')) : [];
const first = LONGEST_FIRST.filter((f) => all.includes(f));

module.exports = {
  ...base,
  spec: all.length > 0 ? [...first, ...all.filter((f) => !first.includes(f))] : base.spec,
  parallel: true,
  jobs: 2,
};
