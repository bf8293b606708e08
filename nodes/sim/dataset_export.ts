// Expert demonstrations from the simulator as a training-friendly export (`vla-ros sim collect`).
//
// Each 30 Hz action tick records what the policy would have been given and what the expert did:
// joint positions (the bundle's state), the measured end-effector pose, the gripper opening, the
// instruction, the expert's ee_delta action and the latched success flag. Every `imageEvery` ticks
// both cameras are rendered at the sim node's size and turned into the bundle's input tensors by
// the runtime's own preprocessing (camera_ingestion/image_preprocessor.ts), then average-pooled
// over `pool`×`pool` blocks (the reference VLM's first layer is that same pooling, so a pooled
// frame is exactly what the rest of the network sees) and stored as bytes in pixel units:
// u = round(255·(x·std + mean)), i.e. x = (u/255 − mean)/std, within 1/510 of the float. With
// each frame goes where the task object lands in each camera's tensor (tensor_projection.ts), a
// privileged training label like the object's position.
//
// DART-style perturbation: the action that is *executed* is the expert's plus correlated noise, the
// action *recorded* is the expert's clean one. The expert plans from the previous target, so its
// next actions correct the drift: the data shows recovery from states the expert alone never visits.

import fs from 'node:fs';
import path from 'node:path';
import type { CameraSpec } from '../policy/manifest.js';
import { ImagePreprocessor } from '../camera_ingestion/image_preprocessor.js';
import { pixelLayout, type PixelLayout } from '../camera_ingestion/image_encoding.js';
import { ACTION_DT, type ScriptedExpert } from './expert.js';
import { expertPolicy, runEpisode, type DeltaPolicy } from './episode_runner.js';
import { CameraFeed, simCameraRig, type CameraName, type FrameRenderer } from './camera_rig.js';
import type { Simulator } from './simulator.js';
import type { LoopSetting } from './eval/closed_loop.js';
import type { Vec3 } from './render/scene.js';
import { projectToTensor, type TensorPoint } from './tensor_projection.js';
import { gaussian, mixSeed, mulberry32, type Random } from '../random/seeded_random.js';

export const DATASET_FORMAT = 'vla-ros/sim-dataset@1';
/** Action columns (ee_delta, extrinsic x-y-z Euler increments, absolute gripper 0 closed .. 1 open). */
export const ACTION_DIM = 7;

export interface PerturbationSpec {
  /** Stationary std of the translation noise added to an executed action [m per action]. */
  position: number;
  /** Same for the yaw increment [rad per action]. */
  yaw: number;
  /** AR(1) correlation of consecutive noise values (0: white). */
  correlation: number;
}

export const DEFAULT_PERTURBATION: PerturbationSpec = Object.freeze({ position: 0.002, yaw: 0.01, correlation: 0.8 });

export interface RecordOptions {
  /** Render and store the cameras every this many ticks. */
  imageEvery: number;
  /** Average-pool factor of the stored camera tensors (1: the bundle's tensor as is). */
  pool: number;
  /** Give up after this much episode time [s]. */
  maxTime: number;
  /** Keep recording this long after success [s]. */
  afterSuccess: number;
  perturbation: PerturbationSpec;
  /** Per-episode noise scale is drawn uniformly from [0, 1] × the spec when true; else 1. */
  randomScale: boolean;
}

/** One camera's stored geometry. */
export interface StoredCamera {
  name: string;
  channels: 3;
  height: number;
  width: number;
  /** The bundle camera's preprocessing (what the tensor was before pooling). */
  source: Pick<CameraSpec, 'width' | 'height' | 'resize' | 'channelOrder' | 'mean' | 'std'>;
}

export interface EpisodeRecording {
  index: number;
  seed: number;
  task: string;
  object: string;
  instruction: string;
  success: boolean;
  successTime: number;
  /**
   * Who executed the actions: the (perturbed) expert, or a policy whose visited states the
   * expert labelled (DAgger). The labels are the expert's either way.
   */
  driver: 'expert' | 'policy';
  /** Noise scale this episode was run with (0: clean expert). */
  noiseScale: number;
  ticks: number;
  time: Float32Array;
  state: Float32Array;
  /** Measured end effector: x y z qx qy qz qw (base frame). */
  ee: Float32Array;
  gripper: Float32Array;
  /** The task's object: x y z (base frame) — privileged, for auxiliary losses and analysis only. */
  object_position: Float32Array;
  action: Float32Array;
  success_flag: Uint8Array;
  /** Index (within this episode) of the latest frame at or before each tick. */
  frame: Int32Array;
  frames: number;
  /** Tick of each frame. */
  frameTick: Int32Array;
  /**
   * Per frame and camera (in the export's camera order): where the task object's centre lands in
   * the camera's tensor, x y in [−1, 1], and 1 if in view (else 0) — privileged, for training only.
   */
  object_pixel: Float32Array;
  images: Record<string, Uint8Array>;
}

