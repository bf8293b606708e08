// Simulator benchmarks (`npm run bench -- sim`, or `node dist/bench/sim.js`):
//  1. In-thread (no ROS): MuJoCo steps/s of the workcell, a full 1 kHz sim tick (CRISP law +
//     gripper + physics + success check) during expert episodes, the control law's cost per tick,
//     the renderer per 256×256 frame, and expert episodes per wall second.
//  2. The sim node on the embedded backend in its own worker thread, on wall time, started as
//     `vla-ros launch` starts it (EmbeddedLaunch): the real-time factor it reaches at real_time_factor 1 and 0
//     (as fast as possible), cameras on and off, and the /clock arrival jitter at 1× seen from
//     another thread.

import { isMainThread } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { formatSection, machineDescription, stats, type BenchRow, type BenchSection } from './bench_table.js';
import { benchParam, inlineParameters, launchDescription, nodeAction } from './launch_actions.js';
import { EmbeddedLaunch } from '../nodes/launcher/embedded_launcher.js';
import { packagePath } from '../nodes/package_paths.js';
import { EmbeddedBackend } from '../nodes/ros/backend.js';
import type { ParameterOverride } from '../nodes/ros/parameter.js';
import { QoSProfiles } from '../nodes/ros/qos.js';
import { fromRosTime } from '../nodes/ros/time.js';
import { wallNow } from '../nodes/ros/time_base.js';
import { CameraRig } from '../nodes/sim/camera_rig.js';
import { CrispController, cartesianImpedanceDefaults, jointImpedanceDefaults } from '../nodes/sim/crisp_law.js';
import { runEpisode } from '../nodes/sim/episode_runner.js';
import { Renderer } from '../nodes/sim/render/renderer.js';
import { loadRobotFacts, type SimRobot } from '../nodes/sim/robot_facts.js';
import { Simulator, type ControllerName } from '../nodes/sim/simulator.js';
import { kinematicsFor } from '../nodes/robots/robot_models.js';
import { toolNodeConfig } from '../nodes/ros/node_config.js';

async function makeSim(robot: SimRobot, controller: ControllerName = 'cartesian_impedance_controller'): Promise<Simulator> {
  const facts = loadRobotFacts(robot);
  const n = facts.jointNames.length;
  return Simulator.create({
    facts,
    gains: { cartesian_impedance_controller: cartesianImpedanceDefaults(n), joint_impedance_controller: jointImpedanceDefaults(n) },
    controller,
    seed: 1,
    episode: { task: 'push_left', object: 'random' },
  });
}

/** Steps/s of MuJoCo alone (arm held by zero torque + compensation, objects resting). */
async function physicsRate(robot: SimRobot): Promise<number> {
  const sim = await makeSim(robot);
  sim.reset(0);
  const tau = new Float64Array(sim.dof);
  const f = new Float64Array(2);
  for (let i = 0; i < 2000; i++) sim.physics.step(tau, f);
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sim.physics.step(tau, f);
  const rate = n / ((performance.now() - t0) / 1000);
  sim.dispose();
  return rate;
}

/** Full ticks/s during expert episodes (law + gripper + physics + success check, contacts happening). */
async function episodeRate(robot: SimRobot): Promise<{ ticksPerSec: number; episodesPerSec: number }> {
  const sim = await makeSim(robot);
  runEpisode(sim, 'expert', { index: 0, maxTime: 6 });
  let steps = 0;
  let episodes = 0;
  const t0 = performance.now();
  for (let i = 1; i <= 8; i++) {
    const before = sim.steps;
    runEpisode(sim, 'expert', { index: i, maxTime: 15 });
    steps += sim.steps - before;
    episodes++;
  }
  const wall = (performance.now() - t0) / 1000;
  sim.dispose();
  return { ticksPerSec: steps / wall, episodesPerSec: episodes / wall };
}

