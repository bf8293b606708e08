// ControlLoop: the whole controller bridge without ROS — chunks, hold/resume requests and
// clock ticks in; one safe target (and now and then a gripper command) per tick out.
//
// States:  inactive ──activate──► waiting ──chunk──► running ──no chunk for max_chunk_age──► stale
//                                    ▲                  │ │                                     │
//                                    └──resume── held ◄─┘ └─────────────◄── chunk ──────────────┘
// - activate: starts from the robot's *current* pose/joints (refused when they are unknown, out of
//   the workspace or at joint limits), so nothing jumps to a stale target.
// - hold (HoldRequest, ~/hold): freezes at the last safe target and drops chunks until an
//   explicit resume. A hold is latched across deactivation: a hold never clears by itself, except
//   one scoped to an episode (a SAFE alarm), which ends when the next episode starts.
// - episode start: re-anchors at the robot's current pose/joints (a simulator reset or an
//   operator moved the arm between episodes), releases a hold scoped to an earlier episode, and
//   executes only chunks observed from then on. An unscoped hold stays.
// - resume: back to waiting at the held target (what CRISP already tracks); only chunks observed
//   after the resume are executed.
// - watchdog (stale): holds the last *safe* target, not the last action; a fresh chunk resumes.
//   It trips when no chunk came for max_chunk_age, or when the newest camera image behind the
//   executed chunks is older than max_observation_age (cameras stopped, while the fast pathway
//   still decodes from its last latent).
// - interlock: held while a required safety component is not live (the failure monitor); not
//   latched: when it is live again the loop waits for chunks observed after that.
// - time going backwards (bag loop, simulator reset): the step grid and chunk ordering are reset
//   and the arm holds, since every stamp from before the jump is meaningless.
// Every tick's target goes through the SafetyFilter last, whatever the state.

import type { SerialChain } from '../robots/kinematics.js';
import { quatAngle, quatNormalize } from '../robots/rotation.js';
import { decodeChunk, type ChunkInput, type CommandInterface, type DecoderContext, type DropReason } from './action_decoder.js';
import type { BridgeConfig } from './bridge_config.js';
import { ChunkExecutor, type ChunkInsertion } from './chunk_executor.js';
import { GripperCommander } from './gripper_command.js';
import { createMergeRule } from './merge_rule.js';
import { PoseJointLimiter } from './pose_joint_limiter.js';
import { RtcDelayEstimator } from './rtc_delay_estimator.js';
import { JointSafetyFilter, LIMIT_FLAGS, PoseSafetyFilter, type LimitName, type SafetyFilter } from './safety_filter.js';
import { Watchdog } from './watchdog.js';

export type LoopState = 'inactive' | 'waiting' | 'running' | 'held' | 'stale';

export interface RobotState {
  /** Current end-effector pose [x y z qx qy qz qw] in the base frame. */
  pose?: ArrayLike<number>;
  /** Current joint positions, controller order. */
  joints?: ArrayLike<number>;
}

export type ActivationResult = { ok: true; notes: string[] } | { ok: false; reason: string };

export type ChunkVerdict =
  { accepted: true; insertion: ChunkInsertion; delaySteps: number } | { accepted: false; reason: DropReason; detail: string };

export interface TickOutput {
  /** The safe target: [x y z qx qy qz qw] (pose) or joint positions in controller order. */
  target: Float64Array;
  /** Gripper command when one is due this tick (0 closed .. 1 open). */
  gripper: number | undefined;
  /** LIMIT_FLAGS that acted on this tick. */
  flags: number;
  state: LoopState;
}

/** The pose the FK model and current_pose may disagree by before the model is not trusted. */
const MODEL_POSITION_TOLERANCE = 0.01;
const MODEL_ROTATION_TOLERANCE = 0.05;

