// `vla-ros sim …` as a user runs it: a real process, exit codes, output files.

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
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vla-ros sim', function () {
  this.timeout(150_000);

  it('run: a corrupt failure-monitor detector holds the arm and exits 1 with one line; --no-failure-monitor runs and says so at start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-sim-corrupt-'));
    try {
      const bundle = path.join(dir, 'bundle');
      fs.cpSync(packagePath('config', 'policies', 'reference'), bundle, { recursive: true });
      const detector = path.join(bundle, 'safe_lstm.onnx'); // the manifest's failure_monitor detector
      const bytes = fs.readFileSync(detector);
      fs.writeFileSync(detector, bytes.subarray(0, Math.floor(bytes.length / 2)));

      const held = vlaRos('sim', 'run', '--policy', bundle, '--episodes', '1', '--duration', '100');
      assert.equal(held.code, 1, held.err);
      const cliLines = held.err.split('\n').filter((l) => l.startsWith('vla-ros:'));
      assert.equal(cliLines.length, 1, held.err);
      assert.match(
        cliLines[0],
        /^vla-ros: failure_monitor: cannot configure: .*safe_lstm\.onnx.*: the arm was held; .*--no-failure-monitor/,
      );
      assert.match(held.err, /\[controller_bridge\]: HOLD: the failure monitor cannot run/);
      assert.doesNotMatch(held.err, /\n\s+at /, 'no stack trace');

      const unmonitored = vlaRos('sim', 'run', '--policy', bundle, '--no-failure-monitor', '--episodes', '1', '--duration', '1');
      assert.equal(unmonitored.code, 0, unmonitored.err);
      assert.match(unmonitored.out.split('\n')[0], /--no-failure-monitor: NO FAILURE MONITOR/);
      assert.match(unmonitored.err + unmonitored.out, /require_failure_monitor is false: the arm moves without a failure monitor/);
      assert.doesNotMatch(unmonitored.err, /cannot configure/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help lists run and eval; bad options exit 2 naming the problem', () => {
    const help = vlaRos('sim', '--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /sim run/);
    assert.match(help.out, /sim eval/);
    const zero = vlaRos('sim', 'eval', '--episodes', '0');
    assert.equal(zero.code, 2);
    assert.match(zero.err, /--episodes: expected an integer >= 1, got 0/);
    // `npm start -- --duration 0` appends to the script's --duration 300: the last value counts.
    const appended = vlaRos('sim', 'run', '--duration', '300', '--record', '--duration', '0');
    assert.equal(appended.code, 2);
    assert.match(appended.err, /--duration: expected seconds > 0, got 0$/m);
    const part = vlaRos('sim', 'eval', '--parts', 'sync,rules');
    assert.equal(part.code, 2);
    assert.match(part.err, /--parts: 'sync' is not one of sync_async, rules, safe/);
    const rule = vlaRos('sim', 'eval', '--rules', 'rtc,newest');
    assert.equal(rule.code, 2);
    assert.match(rule.err, /--rules: 'newest' is not a merge rule/);
    const bundle = vlaRos('sim', 'eval', '--bundle', 'no_such_bundle', '--episodes', '1');
    assert.equal(bundle.code, 1);
    assert.match(bundle.err, /policy bundle 'no_such_bundle' not found/);
  });

  it('eval: one short episode per setting → table on stdout, report.md, results.json and plots', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-sim-eval-'));
    try {
      const r = vlaRos(
        'sim',
        'eval',
        '--episodes',
        '1',
        '--max-time',
        '1',
        '--parts',
        'sync_async,rules',
        '--rules',
        'rtc',
        '--latencies',
        '0,300',
        '--quiet',
        '--out',
        dir,
      );
      assert.equal(r.code, 0, r.err);
      for (const row of [
        '| sync weighted_average +100ms | 1 |',
        '| async weighted_average +100ms | 1 |',
        '| async rtc +0ms | 1 |',
        '| async rtc +300ms | 1 |',
      ]) {
        assert.ok(r.out.includes(row), `table has ${row}`);
      }
      assert.match(r.out, /reference \(trained\)/, "the report says whether the bundle is trained (the manifest's `trained`)");
      const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as {
        settings: Array<{ name: string; episodes: number; chunkRate: number }>;
      };
      assert.equal(results.settings.length, 4);
      assert.ok(results.settings.every((s) => s.episodes === 1 && s.chunkRate > 0));
      assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), r.out.split('wrote ')[0]);
      assert.match(fs.readFileSync(path.join(dir, 'success_vs_latency.svg'), 'utf8'), /^<svg/);
      assert.match(fs.readFileSync(path.join(dir, 'time_to_success_vs_latency.svg'), 'utf8'), /^<svg/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
