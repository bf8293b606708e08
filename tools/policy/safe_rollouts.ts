// Synthetic labelled rollouts for SAFE detectors (no simulator needed; the shipped reference
// detector is trained on simulator rollouts instead: sim_policy_rollouts.ts, docs/training.md), and
// the helpers around training one (export, verify, faults). Run with node after `npm run build`:
//
//   node dist/tools/policy/safe_rollouts.js generate --out DIR --episodes N --failure-fraction F --seed S [--prefix P] [--bundle reference]
//   node dist/tools/policy/safe_rollouts.js export --out DIR <bags...>        features dataset for make_safe_detector.py train
//   node dist/tools/policy/safe_rollouts.js verify --golden FILE --mlp X.onnx --lstm Y.onnx   (the golden file's MLP score window)
//   node dist/tools/policy/safe_rollouts.js faults --detector X.onnx --calibration C.yaml <bags...>   flagged share per fault kind
//
// `generate` drives the reference bundle's real models — the VLM at 2 Hz on two synthetic camera
// views and the tokenised instruction, the flow expert at 30 Hz (10 Euler steps per chunk, its
// `features` output averaged over the steps exactly as the fast pathway publishes them) — through
// synthetic table-top episodes, and records what the monitor would see into rosbag2-style MCAP
// bags: /instruction, /episode_events (START, END with the label) and /policy_features.
// Nominal episodes are labelled success. Failure episodes get one fault from a random onset step
// (20–60 % into the episode) to the end:
//   frozen_camera       both cameras repeat the frame of the onset (stuck driver)
//   black_camera        the scene camera delivers black frames
//   stale_latent        the slow pathway stops: the latent is frozen and its age keeps growing
//   corrupted_latent    the latent arrives with noise of its own magnitude added (corrupted buffer)
//   state_drift         one joint is pushed off its path, drifting 0.8–1.5 rad away over 2 s, with
//                       noisy readings (a collision or a blocked arm)
//   instruction_switch  the VLM is given another instruction (wrong task)
//   object_lost         the block leaves the scene (knocked off the table)
// Both classes draw their lengths, colours, instructions, trajectories, lighting and sensor noise
// from the same distributions, so only the fault tells them apart. The bundle is UNTRAINED: the
// features are those of a random network, and the detector learns to recognise input faults
// through them — a placeholder for detectors trained on simulator rollouts, not a measure of SAFE.

import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { McapBagWriter } from '../../nodes/bags/mcap_writer.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { loadPolicyBundle, type PolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { InstructionEncoder } from '../../nodes/policy/instruction_encoder.js';
import { gaussian, seededRandom } from '../../nodes/random/seeded_random.js';
import { loadRollouts } from '../../nodes/failure_monitor/rollouts.js';
import { OnnxDetector } from '../../nodes/failure_monitor/detector.js';
import { loadCalibration } from '../../nodes/failure_monitor/calibration_file.js';
import { scoreRollouts } from '../../nodes/failure_monitor/safe_tools.js';
import { createScorer, scoreEpisode } from '../../nodes/failure_monitor/scorer.js';
import { rolloutFault } from './rollout_id.js';
import { toRosTime } from '../../nodes/ros/time.js';

const { EVENT_START, EVENT_END } = vla_ros_msgs.msg.EpisodeEvent;

export const FAULTS = [
  'frozen_camera',
  'black_camera',
  'stale_latent',
  'corrupted_latent',
  'state_drift',
  'instruction_switch',
  'object_lost',
] as const;
export type Fault = (typeof FAULTS)[number];

const CONTROL_HZ = 30;
const VLM_EVERY = 15; // 2 Hz at 30 Hz
const EPISODES_PER_BAG = 10;

const COLOURS: Record<string, [number, number, number]> = {
  red: [0.85, 0.15, 0.12],
  green: [0.2, 0.7, 0.25],
  blue: [0.15, 0.3, 0.85],
  yellow: [0.9, 0.85, 0.15],
  orange: [0.95, 0.55, 0.1],
  purple: [0.55, 0.2, 0.7],
};
const VERBS = ['push', 'move', 'slide', 'nudge'];
const SIDES = ['left', 'right', 'forward', 'backward'];

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