/** Pools a CHW float tensor by `pool` and encodes it as bytes in pixel units (see the header). */
export function encodePooled(tensor: Float32Array, cam: StoredCamera, pool: number, out: Uint8Array, offset: number): void {
  const { width: W, height: H } = cam.source;
  const w = cam.width;
  const h = cam.height;
  const inv = 1 / (pool * pool);
  for (let c = 0; c < 3; c++) {
    const mean = cam.source.mean[c];
    const std = cam.source.std[c];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let dy = 0; dy < pool; dy++) {
          const row = c * H * W + (y * pool + dy) * W + x * pool;
          for (let dx = 0; dx < pool; dx++) s += tensor[row + dx];
        }
        const v = Math.round(255 * (s * inv * std + mean));
        out[offset + c * h * w + y * w + x] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
}

export function storedCameras(cameras: readonly CameraSpec[], pool: number): StoredCamera[] {
  return cameras.map((c) => {
    if (c.width % pool !== 0 || c.height % pool !== 0)
      throw new RangeError(`camera ${c.name}: ${c.width}×${c.height} is not divisible by pool ${pool}`);
    return {
      name: c.name,
      channels: 3,
      width: c.width / pool,
      height: c.height / pool,
      source: { width: c.width, height: c.height, resize: c.resize, channelOrder: c.channelOrder, mean: [...c.mean], std: [...c.std] },
    };
  });
}

/** Renders the simulator's cameras and preprocesses them as the bundle says. */
export class FrameSource {
  private readonly feed: CameraFeed;
  private readonly names: CameraName[];
  private readonly pre: ImagePreprocessor[];
  private readonly rgb8: PixelLayout;

  constructor(
    sim: Simulator,
    renderer: FrameRenderer,
    readonly cameras: readonly StoredCamera[],
  ) {
    for (const c of cameras) {
      if (c.name !== 'scene' && c.name !== 'wrist') throw new RangeError(`the simulator has no camera '${c.name}' (it has scene, wrist)`);
    }
    this.feed = new CameraFeed(sim, simCameraRig(sim), renderer);
    this.names = cameras.map((c) => c.name as CameraName);
    this.pre = cameras.map((c) => new ImagePreprocessor(c.source));
    const found = pixelLayout('rgb8');
    if (!found.ok) throw new Error(found.reason);
    this.rgb8 = found.layout;
  }

  /**
   * Every camera's bundle tensor now (as the sim node's cameras deliver them), and where `point`
   * (world) lands in it (tensor_projection.ts): the privileged label of which pixels show the task
   * object.
   */
  capture(point: Vec3): Array<{ tensor: Float32Array; point: TensorPoint }> {
    const frames = this.feed.capture(this.names);
    return this.cameras.map((c, i) => {
      const frame = frames.find((f) => f.camera === c.name);
      if (frame === undefined) throw new Error(`camera ${c.name} delivered no frame (a dropped camera in a demonstration)`);
      const r = this.pre[i].processPixels(frame.image(), frame.model.width, frame.model.height, 3 * frame.model.width, this.rgb8, false);
      if (!r.ok) throw new Error(`camera ${c.name}: ${r.reason}`);
      return { tensor: r.tensor, point: projectToTensor(frame.model, point, c.source) };
    });
  }
}

/** Correlated (AR(1)) noise on the executed actions; the recorded action stays the expert's. */
export class ActionPerturbation {
  private readonly n = new Float64Array(4);
  private readonly innovation: number;

  constructor(
    private readonly spec: PerturbationSpec,
    readonly scale: number,
    private readonly random: Random,
  ) {
    this.innovation = Math.sqrt(1 - spec.correlation * spec.correlation);
  }

  apply(action: ArrayLike<number>): Float64Array {
    const a = Float64Array.from(action);
    const rho = this.spec.correlation;
    for (let i = 0; i < 4; i++) this.n[i] = rho * this.n[i] + this.innovation * gaussian(this.random);
    if (this.scale === 0) return a;
    for (let i = 0; i < 3; i++) a[i] += this.scale * this.spec.position * this.n[i];
    a[5] += this.scale * this.spec.yaw * this.n[3];
    return a;
  }
}