export class ControlLoop {
  readonly kind: CommandInterface;
  readonly tickPeriod: number;
  private current: LoopState = 'inactive';
  private holdRequested = false;
  /** The episode a requested hold is scoped to; undefined: held until an explicit resume. */
  private holdEpisode: string | undefined;
  private readonly filter: SafetyFilter;
  private readonly poseFilter: PoseSafetyFilter | undefined;
  private readonly limiter: PoseJointLimiter | undefined;
  private limiterActive = false;
  private readonly executor: ChunkExecutor;
  private readonly estimator: RtcDelayEstimator;
  private readonly watchdog: Watchdog;
  private readonly gripper: GripperCommander;
  private readonly decoderContext: DecoderContext;
  private readonly candidate: Float64Array;
  private readonly output: Float64Array;
  private lastStamp = -Infinity;
  private lastSequence: number | undefined;
  private minStamp = -Infinity;
  private lastTime = -Infinity;
  private lastGripperAt = -Infinity;
  private lastDelaySteps = 0;
  /** Capture time of the newest camera image behind the accepted chunks. */
  private newestObservation = -Infinity;
  private interlocked = false;
  private staleCause: 'chunk' | 'observation' = 'chunk';
  /** Drops by reason. */
  readonly drops = new Map<DropReason, number>();
  /** Ticks on which each limit acted. */
  readonly limitHits = new Map<LimitName, number>();
  watchdogTrips = 0;
  /** Holds because the newest camera image was older than max_observation_age. */
  observationTrips = 0;
  ticks = 0;

  constructor(
    readonly config: BridgeConfig,
    /** Kinematic model of the arm (pose joint limits), when the suite has one. */
    readonly chain?: SerialChain,
  ) {
    const r = config.robot;
    const n = r.jointNames.length;
    this.kind = config.commandInterface;
    this.tickPeriod = 1 / config.publishRateHz;
    const min = Float64Array.from(r.positionMin, (v) => v + config.jointLimitMargin);
    const max = Float64Array.from(r.positionMax, (v) => v - config.jointLimitMargin);
    const maxStep = Float64Array.from(r.velocityMax, (v) => v * config.jointVelocityScale * this.tickPeriod);
    if (this.kind === 'pose') {
      if (config.poseJointLimits && chain !== undefined && chain.dof === n) this.limiter = new PoseJointLimiter(chain, min, max, maxStep);
      this.poseFilter = new PoseSafetyFilter(
        {
          workspace: config.workspace,
          maxTranslationPerTick: config.maxTranslationSpeed * this.tickPeriod,
          maxRotationPerTick: config.maxRotationSpeed * this.tickPeriod,
        },
        // The model's limiter is attached on activation, once the model is known to match the robot.
        undefined,
      );
      this.filter = this.poseFilter;
    } else {
      this.filter = new JointSafetyFilter({ min, max, maxStepPerTick: maxStep });
    }
    const size = this.kind === 'pose' ? 7 : n;
    this.candidate = new Float64Array(size);
    this.output = new Float64Array(size);
    this.executor = new ChunkExecutor({
      kind: this.kind,
      targetSize: size,
      rule: createMergeRule(config.mergeRule, { oldWeight: config.mergeOldWeight, ensembleM: config.ensembleM }),
      clampWaypoint: (w) => this.filter.clampStatic(w),
      gripperThreshold: config.gripperThreshold,
    });
    this.estimator = new RtcDelayEstimator(config.rtcDelayWindow);
    this.watchdog = new Watchdog(config.maxChunkAge);
    this.gripper = new GripperCommander(config.gripperMaxStep);
    this.decoderContext = { commandInterface: this.kind, jointNames: r.jointNames, baseFrame: r.baseFrame };
  }

  get state(): LoopState {
    return this.current;
  }

  get isActive(): boolean {
    return this.current !== 'inactive';
  }

  /** Why the loop is stale: no fresh chunk, or the camera image behind them is too old. */
  get staleReason(): 'chunk' | 'observation' {
    return this.staleCause;
  }

  /** Held by the interlock (a required safety component is not live). */
  get isInterlocked(): boolean {
    return this.interlocked;
  }

  /** Age of the newest camera image behind the accepted chunks (Infinity before the first). */
  observationAge(now: number): number {
    return now - this.newestObservation;
  }

  /** A hold was requested and not yet resumed (latched across deactivation). */
  get isHoldRequested(): boolean {
    return this.holdRequested;
  }

  /** The episode the requested hold belongs to (undefined: unscoped, or no hold). */
  get heldEpisode(): string | undefined {
    return this.holdRequested ? this.holdEpisode : undefined;
  }

  /** The last safe target. */
  get lastTarget(): Float64Array {
    return this.filter.last;
  }

