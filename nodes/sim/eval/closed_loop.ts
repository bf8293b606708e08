// Closed-loop episodes (one, or several back to back as `sim run` does): the simulator and the
// suite's own per-tick cores in this thread, on simulated time in 1 ms steps — camera frames
// through camera_ingestion's IngestionPipeline, the VLM's jobs and latents through the slow
// pathway's LatentProducer, chunks through the fast pathway's ChunkProducer, and their execution
// through the controller bridge's ControlLoop (merge rules, RTC, watchdog, safety filter). The
// cores are called when the nodes would call them in a deterministic launch of sim.launch.xml
// (test/sim/pipeline_agreement.test.ts checks that both give the same chunks and outcomes, for
// one episode and for episodes run back to back):
//   - the sim publishes joint states and poses at 250 Hz and camera frames at 30 Hz, stamped with
//     simulated time; the other nodes see time in /clock's 1 ms steps, so a timer or a modelled
//     inference result due at t acts at the first step at or after t;
//   - within a step: the pathways' and the bridge's timers and due results first (in that node
//     order), then that step's joint states, poses and frames, then the messages those produced
//     (latent → fast pathway, chunk → bridge, target → sim, observation → slow pathway);
//   - the bridge activates at its first 50 ms state check with robot state, then ticks at 50 Hz.
// Inference really runs (ONNX); its latency is modelled, as in the deterministic launch: a VLM
// result is delivered at request + the bundle's modelled latency + the added latency, an expert
// chunk at request + the expert's modelled latency. Runs are therefore deterministic and
// independent of the machine's speed. Only the frames the VLM looks at are rendered and
// preprocessed (the sim node renders every one; the pixels are the same).
//
// async (the fast–slow design): the suite's schedule, as above.
// sync (the baseline): frames → VLM → expert → the whole chunk is executed → the next inference.
//   The arm holds still while the models run; a chunk starts executing when it arrives.

import type { vla_ros_msgs } from '../../msgs/generated/interfaces.js';
import { resolveCameras } from '../../camera_ingestion/camera_config.js';
import { sharpDecoder } from '../../camera_ingestion/compressed_decoder.js';
import { plainAllocator } from '../../camera_ingestion/image_preprocessor.js';
import { IngestionPipeline, type IngestedObservation } from '../../camera_ingestion/ingestion_pipeline.js';
import { observationMessage } from '../../camera_ingestion/observation_message.js';
import { chunkInputFromMessage } from '../../controller_bridge/action_decoder.js';
import { defaultBridgeConfig, requiredRobotState, type BridgeConfig } from '../../controller_bridge/bridge_config.js';
import { ControlLoop } from '../../controller_bridge/control_loop.js';
import type { MergeRuleName } from '../../controller_bridge/merge_rule.js';
import { ChunkProducer, FAST_PATHWAY_DEFAULTS, latentEntryFromMessage, type ChunkRequest } from '../../fast_pathway/chunk_producer.js';
import { robotFitProblem } from '../../policy/bundle_validation.js';
import { robotMisfitText } from '../../policy/shipped_bundles.js';
import { JOINT_STATE_LIMIT_TOLERANCE, limitsByName } from '../../robots/joint_state_mapper.js';
import { kinematicsFor } from '../../robots/robot_models.js';
import { fromRosTime, toRosTime, type RosTime } from '../../ros/time.js';
import { LatentProducer, SLOW_PATHWAY_MAX_OBSERVATION_AGE, type ObservationRef, type VlmJob } from '../../slow_pathway/latent_producer.js';
import { ACTION_DT } from '../expert.js';
import { CAMERA_NAMES, CameraFeed, type CameraFrame, type CameraName, type CameraRig, type FrameRenderer } from '../camera_rig.js';
import { SIM_OUTPUT_RATES } from '../node_params.js';
import { EpisodeTracker } from '../episode_tracker.js';
import { RateSchedule } from '../pacing.js';
import type { Simulator } from '../simulator.js';
import type { TensorData } from '../../inference/tensor.js';
import type { BundlePolicy } from './bundle_policy.js';

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
  /** Decoder noise seed (fast_pathway's `seed`). */
  decoderSeed: number;
  /** Fast pathway rate [Hz] (async; fast_pathway's `rate_hz`). */
  expertRateHz?: number;
  /** Slow pathway rate [Hz] (async; default: the bundle's). */
  vlmRateHz?: number;
  /** fast_pathway max_latent_age [s]. */
  maxLatentAge?: number;
  /** Bridge settings other than the merge rule (default: the bridge's defaults). */
  bridge?: Partial<BridgeConfig>;
  /** Called with every chunk the fast pathway publishes, at its delivery time [s] (the agreement test). */
  onChunk?: (chunk: vla_ros_msgs.msg.ActionChunk, at: number) => void;
  /** Called at every action instant of an episode (see ActionInstant; DAgger recording). */
  onActionInstant?: (instant: ActionInstant) => void;
}