/**
 * Collects one episode's ticks: at each action tick the observation the policy is given (joint
 * positions, pose, gripper, the latest camera frames every `imageEvery` ticks) and the expert's
 * action. One recorder per episode; the expert demonstrations and the DAgger rollouts
 * (dagger_recording.ts) both record through it.
 */
export class EpisodeRecorder {
  private readonly time: number[] = [];
  private readonly state: number[] = [];
  private readonly ee: number[] = [];
  private readonly gripper: number[] = [];
  private readonly objectPosition: number[] = [];
  private readonly action: number[] = [];
  private readonly successFlag: number[] = [];
  private readonly frameOf: number[] = [];
  private readonly frameTick: number[] = [];
  private readonly objectPixel: number[] = [];
  private readonly images: Uint8Array[][];
  private tick = 0;

  constructor(
    private readonly sim: Simulator,
    private readonly frames: FrameSource,
    private readonly o: Pick<RecordOptions, 'imageEvery' | 'pool'>,
  ) {
    this.images = frames.cameras.map(() => []);
  }

  /** Records the simulator's state now with the expert's `action` for it (the tick's label). */
  record(time: number, action: ArrayLike<number>): void {
    const sim = this.sim;
    if (this.tick % this.o.imageEvery === 0) {
      const p = sim.physics.objectPose(sim.episode!.colour).p;
      const captured = this.frames.capture([p[0], p[1], p[2]]);
      this.frames.cameras.forEach((c, i) => {
        const bytes = new Uint8Array(3 * c.height * c.width);
        encodePooled(captured[i].tensor, c, this.o.pool, bytes, 0);
        this.images[i].push(bytes);
        const { x, y, inView } = captured[i].point;
        this.objectPixel.push(x, y, inView ? 1 : 0);
      });
      this.frameTick.push(this.tick);
    }
    this.time.push(time);
    this.state.push(...sim.jointState().position);
    const pose = sim.eePose();
    this.ee.push(...pose.p, ...pose.q);
    this.gripper.push(sim.gripperState().width);
    this.objectPosition.push(...sim.physics.objectPose(sim.episode!.colour).p);
    this.action.push(...Array.from(action));
    this.successFlag.push(sim.taskStatus?.success === true ? 1 : 0);
    this.frameOf.push(this.frameTick.length - 1);
    this.tick++;
  }

  /** The recording of episode `index` (setup from the simulator), run by `driver`. */
  finish(
    index: number,
    outcome: { success: boolean; successTime: number },
    driver: EpisodeRecording['driver'],
    noiseScale: number,
  ): EpisodeRecording {
    const setup = this.sim.episode!;
    const joined: Record<string, Uint8Array> = {};
    this.frames.cameras.forEach((c, i) => {
      const size = 3 * c.height * c.width;
      const all = new Uint8Array(size * this.images[i].length);
      this.images[i].forEach((b, k) => all.set(b, k * size));
      joined[c.name] = all;
    });
    return {
      index,
      seed: setup.seed,
      task: setup.kind,
      object: setup.colour,
      instruction: setup.instruction,
      success: outcome.success,
      successTime: outcome.successTime,
      driver,
      noiseScale,
      ticks: this.tick,
      time: Float32Array.from(this.time),
      state: Float32Array.from(this.state),
      ee: Float32Array.from(this.ee),
      gripper: Float32Array.from(this.gripper),
      object_position: Float32Array.from(this.objectPosition),
      action: Float32Array.from(this.action),
      success_flag: Uint8Array.from(this.successFlag),
      frame: Int32Array.from(this.frameOf),
      frames: this.frameTick.length,
      frameTick: Int32Array.from(this.frameTick),
      object_pixel: Float32Array.from(this.objectPixel),
      images: joined,
    };
  }
}

/** Runs the (perturbed) scripted expert for episode `index` and records it. */
export function recordEpisode(sim: Simulator, frames: FrameSource, index: number, o: RecordOptions): EpisodeRecording {
  // runEpisode resets the simulator: the recorder, the expert and the noise are made on the first tick.
  let recorder: EpisodeRecorder | undefined;
  let expert: ScriptedExpert | undefined;
  let noise: ActionPerturbation | undefined;
  const actor: DeltaPolicy = {
    act: (obs) => {
      if (recorder === undefined || expert === undefined || noise === undefined) {
        const setup = sim.episode!;
        recorder = new EpisodeRecorder(sim, frames, o);
        expert = expertPolicy(sim, setup);
        const random = mulberry32(mixSeed(setup.seed, 0xda27));
        noise = new ActionPerturbation(o.perturbation, o.randomScale ? random() : 1, random);
      }
      const clean = expert.act(obs);
      recorder.record(obs.time, clean);
      return noise.apply(clean);
    },
  };
  const r = runEpisode(sim, actor, { index, maxTime: o.maxTime, afterSuccess: o.afterSuccess });
  return (recorder ?? new EpisodeRecorder(sim, frames, o)).finish(index, r, 'expert', noise?.scale ?? 0);
}