  /** Joint limits of pose targets are enforced through the kinematic model. */
  get poseJointLimitsActive(): boolean {
    return this.limiterActive;
  }

  /** The joint configuration tracking the published pose (pose mode with the model). */
  get commandedJoints(): Float64Array | undefined {
    return this.limiterActive ? this.limiter?.q : undefined;
  }

  get rtcDelaySteps(): number {
    return this.lastDelaySteps;
  }

  get rtcDelay(): number {
    return this.estimator.delay;
  }

  /** Steps waiting to execute. */
  get pendingSteps(): number {
    return this.executor.pending;
  }

  /** Running, but every received action is executed: holding until the next chunk. */
  get isExhausted(): boolean {
    return this.current === 'running' && this.executor.isIdle;
  }

  get gripperCommand(): number | undefined {
    return this.gripper.command;
  }

  /** Starts from the robot's current state; refuses (with the reason) when that is not safe. */
  activate(now: number, robot: RobotState): ActivationResult {
    const notes: string[] = [];
    const r = this.config.robot;
    let joints: Float64Array | undefined;
    if (robot.joints !== undefined) {
      joints = Float64Array.from(robot.joints);
      if (joints.length !== r.jointNames.length || !joints.every(Number.isFinite))
        return { ok: false, reason: 'joint positions are not finite' };
      const margin = this.config.jointLimitMargin;
      for (let i = 0; i < joints.length; i++) {
        if (!(joints[i] >= r.positionMin[i] + margin && joints[i] <= r.positionMax[i] - margin)) {
          return {
            ok: false,
            reason:
              `joint ${r.jointNames[i]} is at ${joints[i].toFixed(4)} rad, outside its limits [${r.positionMin[i]}, ${r.positionMax[i]}] ` +
              `shrunk by joint_limit_margin ${margin}: move the arm away from its limits first`,
          };
        }
      }
    }
    let start: Float64Array;
    if (this.kind === 'pose') {
      if (robot.pose === undefined) return { ok: false, reason: 'no current pose' };
      const q = quatNormalize([robot.pose[3], robot.pose[4], robot.pose[5], robot.pose[6]]);
      const p = [robot.pose[0], robot.pose[1], robot.pose[2]];
      if (q === undefined || !p.every(Number.isFinite)) return { ok: false, reason: 'current pose is not finite' };
      start = Float64Array.from([...p, ...q]);
      if (!this.poseFilter!.inWorkspace(p)) {
        const { min, max } = this.config.workspace;
        return {
          ok: false,
          reason:
            `current pose (${p.map((v) => v.toFixed(3)).join(', ')}) is outside the workspace box ` +
            `[${min.join(', ')}]..[${max.join(', ')}]: move the arm into it or widen workspace.*`,
        };
      }
      this.limiterActive = false;
      if (this.config.poseJointLimits) {
        if (this.limiter === undefined) {
          notes.push(
            `no kinematic model for robot '${r.name}' with ee_frame '${r.eeFrame}': pose targets are limited in Cartesian space only (joint limits left to CRISP)`,
          );
        } else if (joints === undefined) {
          notes.push('no joint positions: pose targets are limited in Cartesian space only');
        } else {
          const fk = this.limiter.chain.pose(joints);
          const dp = Math.hypot(fk.p[0] - p[0], fk.p[1] - p[1], fk.p[2] - p[2]);
          const dr = quatAngle(fk.q, q);
          if (dp > MODEL_POSITION_TOLERANCE || dr > MODEL_ROTATION_TOLERANCE) {
            notes.push(
              `the kinematic model of '${r.name}' puts ${r.eeFrame} ${(dp * 1000).toFixed(1)} mm / ${dr.toFixed(3)} rad from current_pose: ` +
                'model and controller disagree, so pose targets are limited in Cartesian space only',
            );
          } else {
            this.limiter.reset(joints);
            this.limiterActive = true;
          }
        }
      }
      this.poseFilter!.reset(start);
      this.poseFilter!.joints = this.limiterActive ? this.limiter : undefined;
    } else {
      if (joints === undefined) return { ok: false, reason: 'no joint positions' };
      start = joints;
      this.filter.reset(start);
    }
    this.executor.hold(now, start, true);
    this.executor.resetGripper(undefined);
    this.gripper.reset();
    this.watchdog.reset(undefined);
    this.estimator.reset();
    this.lastStamp = -Infinity;
    this.lastSequence = undefined;
    this.minStamp = now;
    this.lastTime = now;
    this.lastGripperAt = -Infinity;
    this.newestObservation = -Infinity;
    this.current = this.holdRequested || this.interlocked ? 'held' : 'waiting';
    return { ok: true, notes };
  }

