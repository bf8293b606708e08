// The fast–slow runtime under load, as `vla-ros launch` runs it: camera_ingestion,
// slow_pathway and fast_pathway each on their own worker thread; a probe on the launcher's
// hub publishes 640×480 rgb8 frames at 30 fps per camera and joint states at 250 Hz, and
// records every chunk. Measured (after a warm-up):
//  - tick lateness (from the chunk stamps, timer_floor.ts) and chunk period jitter: |Δ stamp −
//    period| of consecutive chunks (tick timing), and of their arrival at the probe (what a
//    consumer in another thread sees); missed ticks — beside their floor, the bare timing
//    thread at 30 Hz for as long, measured first in the same run;
//  - pipeline overhead: arrival − tick stamp − the expert's own compute time (worker-side);
//  - latent age seen by the fast pathway vs VLM period + VLM latency + 1 tick.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { EmbeddedLaunch } from '../nodes/launcher/embedded_launcher.js';
import type { NodeAction } from '../nodes/launcher/launch_description.js';
import type { vla_ros_msgs } from '../nodes/msgs/generated/interfaces.js';
import { packagePath } from '../nodes/package_paths.js';
import { EmbeddedBackend } from '../nodes/ros/backend.js';
import type { ParameterOverride } from '../nodes/ros/parameter.js';
import { QoSProfiles } from '../nodes/ros/qos.js';
import { fromRosTime, toRosTime } from '../nodes/ros/time.js';
import { wallNow } from '../nodes/ros/time_base.js';
import { stats, type BenchRow, type BenchSection } from './bench_table.js';
import { benchParam, inlineParameters, launchDescription, nodeAction } from './launch_actions.js';
import { buildVlm, HEAVY, parameterCount, REFERENCE_SIZE, TEN_TIMES, type VlmShape } from './vlm_builder.js';
import { toolNodeConfig } from '../nodes/ros/node_config.js';
import { latenessFromStamps, timerFloor } from './timer_floor.js';

const W = 640;
const H = 480;
const JOINTS = ['fr3_joint1', 'fr3_joint2', 'fr3_joint3', 'fr3_joint4', 'fr3_joint5', 'fr3_joint6', 'fr3_joint7'];
const HOME = [0, -0.785, 0, -2.356, 0, 1.571, 0.785];
const CAMERA_NAMES = ['scene', 'wrist', 'side'];

export interface Scenario {
  label: string;
  seconds: number;
  chunkRateHz: number;
  cameras: number;
  /**
   * undefined: the shipped reference bundle; else a bench-built VLM of that size, or a model
   * file built elsewhere with the manifest's VLM rate and modelled latency to use.
   */
  vlm?: { name: string; size: Omit<VlmShape, 'cameras'> } | { name: string; model: string; rateHz: number; modelledLatency: number };
  /** Seconds before measuring (default 3). */
  warmup?: number;
  /** More parameters for the slow / fast pathway. */
  slowPathway?: ParameterOverride[];
  fastPathway?: ParameterOverride[];
  /** How long the launcher waits for the nodes to stop (default its own). */
  stopTimeoutSec?: number;
  /** The three nodes in one component container's thread (container:=true) instead of one thread each. */
  container?: boolean;
}

interface ScenarioResult {
  scenario: Scenario;
  tickJitterMs: ReturnType<typeof stats>;
  /** Tick lateness from the chunk stamps (timer_floor.ts, latenessFromStamps). */
  tickLatenessMs: ReturnType<typeof stats>;
  arrivalJitterMs: ReturnType<typeof stats>;
  missedTicks: number;
  overheadMs: ReturnType<typeof stats>;
  computeMs: ReturnType<typeof stats>;
  latentAgeMs: ReturnType<typeof stats>;
  latentAgeBoundMs: number;
  vlmLatencyMs: ReturnType<typeof stats>;
  chunks: number;
  cameraDrops: number;
}

