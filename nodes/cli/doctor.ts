// `vla-ros doctor`: tells a new user what this machine can do and, for each problem, the
// one command that fixes it. Exit code 1 only when the embedded default cannot work.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PACKAGE_ROOT, packagePath } from '../package_paths.js';
import { rosEnvironment } from '../ros/backend.js';
import { checkBundle } from './bundle_check.js';
import { shippedBundles } from '../policy/shipped_bundles.js';
import { errorText } from '../error_text.js';

export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** One line a user can run or follow to fix the problem. */
  fix?: string;
}

function nodeVersionCheck(): CheckResult {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return ok
    ? { name: 'Node.js', status: 'ok', detail: `v${process.versions.node}` }
    : {
        name: 'Node.js',
        status: 'fail',
        detail: `v${process.versions.node}; vla-ros needs >= 20.19`,
        fix: 'install Node.js 20.19 or newer',
      };
}

function rosCheck(): CheckResult {
  const env = rosEnvironment();
  if (!env.sourced) {
    return {
      name: 'ROS 2',
      status: 'info',
      detail: 'not sourced: nodes will run on the embedded backend (in-process, no ROS 2 needed)',
      fix: 'on a robot: source /opt/ros/<distro>/setup.bash (and your workspace install/setup.bash)',
    };
  }
  return { name: 'ROS 2', status: 'ok', detail: `${env.distro ?? 'unknown distro'} sourced (${env.amentPrefixPath.length} prefixes)` };
}

function rclnodejsDir(): string | undefined {
  const dir = packagePath('node_modules', 'rclnodejs');
  return fs.existsSync(path.join(dir, 'package.json')) ? dir : undefined;
}

function rclnodejsCheck(): CheckResult {
  const dir = rclnodejsDir();
  if (dir === undefined) {
    return { name: 'rclnodejs', status: 'warn', detail: 'not installed (optional dependency)', fix: 'npm ci' };
  }
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const built = fs.existsSync(path.join(dir, 'build', 'Release', 'rclnodejs.node'));
  const env = rosEnvironment();
  if (!env.sourced) {
    return {
      name: 'rclnodejs',
      status: 'info',
      detail: `${version} installed (${built ? 'native addon built' : 'native addon not built'}); needs ROS 2 to load`,
    };
  }
  if (!built) {
    return {
      name: 'rclnodejs',
      status: 'fail',
      detail: `${version} installed but its native addon is not built for this ROS 2`,
      fix: `cd ${PACKAGE_ROOT} && npm rebuild rclnodejs --ignore-scripts=false`,
    };
  }
  // Load it in a child process: a broken addon must not take the doctor down with it.
  const probe = spawnSync(process.execPath, ['-e', "import('rclnodejs').then(()=>process.stdout.write('ok'))"], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (probe.stdout.trim() === 'ok')
    return { name: 'rclnodejs', status: 'ok', detail: `${version} loads against ROS 2 ${env.distro ?? ''}` };
  const reason = (probe.stderr || probe.error?.message || 'unknown error').trim().split('\n').slice(-1)[0];
  return {
    name: 'rclnodejs',
    status: 'fail',
    detail: `${version} does not load: ${reason}`,
    fix: `cd ${PACKAGE_ROOT} && npm rebuild rclnodejs --ignore-scripts=false`,
  };
}

function messagesCheck(): CheckResult {
  const env = rosEnvironment();
  if (!env.sourced) return { name: 'vla_ros_msgs', status: 'info', detail: 'definitions in msgs/ (embedded backend uses them directly)' };
  const found = env.amentPrefixPath.some((p) => fs.existsSync(path.join(p, 'share', 'vla_ros_msgs', 'package.xml')));
  const dir = rclnodejsDir();
  const generated = dir !== undefined && fs.existsSync(path.join(dir, 'generated', 'vla_ros_msgs'));
  if (!found) {
    return {
      name: 'vla_ros_msgs',
      status: 'fail',
      detail: 'not found in AMENT_PREFIX_PATH: rclnodejs cannot publish the suite messages',
      fix: 'colcon build (see README "Run on a robot") && source install/setup.bash',
    };
  }
  if (!generated) {
    return {
      name: 'vla_ros_msgs',
      status: 'fail',
      detail: 'installed, but rclnodejs has not generated JavaScript for it',
      fix: `cd ${PACKAGE_ROOT} && npx generate-ros-messages`,
    };
  }
  return { name: 'vla_ros_msgs', status: 'ok', detail: 'installed and generated for rclnodejs' };
}

function backendCheck(rcl: CheckResult): CheckResult {
  const env = rosEnvironment();
  if (env.sourced && rcl.status === 'ok') return { name: 'backend', status: 'ok', detail: 'auto → rclnodejs (ROS 2 graph)' };
  if (env.sourced) {
    return { name: 'backend', status: 'warn', detail: 'auto → embedded: ROS 2 is sourced but rclnodejs does not load', fix: rcl.fix };
  }
  return { name: 'backend', status: 'ok', detail: 'auto → embedded (in-process transport, no ROS 2 needed)' };
}

async function onnxruntimeCheck(): Promise<CheckResult> {
  try {
    const ort = await import('onnxruntime-node');
    const { executionProviders } = await import('../inference/execution_provider.js');
    const providers = executionProviders();
    const here = providers.filter((p) => p.available).map((p) => p.name);
    const missing = providers.filter((p) => !p.available).map((p) => p.name);
    return {
      name: 'onnxruntime-node',
      status: 'ok',
      detail: `${ort.env.versions.node ?? '?'}; execution providers: ${here.join(', ')}${missing.length > 0 ? ` (not installed: ${missing.join(', ')})` : ''}`,
    };
  } catch (err) {
    return {
      name: 'onnxruntime-node',
      status: 'fail',
      detail: `does not load: ${errorText(err).split('\n')[0]}`,
      fix: `cd ${PACKAGE_ROOT} && npm ci`,
    };
  }
}

function listDir(dir: string, filter: (name: string) => boolean): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter(filter).sort() : [];
}