  /** Stops producing targets (CRISP keeps its last one). A requested hold stays latched. */
  deactivate(): void {
    this.current = 'inactive';
  }

  /** Validates and merges a chunk that arrived at `now`. */
  offerChunk(input: ChunkInput, now: number): ChunkVerdict {
    if (this.current === 'inactive') return this.drop('inactive', 'the bridge is not active');
    if (now < this.lastTime - 1e-9) this.clockJumped(now);
    this.lastTime = now;
    if (this.current === 'held') {
      return this.drop(
        'held',
        this.holdRequested ? 'holding until an explicit resume' : 'held by the interlock: a required safety component is not live',
      );
    }
    const decoded = decodeChunk(input, this.decoderContext);
    if (!decoded.ok) return this.drop(decoded.reason, decoded.detail);
    const chunk = decoded.chunk;
    const maxAge = this.config.maxChunkAge;
    if (chunk.stamp <= this.lastStamp) {
      return chunk.sequence === this.lastSequence
        ? this.drop('duplicate', `sequence ${chunk.sequence} again`)
        : this.drop('out_of_order', `observation ${chunk.stamp.toFixed(3)} is not newer than ${this.lastStamp.toFixed(3)}`);
    }
    if (chunk.stamp > now + maxAge) return this.drop('from_future', `observation ${(chunk.stamp - now).toFixed(3)} s in the future`);
    if (Math.abs(chunk.startTime - chunk.stamp) > maxAge) {
      return this.drop('malformed', `start_time is ${(chunk.startTime - chunk.stamp).toFixed(3)} s from the observation stamp`);
    }
    if (now - chunk.stamp > maxAge)
      return this.drop('stale', `observation is ${(now - chunk.stamp).toFixed(3)} s old (max_chunk_age ${maxAge})`);
    if (chunk.stamp < this.minStamp) return this.drop('stale', 'observed before the last activation, hold, resume or clock jump');
    const observed = input.observationStamp ?? chunk.stamp;
    if (!Number.isFinite(observed) || observed > chunk.stamp + 1e-9) {
      return this.drop('malformed', `observation_stamp ${observed} is not a time at or before the chunk's stamp ${chunk.stamp.toFixed(3)}`);
    }
    const maxObservationAge = this.config.maxObservationAge;
    if (now - observed > maxObservationAge) {
      return this.drop(
        'stale_observation',
        `its newest camera image is ${(now - observed).toFixed(3)} s old (max_observation_age ${maxObservationAge} s)`,
      );
    }
    this.lastStamp = chunk.stamp;
    this.lastSequence = chunk.sequence;
    this.estimator.observe(now - chunk.stamp);
    const delaySteps = this.config.mergeRule === 'rtc' ? this.estimator.steps(chunk.dt) : 0;
    this.lastDelaySteps = delaySteps;
    const insertion = this.executor.insert(chunk, now, delaySteps);
    if (insertion.used === 0) return this.drop('late', `all ${chunk.rows.length} actions are for steps already executed`);
    this.watchdog.feed(now);
    this.newestObservation = Math.max(this.newestObservation, observed);
    this.current = 'running';
    return { accepted: true, insertion, delaySteps };
  }

  /**
   * Holds at the last safe target until resume() — or, with `episode`, until an episode other
   * than that one starts; true when this started a hold. An unscoped request widens a scoped hold.
   */
  hold(now: number, episode?: string): boolean {
    const was = this.holdRequested;
    if (!was) this.holdEpisode = episode;
    else if (episode === undefined || episode !== this.holdEpisode) this.holdEpisode = undefined;
    this.holdRequested = true;
    if (this.current !== 'inactive' && this.current !== 'held') {
      this.freeze(now);
      this.current = 'held';
      this.minStamp = Math.max(this.minStamp, now);
    }
    return !was;
  }

