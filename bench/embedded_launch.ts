// `npm run bench -- embedded_launch`: resident memory of `vla-ros launch sim.launch.xml` on the
// embedded backend (no ROS 2) — the simulator and the whole suite in one process — with one
// worker thread per node (the default) and with `container:=true` (the suite's nodes in one
// thread, docs/launch-files.md). Sampled after the launch has run for a while (the sim drives
// the suite). Floor, same run: a bare Node.js process running as many empty worker threads as the
// launch has node threads — what that many V8 isolates cost before any of our code loads.
// Launched as a user does, with the `vla-ros` command (tools/vla-ros: glibc's malloc limited to one
// arena); a third row runs the default again as `node tools/vla-ros.js` (glibc's default arenas,
// which keep freed image and message buffers per thread; docs/launch-files.md).

import { spawn } from 'node:child_process';
import os from 'node:os';
import { packagePath } from '../nodes/package_paths.js';
import type { BenchRow, BenchSection } from './bench_table.js';
import { cpuTicks, rssMb, TICKS_PER_SECOND } from './process_usage.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LaunchSample {
  rssMb: number;
  /** Node threads the launcher reported starting. */
  threads: number;
  nodes: number;
  cpuPercent: number;
}

/**
 * `vla-ros launch sim.launch.xml` as a user runs it: the `vla-ros` command (tools/vla-ros, which
 * limits malloc's arenas), or with `plainNode` Node.js on the program itself (glibc's default).
 */
async function measureLaunch(args: string[], plainNode: boolean, settleSec: number, windowSec: number): Promise<LaunchSample> {
  const launch = ['launch', 'sim.launch.xml', '--backend', 'embedded', ...args];
  const { MALLOC_ARENA_MAX: _, ...env } = process.env;
  const [command, argv] = plainNode
    ? [process.execPath, [packagePath('tools', 'vla-ros.js'), ...launch]]
    : [packagePath('tools', 'vla-ros'), launch];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'ignore'], env: { ...env, VLA_ROS_NO_REBUILD: '1' } });
  const threads = new Set<string>();
  let nodes = 0;
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const started = /\[launch\]: started \S+ .* on thread (\d+)$/.exec(line);
      if (started === null) continue;
      nodes++;
      threads.add(started[1]);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await sleep(settleSec * 1000);
    const pid = child.pid ?? -1;
    const t0 = cpuTicks(pid);
    await sleep(windowSec * 1000);
    const t1 = cpuTicks(pid);
    if (t0 === undefined || t1 === undefined) throw new Error(`vla-ros launch sim.launch.xml ${args.join(' ')} exited early`);
    return { rssMb: rssMb(pid), threads: threads.size, nodes, cpuPercent: ((t1 - t0) / TICKS_PER_SECOND / windowSec) * 100 };
  } finally {
    child.kill('SIGINT');
    const timeout = sleep(30_000).then(() => child.kill('SIGKILL'));
    await Promise.race([exited, timeout]);
  }
}

/** RSS of a bare Node.js process with `workers` empty worker threads, after `settleSec`. */
async function measureFloor(workers: number, settleSec: number): Promise<number> {
  const script =
    "const { Worker } = require('node:worker_threads');" +
    `for (let i = 0; i < ${workers}; i++) new Worker('setInterval(() => {}, 1e9)', { eval: true });` +
    'setInterval(() => {}, 1e9);';
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  try {
    await sleep(settleSec * 1000);
    return rssMb(child.pid ?? -1);
  } finally {
    child.kill('SIGKILL');
  }
}

export async function bench(): Promise<BenchSection[]> {
  const settle = Number(process.env.VLA_BENCH_LAUNCH_SETTLE ?? 30);
  const window = Number(process.env.VLA_BENCH_LAUNCH_WINDOW ?? 20);
  const load = os.loadavg()[0].toFixed(1);
  const rows: BenchRow[] = [];
  for (const [label, args, plainNode] of [
    ['one thread per node', [], false],
    ['container:=true', ['container:=true'], false],
    ["one thread per node, glibc's default malloc arenas (node tools/vla-ros.js)", [], true],
  ] as const) {
    const s = await measureLaunch([...args], plainNode, settle, window);
    const floor = await measureFloor(s.threads, 5);
    const measured = `${s.nodes} nodes on ${s.threads} threads, ${s.cpuPercent.toFixed(0)} % of a core; floor: a bare Node.js process with ${s.threads} empty worker threads`;
    rows.push({
      name: `sim + suite RSS running, ${label}`,
      value: s.rssMb,
      unit: 'MB',
      ...(plainNode ? {} : { target: '<= 500 MB', pass: s.rssMb <= 500 }),
      floor,
      note: plainNode ? `${measured}; for comparison: the vla-ros command sets MALLOC_ARENA_MAX=1` : measured,
    });
  }
  return [
    { title: `vla-ros launch sim.launch.xml, embedded backend, running (${window} s after ${settle} s; load ${load} at start)`, rows },
  ];
}