/** Control-law cost per tick [µs], measured around each update with the arm moving. */
function lawCost(robot: SimRobot, joint: boolean): number[] {
  const facts = loadRobotFacts(robot);
  const n = facts.jointNames.length;
  const chain = kinematicsFor(robot, facts.eeFrame)!;
  const law = new CrispController(
    chain,
    { positionMin: facts.positionMin, positionMax: facts.positionMax },
    joint ? jointImpedanceDefaults(n) : cartesianImpedanceDefaults(n),
  );
  const q = Float64Array.from(facts.home);
  const dq = new Float64Array(n).fill(0.01);
  law.activate(q, dq);
  const start = law.targetPose;
  const tau = new Float64Array(n);
  const out: number[] = [];
  for (let k = 0; k < 60_000; k++) {
    q[k % n] = facts.home[k % n] + 0.05 * Math.sin(k * 1e-3);
    law.setTargetPose([start.p[0] + 0.05 * Math.sin(k * 2e-3), start.p[1], start.p[2]], start.q);
    const t0 = performance.now();
    law.update(q, dq, tau);
    if (k >= 10_000) out.push((performance.now() - t0) * 1000);
  }
  return out;
}

async function renderCost(robot: SimRobot): Promise<Record<'scene' | 'wrist', number[]>> {
  const sim = await makeSim(robot);
  sim.reset(0);
  const rig = new CameraRig(sim.physics, robot, { scene: { width: 256, height: 256 }, wrist: { width: 256, height: 256 } });
  const renderer = new Renderer();
  const out = { scene: [] as number[], wrist: [] as number[] };
  const s = sim.eePose();
  for (let k = 0; k < 260; k++) {
    sim.setTargetPose([s.p[0] + 0.1 * Math.sin(k * 0.05), s.p[1], s.p[2]], s.q);
    sim.advance(33);
    for (const cam of ['scene', 'wrist'] as const) {
      const t0 = performance.now();
      rig.render(renderer, cam);
      if (k >= 60) out[cam].push(performance.now() - t0);
    }
  }
  sim.dispose();
  return out;
}

// --- the node in a worker thread ---

interface NodeRun {
  rtf: number;
  clockJitterP99: number;
  images: number;
  lag: string;
}

async function nodeRun(robot: SimRobot, realTimeFactor: number, cameras: boolean, seconds: number): Promise<NodeRun> {
  const params: ParameterOverride[] = [
    benchParam('real_time_factor', 'double', realTimeFactor),
    benchParam('cameras.enabled', 'bool', cameras),
    benchParam('episode_manager', 'string', ''),
    benchParam('task', 'string', 'touch'),
  ];
  const description = launchDescription('bench/sim.ts', [
    nodeAction('sim', [{ kind: 'file', path: packagePath('config', 'robots', `${robot}.yaml`) }, inlineParameters(params)], {
      namespace: '/bench',
      origin: 'bench/sim.ts',
    }),
  ]);
  const launch = await EmbeddedLaunch.start(description, { logLevel: 'warn', log: () => {} });
  const hub = launch.hub;
  const probe = await new EmbeddedBackend(hub).createNode(toolNodeConfig('probe', { namespace: '/bench' }));
  const clocks: Array<[number, number]> = [];
  let images = 0;
  let lag = '';
  probe.createSubscription('rosgraph_msgs/msg/Clock', '/clock', QoSProfiles.clock, (m) => clocks.push([fromRosTime(m.clock), wallNow()]));
  probe.createSubscription('sensor_msgs/msg/Image', 'cameras/scene/image_raw', QoSProfiles.sensorData, () => images++);
  probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', 'sim/status', 10, () => {});
  probe.createSubscription('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 10, (m) => {
    const v = m.status[0]?.values.find((x) => x.key === 'lag_events');
    if (v !== undefined) lag = v.value;
  });
  await new Promise((r) => setTimeout(r, 1000));
  const from = clocks.length;
  const imagesFrom = images;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const window = clocks.slice(from);
  const imagesIn = images - imagesFrom;
  probe.destroy();
  await launch.stop();
  const first = window[0];
  const last = window[window.length - 1];
  const rtf = (last[0] - first[0]) / (last[1] - first[1]);
  // Arrival period error of /clock at 1×: how regularly simulated time reaches another thread.
  const errs: number[] = [];
  for (let i = 1; i < window.length; i++) {
    const dSim = window[i][0] - window[i - 1][0];
    const dWall = window[i][1] - window[i - 1][1];
    errs.push(Math.abs(dWall - dSim / Math.max(rtf, 1e-9)) * 1000);
  }
  return { rtf, clockJitterP99: stats(errs).p99, images: imagesIn / seconds, lag };
}

