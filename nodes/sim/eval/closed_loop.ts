// One closed-loop episode: the simulator, a policy bundle and the controller bridge's ControlLoop
// (merge rules, RTC freezing, watchdog, safety filter) in this thread, on simulated time in 1 ms
// steps. Inference really runs (ONNX); its latency is modelled, as in the suite's deterministic
// mode: a VLM result is delivered at request + the bundle's modelled latency + the added latency,
// an expert chunk at request + the expert's modelled latency. Runs are therefore deterministic
// and independent of the machine's speed.
//
// async (the fast–slow design): the VLM runs at its rate on the latest frames (never queued:
//   exhaust), its latents go through a LatentBuffer; the expert decodes a chunk every 1/30 s from
//   the latest latent, its age and the current joints; the bridge merges chunks with its rule.
// sync (the baseline): frames → VLM → expert → the whole chunk is executed → the next inference.
//   The arm holds still while the models run; a chunk starts executing when it arrives.

import { ControlLoop } from '../../controller_bridge/control_loop.js';
import { defaultBridgeConfig, type BridgeConfig } from '../../controller_bridge/bridge_config.js';
import type { MergeRuleName } from '../../controller_bridge/merge_rule.js';
import { LatentBuffer, type LatentTensor } from '../../fast_pathway/latent_buffer.js';
import { kinematicsFor } from '../../robots/robot_models.js';
import { CAMERA_NAMES, SIM_CAMERA_SIZE, type CameraName, type CameraRig, type FrameRenderer } from '../camera_rig.js';
import type { Simulator } from '../simulator.js';
import type { BundlePolicy, CameraFrame } from './bundle_policy.js';

export type ExecutionMode = 'sync' | 'async';

export interface LoopSetting {
  mode: ExecutionMode;
  mergeRule: MergeRuleName;
  /** VLM latency added to the bundle's modelled latency [s]. */
  addedVlmLatency: number;
}

export interface ClosedLoopOptions extends LoopSetting {
  /** Episode index of the simulator's seed sequence. */
  index: number;
  /** Give up after this much episode time [s]. */
  maxTime: number;
  /** Decoder noise seed (as fast_pathway's `seed`). */
  decoderSeed: number;
  /** Fast pathway rate [Hz] (async). */
  expertRateHz?: number;
  /** Slow pathway rate [Hz] (async; default: the bundle's). */
  vlmRateHz?: number;
  /** fast_pathway max_latent_age [s]. */
  maxLatentAge?: number;
  /** Bridge settings other than the merge rule (default: the bridge's defaults). */
  bridge?: Partial<BridgeConfig>;
}

export interface ClosedLoopEpisode {
  index: number;
  task: string;
  instruction: string;
  /** Injected failure kind ('none' when none was scheduled). */
  failure: string;
  success: boolean;
  /** Episode time of success (NaN if none) [s]. */
  successTime: number;
  duration: number;
  vlmRuns: number;
  /** Chunks the expert produced / the bridge accepted / refused by the bundle's bounds. */
  chunksDecoded: number;
  chunksAccepted: number;
  chunksRefused: number;
  /** Bridge drops by reason. */
  drops: Record<string, number>;
  /** Latent age at each async decode (sync: the VLM's latency) [s]. */
  latentAgeMean: number;
  latentAgeMax: number;
  /** Bridge targets sent to the sim; all finite (a non-finite one ends the episode with an error). */
  targets: number;
  /** Largest target translation between consecutive bridge ticks [m]. */
  maxTargetStep: number;
  /** The expert's failure-monitor features, one per decoded chunk. */
  features: Float32Array[];
}

interface Pending<T> {
  at: number;
  value: T;
}

/** Renders the cameras the policy needs as the sim node would publish them now (frozen/dropped included). */
class FrameSource {
  private readonly last = new Map<string, CameraFrame>();
  constructor(
    private readonly sim: Simulator,
    private readonly rig: CameraRig,
    private readonly renderer: FrameRenderer,
    private readonly names: readonly CameraName[],
    private readonly size: number,
  ) {}