/**
 * The closed loop at an action instant k/30 s of episode time (k = 0, 1, …), before the step that
 * starts there: the simulator's state is the one every node has seen at that instant, and
 * `bridgeTarget` the controller bridge's last published target (at its latest 50 Hz tick, at most
 * one tick earlier).
 */
export interface ActionInstant {
  /** Episode index. */
  index: number;
  /** Action tick k. */
  tick: number;
  /** Episode time [s]. */
  time: number;
  /** [x y z qx qy qz qw] in the base frame; undefined until the bridge published one in this episode. */
  bridgeTarget: Float64Array | undefined;
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
  /** Latent age at each decode (sync: the VLM's latency) [s]. */
  latentAgeMean: number;
  latentAgeMax: number;
  /** Bridge targets sent to the sim; all finite (a non-finite one ends the episode with an error). */
  targets: number;
  /** Largest target translation between consecutive bridge ticks [m]. */
  maxTargetStep: number;
  /** The expert's failure-monitor features, one per decoded chunk, and the episode time of each [s]. */
  features: Float32Array[];
  featureTimes: number[];
}

/** The controller bridge's state-check period on activation [s]. */
const BRIDGE_STATE_CHECK = 0.05;

/** A periodic node timer on /clock time: tick n due at start + n·period, missed ticks skipped. */
class ClockTimer {
  private n = 1;
  constructor(
    private readonly start: number,
    private readonly period: number,
  ) {}

  /** True once per due tick at clock `t` (call every step). */
  due(t: number): boolean {
    if (this.start + this.n * this.period > t) return false;
    this.n++;
    while (this.start + this.n * this.period <= t) this.n++;
    return true;
  }
}

/** A result delivered at the first clock step at or after `at`. */
interface Pending<T> {
  at: number;
  value: T;
}

/** The latest synchronised camera frames, turned into an observation only when the VLM uses them. */
class LazyObservations {
  private readonly pipeline: IngestionPipeline;
  private ingestAt = 0;
  private made: IngestedObservation | undefined;
  private count = 0;

  constructor(
    policy: BundlePolicy,
    private readonly names: readonly CameraName[],
  ) {
    const cameras = resolveCameras(policy.manifest.cameras, {
      names: [],
      topics: [],
      transports: [],
      expectedWidths: [],
      expectedHeights: [],
    });
    this.pipeline = new IngestionPipeline({
      cameras,
      // camera_ingestion's shipped settings (config/nodes.yaml).
      syncHistory: 3,
      now: () => this.ingestAt,
      maxSkew: () => 0.02,
      maxFrameAge: () => 0.2,
      allocate: plainAllocator,
      decode: sharpDecoder,
      onObservation: (obs) => {
        this.made = obs;
      },
      onDrop: (camera, reason, detail) => {
        throw new Error(`camera '${camera}': frame dropped (${reason}): ${detail}`);
      },
      onError: (camera, message) => {
        throw new Error(`camera '${camera}': ${message}`);
      },
    });
  }

