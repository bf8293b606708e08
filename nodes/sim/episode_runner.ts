// Runs episodes in this thread, without ROS: a policy's ee_delta actions at 30 Hz become CRISP
// target poses exactly as the controller bridge makes them (target = previous target ⊕ action,
// linearly interpolated over the action period, slerp for orientation), the simulator steps at
// 1 kHz. For tests, benchmarks, data collection and fast evaluation; the ROS path (sim node +
// bridge) gives the same kind of episode with real message timing.

import { quatFromEulerXyz, quatMultiply, quatNormalize, slerp, type Quat, type Vec3 } from '../robots/rotation.js';
import { ACTION_DT, ScriptedExpert, type ExpertObservation } from './expert.js';
import type { Simulator } from './simulator.js';
import type { EpisodeSetup } from './tasks.js';

/** Anything that maps an observation to an ee_delta action [dx dy dz droll dpitch dyaw gripper]. */
export interface DeltaPolicy {
  act(obs: ExpertObservation & { instruction: string }): ArrayLike<number>;
}

export interface EpisodeOptions {
  /** Give up after this much episode time [s]. */
  maxTime?: number;
  /** Keep running this long after success (0: stop at once) [s]. */
  afterSuccess?: number;
  /** Interpolate targets between actions at 1 kHz (as the bridge does at its rate); false: step targets. */
  interpolate?: boolean;
  /** Called after every action tick (recording). */
  onTick?: (tick: TickRecord) => void;
  /** Episode index to reset to (default: the next in the seed sequence). */
  index?: number;
}

export interface TickRecord {
  time: number;
  action: Float64Array;
  target: { p: Vec3; q: Quat };
  jointPositions: Float64Array;
  instruction: string;
}

export interface EpisodeResult {
  setup: EpisodeSetup;
  success: boolean;
  /** Episode time of success (NaN if none) [s]. */
  successTime: number;
  /** Episode time simulated [s]. */
  duration: number;
  actions: number;
  detail: string;
  failure: string;
}

/** The target an ee_delta action commands from the previous target (crisp_gym's relative mode). */
export function applyDelta(prev: { p: Vec3; q: Quat }, a: ArrayLike<number>): { p: Vec3; q: Quat } {
  const rd = quatFromEulerXyz(a[3], a[4], a[5]);
  return { p: [prev.p[0] + a[0], prev.p[1] + a[1], prev.p[2] + a[2]], q: quatNormalize(quatMultiply(rd, prev.q))! };
}

/** Resets `sim` and runs one episode with `policy`. */
export function runEpisode(sim: Simulator, policy: DeltaPolicy | 'expert', options: EpisodeOptions = {}): EpisodeResult {
  const { maxTime = 20, afterSuccess = 0, interpolate = true } = options;
  const setup = sim.reset(options.index);
  const actor: DeltaPolicy = policy === 'expert' ? expertPolicy(sim, setup) : policy;
  let target = sim.eePose();
  const objectPose = sim.physics.objectPose.bind(sim.physics);
  let actions = 0;
  let successAt = NaN;
  const stepsPerAction = ACTION_DT / sim.timestep;
  for (let k = 0; ; k++) {
    const t = sim.episodeTime;
    const status = sim.taskStatus;
    if (status?.success && Number.isNaN(successAt)) successAt = t;
    if (!Number.isNaN(successAt) && t - successAt >= afterSuccess) break;
    if (t >= maxTime) break;
    const a = Float64Array.from(actor.act({ time: t, target, ee: sim.eePose(), objectPose, instruction: sim.instruction }));
    actions++;
    const next = applyDelta(target, a);
    sim.setGripperCommand(a[6]);
    // Steps until the next action instant, k+1 action periods after the episode start.
    const until = Math.round((k + 1) * stepsPerAction);
    const from = Math.round(k * stepsPerAction);
    const q: number[] = [0, 0, 0, 0];
    for (let s = from; s < until; s++) {
      if (interpolate) {
        const f = (s - from + 1) / (until - from);
        slerp(target.q, next.q, f, q);
        sim.setTargetPose([target.p[0] + f * (next.p[0] - target.p[0]), target.p[1] + f * (next.p[1] - target.p[1]), target.p[2] + f * (next.p[2] - target.p[2])], q);
      } else if (s === from) {
        sim.setTargetPose(next.p, next.q);
      }
      sim.step();
    }
    target = next;
    options.onTick?.({ time: t, action: a, target, jointPositions: sim.jointState().position, instruction: sim.instruction });
  }
  const status = sim.taskStatus!;
  return {
    setup,
    success: status.success,
    successTime: sim.monitor!.successTime,
    duration: sim.episodeTime,
    actions,
    detail: status.detail,
    failure: sim.failure?.kind ?? 'none',
  };
}

/** The scripted expert as a policy for `setup`, with the simulator's gripper geometry. */
export function expertPolicy(sim: Simulator, setup: EpisodeSetup): ScriptedExpert {
  const arm = sim.physics.scene.arm;
  return new ScriptedExpert(setup, { gripOffset: arm.gripOffset, tipOffset: arm.tipOffset });
}
