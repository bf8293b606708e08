// The `vla-ros` command as a user runs it: a real process, real exit codes and output.

import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { packagePath } from '../../nodes/package_paths.js';
import { NO_ROBOT_ARG } from '../launcher/no_robot.js';

const CLI = packagePath('tools', 'vla-ros.js');

/** The environment without ROS 2, so results do not depend on the developer's shell. */
function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['AMENT_PREFIX_PATH', 'ROS_DISTRO', 'ROS_VERSION', 'COLCON_PREFIX_PATH']) delete env[key];
  return env;
}

function vlaRos(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: plainEnv(), timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vla-ros CLI', function () {
  this.timeout(60_000);

  it('--help lists the commands; --version prints the package version', () => {
    const help = vlaRos('--help');
    assert.equal(help.code, 0);
    for (const cmd of ['run <node>', 'launch <file>', 'doctor', 'nodes']) assert.ok(help.out.includes(cmd), `help mentions ${cmd}`);
    const version = vlaRos('--version');
    assert.equal(version.code, 0);
    assert.match(version.out.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('exits 2 with a clear message on bad usage', () => {
    const unknownCmd = vlaRos('lunch');
    assert.equal(unknownCmd.code, 2);
    assert.match(unknownCmd.err, /unknown command 'lunch' \(did you mean launch\?\)/);
    const unknownNode = vlaRos('run', 'talker');
    assert.equal(unknownNode.code, 2);
    assert.match(unknownNode.err, /unknown node 'talker': vla_ros provides .*episode_manager/);
    const badRosArg = vlaRos('run', 'episode_manager', '--ros-args', '--bogus');
    assert.equal(badRosArg.code, 2);
    assert.match(badRosArg.err, /unknown ROS argument '--bogus'/);
    const badLaunchArg = vlaRos('launch', 'bringup.launch.xml', 'robot=fr3');
    assert.equal(badLaunchArg.code, 2);
    assert.match(badLaunchArg.err, /expected name:=value, got 'robot=fr3'/);
    const badChoice = vlaRos('launch', 'bringup.launch.xml', 'robot:=kuka');
    assert.equal(badChoice.code, 2);
    assert.match(badChoice.err, /bringup\.launch\.xml:\d+: <arg>: argument 'robot' is 'kuka' but must be one of: fr3, panda, ur5e, ur10e/);
    const missingFile = vlaRos('run', 'episode_manager', '--ros-args', '--params-file', '/nonexistent/params.yaml');
    assert.equal(missingFile.code, 2);
    assert.match(missingFile.err, /\/nonexistent\/params\.yaml/);
  });

  it('refuses unknown and wrongly typed parameters, naming them (bad usage: exit 2)', () => {
    const typo = vlaRos('run', 'episode_manager', '--ros-args', '-p', 'instrction:=x');
    assert.equal(typo.code, 2);
    assert.match(typo.err, /has no parameter 'instrction'.*did you mean 'instruction'\?/);
    const wrongType = vlaRos('run', 'episode_manager', '--ros-args', '-p', 'instruction:=5');
    assert.equal(wrongType.code, 2);
    assert.match(wrongType.err, /parameter 'instruction' of node '\/episode_manager': expected string, got integer 5/);
  });

  it('lists nodes and their parameters', () => {
    const nodes = vlaRos('nodes');
    assert.equal(nodes.code, 0);
    assert.match(nodes.out, /^episode_manager\s+Owns the language instruction/m);
    const params = vlaRos('run', 'episode_manager', '--help-params');
    assert.equal(params.code, 0);
    assert.match(params.out, /instruction \(string\) = ""/);
    assert.match(params.out, /use_sim_time \(bool\) = false {2}\[read-only\]/);
  });

  it('shows launch arguments and the resolved nodes without running them', () => {
    const args = vlaRos('launch', 'bringup.launch.xml', '--show-args');
    assert.equal(args.code, 0);
    assert.match(args.out, /'robot':[\s\S]*Valid choices are: fr3, panda, ur5e, ur10e/);
    const printed = vlaRos('launch', 'bringup.launch.xml', '--print', 'robot:=ur5e', 'namespace:=/ur');
    assert.equal(printed.code, 0, printed.err);
    assert.match(printed.out, /node vla_ros\/episode_manager {2}name=episode_manager {2}namespace=\/ur/);
    assert.match(printed.out, /params file: .*config\/robots\/ur5e\.yaml/);
  });

  it('launches the suite on the embedded backend and stops cleanly after --duration', () => {
    const r = vlaRos('launch', 'bringup.launch.xml', NO_ROBOT_ARG, 'instruction:=touch the blue block', '--duration', '1');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\[episode_manager\]: episode ep1-\d+: "touch the blue block"/);
    assert.match(r.out, /node\(s\) running on the embedded backend/);
    assert.match(r.out, /\[episode_manager\]: shutdown: active → finalized/);
    assert.match(r.out, /all nodes stopped/);
  });

  /**
   * Runs `vla-ros launch bringup.launch.xml` for `body`; the suite runs until Ctrl-C, so a body
   * that fails before sending it must not leave the process running (it is killed afterwards).
   */
  async function withLaunchedSuite(body: (child: ChildProcess, out: () => string, exited: Promise<number | null>) => Promise<void>) {
    const child = spawn(process.execPath, [CLI, 'launch', 'bringup.launch.xml', NO_ROBOT_ARG], { env: plainEnv() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await body(child, () => out, exited);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
  /** Waits until the output contains `text`, at most 40 s (start-up on two busy cores). */
  async function waitFor(out: () => string, text: string): Promise<void> {
    const deadline = Date.now() + 40_000;
    while (!out().includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  it('stops cleanly on Ctrl-C (SIGINT)', async () => {
    await withLaunchedSuite(async (child, out, exited) => {
      await waitFor(out, 'Ctrl-C to stop');
      assert.ok(out().includes('Ctrl-C to stop'), `launch did not come up: ${out()}`);
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.match(out(), /stopping \(SIGINT\)/);
      assert.match(out(), /shutdown: active → finalized/);
    });
  });

  it('stops cleanly when Ctrl-C comes during start-up', async () => {
    await withLaunchedSuite(async (child, out, exited) => {
      await waitFor(out, 'started /');
      child.kill('SIGINT');
      assert.equal(await exited, 0, out());
      assert.match(out(), /stopping \(SIGINT\)/);
      assert.match(out(), /all nodes stopped/);
    });
  });

  it('runs a component container until Ctrl-C; a bad node name on its command line is bad usage', async () => {
    const bad = vlaRos('container', '--ros-args', '-r', '__node:=9lives');
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /9lives/);
    const child = spawn(process.execPath, [CLI, 'container', '--ros-args', '-r', '__node:=vla_container', '-r', '__ns:=/fr3'], {
      env: plainEnv(),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes('load nodes with') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(
      out,
      /\[fr3.vla_container\]: component container on the embedded backend: load nodes with \/fr3\/vla_container\/_container\/load_node/,
    );
    child.kill('SIGINT');
    assert.equal(await exited, 0, out);
    assert.match(out, /stopping \(SIGINT\)/);
  });

  it('checks policy bundles against their ONNX models', () => {
    const ok = vlaRos('bundle', 'check');
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /✓ reference: 2 camera\(s\), flow expert, ee_delta H=16 D=7 {2}\[/);
    assert.match(ok.out, /✓ reference_regression: 2 camera\(s\), regression expert, ee_delta H=16 D=7 {2}\[/);
    assert.match(ok.out, /✓ reference_discrete_diffusion: .*discrete_diffusion expert/);
    const bad = vlaRos('bundle', 'check', '/nonexistent/bundle');
    assert.equal(bad.code, 1);
    assert.match(bad.out, /✗ \/nonexistent\/bundle:\n {4}policy bundle '\/nonexistent\/bundle' not found/);
  });

  it('doctor reports the embedded default as working', () => {
    const r = vlaRos('doctor');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /✓ backend\s+auto → embedded/);
    assert.match(r.out, /✓ robot configs\s+fr3, panda, ur10e, ur5e/);
    assert.match(r.out, /✓ onnxruntime-node/);
    assert.match(r.out, /✓ policy bundles\s+reference, reference_discrete_diffusion, reference_regression, reference_ur5e valid/);
    assert.match(r.out, /All required checks passed/);
  });

  it("the vla-ros command (package.json's bin) limits glibc's malloc arenas unless the user set it", () => {
    const command = packagePath('tools', 'vla-ros');
    const doctor = (env: NodeJS.ProcessEnv) => spawnSync(command, ['doctor'], { encoding: 'utf8', env, timeout: 30_000 }).stdout;
    const { MALLOC_ARENA_MAX: _, ...unset } = plainEnv();
    assert.match(doctor(unset), /✓ malloc arenas\s+MALLOC_ARENA_MAX=1\n/);
    assert.match(doctor({ ...unset, MALLOC_ARENA_MAX: '4' }), /✓ malloc arenas\s+MALLOC_ARENA_MAX=4\n/);
    // Node.js on the program itself: glibc's default, and doctor says how to get the limit.
    const plain = spawnSync(process.execPath, [CLI, 'doctor'], { encoding: 'utf8', env: unset, timeout: 30_000 }).stdout;
    assert.match(plain, /· malloc arenas\s+MALLOC_ARENA_MAX unset.*\n\s+fix: run vla-ros through its command/);
  });
});