class Policy {
  private constructor(
    readonly bundle: PolicyBundle,
    private readonly vlm: ort.InferenceSession,
    private readonly expert: ort.InferenceSession,
    private readonly encoder: InstructionEncoder,
  ) {}

  static async load(spec: string): Promise<Policy> {
    const bundle = loadPolicyBundle(spec);
    if (bundle.manifest.expert.decoding.mode !== 'flow') throw new Error('safe_rollouts drives a flow-matching expert');
    if (bundle.manifest.expert.outputs.features === undefined) throw new Error(`bundle '${spec}' exports no expert features`);
    const opts: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    const vlm = await ort.InferenceSession.create(bundle.file(bundle.manifest.vlm.model), opts);
    const expert = await ort.InferenceSession.create(bundle.file(bundle.manifest.expert.model), opts);
    return new Policy(
      bundle,
      vlm,
      expert,
      new InstructionEncoder(bundle.manifest.instruction, bundle.file(bundle.manifest.instruction.tokenizer)),
    );
  }

  /** The latent tensors for two camera images (normalised CHW) and an instruction. */
  async latent(images: Record<string, Float32Array>, instruction: string): Promise<Record<string, ort.Tensor>> {
    const m = this.bundle.manifest;
    const enc = this.encoder.encode(instruction);
    const feeds: Record<string, ort.Tensor> = {
      [m.vlm.inputs.tokenIds]: new ort.Tensor('int64', enc.ids, [1, enc.ids.length]),
      [m.vlm.inputs.attentionMask]: new ort.Tensor('int64', enc.attentionMask, [1, enc.attentionMask.length]),
    };
    for (const cam of m.cameras)
      feeds[m.vlm.inputs.images[cam.name]] = new ort.Tensor('float32', images[cam.name], [1, 3, cam.height, cam.width]);
    const out = await this.vlm.run(feeds);
    const latent: Record<string, ort.Tensor> = {};
    for (const name of m.vlm.latentOutputs) latent[name] = out[name];
    return latent;
  }

  /** One fast-pathway step: the flow decode's features averaged over its Euler steps. */
  async features(latent: Record<string, ort.Tensor>, state: Float32Array, latentAge: number, random: () => number): Promise<Float32Array> {
    const m = this.bundle.manifest;
    const e = m.expert;
    if (e.decoding.mode !== 'flow') throw new Error('flow only');
    const H = m.action.horizon;
    const D = m.action.names.length;
    const normState = state.map((q, i) => (q - m.state.mean[i]) / m.state.std[i]);
    const fixed: Record<string, ort.Tensor> = { [e.inputs.state]: new ort.Tensor('float32', normState, [1, normState.length]) };
    for (const [lat, input] of Object.entries(e.inputs.latent)) fixed[input] = latent[lat];
    if (e.inputs.latentAge !== undefined) fixed[e.inputs.latentAge] = new ort.Tensor('float32', new Float32Array([latentAge]), [1]);
    const x = new Float32Array(H * D).map(() => gaussian(random));
    const steps = e.decoding.steps;
    let sum: Float64Array | undefined;
    for (let k = 0; k < steps; k++) {
      const pi0 = e.decoding.timeConvention === 'pi0';
      const t = pi0 ? 1 - k / steps : k / steps;
      const dt = pi0 ? -1 / steps : 1 / steps;
      const out = await this.expert.run({
        ...fixed,
        [e.inputs.actions!]: new ort.Tensor('float32', x.slice(), [1, H, D]),
        [e.inputs.time!]: new ort.Tensor('float32', new Float32Array([t]), [1]),
      });
      const v = out[e.outputs.actions].data as Float32Array;
      for (let i = 0; i < x.length; i++) x[i] += dt * v[i];
      const f = out[e.outputs.features!].data as Float32Array;
      sum ??= new Float64Array(f.length);
      for (let i = 0; i < f.length; i++) sum[i] += f[i];
    }
    return Float32Array.from(sum!, (s) => s / steps);
  }
}

