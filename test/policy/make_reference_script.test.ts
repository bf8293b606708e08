// tools/policy/make_reference.sh's command line: usage errors exit 2 with one line before any work
// (a typo must not start an hour of collection and training); --help says how to call it.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { packagePath } from '../../nodes/package_paths.js';

function makeReference(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('bash', [packagePath('tools', 'policy', 'make_reference.sh'), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('tools/policy/make_reference.sh', () => {
  it('--help prints the usage and the defaults, and nothing runs', () => {
    const r = makeReference('--help');
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /bash tools\/policy\/make_reference\.sh \[--robot fr3\|ur5e\] \[--out DIR\] \[--work DIR\] \[--name NAME\] \[--only STEP\]/,
    );
    assert.match(r.out, /--only demonstrations\|training\|safe runs that step alone/);
    assert.match(r.out, /ur5e → config\/policies\/reference_ur5e/);
    assert.doesNotMatch(r.out, /set -euo|^== /m);
  });

  it('a robot it does not know, an unknown option or a missing value: exit 2 with one line', () => {
    for (const [args, line] of [
      [['--robot', 'ur3'], "make_reference.sh: --robot: expected fr3 or ur5e, got 'ur3'"],
      [['--robt', 'fr3'], "make_reference.sh: unknown argument '--robt' (see --help)"],
      [['--out'], 'make_reference.sh: --out needs a value (see --help)'],
      [['--only', 'sfae'], "make_reference.sh: --only: expected demonstrations, training or safe, got 'sfae'"],
      [['--only'], 'make_reference.sh: --only needs a value (see --help)'],
    ] as const) {
      const r = makeReference(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.err, `${line}\n`);
      assert.equal(r.out, '');
    }
  });
});