  /** The frames now, or undefined when a camera is dropped (camera_ingestion would publish no observation). */
  capture(): Map<string, CameraFrame> | undefined {
    const frames = new Map<string, CameraFrame>();
    const shapes = this.rig.primitives();
    for (const name of this.names) {
      const mode = this.sim.cameraState(name);
      if (mode === 'dropped') return undefined;
      let frame = mode === 'frozen' ? this.last.get(name) : undefined;
      frame ??= { width: this.size, height: this.size, data: this.rig.render(this.renderer, name, shapes) };
      this.last.set(name, frame);
      frames.set(name, frame);
    }
    return frames;
  }
}

/**
 * Runs one episode of `sim` (reset to `options.index`) with `policy`. `rig` must be built on
 * `sim.physics` with SIM_CAMERA_SIZE cameras.
 */
export async function runClosedLoopEpisode(
  sim: Simulator,
  rig: CameraRig,
  renderer: FrameRenderer,
  policy: BundlePolicy,
  options: ClosedLoopOptions,
): Promise<ClosedLoopEpisode> {
  const m = policy.manifest;
  const setup = sim.reset(options.index);
  const dt = sim.timestep;
  const steps = (sec: number) => Math.max(1, Math.round(sec / dt));
  const vlmLatency = steps(m.vlm.modelledLatency + options.addedVlmLatency);
  const expertLatency = steps(m.expert.modelledLatency);
  const expertPeriod = steps(1 / (options.expertRateHz ?? 30));
  const vlmPeriod = steps(1 / (options.vlmRateHz ?? m.vlm.rateHz));
  const robot = sim.facts;
  const config = defaultBridgeConfig(robot, { ...options.bridge, mergeRule: options.mergeRule });
  const loop = new ControlLoop(config, kinematicsFor(robot.name, robot.eeFrame));
  const tickPeriod = steps(loop.tickPeriod);
  const cameraNames = policy.cameraNames.filter((c): c is CameraName => (CAMERA_NAMES as readonly string[]).includes(c));
  if (cameraNames.length !== policy.cameraNames.length) {
    throw new Error(`the bundle wants cameras ${policy.cameraNames.join(', ')}; the simulator has ${CAMERA_NAMES.join(', ')}`);
  }
  const frames = new FrameSource(sim, rig, renderer, cameraNames, SIM_CAMERA_SIZE);
  const stateIndex = m.state.jointNames.map((n) => {
    const i = robot.jointNames.indexOf(n);
    if (i < 0) throw new Error(`the bundle's state joint '${n}' is not a joint of the simulated ${robot.name} (${robot.jointNames.join(', ')})`);
    return i;
  });
  const joints = () => {
    const q = sim.jointState().position;
    return stateIndex.map((i) => q[i]);
  };

  const pose = sim.eePose();
  const activation = loop.activate(0, { pose: [...pose.p, ...pose.q], joints: sim.jointState().position });
  if (!activation.ok) throw new Error(`controller bridge refused to activate: ${activation.reason}`);

  const buffer = new LatentBuffer(options.maxLatentAge ?? 1.0);
  let instructionText = '';
  let instructionCount = 0;
  let instructionId = '';
  let vlmInFlight: Pending<{ latent: LatentTensor[]; observedAt: number; instructionId: string }> | undefined;
  let expertInFlight: Pending<{ actions: Float64Array; stamp: number }> | undefined;
  let version = 0;
  let sequence = 0;
  let vlmRuns = 0;
  let decoded = 0;
  let accepted = 0;
  let refused = 0;
  let targets = 0;
  let maxTargetStep = 0;
  const ages: number[] = [];
  const features: Float32Array[] = [];
  let previousTarget: Float64Array | undefined;
  let successTime = NaN;

  const requestVlm = async (k: number): Promise<void> => {
    const images = frames.capture();
    if (images === undefined) return;
    vlmRuns++;
    vlmInFlight = { at: k + vlmLatency, value: { latent: await policy.latent(images, instructionText), observedAt: k * dt, instructionId } };
  };
  const requestChunk = async (k: number, latent: readonly LatentTensor[], age: number, stampAtDelivery: boolean): Promise<void> => {
    const r = await policy.chunk(latent, age, joints(), options.decoderSeed + sequence);
    sequence++;
    if (!r.ok) {
      refused++;
      return;
    }
    decoded++;
    ages.push(age);
    if (r.features !== undefined) features.push(r.features);
    const at = k + expertLatency;
    expertInFlight = { at, value: { actions: r.actions, stamp: stampAtDelivery ? at * dt : k * dt } };
  };

  const maxSteps = Math.round(options.maxTime / dt);
  for (let k = 0; k < maxSteps; k++) {
    const t = k * dt;
    if (sim.instruction !== instructionText) {
      // A new instruction (episode start or a switch): a new id, as the episode manager gives one.
      instructionText = sim.instruction;
      instructionId = `${options.index}-${instructionCount++}`;
      buffer.setInstruction(instructionId);
      if (options.mode === 'async' && vlmInFlight === undefined) await requestVlm(k);
    }
    if (vlmInFlight !== undefined && vlmInFlight.at <= k) {
      const { latent, observedAt, instructionId: answered } = vlmInFlight.value;
      vlmInFlight = undefined;
      if (options.mode === 'async') {
        buffer.write({ version: ++version, instructionId: answered, observationTime: observedAt, readyTime: t, tensors: latent });
      } else if (answered === instructionId) {
        await requestChunk(k, latent, t - observedAt, true);
      }
    }
    if (expertInFlight !== undefined && expertInFlight.at <= k) {
      const { actions, stamp } = expertInFlight.value;
      expertInFlight = undefined;
      const verdict = loop.offerChunk(
        {
          stamp,
          startTime: stamp,
          dt: m.action.dt,
          horizon: m.action.horizon,
          actionSpace: m.action.space,
          rotation: m.action.rotation,
          gripper: m.action.gripper === 'none' ? '' : m.action.gripper,
          dimensionNames: m.action.names,
          data: actions,
          sequence,
          frameId: '',
        },
        t,
      );
      if (verdict.accepted) accepted++;
    }
    if (options.mode === 'async') {
      if (k % vlmPeriod === 0 && vlmInFlight === undefined) await requestVlm(k);
      if (k % expertPeriod === 0 && expertInFlight === undefined) {
        const latent = buffer.read(t);
        if ('entry' in latent) await requestChunk(k, latent.entry.tensors, latent.age, false);
      }
    } else if (vlmInFlight === undefined && expertInFlight === undefined) {
      // The last chunk is executed (or was refused, or the watchdog stopped it): infer again.
      // (A dropped camera gives no observation: the next step tries again.)
      if (loop.state !== 'running' || loop.isExhausted) await requestVlm(k);
    }
    if (k % tickPeriod === 0) {
      const out = loop.tick(t);
      if (out !== undefined) {
        const target = out.target;
        if (!target.every(Number.isFinite)) throw new Error(`the bridge produced a non-finite target at ${t.toFixed(3)} s`);
        if (!sim.setTargetPose([target[0], target[1], target[2]], [target[3], target[4], target[5], target[6]])) {
          throw new Error(`the simulator refused the bridge's target at ${t.toFixed(3)} s`);
        }
        if (out.gripper !== undefined) sim.setGripperCommand(out.gripper);
        if (previousTarget !== undefined) {
          maxTargetStep = Math.max(maxTargetStep, Math.hypot(target[0] - previousTarget[0], target[1] - previousTarget[1], target[2] - previousTarget[2]));
        }
        previousTarget = Float64Array.from(target);
        targets++;
      }
    }
    sim.step();
    if (sim.taskStatus?.success === true) {
      successTime = sim.episodeTime;
      break;
    }
  }
  const drops: Record<string, number> = {};
  for (const [reason, n] of loop.drops) drops[reason] = n;
  return {
    index: options.index,
    task: setup.kind,
    instruction: setup.instruction,
    failure: sim.failure?.kind ?? 'none',
    success: Number.isFinite(successTime),
    successTime,
    duration: sim.episodeTime,
    vlmRuns,
    chunksDecoded: decoded,
    chunksAccepted: accepted,
    chunksRefused: refused,
    drops,
    latentAgeMean: ages.length === 0 ? NaN : ages.reduce((a, b) => a + b, 0) / ages.length,
    latentAgeMax: ages.length === 0 ? NaN : Math.max(...ages),
    targets,
    maxTargetStep,
    features,
  };
}