// ---------------------------------------------------------------------------------------------
// Synthetic scene
// ---------------------------------------------------------------------------------------------

interface Scene {
  colour: [number, number, number];
  /** Block start and goal in the scene camera, normalised [0, 1]. */
  start: [number, number];
  goal: [number, number];
  brightness: number;
  table: [number, number, number];
}

const smooth = (u: number) => u * u * (3 - 2 * u);

function renderCamera(
  camera: 'scene' | 'wrist',
  size: number,
  mean: readonly number[],
  std: readonly number[],
  s: Scene,
  progress: number,
  showBlock: boolean,
  black: boolean,
  random: () => number,
): Float32Array {
  const out = new Float32Array(3 * size * size);
  const p = smooth(Math.min(1, progress));
  const bx = s.start[0] + (s.goal[0] - s.start[0]) * p;
  const by = s.start[1] + (s.goal[1] - s.start[1]) * p;
  // The gripper approaches the block in the first 30 % and then pushes it.
  const approach = smooth(Math.min(1, progress / 0.3));
  const gx = 0.5 + (bx - 0.5) * approach;
  const gy = 0.05 + (by - 0.08 - 0.05) * approach;
  const noise = 0.02;
  for (let yy = 0; yy < size; yy++) {
    for (let xx = 0; xx < size; xx++) {
      const u = xx / size;
      const v = yy / size;
      let rgb: [number, number, number];
      if (camera === 'scene') {
        const shade = 0.85 + 0.15 * v;
        rgb = [s.table[0] * shade, s.table[1] * shade, s.table[2] * shade];
        if (showBlock && Math.abs(u - bx) < 0.07 && Math.abs(v - by) < 0.07) rgb = [...s.colour];
        // Arm: a grey bar from the top edge to the gripper.
        if (v < gy && Math.abs(u - (0.5 + (gx - 0.5) * (v / Math.max(gy, 1e-3)))) < 0.03) rgb = [0.35, 0.35, 0.38];
        if (Math.abs(u - gx) < 0.05 && Math.abs(v - gy) < 0.025) rgb = [0.2, 0.2, 0.22];
      } else {
        // Wrist view: the block large, offset by where it is relative to the gripper; jaws at the bottom.
        const dx = (bx - gx) * 3;
        const dy = (by - gy - 0.08) * 3;
        rgb = [s.table[0] * 0.9, s.table[1] * 0.9, s.table[2] * 0.9];
        if (showBlock && Math.abs(u - 0.5 - dx) < 0.22 && Math.abs(v - 0.5 - dy) < 0.22) rgb = [...s.colour];
        if (v > 0.82 && (u < 0.3 || u > 0.7)) rgb = [0.15, 0.15, 0.17];
      }
      for (let c = 0; c < 3; c++) {
        const value = black ? 0 : Math.min(1, Math.max(0, rgb[c] * s.brightness + noise * gaussian(random)));
        out[c * size * size + yy * size + xx] = (value - mean[c]) / std[c];
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Episodes
// ---------------------------------------------------------------------------------------------

export interface EpisodePlan {
  id: string;
  instruction: string;
  otherInstruction: string;
  length: number;
  fault: Fault | undefined;
  onset: number;
  scene: Scene;
  /** Joint trajectory parameters. */
  amp: number[];
  freq: number[];
  phase: number[];
  jumpJoint: number;
  jumpSize: number;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function planEpisode(id: string, random: () => number, fault: Fault | undefined): EpisodePlan {
  const colourName = pick(random, Object.keys(COLOURS));
  const side = pick(random, SIDES);
  const instruction = `${pick(random, VERBS)} the ${colourName} block to the ${side}`;
  let other = instruction;
  while (other === instruction)
    other = `${pick(random, ['pick', 'lift', 'touch', 'open'])} the ${pick(random, Object.keys(COLOURS))} ${pick(random, ['cup', 'drawer', 'ball', 'bowl'])}`;
  const start: [number, number] = [0.3 + 0.4 * random(), 0.45 + 0.2 * random()];
  const d = 0.18 + 0.12 * random();
  const dir: Record<string, [number, number]> = { left: [-1, 0], right: [1, 0], forward: [0, -1], backward: [0, 1] };
  const goal: [number, number] = [start[0] + dir[side][0] * d, Math.min(0.9, start[1] + dir[side][1] * d)];
  const length = 150 + Math.floor(random() * 91);
  return {
    id,
    instruction,
    otherInstruction: other,
    length,
    fault,
    onset: Math.floor(length * (0.2 + 0.4 * random())),
    scene: {
      colour: COLOURS[colourName],
      start,
      goal,
      brightness: 0.85 + 0.3 * random(),
      table: [0.55 + 0.1 * random(), 0.42 + 0.08 * random(), 0.3 + 0.06 * random()],
    },
    amp: Array.from({ length: 7 }, () => 0.1 + 0.3 * random()),
    freq: Array.from({ length: 7 }, () => 0.5 + 1.5 * random()),
    phase: Array.from({ length: 7 }, () => 2 * Math.PI * random()),
    jumpJoint: Math.floor(random() * 7),
    jumpSize: (random() < 0.5 ? -1 : 1) * (0.8 + 0.7 * random()),
  };
}

/** Runs one episode; returns the features per step. */
async function runEpisode(policy: Policy, plan: EpisodePlan, random: () => number): Promise<Float32Array[]> {
  const m = policy.bundle.manifest;
  const home = m.state.mean;
  const features: Float32Array[] = [];
  let latent: Record<string, ort.Tensor> | undefined;
  let latentAt = 0;
  let frozen: Record<string, Float32Array> | undefined;
  const faulted = (t: number, f: Fault) => plan.fault === f && t >= plan.onset;
  for (let t = 0; t < plan.length; t++) {
    const progress = t / plan.length;
    if (t % VLM_EVERY === 0 && !(faulted(t, 'stale_latent') && latent !== undefined)) {
      let images: Record<string, Float32Array> = {};
      if (faulted(t, 'frozen_camera') && frozen !== undefined) {
        images = frozen;
      } else {
        for (const cam of m.cameras) {
          const kind = cam.name === 'wrist' ? 'wrist' : 'scene';
          images[cam.name] = renderCamera(
            kind,
            cam.width,
            cam.mean,
            cam.std,
            plan.scene,
            progress,
            !faulted(t, 'object_lost'),
            faulted(t, 'black_camera') && kind === 'scene',
            random,
          );
        }
        if (faulted(t, 'frozen_camera')) frozen = images;
      }
      latent = await policy.latent(images, faulted(t, 'instruction_switch') ? plan.otherInstruction : plan.instruction);
      if (faulted(t, 'corrupted_latent')) latent = corrupt(latent, random);
      latentAt = t;
    }
    const state = new Float32Array(7);
    for (let j = 0; j < 7; j++) {
      state[j] =
        home[j] +
        plan.amp[j] * Math.sin(plan.freq[j] * progress * Math.PI + plan.phase[j]) * smooth(Math.min(1, progress * 2)) +
        0.002 * gaussian(random);
      if (faulted(t, 'state_drift')) {
        const drift = Math.min(1, (t - plan.onset) / (2 * CONTROL_HZ));
        state[j] += (j === plan.jumpJoint ? plan.jumpSize * drift : 0) + 0.03 * gaussian(random);
      }
    }
    // Age = time since the VLM's observation + its modelled latency (the fast pathway's definition).
    const age = (t - latentAt) / CONTROL_HZ + m.vlm.modelledLatency;
    features.push(await policy.features(latent!, state, age, random));
  }
  return features;
}

/** Adds noise of each tensor's own RMS magnitude. (Permuting the tokens would be invisible: the
 * expert's cross-attention over the prefix has no positions, so it is permutation-invariant.) */
function corrupt(latent: Record<string, ort.Tensor>, random: () => number): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(latent)) {
    const src = t.data as Float32Array;
    const rms = Math.sqrt(src.reduce((a, v) => a + v * v, 0) / src.length);
    out[name] = new ort.Tensor(
      'float32',
      src.map((v) => v + rms * gaussian(random)),
      t.dims,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

function option(args: string[], name: string, fallback?: string): string {
  const i = args.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < args.length) return args[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

function positionals(args: string[]): string[] {
  return args.filter((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
}

async function generate(args: string[]): Promise<void> {
  const out = option(args, 'out');
  const total = Number(option(args, 'episodes'));
  const failureFraction = Number(option(args, 'failure-fraction', '0.5'));
  const seed = Number(option(args, 'seed', '1'));
  const prefix = option(args, 'prefix', `s${seed}`);
  const policy = await Policy.load(option(args, 'bundle', 'reference'));
  fs.mkdirSync(out, { recursive: true });
  const random = seededRandom(seed);
  const nFail = Math.round(total * failureFraction);
  const labels = Array.from({ length: total }, (_, i) => i < nFail).sort(() => random() - 0.5);
  let time = 1_700_000_000 + seed * 100_000;
  const started = Date.now();
  for (let b = 0; b * EPISODES_PER_BAG < total; b++) {
    const file = path.join(out, `${prefix}_${String(b).padStart(3, '0')}.mcap`);
    const bag = await McapBagWriter.create(file);
    await bag.addTopic('/instruction', 'vla_ros_msgs/msg/Instruction', QoSProfiles.transientLocal);
    await bag.addTopic('/episode_events', 'vla_ros_msgs/msg/EpisodeEvent');
    await bag.addTopic('/policy_features', 'vla_ros_msgs/msg/PolicyFeatures', {
      history: 'keep_last',
      depth: 10,
      reliability: 'reliable',
      durability: 'volatile',
    });
    for (let i = b * EPISODES_PER_BAG; i < Math.min(total, (b + 1) * EPISODES_PER_BAG); i++) {
      const fault = labels[i] ? pick(random, FAULTS) : undefined;
      const plan = planEpisode(`${prefix}-${String(i).padStart(4, '0')}-${fault ?? 'nominal'}`, random, fault);
      const features = await runEpisode(policy, plan, random);
      const header = () => ({ stamp: toRosTime(time), frame_id: '' });
      await bag.write('/instruction', { header: header(), id: plan.id, text: plan.instruction }, time);
      await bag.write(
        '/episode_events',
        { header: header(), episode_id: plan.id, event: EVENT_START, instruction: plan.instruction, success: false },
        time,
      );
      for (let t = 0; t < features.length; t++) {
        time += 1 / CONTROL_HZ;
        await bag.write(
          '/policy_features',
          {
            header: header(),
            episode_id: plan.id,
            step: t,
            source: `expert:${policy.bundle.manifest.expert.outputs.features!}`,
            features: features[t],
          },
          time + 0.004,
        );
      }
      time += 0.5;
      await bag.write(
        '/episode_events',
        { header: header(), episode_id: plan.id, event: EVENT_END, instruction: plan.instruction, success: fault === undefined },
        time,
      );
      time += 1;
      process.stderr.write(`${plan.id}: ${features.length} steps${fault === undefined ? '' : `, ${fault} from step ${plan.onset}`}\n`);
    }
    await bag.close();
  }
  process.stderr.write(`${total} episodes in ${((Date.now() - started) / 1000).toFixed(1)} s → ${out}\n`);
}

/** Writes index.json + features.f32 for make_safe_detector.py train. */
async function exportDataset(args: string[]): Promise<void> {
  const out = option(args, 'out');
  const bags = positionals(args.slice(1));
  const episodes = await loadRollouts(bags, { onNote: (n) => process.stderr.write(`note: ${n}\n`) });
  fs.mkdirSync(out, { recursive: true });
  const featureSize = episodes[0].features[0].length;
  const index = {
    featureSize,
    episodes: [] as Array<{ id: string; bag: string; success: boolean; kind: string; onset: number; offset: number; length: number }>,
  };
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const ep of episodes) {
    index.episodes.push({
      id: ep.id,
      bag: path.basename(ep.bag),
      success: ep.success === true,
      ...rolloutFault(ep.id),
      offset,
      length: ep.features.length,
    });
    for (const f of ep.features) chunks.push(Buffer.from(f.buffer, f.byteOffset, f.byteLength));
    offset += ep.features.length;
  }
  fs.writeFileSync(path.join(out, 'features.f32'), Buffer.concat(chunks));
  fs.writeFileSync(path.join(out, 'index.json'), JSON.stringify(index));
  process.stderr.write(`${episodes.length} episodes, ${offset} steps × ${featureSize} features → ${out}\n`);
}

/** Checks that the exported ONNX detectors reproduce torch's scores. */
async function verify(args: string[]): Promise<void> {
  const golden = JSON.parse(fs.readFileSync(option(args, 'golden'), 'utf8')) as {
    features: number[][];
    mlp?: number[];
    lstm?: number[];
    /** The SAFE-MLP score window torch scored with (make_safe_detector.py train --window); absent = 0. */
    window?: number;
  };
  const features = golden.features.map((f) => Float32Array.from(f));
  let worst = 0;
  for (const kind of ['mlp', 'lstm'] as const) {
    const reference = golden[kind];
    if (reference === undefined || !args.includes(`--${kind}`)) continue;
    const detector = await OnnxDetector.load(option(args, kind), kind);
    const scores = await scoreEpisode(createScorer(detector, { window: kind === 'mlp' ? (golden.window ?? 0) : 0 }), features);
    const err = Math.max(...scores.map((s, t) => Math.abs(s - reference[t]) / Math.max(1, Math.abs(reference[t]))));
    process.stdout.write(`${kind}: ${scores.length} steps, max relative difference to torch ${err.toExponential(2)}\n`);
    worst = Math.max(worst, err);
    await detector.dispose();
  }
  if (worst > 1e-4) throw new Error(`ONNX detectors differ from torch by ${worst}`);
}

/** Per fault type (from the episode ids): how often a calibrated detector flags it, and how early. */
async function faults(args: string[]): Promise<void> {
  const calibration = loadCalibration(option(args, 'calibration'));
  const detector = await OnnxDetector.load(option(args, 'detector'), calibration.detectorKind);
  const episodes = await loadRollouts(positionals(args.slice(1)));
  const scored = await scoreRollouts(episodes, detector, calibration.scoreWindow);
  await detector.dispose();
  const band = calibration.band;
  const groups = new Map<string, Array<{ first: number; length: number }>>();
  for (const e of scored) {
    const fault = rolloutFault(e.id).kind || (e.success ? 'nominal' : 'failure');
    const list = groups.get(fault) ?? [];
    list.push({ first: band.firstCrossing(e.scores), length: e.scores.length });
    groups.set(fault, list);
  }
  process.stdout.write(
    `SAFE-${calibration.detectorKind.toUpperCase()} at alpha ${band.params.alpha}: flagged share and T-det per episode kind\n\n| kind | episodes | flagged | T-det |\n|---|---|---|---|\n`,
  );
  for (const [fault, list] of [...groups.entries()].sort()) {
    const flagged = list.filter((x) => x.first >= 0).length;
    const tDet = list.reduce((a, x) => a + (x.first >= 0 ? (x.first + 1) / x.length : 1), 0) / list.length;
    process.stdout.write(
      `| ${fault} | ${list.length} | ${(flagged / list.length).toFixed(2)} | ${fault === 'nominal' ? '–' : tDet.toFixed(2)} |\n`,
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const cmd = args[0];
  if (cmd === 'generate') await generate(args);
  else if (cmd === 'export') await exportDataset(args);
  else if (cmd === 'verify') await verify(args);
  else if (cmd === 'faults') await faults(args);
  else throw new Error('usage: safe_rollouts.js generate|export|verify|faults ... (see the file header)');
}

await main();