  /** Explicit resume; chunks observed from now on are executed. */
  resume(now: number): { ok: boolean; message: string } {
    if (!this.holdRequested) return { ok: true, message: 'not holding' };
    this.holdRequested = false;
    this.holdEpisode = undefined;
    if (this.interlocked) return { ok: true, message: 'hold cleared, but still held by the interlock' };
    if (this.current === 'held') {
      this.release(now);
      return { ok: true, message: 'resumed: waiting for fresh action chunks' };
    }
    return { ok: true, message: 'hold cleared (the bridge is not active)' };
  }

  /** Sets the interlock (held while true); true when this changed it. Not latched, unlike hold(). */
  setInterlock(blocked: boolean, now: number): boolean {
    if (blocked === this.interlocked) return false;
    this.interlocked = blocked;
    if (blocked) {
      if (this.current !== 'inactive' && this.current !== 'held') {
        this.freeze(now);
        this.current = 'held';
        this.minStamp = Math.max(this.minStamp, now);
      }
    } else if (!this.holdRequested && this.current === 'held') {
      this.release(now);
    }
    return true;
  }

  private release(now: number): void {
    this.current = 'waiting';
    this.minStamp = now;
    this.newestObservation = -Infinity;
    this.watchdog.reset(undefined);
  }

  /**
   * A new episode starts: a hold scoped to another episode ends, and an active loop starts again
   * from the robot's current state (as on activation), whatever it executed before. When that state
   * is not safe to start from, the loop holds (unscoped) at its last safe target and says why.
   */
  startEpisode(now: number, episode: string, robot: RobotState): { released: boolean; restart: ActivationResult | undefined } {
    const released = this.holdRequested && this.holdEpisode !== undefined && this.holdEpisode !== episode;
    if (released) {
      this.holdRequested = false;
      this.holdEpisode = undefined;
    }
    if (this.current === 'inactive') return { released, restart: undefined };
    const restart = this.activate(now, robot);
    if (!restart.ok) this.hold(now);
    return { released, restart };
  }

  /** Time went backwards: forget the step grid and chunk order, hold. */
  clockJumped(now: number): void {
    this.lastStamp = -Infinity;
    this.lastSequence = undefined;
    this.minStamp = now;
    this.lastTime = now;
    this.lastGripperAt = -Infinity;
    this.estimator.reset();
    this.watchdog.reset(undefined);
    this.newestObservation = -Infinity;
    if (this.current === 'inactive') return;
    this.freeze(now, true);
    if (this.current === 'running' || this.current === 'stale') this.current = 'waiting';
  }

  /** One control tick: the safe target to publish now. Undefined while inactive. */
  tick(now: number): TickOutput | undefined {
    if (this.current === 'inactive') return undefined;
    if (now < this.lastTime - 1e-9) this.clockJumped(now);
    this.lastTime = now;
    if (this.current === 'running' && this.watchdog.expired(now)) {
      this.freeze(now);
      this.current = 'stale';
      this.staleCause = 'chunk';
      this.watchdogTrips++;
    } else if (this.current === 'running' && now - this.newestObservation > this.config.maxObservationAge) {
      this.freeze(now);
      this.current = 'stale';
      this.staleCause = 'observation';
      this.observationTrips++;
    }
    this.executor.sample(now, this.candidate);
    const flags = this.filter.apply(this.candidate, this.output);
    if (flags !== 0) {
      for (const name of Object.keys(LIMIT_FLAGS) as LimitName[]) {
        if (flags & LIMIT_FLAGS[name]) this.limitHits.set(name, (this.limitHits.get(name) ?? 0) + 1);
      }
    }
    if (this.current === 'running') this.gripper.setTarget(this.executor.gripperTarget);
    let gripper: number | undefined;
    const period = 1 / this.config.gripperRateHz;
    if (now - this.lastGripperAt >= period - this.tickPeriod / 2) {
      gripper = this.gripper.next();
      if (gripper !== undefined) this.lastGripperAt = now;
    }
    this.ticks++;
    return { target: this.output, gripper, flags, state: this.current };
  }

  private freeze(now: number, forgetGrid = false): void {
    this.executor.hold(now, this.filter.last, forgetGrid);
    this.gripper.hold();
    this.executor.resetGripper(this.gripper.command);
  }

  private drop(reason: DropReason, detail: string): ChunkVerdict {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    return { accepted: false, reason, detail };
  }
}