  /** The frames of one camera instant: an observation when every camera delivered one. */
  frames(stamp: RosTime, t: number, frames: readonly CameraFrame[]): ObservationRef | undefined {
    if (!this.names.every((n) => frames.some((f) => f.camera === n))) return undefined;
    const sequence = ++this.count;
    let message: vla_ros_msgs.msg.Observation | undefined;
    return {
      stamp,
      sequence,
      message: () => (message ??= this.ingest(stamp, t, frames, sequence)),
    };
  }

  private ingest(stamp: RosTime, t: number, frames: readonly CameraFrame[], sequence: number): vla_ros_msgs.msg.Observation {
    // Ingested as camera_ingestion did at the frames' instant.
    this.ingestAt = t;
    this.made = undefined;
    this.pipeline.cameras.forEach((c, i) => {
      const f = frames.find((x) => x.camera === c.name)!;
      this.pipeline.raw(i, {
        width: f.model.width,
        height: f.model.height,
        encoding: 'rgb8',
        is_bigendian: 0,
        step: f.model.width * 3,
        data: f.image(),
        stamp,
      });
    });
    if (this.made === undefined) throw new Error(`the frames at ${t.toFixed(3)} s gave no observation`);
    return observationMessage(this.made, this.pipeline.cameras, sequence);
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
  const { index, onChunk, onActionInstant, ...rest } = options;
  const [episode] = await runClosedLoopEpisodes(sim, rig, renderer, policy, {
    ...rest,
    indices: [index],
    resetDelay: 0,
    onChunk: onChunk && ((m, at) => onChunk(m, at)),
    onActionInstant,
  });
  return episode;
}

export interface EpisodeSequenceOptions extends Omit<ClosedLoopOptions, 'index' | 'onChunk'> {
  /** Episode indices of the simulator's seed sequence, run back to back. */
  indices: readonly number[];
  /** Simulated time between an episode's end and the next reset [s] (the sim node's reset_delay). */
  resetDelay: number;
  /** Called with every chunk published while episode `index` runs, at its delivery time [s]. */
  onChunk?: (chunk: vla_ros_msgs.msg.ActionChunk, at: number, index: number) => void;
}

/**
 * Runs episodes of `sim` back to back as the suite on the sim node with auto_reset does (`vla-ros
 * sim run`, npm start): one timeline and one set of cores for all of them. An episode ends on
 * success or after `maxTime`; the pathways and the bridge go on running until the sim resets
 * `resetDelay` later (after publishing that step's state and frames). The reset's instruction
 * reaches both pathways at that step (the slow pathway may answer it from the last frame it has),
 * and the bridge re-anchors, as on an episode's START, once a joint state and a pose published
 * after the reset arrived. Times passed to `onChunk` count from the first episode's start.
 */
export async function runClosedLoopEpisodes(
  sim: Simulator,
  rig: CameraRig,
  renderer: FrameRenderer,
  policy: BundlePolicy,
  options: EpisodeSequenceOptions,
): Promise<ClosedLoopEpisode[]> {
  const m = policy.manifest;
  const cameraNames = policy.cameraNames.filter((c): c is CameraName => (CAMERA_NAMES as readonly string[]).includes(c));
  if (cameraNames.length !== policy.cameraNames.length) {
    throw new Error(`the bundle wants cameras ${policy.cameraNames.join(', ')}; the simulator has ${CAMERA_NAMES.join(', ')}`);
  }
  const robot = sim.facts;
  const misfit = robotFitProblem(m, robot);
  if (misfit !== undefined) throw new Error(`policy bundle does not fit the simulated robot: ${robotMisfitText(misfit, robot)}`);
  if (options.indices.length === 0) return [];
  let setup = sim.reset(options.indices[0]);
  const dt = sim.timestep;
  const origin = sim.time;
  const startStep = sim.steps;
  // Simulated time as the nodes read it from /clock (nanosecond stamps).
  const clockNow = () => fromRosTime(toRosTime(sim.time - origin));
  const vlmLatency = m.vlm.modelledLatency + options.addedVlmLatency;
  const expertLatency = m.expert.modelledLatency;
  const vlmPeriod = 1 / (options.vlmRateHz ?? m.vlm.rateHz);
  const config = defaultBridgeConfig(robot, { ...options.bridge, mergeRule: options.mergeRule });
  const chain = kinematicsFor(robot.name, robot.eeFrame);
  const loop = new ControlLoop(config, chain);
  // The robot state an episode's START waits for, as in the bridge node.
  const { pose: needPose, joints: needJoints } = requiredRobotState(config, chain !== undefined);
  const fast = new ChunkProducer(m, {
    maxLatentAge: options.maxLatentAge ?? FAST_PATHWAY_DEFAULTS.maxLatentAge,
    stateTimeout: FAST_PATHWAY_DEFAULTS.stateTimeout,
    seed: options.decoderSeed,
    frameId: robot.baseFrame,
    jointLimits: limitsByName(m.state.jointNames, robot, JOINT_STATE_LIMIT_TOLERANCE),
  });
  const slow = new LatentProducer(m, policy.encoder, SLOW_PATHWAY_MAX_OBSERVATION_AGE);
  const feed = new CameraFeed(sim, rig, renderer);
  const observations = new LazyObservations(policy, cameraNames);
  const schedules = {
    joints: new RateSchedule(SIM_OUTPUT_RATES.jointStates, dt, startStep),
    pose: new RateSchedule(SIM_OUTPUT_RATES.currentPose, dt, startStep),
    cameras: new RateSchedule(SIM_OUTPUT_RATES.cameras, dt, startStep),
  };
  const jointNames = [...robot.jointNames];
  // The sim node's own timeout and reset rule.
  const tracker = new EpisodeTracker();
  tracker.started(sim.seed, options.indices[0]);

  let instructionText = '';
  let instructionCount = 0;
  let vlmInFlight: Pending<{ job: VlmJob; outputs: Promise<Record<string, TensorData>> }> | undefined;
  let expertInFlight: Pending<{ request: ChunkRequest; result: ReturnType<BundlePolicy['decode']> }> | undefined;
  let robotPose: Float64Array | undefined;
  let robotJoints: Float64Array | undefined;
  let bridgeTimer: ClockTimer | undefined;
  const stateCheck = new ClockTimer(0, BRIDGE_STATE_CHECK);
  const fastTimer = new ClockTimer(0, 1 / (options.expertRateHz ?? 30));
  let nextVlmTick = vlmPeriod;

  // Per episode.
  let position = 0;
  let index = options.indices[0];
  let episodeSteps = 0;
  let pendingStart: { id: string; joints: boolean; pose: boolean } | undefined;
  let vlmRuns = 0;
  let decoded = 0;
  let accepted = 0;
  let refused = 0;
  let targets = 0;
  let maxTargetStep = 0;
  let ages: number[] = [];
  let features: Float32Array[] = [];
  let featureTimes: number[] = [];
  let previousTarget: Float64Array | undefined;
  let publishedTarget: Float64Array | undefined;
  let actionTick = 0;
  let successTime = NaN;
  let dropsBefore = new Map<string, number>();
  const episodes: ClosedLoopEpisode[] = [];

  const startVlm = (job: VlmJob): void => {
    const { feeds } = slow.start(job);
    if (!tracker.ended) vlmRuns++;
    vlmInFlight = { at: job.requestedAt + vlmLatency, value: { job, outputs: policy.runVlm(feeds) } };
  };
  const tryVlm = (t: number): void => {
    if (vlmInFlight !== undefined) return; // never queued
    const job = slow.pick(t);
    if ('observation' in job) startVlm(job);
  };
  const requestChunk = (t: number): void => {
    const request = fast.request(t);
    if (!('job' in request)) return;
    expertInFlight = { at: t + expertLatency, value: { request, result: policy.decode(request.job) } };
  };
  const newInstruction = (t: number): void => {
    // A new instruction (episode start or a switch): a new id, as the episode manager gives one.
    instructionText = sim.instruction;
    const id = `${index}-${instructionCount++}`;
    fast.setInstruction(id);
    if (slow.setInstruction({ header: { stamp: toRosTime(t), frame_id: '' }, id, text: instructionText }) && options.mode === 'async')
      tryVlm(t);
  };
  const endEpisode = (): void => {
    tracker.finish(sim.time + options.resetDelay);
    const drops: Record<string, number> = {};
    for (const [reason, n] of loop.drops) if (n > (dropsBefore.get(reason) ?? 0)) drops[reason] = n - (dropsBefore.get(reason) ?? 0);
    episodes.push({
      index,
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
      featureTimes,
    });
  };
  const startEpisode = (): void => {
    index = options.indices[position];
    setup = sim.reset(index);
    tracker.started(sim.seed, index);
    episodeSteps = 0;
    instructionCount = 0;
    vlmRuns = decoded = accepted = refused = targets = maxTargetStep = 0;
    ages = [];
    features = [];
    featureTimes = [];
    previousTarget = undefined;
    publishedTarget = undefined;
    actionTick = 0;
    successTime = NaN;
    dropsBefore = new Map(loop.drops);
  };

  // Simulator steps per action instant (the episode runner's grid: instant k at round(k·this) steps).
  const stepsPerAction = ACTION_DT / dt;
  newInstruction(0);
  for (;;) {
    if (!tracker.ended && options.onActionInstant !== undefined && episodeSteps === Math.round(actionTick * stepsPerAction)) {
      options.onActionInstant({ index, tick: actionTick, time: sim.episodeTime, bridgeTarget: publishedTarget });
      actionTick++;
    }
    sim.step();
    if (!tracker.ended) {
      episodeSteps++;
      if (sim.taskStatus?.success === true) {
        successTime = sim.episodeTime;
        endEpisode();
        if (position === options.indices.length - 1) break;
      }
    }
    const t = clockNow();
    let latent: vla_ros_msgs.msg.LatentEntry | undefined;
    let chunk: vla_ros_msgs.msg.ActionChunk | undefined;
    let target: { pose: Float64Array; gripper: number | undefined } | undefined;

    // This step's joint states, poses and camera frames, published before the sim resets.
    const k1 = sim.steps;
    const joints = schedules.joints.due(k1) ? Float64Array.from(sim.jointState().position) : undefined;
    let pose: Float64Array | undefined;
    if (schedules.pose.due(k1)) {
      const { p, q } = sim.eePose();
      pose = Float64Array.of(...p, ...q);
    }
    const frames = schedules.cameras.due(k1) ? feed.capture(cameraNames) : undefined;
    const reset = tracker.resetDue(sim.time, dt);
    if (reset) {
      position++;
      startEpisode();
    }

    // slow_pathway on this /clock step: its rate timer (a tick while the VLM runs is dropped, even
    // when the result is due now: the result arrives after the timers), then a due VLM result.
    if (options.mode === 'async' && nextVlmTick <= t) {
      nextVlmTick = t + vlmPeriod;
      tryVlm(t);
    }
    if (vlmInFlight !== undefined && vlmInFlight.at <= t) {
      const { job, outputs } = vlmInFlight.value;
      vlmInFlight = undefined;
      const r = slow.finish(job, await outputs, t, 0);
      if (r.ok) latent = r.latent;
    }
    // fast_pathway: its 30 Hz timer (skipped while a decode is in flight), then a due chunk.
    if (options.mode === 'async' && fastTimer.due(t) && expertInFlight === undefined) requestChunk(t);
    if (expertInFlight !== undefined && expertInFlight.at <= t) {
      const { request, result } = expertInFlight.value;
      expertInFlight = undefined;
      const r = await result;
      // sync: the chunk starts executing when it arrives.
      const f = fast.finish(options.mode === 'sync' ? { ...request, sampledAt: t } : request, r.actions, r.features, 0);
      if (f.ok) {
        chunk = f.chunk;
        decoded++;
        ages.push(request.latentAge);
        if (f.features !== undefined) {
          features.push(f.features);
          featureTimes.push(sim.episodeTime);
        }
      } else if (f.kind === 'refused') {
        refused++;
      }
    }
    // controller_bridge: activation once robot state arrived, then its 50 Hz ticks.
    if (bridgeTimer === undefined) {
      if (stateCheck.due(t) && robotPose !== undefined && robotJoints !== undefined) {
        const activation = loop.activate(t, { pose: robotPose, joints: robotJoints });
        if (!activation.ok) throw new Error(`controller bridge refused to activate: ${activation.reason}`);
        bridgeTimer = new ClockTimer(t, loop.tickPeriod);
      }
    } else if (bridgeTimer.due(t)) {
      const out = loop.tick(t);
      if (out !== undefined) target = { pose: Float64Array.from(out.target), gripper: out.gripper };
    }
    if (joints !== undefined) {
      fast.updateJoints(jointNames, joints, t);
      robotJoints = joints;
      if (pendingStart !== undefined) pendingStart.joints = true;
    }
    if (pose !== undefined) {
      robotPose = pose;
      if (pendingStart !== undefined) pendingStart.pose = true;
    }
    if (pendingStart !== undefined && (!needJoints || pendingStart.joints) && (!needPose || pendingStart.pose)) {
      // The bridge's START: re-anchored at the state published after the reset (held if unsafe).
      loop.startEpisode(t, pendingStart.id, { pose: robotPose, joints: robotJoints });
      pendingStart = undefined;
    }
    const observation = frames === undefined ? undefined : observations.frames(toRosTime(t), t, frames);
    // What those produced, in the order it was published.
    if (latent !== undefined) {
      if (options.mode === 'async') fast.writeLatent(latentEntryFromMessage(latent));
      else {
        // sync: the expert runs on the VLM's answer at once.
        fast.writeLatent(latentEntryFromMessage(latent));
        requestChunk(t);
      }
    }
    if (chunk !== undefined) {
      if (!tracker.ended) options.onChunk?.(chunk, t, index);
      if (loop.offerChunk(chunkInputFromMessage(chunk), t).accepted && !tracker.ended) accepted++;
    }
    if (target !== undefined) {
      const p = target.pose;
      if (!p.every(Number.isFinite)) throw new Error(`the bridge produced a non-finite target at ${t.toFixed(3)} s`);
      if (!sim.setTargetPose([p[0], p[1], p[2]], [p[3], p[4], p[5], p[6]]))
        throw new Error(`the simulator refused the bridge's target at ${t.toFixed(3)} s`);
      if (target.gripper !== undefined) sim.setGripperCommand(target.gripper);
      publishedTarget = p;
      if (!tracker.ended) {
        if (previousTarget !== undefined)
          maxTargetStep = Math.max(maxTargetStep, Math.hypot(p[0] - previousTarget[0], p[1] - previousTarget[1], p[2] - previousTarget[2]));
        previousTarget = p;
        targets++;
      }
    }
    if (observation !== undefined) fast.observeCameras(fromRosTime(observation.stamp));
    if (observation !== undefined && slow.observe(observation) && options.mode === 'async') tryVlm(t);
    if (reset) {
      // The episode manager's START (after the reset's own state and frames): a new instruction
      // for both pathways; the bridge waits for robot state published from here on.
      newInstruction(t);
      pendingStart = { id: `${index}`, joints: false, pose: false };
    } else if (!tracker.ended && sim.instruction !== instructionText) newInstruction(t);
    if (
      options.mode === 'sync' &&
      vlmInFlight === undefined &&
      expertInFlight === undefined &&
      (loop.state !== 'running' || loop.isExhausted)
    ) {
      // The last chunk is executed (or was refused, or the watchdog stopped it): infer again.
      // (No fresh, unused observation: the next step tries again.)
      tryVlm(t);
    }
    if (tracker.timedOut(sim.episodeTime, options.maxTime, dt)) {
      endEpisode();
      if (position === options.indices.length - 1) break;
    }
  }
  // Inference still running when the episode ended: let it finish (its result is not used).
  await Promise.allSettled([vlmInFlight?.value.outputs, expertInFlight?.value.result]);
  return episodes;
}
