// `npm run bench -- ros2_launch`: the suite under a real `ros2 launch`, one process per node against
// the component container (`container:=true`): resident memory and CPU of every process the launch
// starts, idle (bringup.launch.xml: no robot, no cameras — what the nodes cost doing nothing) and
// running (sim.launch.xml: the simulator drives the suite). Floor, same run: a bare Node.js process
// holding one rclnodejs node — the least one process per node can cost.
// Needs ROS 2 sourced and the vla_ros workspace built and sourced (README "Run on a robot");
// without them it says so and measures nothing. Keep DDS on loopback (docs/platform-notes.md).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { packagePath } from '../nodes/package_paths.js';
import { rosEnvironment } from '../nodes/ros/backend.js';
import type { BenchRow, BenchSection } from './bench_table.js';
import { cpuTicks, rssMb, TICKS_PER_SECOND } from './process_usage.js';

interface ProcessSample {
  pid: number;
  label: string;
  rssMb: number;
  /** Share of one core over the window [%]. */
  cpuPercent: number;
}

/** The processes below `root` (children, grandchildren, …). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

function labelOf(pid: number): string {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const i = argv.findIndex((a) => a === 'run' || a === 'container');
  return i < 0 ? '' : argv[i] === 'run' ? argv[i + 1] : 'component_container';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU and RSS of `pids` over `windowSec`. */
async function sample(pids: number[], windowSec: number): Promise<ProcessSample[]> {
  const t0 = new Map(pids.map((p) => [p, cpuTicks(p)]));
  await sleep(windowSec * 1000);
  return pids.flatMap((pid) => {
    const a = t0.get(pid);
    const b = cpuTicks(pid);
    if (a === undefined || b === undefined) return [];
    return [{ pid, label: labelOf(pid), rssMb: rssMb(pid), cpuPercent: ((b - a) / TICKS_PER_SECOND / windowSec) * 100 }];
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timeout = sleep(30_000).then(() => child.kill('SIGKILL'));
  await Promise.race([exited, timeout]);
}

/** Our processes of one launch, after `settleSec`, sampled over `windowSec`. */
async function measureLaunch(file: string, container: boolean, settleSec: number, windowSec: number): Promise<ProcessSample[]> {
  const child = spawn('ros2', ['launch', 'vla_ros', file, `container:=${container}`], { stdio: 'ignore' });
  try {
    await sleep(settleSec * 1000);
    const ours = descendants(child.pid ?? -1).filter((p) => {
      try {
        return labelOf(p) !== '';
      } catch {
        return false;
      }
    });
    return await sample(ours, windowSec);
  } finally {
    await stop(child);
  }
}

/** A bare Node.js process with one rclnodejs node spinning: the floor of one process per node. */
async function measureFloor(settleSec: number, windowSec: number): Promise<ProcessSample> {
  const script = "import r from 'rclnodejs'; await r.init(); const n = new r.Node('bench_floor'); n.spin();";
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: packagePath(), stdio: 'ignore' });
  try {
    await sleep(settleSec * 1000);
    const [s] = await sample([child.pid ?? -1], windowSec);
    if (s === undefined) throw new Error('the bare rclnodejs process exited: is rclnodejs built for the sourced ROS 2?');
    return { ...s, label: 'bare rclnodejs node' };
  } finally {
    child.kill('SIGINT');
  }
}

const total = (xs: ProcessSample[], f: (s: ProcessSample) => number) => xs.reduce((a, s) => a + f(s), 0);
const describe = (xs: ProcessSample[]) => xs.map((s) => `${s.label} ${s.rssMb.toFixed(0)} MB ${s.cpuPercent.toFixed(1)} %`).join('; ');

export async function bench(): Promise<BenchSection[]> {
  if (!rosEnvironment().sourced) {
    console.log('ros2_launch: skipped — source ROS 2 and the vla_ros workspace first (README "Run on a robot")');
    return [];
  }
  const settle = Number(process.env.VLA_BENCH_LAUNCH_SETTLE ?? 30);
  const window = Number(process.env.VLA_BENCH_LAUNCH_WINDOW ?? 20);
  const floor = await measureFloor(10, window);
  const perProcess = await measureLaunch('bringup.launch.xml', false, settle, window);
  const container = await measureLaunch('bringup.launch.xml', true, settle, window);
  const runningPerProcess = await measureLaunch('sim.launch.xml', false, settle, window);
  const runningContainer = await measureLaunch('sim.launch.xml', true, settle, window);
  const suite = (xs: ProcessSample[]) => xs.filter((s) => s.label !== 'sim');
  // The same launch file starts one process per node: as many nodes as the container holds.
  const nodeCount = perProcess.length;
  const perNode = total(container, (s) => s.cpuPercent) / nodeCount;
  const idleMax = perProcess.reduce((a, s) => (s.cpuPercent > a.cpuPercent ? s : a), perProcess[0]);
  const load = os.loadavg()[0].toFixed(1);
  const idleRows: BenchRow[] = [
    {
      name: 'idle node CPU, one process per node (busiest)',
      value: idleMax?.cpuPercent ?? NaN,
      unit: '%',
      target: '<= 1 %',
      pass: (idleMax?.cpuPercent ?? Infinity) <= 1,
      floor: floor.cpuPercent,
      note: describe(perProcess),
    },
    {
      name: 'idle node CPU, container (per node)',
      value: perNode,
      unit: '%',
      target: '<= 1 %',
      pass: perNode <= 1,
      floor: floor.cpuPercent / nodeCount,
      note: `${describe(container)}; floor: the bare process / ${nodeCount}`,
    },
    {
      name: 'suite RSS idle, one process per node',
      value: total(perProcess, (s) => s.rssMb),
      unit: 'MB',
      floor: floor.rssMb * perProcess.length,
      note: `${perProcess.length} processes; floor: as many bare processes`,
    },
    {
      name: 'suite RSS idle, container',
      value: total(container, (s) => s.rssMb),
      unit: 'MB',
      target: '<= 600 MB',
      pass: total(container, (s) => s.rssMb) <= 600,
      floor: floor.rssMb,
      note: 'floor: one bare process',
    },
  ];
  const runningRows: BenchRow[] = [
    {
      name: 'suite RSS running, one process per node',
      value: total(suite(runningPerProcess), (s) => s.rssMb),
      unit: 'MB',
      floor: floor.rssMb * suite(runningPerProcess).length,
      note: describe(runningPerProcess),
    },
    {
      name: 'suite RSS running, container',
      value: total(suite(runningContainer), (s) => s.rssMb),
      unit: 'MB',
      target: '<= 600 MB',
      pass: total(suite(runningContainer), (s) => s.rssMb) <= 600,
      floor: floor.rssMb,
      note: describe(runningContainer),
    },
    {
      name: 'suite CPU running, one process per node',
      value: total(suite(runningPerProcess), (s) => s.cpuPercent),
      unit: '% of a core',
    },
    {
      name: 'suite CPU running, container',
      value: total(suite(runningContainer), (s) => s.cpuPercent),
      unit: '% of a core',
    },
  ];
  return [
    { title: `ros2 launch bringup.launch.xml, idle (${window} s after ${settle} s; load ${load})`, rows: idleRows },
    { title: `ros2 launch sim.launch.xml, running (${window} s after ${settle} s)`, rows: runningRows },
  ];
}
