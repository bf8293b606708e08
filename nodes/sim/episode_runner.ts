// Runs episodes in this thread, without ROS: a policy's ee_delta actions at 30 Hz go through the
// controller bridge's own ControlLoop (chunk executor, merge rule, watchdog, safety filter with the
// bridge's default limits, 50 Hz targets), exactly as the bridge executes the fast pathway's
// chunks: action k is a one-action chunk observed at k/30 s for the step ending at (k+1)/30 s,
// integrated on the previous waypoint (target = previous target ⊕ action). The simulator steps
// at 1 kHz. For tests, benchmarks and data collection (`vla-ros sim collect`).

import { decodeChunk, targetFromAction, type ChunkInput, type DecoderContext } from '../controller_bridge/action_decoder.js';
import { defaultBridgeConfig } from '../controller_bridge/bridge_config.js';
import { ControlLoop } from '../controller_bridge/control_loop.js';
import { kinematicsFor } from '../robots/robot_models.js';
import type { Quat, Vec3 } from '../robots/rotation.js';
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

/** Column names of the actions DeltaPolicy returns (the reference bundle's). */
const DELTA_ACTION_NAMES = ['x', 'y', 'z', 'roll', 'pitch', 'yaw', 'gripper'];

/** Resets `sim` and runs one episode with `policy`. */
export function runEpisode(sim: Simulator, policy: DeltaPolicy | 'expert', options: EpisodeOptions = {}): EpisodeResult {
  const setup = sim.reset(options.index);
  const actor: DeltaPolicy = policy === 'expert' ? expertPolicy(sim, setup) : policy;
  const run = new ActionLoop(sim, options);
  while (!run.done()) run.execute(actor.act(run.observation()));
  return run.result(setup);
}

/** One episode's action ticks: observation, then the action executed by the bridge's loop until the next tick. */
class ActionLoop {
  private target: { p: Vec3; q: Quat };
  /** The bridge's waypoint after the last action, as [x y z qx qy qz qw]. */
  private readonly waypoint: Float64Array;
  private readonly decoder: DecoderContext;
  private readonly objectPose: ExpertObservation['objectPose'];
  private actions = 0;
  private successAt = NaN;
  private readonly stepsPerAction: number;
  private readonly maxTime: number;
  private readonly afterSuccess: number;
  private readonly bridge: ControlLoop;
  private readonly tickSteps: number;

  constructor(
    private readonly sim: Simulator,
    private readonly options: EpisodeOptions,
  ) {
    this.maxTime = options.maxTime ?? 20;
    this.afterSuccess = options.afterSuccess ?? 0;
    this.target = sim.eePose();
    this.objectPose = sim.physics.objectPose.bind(sim.physics);
    this.stepsPerAction = ACTION_DT / sim.timestep;
    const facts = sim.facts;
    const config = defaultBridgeConfig(facts);
    this.bridge = new ControlLoop(config, kinematicsFor(facts.name, facts.eeFrame));
    this.decoder = { commandInterface: 'pose', jointNames: facts.jointNames, baseFrame: facts.baseFrame };
    this.tickSteps = Math.round(this.bridge.tickPeriod / sim.timestep);
    const { p, q } = this.target;
    this.waypoint = Float64Array.of(...p, ...q);
    const activation = this.bridge.activate(0, { pose: Float64Array.of(...p, ...q), joints: sim.jointState().position });
    if (!activation.ok) throw new Error(`the controller bridge's loop refused to start: ${activation.reason}`);
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
    const chunk: ChunkInput = {
      stamp: k * ACTION_DT,
      startTime: (k + 1) * ACTION_DT,
      dt: ACTION_DT,
      horizon: 1,
      actionSpace: 'ee_delta',
      rotation: 'euler_xyz',
      gripper: 'absolute_binary',
      dimensionNames: DELTA_ACTION_NAMES,
      data: a,
      sequence: k + 1,
      frameId: '',
    };
    const verdict = this.bridge.offerChunk(chunk, k * ACTION_DT);
    if (!verdict.accepted) throw new Error(`the bridge refused action ${k}: ${verdict.reason}: ${verdict.detail}`);
    // Steps until the next action instant, k+1 action periods after the episode start; the bridge
    // ticks on its own grid of episode time.
    const until = Math.round((k + 1) * this.stepsPerAction);
    const from = Math.round(k * this.stepsPerAction);
    for (let s = from; s < until; s++) {
      if (s % this.tickSteps === 0) {
        const out = this.bridge.tick(s * sim.timestep);
        if (out !== undefined) {
          const p = out.target;
          if (!sim.setTargetPose([p[0], p[1], p[2]], [p[3], p[4], p[5], p[6]]))
            throw new Error(`the simulator refused the bridge's target at ${t.toFixed(3)} s`);
          if (out.gripper !== undefined) sim.setGripperCommand(out.gripper);
        }
      }
      sim.step();
    }
    // The expert plans from the waypoint this action commanded: what the bridge integrates the next one on.
    const decoded = decodeChunk(chunk, this.decoder);
    if (!decoded.ok) throw new Error(`action ${k}: ${decoded.detail}`);
    targetFromAction(decoded.chunk.layout, decoded.chunk.rows[0], this.waypoint, this.waypoint);
    const w = this.waypoint;
    this.target = { p: [w[0], w[1], w[2]], q: [w[3], w[4], w[5], w[6]] };
    this.options.onTick?.({
      time: t,
      action: a,
      target: this.target,
      jointPositions: sim.jointState().position,
      instruction: sim.instruction,
    });
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
export function expertPolicy(sim: Simulator, setup: EpisodeSetup, onPolicy = false): ScriptedExpert {
  const arm = sim.physics.scene.arm;
  return new ScriptedExpert(setup, { gripOffset: arm.gripOffset, tipOffset: arm.tipOffset }, onPolicy);
}
