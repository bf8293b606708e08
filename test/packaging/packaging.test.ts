// The ROS packaging, checked with ROS's own tools where Debian has them (catkin_pkg, colcon,
// ament_cmake): package.xml validity, colcon's view of the two packages, and a real
// CMake configure + install of vla_ros whose entry points are then run.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultLaunchContext } from '../../nodes/launcher/launch_context.js';
import { loadLaunchFile } from '../../nodes/launcher/launch_file.js';
import { PACKAGE_ROOT, packagePath } from '../../nodes/package_paths.js';
import { nodeExecutables } from '../../nodes/launcher/node_registry.js';
import { collectOverrides, loadParamsFile } from '../../nodes/ros/params_file.js';

const DEBIAN_PYTHON = '/usr/bin/python3';

/** Debian's tools, with Debian's python first (a pyenv python lacks the ROS modules). */
function debianEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}`, PYENV_VERSION: 'system' };
  for (const key of ['ROS_DISTRO', 'AMENT_PREFIX_PATH', 'COLCON_PREFIX_PATH']) delete env[key];
  return env;
}

function run(cmd: string, args: string[], cwd = PACKAGE_ROOT) {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: debianEnv(), timeout: 120_000 });
}

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: debianEnv() });
  return r.status === 0;
}

function skipUnless(ok: boolean, ctx: Mocha.Context, reason: string): void {
  if (!ok) {
    console.log(`      skipped: ${reason}`);
    ctx.skip();
  }
}

function cmakeNodeList(): string[] {
  const text = fs.readFileSync(packagePath('CMakeLists.txt'), 'utf8');
  const m = /set\(VLA_ROS_NODES\s+([^)]*)\)/.exec(text);
  assert.ok(m, 'CMakeLists.txt sets VLA_ROS_NODES');
  return m[1]
    .split(/\s+/)
    .filter((s) => s !== '' && !s.startsWith('#'))
    .sort();
}

describe('ROS packaging', function () {
  this.timeout(180_000);

  it('installs one entry point per registered node (CMakeLists.txt matches nodes/launcher/node_registry.ts)', () => {
    assert.deepEqual(cmakeNodeList(), nodeExecutables());
  });

  it('package.xml is a valid format-3 ament_cmake package depending on vla_ros_msgs (catkin_pkg)', function () {
    skipUnless(has(DEBIAN_PYTHON, ['-c', 'import catkin_pkg']), this, 'catkin_pkg missing: apt-get install python3-catkin-pkg');
    const script = [
      'import json, sys',
      'from catkin_pkg.package import parse_package',
      'p = parse_package(sys.argv[1])',
      'p.validate()',
      "print(json.dumps({'name': p.name, 'format': p.package_format, 'build_type': p.get_build_type(),",
      "  'depends': sorted(d.name for d in p.build_depends), 'exec': sorted(d.name for d in p.exec_depends)}))",
    ].join('\n');
    const r = run(DEBIAN_PYTHON, ['-c', script, packagePath('package.xml')]);
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { name: string; format: number; build_type: string; depends: string[]; exec: string[] };
    assert.equal(info.name, 'vla_ros');
    assert.equal(info.format, 3);
    assert.equal(info.build_type, 'ament_cmake');
    assert.ok(info.depends.includes('vla_ros_msgs'));
    for (const dep of ['vla_ros_msgs', 'launch_ros', 'launch_xml', 'nodejs']) assert.ok(info.exec.includes(dep), `exec_depend ${dep}`);
  });

  it('colcon finds both packages with the documented base paths, vla_ros_msgs first', function () {
    skipUnless(has('colcon', ['--help']), this, 'colcon missing: apt-get install colcon python3-colcon-ros');
    const list = run('colcon', ['list', '--topological-order', '--base-paths', '.', 'msgs']);
    assert.equal(list.status, 0, list.stderr);
    const names = list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[0]);
    assert.deepEqual(names, ['vla_ros_msgs', 'vla_ros']);
  });

  it('builds and installs with ament_cmake; the installed entry points run', function () {
    skipUnless(
      fs.existsSync('/usr/share/ament_cmake/cmake/ament_cmakeConfig.cmake') && has('cmake', ['--version']),
      this,
      'ament_cmake missing: apt-get install ament-cmake cmake',
    );
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_ros_install_'));
    try {
      const build = path.join(tmp, 'build');
      const prefix = path.join(tmp, 'install');
      for (const args of [
        ['-S', PACKAGE_ROOT, '-B', build, `-DCMAKE_INSTALL_PREFIX=${prefix}`],
        ['--build', build],
        ['--install', build],
      ]) {
        const r = run('cmake', args);
        assert.equal(r.status, 0, `cmake ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      }
      const share = path.join(prefix, 'share', 'vla_ros');
      assert.ok(fs.existsSync(path.join(prefix, 'share', 'ament_index', 'resource_index', 'packages', 'vla_ros')));
      assert.ok(fs.existsSync(path.join(share, 'launch', 'bringup.launch.xml')));
      assert.ok(fs.existsSync(path.join(share, 'config', 'robots', 'fr3.yaml')));
      assert.ok(fs.existsSync(path.join(share, 'msgs', 'vla_ros_msgs', 'msg', 'ActionChunk.msg')));
      assert.ok(fs.existsSync(path.join(share, 'dist', 'nodes', 'cli', 'main.js')));
      assert.ok(!fs.existsSync(path.join(share, 'dist', 'test')), 'tests are not installed');
      for (const exec of nodeExecutables()) {
        const entry = path.join(prefix, 'lib', 'vla_ros', exec);
        assert.ok(fs.statSync(entry).mode & 0o111, `${exec} entry point is executable`);
        const r = spawnSync(entry, ['--help-params'], { encoding: 'utf8', env: debianEnv() });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`Parameters of ${exec}`));
      }
      const container = spawnSync(path.join(prefix, 'lib', 'vla_ros', 'component_container'), ['--help'], {
        encoding: 'utf8',
        env: debianEnv(),
      });
      assert.equal(container.status, 0, container.stderr);
      assert.match(container.stdout, /A component container/);
      // The installed copy finds its data next to itself (share/vla_ros), not in the checkout.
      // The installed command (tools/vla-ros, malloc arenas limited) runs the installed program.
      const { MALLOC_ARENA_MAX: _, ...env } = debianEnv();
      const doctor = spawnSync(path.join(share, 'tools', 'vla-ros'), ['doctor'], { encoding: 'utf8', env });
      assert.match(doctor.stdout, new RegExp(`package at ${share.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.match(doctor.stdout, /✓ malloc arenas\s+MALLOC_ARENA_MAX=1\n/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('shipped launch files and configs', () => {
  const launchDir = packagePath('launch');
  for (const file of fs.readdirSync(launchDir).filter((f) => f.endsWith('.launch.xml'))) {
    it(`${file} loads with its defaults and only starts registered vla_ros nodes`, () => {
      const d = loadLaunchFile(path.join(launchDir, file), {}, defaultLaunchContext({}));
      assert.ok(d.nodes.length > 0);
      for (const n of d.nodes) {
        assert.equal(n.pkg, 'vla_ros', n.origin);
        assert.ok(nodeExecutables().includes(n.exec), `${n.origin}: ${n.exec} is registered`);
      }
    });
  }

  const robotsDir = packagePath('config', 'robots');
  for (const file of fs.readdirSync(robotsDir).filter((f) => f.endsWith('.yaml'))) {
    it(`config/robots/${file} is a valid params file with consistent joint limits`, () => {
      const { overrides } = collectOverrides(loadParamsFile(path.join(robotsDir, file)), '/any/node');
      const get = (name: string) => overrides.get(name)?.value;
      const joints = get('robot.joint_names') as string[];
      assert.ok(Array.isArray(joints) && joints.length >= 6, 'robot.joint_names');
      const min = get('robot.joint_position_min') as number[];
      const max = get('robot.joint_position_max') as number[];
      const vel = get('robot.joint_velocity_max') as number[];
      const home = get('robot.home_joint_positions') as number[];
      for (const [name, arr] of Object.entries({ min, max, vel, home }))
        assert.equal(arr.length, joints.length, `${name} has one value per joint`);
      joints.forEach((_, i) => {
        assert.ok(min[i] < max[i], `joint ${i}: min < max`);
        assert.ok(vel[i] > 0, `joint ${i}: velocity limit > 0`);
        assert.ok(home[i] >= min[i] && home[i] <= max[i], `joint ${i}: home within limits`);
      });
      assert.equal(get('robot.name'), file.replace(/\.yaml$/, ''));
      for (const key of ['crisp.target_pose_topic', 'crisp.target_joint_topic', 'crisp.joint_states_topic', 'crisp.current_pose_topic']) {
        assert.equal(typeof get(key), 'string', key);
      }
    });
  }
});