/** Per-tick arrays of the export: file name, element type, values per tick. */
export const TICK_FIELDS = [
  { name: 'time', type: 'float32', width: 1 },
  { name: 'state', type: 'float32', width: -1 },
  { name: 'ee', type: 'float32', width: 7 },
  { name: 'gripper', type: 'float32', width: 1 },
  { name: 'object_position', type: 'float32', width: 3 },
  { name: 'action', type: 'float32', width: ACTION_DIM },
  { name: 'success_flag', type: 'uint8', width: 1 },
  { name: 'frame', type: 'int32', width: 1 },
] as const;

export interface DatasetHeader {
  robot: string;
  jointNames: readonly string[];
  seed: number;
  bundle: string;
  options: RecordOptions;
  cameras: readonly StoredCamera[];
  /** DAgger: the policy bundle that drove the episodes and how it ran (absent: expert demonstrations). */
  policy?: { bundle: string; setting: LoopSetting; maxLatentAge: number };
}

/**
 * Writes recordings as flat little-endian binary files (one per field, episodes concatenated) and
 * index.json (per episode: where its ticks and frames start). numpy reads them with np.fromfile.
 */
export class DatasetWriter {
  private readonly fds = new Map<string, number>();
  private readonly episodes: Record<string, unknown>[] = [];
  private tickTotal = 0;
  private frameTotal = 0;

  constructor(
    readonly dir: string,
    private readonly header: DatasetHeader,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    const files = [
      ...TICK_FIELDS.map((f) => `${f.name}.bin`),
      'frame_tick.bin',
      'object_pixel.bin',
      ...header.cameras.map((c) => `images_${c.name}.bin`),
    ];
    for (const f of files) this.fds.set(f, fs.openSync(path.join(dir, f), 'w'));
  }

  private put(file: string, data: ArrayBufferView): void {
    fs.writeSync(this.fds.get(file)!, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  add(e: EpisodeRecording): void {
    for (const f of TICK_FIELDS) this.put(`${f.name}.bin`, e[f.name]);
    this.put('frame_tick.bin', e.frameTick);
    this.put('object_pixel.bin', e.object_pixel);
    for (const c of this.header.cameras) this.put(`images_${c.name}.bin`, e.images[c.name]);
    const {
      images: _images,
      time: _t,
      state: _s,
      ee: _e,
      gripper: _g,
      object_position: _o,
      action: _a,
      success_flag: _f,
      frame: _fr,
      frameTick: _ft,
      object_pixel: _op,
      ...meta
    } = e;
    this.episodes.push({
      ...meta,
      successTime: Number.isNaN(e.successTime) ? null : e.successTime,
      tickStart: this.tickTotal,
      frameStart: this.frameTotal,
    });
    this.tickTotal += e.ticks;
    this.frameTotal += e.frames;
    this.writeIndex();
  }

  private writeIndex(): void {
    const h = this.header;
    const index = {
      format: DATASET_FORMAT,
      robot: h.robot,
      bundle: h.bundle,
      seed: h.seed,
      action_dt: ACTION_DT,
      joint_names: h.jointNames,
      action_names: ['x', 'y', 'z', 'roll', 'pitch', 'yaw', 'gripper'],
      options: h.options,
      ...(h.policy === undefined ? {} : { policy: h.policy }),
      cameras: h.cameras,
      ticks: this.tickTotal,
      frames: this.frameTotal,
      fields: [
        ...TICK_FIELDS.map((f) => ({
          file: `${f.name}.bin`,
          type: f.type,
          shape: [this.tickTotal, ...(f.width === 1 ? [] : [f.width === -1 ? h.jointNames.length : f.width])],
        })),
        { file: 'frame_tick.bin', type: 'int32', shape: [this.frameTotal] },
        { file: 'object_pixel.bin', type: 'float32', shape: [this.frameTotal, h.cameras.length, 3] },
        ...h.cameras.map((c) => ({ file: `images_${c.name}.bin`, type: 'uint8', shape: [this.frameTotal, 3, c.height, c.width] })),
      ],
      episodes: this.episodes,
    };
    fs.writeFileSync(path.join(this.dir, 'index.json'), JSON.stringify(index, null, 1) + '\n');
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }
}