/** A bundle folder for a scenario: the reference bundle with another VLM / camera set. */
function scenarioBundle(s: Scenario): string {
  if (s.vlm === undefined) return 'reference';
  const ref = packagePath('config', 'policies', 'reference');
  const cameras = CAMERA_NAMES.slice(0, s.cameras);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_bench_bundle_'));
  const manifest = parseYaml(fs.readFileSync(path.join(ref, 'manifest.yaml'), 'utf8')) as {
    cameras: Array<Record<string, unknown>>;
    vlm: { model: string; rate_hz: number; modelled_latency: number; inputs: { images: Record<string, string> } };
    expert: { model: string };
    instruction: { tokenizer: string };
    normalization: string;
    failure_monitor?: { detector: string; calibration?: string };
  };
  const template = manifest.cameras[0];
  manifest.cameras = cameras.map((name) => ({ ...template, name }));
  if ('model' in s.vlm) {
    manifest.vlm.model = s.vlm.model;
    manifest.vlm.rate_hz = s.vlm.rateHz;
    manifest.vlm.modelled_latency = s.vlm.modelledLatency;
  } else manifest.vlm.model = buildVlm({ ...s.vlm.size, cameras });
  manifest.vlm.inputs.images = Object.fromEntries(cameras.map((c) => [c, `image_${c}`]));
  manifest.expert.model = path.join(ref, manifest.expert.model);
  manifest.instruction.tokenizer = path.join(ref, manifest.instruction.tokenizer);
  fs.copyFileSync(path.join(ref, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
  manifest.normalization = path.join(ref, manifest.normalization);
  // The SAFE detector reads the expert's features, which the bench VLM does not change.
  const monitor = manifest.failure_monitor;
  if (monitor !== undefined) {
    monitor.detector = path.join(ref, monitor.detector);
    if (monitor.calibration !== undefined) monitor.calibration = path.join(ref, monitor.calibration);
  }
  fs.writeFileSync(path.join(dir, 'manifest.yaml'), stringify(manifest));
  return dir;
}

/** The rate the scenario's slow pathway runs the VLM at [Hz]: its rate_hz override, else the bundle's vlm.rate_hz. */
function vlmRateHz(s: Scenario, bundle: string): number {
  const override = s.slowPathway?.find((p) => p.name === 'rate_hz')?.value;
  if (typeof override === 'number') return override;
  const dir = path.isAbsolute(bundle) ? bundle : packagePath('config', 'policies', bundle);
  return (parseYaml(fs.readFileSync(path.join(dir, 'manifest.yaml'), 'utf8')) as { vlm: { rate_hz: number } }).vlm.rate_hz;
}

function action(exec: string, params: ParameterOverride[]): NodeAction {
  return nodeAction(exec, [inlineParameters(params)], { origin: 'bench/runtime.ts' });
}

function frame(k: number): Uint8Array {
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = (i / 3 + k * 7) & 255;
    data[i + 1] = (i / 1920 + k * 3) & 255;
    data[i + 2] = 100;
  }
  return data;
}

export async function runScenario(s: Scenario): Promise<ScenarioResult> {
  const bundle = scenarioBundle(s);
  const cameras = CAMERA_NAMES.slice(0, s.cameras);
  const common = [benchParam('policy_bundle', 'string', bundle)];
  const nodes = [
    action('camera_ingestion', [...common, benchParam('camera_names', 'string_array', cameras)]),
    action('slow_pathway', [...common, ...(s.slowPathway ?? [])]),
    action('fast_pathway', [...common, benchParam('rate_hz', 'double', s.chunkRateHz), ...(s.fastPathway ?? [])]),
  ];
  const container = nodeAction('component_container', [], { origin: 'bench/runtime.ts', name: 'vla_container' });
  const description = launchDescription('bench/runtime.ts', s.container === true ? nodes.map((n) => ({ ...n, container })) : nodes);
  const launch = await EmbeddedLaunch.start(description, { logLevel: 'warn', log: () => {}, stopTimeoutSec: s.stopTimeoutSec });
  const probe = await new EmbeddedBackend(launch.hub).createNode(toolNodeConfig('bench_probe'));
  const chunks: Array<{ arrival: number; stamp: number; compute: number; age: number; seq: number }> = [];
  const vlmLatency: number[] = [];
  let overruns = 0;
  let cameraDrops = 0;
  probe.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (m) =>
    chunks.push({
      arrival: wallNow(),
      stamp: fromRosTime(m.header.stamp),
      compute: m.inference_latency,
      age: m.latent_age,
      seq: m.sequence,
    }),
  );
  probe.createSubscription('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal, (m) =>
    vlmLatency.push(m.inference_latency),
  );
  probe.createSubscription(
    'vla_ros_msgs/msg/PathwayStatus',
    '/fast_pathway/status',
    10,
    (m: vla_ros_msgs.msg.PathwayStatus) => (overruns = m.overruns),
  );
  probe.createSubscription(
    'vla_ros_msgs/msg/PathwayStatus',
    '/camera_ingestion/status',
    10,
    (m: vla_ros_msgs.msg.PathwayStatus) => (cameraDrops = m.drops),
  );
  probe
    .createPublisher('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal)
    .publish({ header: { stamp: probe.clock.stamp(), frame_id: '' }, id: 'bench', text: 'push the red cube to the left' });
  const frames = [0, 1, 2, 3].map(frame);
  const imagePubs = cameras.map((c) => probe.createPublisher('sensor_msgs/msg/Image', `cameras/${c}/image_raw`, QoSProfiles.sensorData));
  const jointPub = probe.createPublisher('sensor_msgs/msg/JointState', 'joint_states', QoSProfiles.sensorData);
  let k = 0;
  const camTimer = probe.createTimer(1 / 30, () => {
    const stamp = toRosTime(probe.clock.now());
    const data = frames[k++ % frames.length];
    for (const pub of imagePubs)
      pub.publish({ header: { stamp, frame_id: 'cam' }, height: H, width: W, encoding: 'rgb8', is_bigendian: 0, step: W * 3, data });
  });
  const jointTimer = probe.createTimer(1 / 250, () =>
    jointPub.publish({
      header: { stamp: probe.clock.stamp(), frame_id: '' },
      name: JOINTS,
      position: Float64Array.from(HOME),
      velocity: new Float64Array(0),
      effort: new Float64Array(0),
    }),
  );
  const warmup = s.warmup ?? 3;
  await new Promise((r) => setTimeout(r, warmup * 1000));
  const startOverruns = overruns;
  const from = chunks.length;
  const fromLatent = vlmLatency.length;
  await new Promise((r) => setTimeout(r, s.seconds * 1000));
  camTimer.cancel();
  jointTimer.cancel();
  await new Promise((r) => setTimeout(r, 1200)); // one more status message
  await launch.stop();

  const window = chunks.slice(from);
  const period = 1 / s.chunkRateHz;
  const tick: number[] = [];
  const arrival: number[] = [];
  let gaps = 0;
  for (let i = 1; i < window.length; i++) {
    const a = window[i - 1];
    const b = window[i];
    const dt = b.stamp - a.stamp;
    if (dt > 1.5 * period) gaps += Math.round(dt / period) - 1;
    else tick.push(Math.abs(dt - period) * 1000);
    arrival.push(Math.abs(b.arrival - a.arrival - period) * 1000);
  }
  const vlm = stats(vlmLatency.slice(fromLatent).map((x) => x * 1000));
  const vlmRate = vlmRateHz(s, bundle);
  return {
    scenario: s,
    tickJitterMs: stats(tick),
    tickLatenessMs: stats(
      latenessFromStamps(
        window.map((c) => c.stamp),
        period,
      ),
    ),
    arrivalJitterMs: stats(arrival),
    missedTicks: gaps + Math.max(0, overruns - startOverruns),
    overheadMs: stats(window.map((c) => (c.arrival - c.stamp - c.compute) * 1000)),
    computeMs: stats(window.map((c) => c.compute * 1000)),
    latentAgeMs: stats(window.map((c) => c.age * 1000)),
    latentAgeBoundMs: (1 / vlmRate + vlm.p99 / 1000 + period) * 1000,
    vlmLatencyMs: vlm,
    chunks: window.length,
    cameraDrops,
  };
}

type TimerFloor = Awaited<ReturnType<typeof timerFloor>>;

// The 30 Hz targets, each row written once for every section that reports them.
function latenessRow(r: ScenarioResult, floor: TimerFloor, note: string): BenchRow {
  const v = r.tickLatenessMs.p99;
  return {
    name: 'tick lateness p99 (tick stamps)',
    value: v,
    unit: 'ms',
    target: '<= 0.5 ms',
    pass: v <= 0.5,
    floor: floor.latenessMs.p99,
    note,
  };
}

function periodJitterRow(r: ScenarioResult, floor: TimerFloor, note?: string): BenchRow {
  const v = r.tickJitterMs.p99;
  return {
    name: 'chunk period jitter p99 (tick stamps)',
    value: v,
    unit: 'ms',
    target: '<= 2 ms',
    pass: v <= 2,
    floor: floor.periodErrorMs.p99,
    ...(note === undefined ? {} : { note }),
  };
}

function arrivalJitterRow(r: ScenarioResult, floor: TimerFloor, note: string): BenchRow {
  const v = r.arrivalJitterMs.p99;
  return {
    name: 'chunk arrival jitter p99 (subscriber thread)',
    value: v,
    unit: 'ms',
    target: '<= 1 ms',
    pass: v <= 1,
    floor: floor.periodErrorMs.p99,
    note,
  };
}

function missedTicksRow(r: ScenarioResult, floor: TimerFloor): BenchRow {
  return { name: 'missed ticks', value: r.missedTicks, unit: '', target: '0', pass: r.missedTicks === 0, floor: floor.missed };
}

function overheadRow(r: ScenarioResult, name: string): BenchRow {
  return { name, value: r.overheadMs.p50, unit: 'ms', target: '<= 1 ms', pass: r.overheadMs.p50 <= 1 };
}

export async function bench(): Promise<BenchSection[]> {
  const seconds = Number(process.env.VLA_BENCH_SECONDS ?? 60);
  const scaleSeconds = Number(process.env.VLA_BENCH_SCALE_SECONDS ?? 15);
  // The floor first, alone: the bare timing thread at the same rate for as long.
  const floor = await timerFloor(30, seconds);
  const floorNote = `floor: the bare timing thread at 30 Hz for ${seconds} s, this run`;
  const main = await runScenario({ label: '30 Hz, 2 cameras, reference bundle', seconds, chunkRateHz: 30, cameras: 2 });
  const sections: BenchSection[] = [];
  const rows: BenchRow[] = [
    {
      name: 'chunks measured',
      value: main.chunks,
      unit: '',
      note: `${seconds} s after a 3 s warm-up; slow pathway and 2×30 fps camera ingestion running`,
    },
    latenessRow(main, floor, `${floorNote}; lateness beyond the least-late tick`),
    {
      name: 'tick lateness p50 / max (tick stamps)',
      value: main.tickLatenessMs.p50,
      unit: 'ms',
      note: `max ${main.tickLatenessMs.max.toFixed(2)} ms`,
    },
    { name: 'chunk period jitter p50 (tick stamps)', value: main.tickJitterMs.p50, unit: 'ms' },
    periodJitterRow(main, floor),
    { name: 'chunk period jitter max (tick stamps)', value: main.tickJitterMs.max, unit: 'ms' },
    arrivalJitterRow(main, floor, 'includes the expert decode and the hop to another thread'),
    missedTicksRow(main, floor),
    overheadRow(main, 'pipeline overhead p50 (tick → chunk at subscriber − ORT)'),
    { name: 'pipeline overhead p99', value: main.overheadMs.p99, unit: 'ms' },
    { name: 'expert decode (10 flow steps, ORT in worker) p50', value: main.computeMs.p50, unit: 'ms' },
    { name: 'VLM latency p50 / p99', value: main.vlmLatencyMs.p50, unit: 'ms', note: `p99 ${main.vlmLatencyMs.p99.toFixed(2)} ms` },
    {
      name: 'latent age max',
      value: main.latentAgeMs.max,
      unit: 'ms',
      target: `<= ${main.latentAgeBoundMs.toFixed(0)} ms (VLM period + VLM latency + 1 tick)`,
      pass: main.latentAgeMs.max <= main.latentAgeBoundMs,
    },
    { name: 'camera frames dropped', value: main.cameraDrops, unit: '' },
  ];
  sections.push({ title: 'Fast–slow runtime (30 Hz, 2 cameras, reference bundle)', rows });

  // The same with the three nodes on one event loop (vla-ros launch … container:=true).
  const shared = await runScenario({ label: '30 Hz, one container thread', seconds, chunkRateHz: 30, cameras: 2, container: true });
  sections.push({
    title: 'Fast–slow runtime, the three nodes in one container thread (container:=true; same scenario)',
    rows: [
      { name: 'chunks measured', value: shared.chunks, unit: '', note: `${seconds} s after a 3 s warm-up` },
      latenessRow(shared, floor, `one thread per node above: ${main.tickLatenessMs.p99.toFixed(2)} ms`),
      periodJitterRow(shared, floor, `one thread per node above: ${main.tickJitterMs.p99.toFixed(2)} ms`),
      arrivalJitterRow(shared, floor, `one thread per node above: ${main.arrivalJitterMs.p99.toFixed(2)} ms`),
      missedTicksRow(shared, floor),
      overheadRow(shared, 'pipeline overhead p50'),
      { name: 'camera frames dropped', value: shared.cameraDrops, unit: '', note: `one thread per node above: ${main.cameraDrops}` },
    ],
  });

  const scaling: Scenario[] = [
    { label: 'chunk rate 60 Hz', seconds: scaleSeconds, chunkRateHz: 60, cameras: 2 },
    { label: 'chunk rate 100 Hz', seconds: scaleSeconds, chunkRateHz: 100, cameras: 2 },
    {
      label: '1 camera (bench VLM, reference size)',
      seconds: scaleSeconds,
      chunkRateHz: 30,
      cameras: 1,
      vlm: { name: 'ref', size: REFERENCE_SIZE },
    },
    {
      label: '3 cameras (bench VLM, reference size)',
      seconds: scaleSeconds,
      chunkRateHz: 30,
      cameras: 3,
      vlm: { name: 'ref', size: REFERENCE_SIZE },
    },
    {
      label: `VLM ×10 params (${(parameterCount({ ...TEN_TIMES, cameras: ['a', 'b'] }) / 1e6).toFixed(1)} M)`,
      seconds: scaleSeconds,
      chunkRateHz: 30,
      cameras: 2,
      vlm: { name: 'x10', size: TEN_TIMES },
    },
    {
      label: `VLM heavy (${(parameterCount({ ...HEAVY, cameras: ['a', 'b'] }) / 1e6).toFixed(1)} M, wide convs)`,
      seconds: scaleSeconds,
      chunkRateHz: 30,
      cameras: 2,
      vlm: { name: 'heavy', size: HEAVY },
    },
  ];
  const scaleRows: BenchRow[] = [];
  for (const sc of scaling) {
    const r = await runScenario(sc);
    scaleRows.push({
      name: sc.label,
      value: r.tickJitterMs.p99,
      unit: 'ms p99 jitter',
      note:
        `missed ${r.missedTicks}, overhead p50 ${r.overheadMs.p50.toFixed(2)} ms, decode p50 ${r.computeMs.p50.toFixed(2)} ms, ` +
        `VLM p50 ${r.vlmLatencyMs.p50.toFixed(2)} ms, latent age max ${r.latentAgeMs.max.toFixed(0)} ms, camera drops ${r.cameraDrops}`,
    });
  }
  sections.push({ title: `Fast–slow runtime scaling (${scaleSeconds} s each)`, rows: scaleRows });
  return sections;
}