/** Every shipped bundle, checked against its ONNX models (this also exercises onnxruntime). */
async function policyBundlesCheck(): Promise<CheckResult> {
  const bundles = shippedBundles();
  if (bundles.length === 0) {
    return {
      name: 'policy bundles',
      status: 'fail',
      detail: `none in ${packagePath('config', 'policies')}`,
      fix: 'git checkout config/policies',
    };
  }
  const results = await Promise.all(bundles.map(async (b) => ({ b, check: await checkBundle(b) })));
  const bad = results.filter((r) => r.check.problems.length > 0);
  if (bad.length > 0) {
    return {
      name: 'policy bundles',
      status: 'fail',
      detail: bad.map((r) => `${r.b}: ${r.check.problems[0]}`).join('; '),
      fix: `vla-ros bundle check ${bad[0].b}   (lists every problem)`,
    };
  }
  const untrained = results.filter((r) => r.check.bundle?.manifest.trained === false).map((r) => r.b);
  return {
    name: 'policy bundles',
    status: 'ok',
    detail: `${bundles.join(', ')} valid${untrained.length ? ` (untrained: ${untrained.join(', ')})` : ''}`,
  };
}

function robotConfigsCheck(): CheckResult {
  const root = packagePath('config', 'robots');
  const robots = listDir(root, (n) => n.endsWith('.yaml'));
  const bad: string[] = [];
  for (const f of robots) {
    try {
      parseYaml(fs.readFileSync(path.join(root, f), 'utf8'));
    } catch (err) {
      bad.push(`${f}: ${errorText(err).split('\n')[0]}`);
    }
  }
  if (robots.length === 0) return { name: 'robot configs', status: 'fail', detail: `none in ${root}`, fix: 'git checkout config/' };
  if (bad.length > 0)
    return { name: 'robot configs', status: 'fail', detail: bad.join('; '), fix: 'fix the YAML syntax in the file named' };
  return { name: 'robot configs', status: 'ok', detail: robots.map((f) => f.replace(/\.yaml$/, '')).join(', ') };
}

function launchFilesCheck(): CheckResult {
  const files = listDir(packagePath('launch'), (n) => n.endsWith('.launch.xml'));
  return files.length > 0
    ? { name: 'launch files', status: 'ok', detail: files.join(', ') }
    : { name: 'launch files', status: 'fail', detail: 'none found', fix: 'git checkout launch/' };
}

/** glibc's malloc arenas: the `vla-ros` command (tools/vla-ros) limits them to 1 unless set. */
export function mallocArenasCheck(env: NodeJS.ProcessEnv = process.env): CheckResult {
  const value = env.MALLOC_ARENA_MAX;
  if (value !== undefined && value !== '') return { name: 'malloc arenas', status: 'ok', detail: `MALLOC_ARENA_MAX=${value}` };
  return {
    name: 'malloc arenas',
    status: 'info',
    detail: "MALLOC_ARENA_MAX unset: glibc's default of one arena per thread, up to 8 per core (an embedded launch keeps ~70 MB more)",
    fix: 'run vla-ros through its command (npx vla-ros, tools/vla-ros), which sets MALLOC_ARENA_MAX=1',
  };
}

export async function runDoctorChecks(): Promise<CheckResult[]> {
  const rcl = rclnodejsCheck();
  return [
    nodeVersionCheck(),
    rosCheck(),
    rcl,
    messagesCheck(),
    backendCheck(rcl),
    await onnxruntimeCheck(),
    await policyBundlesCheck(),
    robotConfigsCheck(),
    launchFilesCheck(),
    mallocArenasCheck(),
  ];
}

const MARK: Record<CheckStatus, string> = { ok: '✓', info: '·', warn: '!', fail: '✗' };

export function formatChecks(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARK[r.status]} ${r.name.padEnd(width)}  ${r.detail}`);
    if (r.fix !== undefined && r.status !== 'ok') lines.push(`  ${' '.repeat(width)}  fix: ${r.fix}`);
  }
  return lines.join('\n') + '\n';
}

export async function doctorCommand(): Promise<number> {
  const results = await runDoctorChecks();
  process.stdout.write(`vla-ros doctor (package at ${PACKAGE_ROOT})\n\n${formatChecks(results)}`);
  const failed = results.filter((r) => r.status === 'fail');
  process.stdout.write(failed.length === 0 ? '\nAll required checks passed.\n' : `\n${failed.length} problem(s) found.\n`);
  return failed.length === 0 ? 0 : 1;
}
