// The whole command line is checked before a command does anything: unknown options, bad
// choices and malformed numbers exit 2 with "did you mean …?" and nothing runs; parameter
// problems of `run` are reported all at once (exit 2); bad input gives its error line alone.
// A real process, as a user runs it; the spawn timeout only ends a command that wrongly ran.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packagePath } from '../../nodes/package_paths.js';

const CLI = packagePath('tools', 'vla-ros.js');

function vlaRos(...args: string[]): { code: number | null; out: string; err: string } {
  const env = { ...process.env };
  for (const key of ['AMENT_PREFIX_PATH', 'ROS_DISTRO', 'ROS_VERSION', 'COLCON_PREFIX_PATH']) delete env[key];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vla-ros command line validation', function () {
  this.timeout(120_000);

  it('an unknown option stops the command before it starts anything, with a suggestion', () => {
    const launch = vlaRos('launch', 'sim.launch.xml', '--duraton', '5');
    assert.equal(launch.code, 2, launch.err);
    assert.match(
      launch.err,
      /^vla-ros: unknown option --duraton \(did you mean --duration\?\)\nRun `vla-ros launch --help` for usage\.\n$/,
    );
    assert.equal(launch.out, '', 'no node was started');
    const run = vlaRos('run', 'episode_manager', '--help-param');
    assert.equal(run.code, 2, run.err);
    assert.match(run.err, /unknown option --help-param \(did you mean --help-params\?\)/);
    assert.doesNotMatch(run.out + run.err, /running on|activate/, 'the node did not start');
  });

  it('a bad choice stops the command: `bundle chek` checks nothing', () => {
    const r = vlaRos('bundle', 'chek');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /<action>: "chek" is not one of "check" \(did you mean "check"\?\)/);
    assert.equal(r.out, '');
  });

  it('every problem of the command line is reported at once, before any work (sim eval)', () => {
    const r = vlaRos('sim', 'eval', '--partz', 'safe', '--episodes', 'abc');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /unknown option --partz \(did you mean --parts\?\)/);
    assert.match(r.err, /--episodes: expected a number, got 'abc'/);
    assert.match(r.err, /Run `vla-ros sim eval --help` for usage\./);
    assert.doesNotMatch(r.err, /\[1\//, 'no episode ran');
  });

  it('a task that does not exist is a usage error before any episode runs (sim eval --tasks)', () => {
    const r = vlaRos('sim', 'eval', '--tasks', 'push_left,lfit', '--episodes', '1');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--tasks: expected comma-separated tasks from push_left, push_right, push_forward, touch, lift, got 'lfit'/);
    assert.doesNotMatch(r.err, /\[1\//, 'no episode ran');
  });

  it('malformed or missing numbers are usage errors, not NaN', () => {
    const abc = vlaRos('launch', 'bringup.launch.xml', '--duration', 'abc');
    assert.equal(abc.code, 2, abc.err);
    assert.match(abc.err, /--duration: expected a number, got 'abc'/);
    assert.equal(abc.out, '');
    const missing = vlaRos('launch', 'bringup.launch.xml', '--duration');
    assert.equal(missing.code, 2, missing.err);
    assert.match(missing.err, /--duration: expected a number, got nothing/);
    const alias = vlaRos('replay', '/nonexistent', '-r', 'fast');
    assert.equal(alias.code, 2, alias.err);
    assert.match(alias.err, /--rate: expected a number, got 'fast'/);
  });

  it('run: unknown, wrongly typed and out-of-range parameters together, with what else stops the node (exit 2)', () => {
    const one = vlaRos('run', 'controller_bridge', '--ros-args', '-p', 'merge_rul:=rtc');
    assert.equal(one.code, 2, one.err);
    assert.match(one.err, /has no parameter 'merge_rul' \(from -p\): did you mean 'merge_rule'\?/);
    assert.match(one.err, /also: controller_bridge: robot\.joint_names is empty/);
    const all = vlaRos(
      'run',
      'controller_bridge',
      '--ros-args',
      '-p',
      'merge_rul:=rtc',
      '-p',
      'publish_rate_hz:=abc',
      '-p',
      'max_chunk_age:=-3',
    );
    assert.equal(all.code, 2, all.err);
    assert.match(all.err, /did you mean 'merge_rule'\?/);
    assert.match(all.err, /parameter 'publish_rate_hz' of node '\/controller_bridge': expected double, got string "abc" \(from -p\)/);
    assert.match(all.err, /parameter 'max_chunk_age' of node '\/controller_bridge': -3 is outside the range \[0\.01, 60\] \(from -p\)/);
  });

  it('run: a parameter the node declares after the point where it failed is not called unknown (exit 1)', () => {
    const r = vlaRos('run', 'slow_pathway', '--ros-args', '-p', 'policy_bundle:=/nonexistent', '-p', 'rate_hz:=2');
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /policy bundle '\/nonexistent' not found/);
    assert.doesNotMatch(r.err, /has no parameter/);
  });

  it('replay and report: a bag that cannot be read gives its error line alone, no progress line first', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-cli-bad-bag-'));
    try {
      const bad = path.join(dir, 'bad.mcap');
      fs.writeFileSync(bad, 'not a bag\n');
      for (const args of [
        ['replay', path.join(dir, 'missing')],
        ['report', bad, '-o', path.join(dir, 'r.html')],
      ]) {
        const r = vlaRos(...args);
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, /^vla-ros: [^\n]+\n$/, `${args[0]}: only the error line, got ${JSON.stringify(r.err)}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