export async function bench(): Promise<BenchSection[]> {
  const inThread: BenchRow[] = [];
  for (const robot of ['fr3', 'ur5e'] as const) {
    const physics = await physicsRate(robot);
    inThread.push({
      name: `${robot}: MuJoCo step, workcell at rest (4 objects)`,
      value: physics,
      unit: 'steps/s',
      note: `${(physics / 1000).toFixed(1)}× real time at 1 ms`,
    });
    const ep = await episodeRate(robot);
    inThread.push({
      name: `${robot}: full 1 kHz tick (CRISP law + gripper + MuJoCo + check), expert pushes`,
      value: ep.ticksPerSec,
      unit: 'ticks/s',
      target: '>= 1000',
      pass: ep.ticksPerSec >= 1000,
      note: `${(ep.ticksPerSec / 1000).toFixed(1)}× real time`,
    });
    inThread.push({ name: `${robot}: expert episodes (push_left, no cameras)`, value: ep.episodesPerSec, unit: 'episodes/s' });
  }
  for (const [robot, joint] of [
    ['fr3', false],
    ['ur5e', false],
    ['fr3', true],
  ] as const) {
    const s = stats(lawCost(robot, joint));
    inThread.push({
      name: `control law per tick, ${robot} ${joint ? 'joint impedance' : 'Cartesian impedance (kinematic nullspace)'}`,
      value: s.p50,
      unit: 'µs p50',
      target: '<= 100 µs p99',
      pass: s.p99 <= 100,
      note: `p99 ${s.p99.toFixed(1)} µs, max ${s.max.toFixed(1)} µs`,
    });
  }
  const render = await renderCost('fr3');
  for (const cam of ['scene', 'wrist'] as const) {
    const s = stats(render[cam]);
    inThread.push({
      name: `render ${cam} camera 256×256 (fr3 workcell)`,
      value: s.p50,
      unit: 'ms p50',
      note: `p99 ${s.p99.toFixed(2)} ms`,
    });
  }

  const node: BenchRow[] = [];
  for (const [rtf, cams] of [
    [1, true],
    [1, false],
    [0, true],
    [0, false],
  ] as const) {
    const r = await nodeRun('fr3', rtf, cams, 3);
    const label = `fr3 sim node, real_time_factor ${rtf === 0 ? '0 (as fast as possible)' : rtf}, cameras ${cams ? 'on (2 × 256², 30 Hz)' : 'off'}`;
    node.push({
      name: label,
      value: r.rtf,
      unit: '× real time',
      ...(rtf === 1 ? { target: '1.00 ± 0.02', pass: Math.abs(r.rtf - 1) <= 0.02 } : {}),
      note: `${cams ? `${r.images.toFixed(1)} scene frames per wall s; ` : ''}${rtf === 1 ? `/clock arrival jitter p99 ${r.clockJitterP99.toFixed(2)} ms; ` : ''}lag events ${r.lag || '0'}`,
    });
  }
  return [
    { title: 'Simulator in-thread (no ROS): physics, control law, rendering, episodes', rows: inThread },
    { title: 'sim node on the embedded backend (own worker thread, wall time)', rows: node },
  ];
}

if (isMainThread && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`machine: ${machineDescription()}\n`);
  for (const s of await bench()) console.log(formatSection(s));
}
