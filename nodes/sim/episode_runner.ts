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
  const setup = sim.reset(options.index);
  const actor: DeltaPolicy = policy === 'expert' ? expertPolicy(sim, setup) : policy;
  const run = new ActionLoop(sim, options);
  while (!run.done()) run.execute(actor.act(run.observation()));
  return run.result(setup);
}

/** One episode's action ticks: observation, then the action applied until the next tick. */
class ActionLoop {
  private target: { p: Vec3; q: Quat };
  private readonly objectPose: ExpertObservation['objectPose'];
  private actions = 0;
  private successAt = NaN;
  private readonly stepsPerAction: number;
  private readonly maxTime: number;
  private readonly afterSuccess: number;
  private readonly interpolate: boolean;

  constructor(
    private readonly sim: Simulator,
    private readonly options: EpisodeOptions,
  ) {
    this.maxTime = options.maxTime ?? 20;
    this.afterSuccess = options.afterSuccess ?? 0;
    this.interpolate = options.interpolate ?? true;
    this.target = sim.eePose();
    this.objectPose = sim.physics.objectPose.bind(sim.physics);
    this.stepsPerAction = ACTION_DT / sim.timestep;
  }

  done(): boolean {
    const t = this.sim.episodeTime;
    if (this.sim.taskStatus?.success && Number.isNaN(this.successAt)) this.successAt = t;
    if (!Number.isNaN(this.successAt) && t - this.successAt >= this.afterSuccess) return true;
    return t >= this.maxTime;
  }

  observation(): ExpertObservation & { instruction: string } {
    const sim = this.sim;
    return { time: sim.episodeTime, target: this.target, ee: sim.eePose(), objectPose: this.objectPose, instruction: sim.instruction };
  }

  execute(action: ArrayLike<number>): void {
    const sim = this.sim;
    const t = sim.episodeTime;
    const k = this.actions;
    const a = Float64Array.from(action);
    this.actions++;
    const target = this.target;
    const next = applyDelta(target, a);
    sim.setGripperCommand(a[6]);
    // Steps until the next action instant, k+1 action periods after the episode start.
    const until = Math.round((k + 1) * this.stepsPerAction);
    const from = Math.round(k * this.stepsPerAction);
    const q: number[] = [0, 0, 0, 0];
    for (let s = from; s < until; s++) {
      if (this.interpolate) {
        const f = (s - from + 1) / (until - from);
        slerp(target.q, next.q, f, q);
        sim.setTargetPose([target.p[0] + f * (next.p[0] - target.p[0]), target.p[1] + f * (next.p[1] - target.p[1]), target.p[2] + f * (next.p[2] - target.p[2])], q);
      } else if (s === from) {
        sim.setTargetPose(next.p, next.q);
      }
      sim.step();
    }
    this.target = next;
    this.options.onTick?.({ time: t, action: a, target: next, jointPositions: sim.jointState().position, instruction: sim.instruction });
  }

  result(setup: EpisodeSetup): EpisodeResult {
    const sim = this.sim;
    const status = sim.taskStatus!;
    return {
      setup,
      success: status.success,
      successTime: sim.monitor!.successTime,
      duration: sim.episodeTime,
      actions: this.actions,
      detail: status.detail,
      failure: sim.failure?.kind ?? 'none',
    };
  }
}

/** The scripted expert as a policy for `setup`, with the simulator's gripper geometry. */
export function expertPolicy(sim: Simulator, setup: EpisodeSetup): ScriptedExpert {
  const arm = sim.physics.scene.arm;
  return new ScriptedExpert(setup, { gripOffset: arm.gripOffset, tipOffset: arm.tipOffset });
}
