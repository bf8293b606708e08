// The simulator core, with no ROS in it: physics (MuJoCo), CRISP's control law at 1 kHz, the
// gripper, the episode (task, layout, success check) and failure injection. Time is the
// physics' own: `step()` advances it by exactly one 1 ms tick, so what happens depends only on
// the configuration, the seed and the commands given between steps — never on machine speed.
// The node (node.ts) and the in-thread episode runner (episode_runner.ts) drive it.

import { kinematicsFor } from '../robots/robot_models.js';
import type { SerialChain } from '../robots/kinematics.js';
import { quatFromMatrix, quatFromEulerXyz, type Quat, type Vec3 } from '../robots/rotation.js';
import { CrispController, type CrispParams } from './crisp_law.js';
import { GripperController } from './gripper.js';
import { Physics } from './physics.js';
import type { SimRobotFacts } from './robot_facts.js';
import { objectSpec, type ObjectColour } from './scene_mjcf.js';
import { TaskMonitor, sampleEpisode, taskRegion, type EpisodeChoice, type EpisodeSetup, type TaskStatus } from './tasks.js';
import { NO_FAILURE, cameraFailure, isActive, scheduleFailure, type FailureSpec, type ScheduledFailure } from './failures.js';

export const CONTROLLERS = ['cartesian_impedance_controller', 'joint_impedance_controller'] as const;
export type ControllerName = (typeof CONTROLLERS)[number];

export interface SimulatorConfig {
  facts: SimRobotFacts;
  /** CRISP parameters per controller. */
  gains: Record<ControllerName, CrispParams>;
  /** The active controller (like the one ros2_control has switched on). */
  controller: ControllerName;
  /** Seed of the episode sequence. */
  seed: number;
  episode: EpisodeChoice;
  failure?: FailureSpec;
}

export type SimEvent =
  | { kind: 'episode_started'; setup: EpisodeSetup; failure: ScheduledFailure | undefined }
  | { kind: 'success'; time: number; status: TaskStatus }
  | { kind: 'failure_started'; failure: ScheduledFailure; time: number }
  | { kind: 'failure_ended'; failure: ScheduledFailure; time: number }
  | { kind: 'instruction_switched'; instruction: string; time: number };

export interface JointStateOut {
  position: Float64Array;
  velocity: Float64Array;
  effort: Float64Array;
}

/** How often the success check runs [steps]. */
const CHECK_EVERY = 10;
/** Stiff joint hold while the arm is blocked (brake mode) [Nm/rad], [Nm·s/rad]. */
const BRAKE_K = 400;
const BRAKE_D = 40;
/** Virtual wall stiffness and damping [N/m], [N·s/m]. */
const WALL_K = 5000;
const WALL_D = 100;

export class Simulator {
  readonly dof: number;
  readonly kinematics: SerialChain;
  readonly gripper: GripperController;
  readonly events: SimEvent[] = [];
  private readonly controllers: Record<ControllerName, CrispController>;
  private active: ControllerName;
  private readonly q: Float64Array;
  private readonly dq: Float64Array;
  private readonly tau: Float64Array;
  private readonly fingerPos = new Float64Array(2);
  private readonly fingerVel = new Float64Array(2);
  private readonly fingerForce = new Float64Array(2);
  private readonly effortMax: readonly number[];
  private episodeIndex = -1;
  private episodeStart = 0;
  private setupNow: EpisodeSetup | undefined;
  private monitorNow: TaskMonitor | undefined;
  private failureNow: ScheduledFailure | undefined;
  private failureState: 'pending' | 'active' | 'over' = 'pending';
  private instructionNow = '';
  private brakeHold: Float64Array | undefined;
  private wall: { point: Vec3; normal: Vec3 } | undefined;
  seed: number;
  episodeChoice: EpisodeChoice;
  failureSpec: FailureSpec;

  private constructor(
    readonly physics: Physics,
    readonly facts: SimRobotFacts,
    config: SimulatorConfig,
  ) {
    this.dof = facts.jointNames.length;
    const chain = kinematicsFor(facts.name, facts.eeFrame);
    if (chain === undefined) throw new Error(`no kinematic model for ${facts.name} with ee_frame '${facts.eeFrame}'`);
    this.kinematics = chain;
    const limits = { positionMin: facts.positionMin, positionMax: facts.positionMax };
    this.controllers = {
      cartesian_impedance_controller: new CrispController(chain, limits, config.gains.cartesian_impedance_controller),
      joint_impedance_controller: new CrispController(chain, limits, config.gains.joint_impedance_controller),
    };
    this.active = config.controller;
    this.q = new Float64Array(this.dof);
    this.dq = new Float64Array(this.dof);
    this.tau = new Float64Array(this.dof);
    this.effortMax = physics.scene.arm.effortMax;
    this.gripper = new GripperController({ maxWidth: facts.gripperMaxWidth, maxForce: physics.scene.arm.fingerForce / 2 });
    this.seed = config.seed;
    this.episodeChoice = config.episode;
    this.failureSpec = config.failure ?? NO_FAILURE;
  }

  static async create(config: SimulatorConfig): Promise<Simulator> {
    const physics = await Physics.create(config.facts);
    const sim = new Simulator(physics, config.facts, config);
    sim.activateController();
    return sim;
  }

  // ------------------------------------------------------------------ time

  /** Simulated time since the simulator was created [s] (resets do not rewind it). */
  get time(): number {
    return this.physics.time;
  }

  get timestep(): number {
    return this.physics.timestep;
  }

  get steps(): number {
    return this.physics.steps;
  }

  /** Time since the current episode started [s]. */
  get episodeTime(): number {
    return this.physics.time - this.episodeStart;
  }

  // ------------------------------------------------------------------ control

  get controllerName(): ControllerName {
    return this.active;
  }

  get controller(): CrispController {
    return this.controllers[this.active];
  }

  params(name: ControllerName): CrispParams {
    return this.controllers[name].params;
  }

  /** Replaces a controller's gains (CRISP refreshes its dynamic parameters every tick). */
  setParams(name: ControllerName, params: CrispParams): void {
    this.controllers[name].params = params;
  }

  /** Switches controllers as ros2_control does: the new one activates where the arm is. */
  switchController(name: ControllerName): void {
    if (name === this.active) return;
    this.controllers[this.active].deactivate();
    this.active = name;
    this.activateController();
  }

  private activateController(): void {
    this.physics.readArm(this.q, this.dq);
    this.controllers[this.active].activate(this.q, this.dq);
  }

  /** target_pose for every controller (each CRISP controller subscribes; the active one acts). */
  setTargetPose(p: readonly number[], q: readonly number[]): boolean {
    let ok = true;
    for (const c of Object.values(this.controllers)) ok = c.setTargetPose(p, q) && ok;
    return ok;
  }

  /** target_joint, by index. */
  setTargetJoint(position: ArrayLike<number>, velocity?: ArrayLike<number>): boolean {
    let ok = true;
    for (const c of Object.values(this.controllers)) ok = c.setTargetJoint(position, velocity) && ok;
    return ok;
  }

  setGripperCommand(value: number): boolean {
    return this.gripper.setCommand(value);
  }

  // ------------------------------------------------------------------ episodes

  get episode(): EpisodeSetup | undefined {
    return this.setupNow;
  }

  get failure(): ScheduledFailure | undefined {
    return this.failureNow;
  }

  /** The instruction the robot is given now (differs from the task's after instruction_switched). */
  get instruction(): string {
    return this.instructionNow;
  }

  get taskStatus(): TaskStatus | undefined {
    return this.monitorNow?.status;
  }

  get monitor(): TaskMonitor | undefined {
    return this.monitorNow;
  }

  /**
   * Starts episode `index` of the seed sequence (default: the next one): objects laid out, arm at
   * home and still, gripper open, controller re-activated where the arm is, failure scheduled.
   */
  reset(index = this.episodeIndex + 1): EpisodeSetup {
    const setup = sampleEpisode(this.facts.name, this.seed, index, this.episodeChoice);
    this.episodeIndex = index;
    this.setupNow = setup;
    for (const pl of setup.placements) this.placeObject(pl.colour, pl.x, pl.y, pl.yaw);
    this.physics.setArm(this.facts.home);
    this.physics.setFingers(this.facts.gripperMaxWidth);
    this.physics.setHandForce([0, 0, 0]);
    this.physics.settle();
    this.gripper.reset(1);
    this.brakeHold = undefined;
    this.wall = undefined;
    // Both controllers restart (a reset is a re-activation); the active one holds home.
    for (const c of Object.values(this.controllers)) c.deactivate();
    this.activateController();
    this.episodeStart = this.physics.time;
    this.monitorNow = new TaskMonitor(setup, this.physics);
    this.failureNow = scheduleFailure(this.failureSpec, setup, taskRegion(this.facts.name));
    this.failureState = 'pending';
    this.instructionNow = setup.instruction;
    this.events.push({ kind: 'episode_started', setup, failure: this.failureNow });
    return setup;
  }

  private placeObject(colour: ObjectColour, x: number, y: number, yaw: number): void {
    const h = objectSpec(colour).halfSize;
    this.physics.setObjectPose(colour, { p: [x, y, h[2] + 0.0002], q: quatFromEulerXyz(0, 0, yaw) });
  }

  /** How a camera behaves now under failure injection. */
  cameraState(camera: string): 'live' | 'frozen' | 'dropped' {
    return cameraFailure(this.failureNow, camera, this.episodeTime);
  }

  // ------------------------------------------------------------------ stepping

  /** One 1 ms tick: control law, gripper, failures, physics, success check. */
  step(): void {
    const ph = this.physics;
    ph.readArm(this.q, this.dq);
    this.controllers[this.active].update(this.q, this.dq, this.tau);
    if (this.setupNow !== undefined) this.applyFailure();
    if (this.brakeHold !== undefined) {
      for (let i = 0; i < this.dof; i++) this.tau[i] = BRAKE_K * (this.brakeHold[i] - this.q[i]) - BRAKE_D * this.dq[i];
    }
    for (let i = 0; i < this.dof; i++) {
      const lim = this.effortMax[i];
      this.tau[i] = Math.min(lim, Math.max(-lim, this.tau[i]));
    }
    if (this.wall !== undefined) this.applyWall();
    ph.readFingers(this.fingerPos, this.fingerVel);
    this.gripper.update(ph.timestep, this.fingerPos, this.fingerVel, this.fingerForce);
    ph.step(this.tau, this.fingerForce);
    if (this.monitorNow !== undefined && ph.steps % CHECK_EVERY === 0) {
      const was = this.monitorNow.status.success;
      const status = this.monitorNow.update(ph, this.episodeTime);
      if (status.success && !was) this.events.push({ kind: 'success', time: ph.time, status });
    }
  }

  /** `n` ticks. */
  advance(n: number): void {
    for (let i = 0; i < n; i++) this.step();
  }

  private applyFailure(): void {
    const f = this.failureNow;
    if (f === undefined || this.failureState === 'over') return;
    const t = this.episodeTime;
    if (this.failureState === 'pending' && t >= f.start) {
      this.failureState = 'active';
      this.events.push({ kind: 'failure_started', failure: f, time: this.physics.time });
      switch (f.kind) {
        case 'object_moved': {
          const m = f.moveTo!;
          this.placeObject(this.setupNow!.colour, m.x, m.y, m.yaw);
          this.physics.forward();
          break;
        }
        case 'instruction_switched':
          this.instructionNow = f.instruction!;
          this.events.push({ kind: 'instruction_switched', instruction: f.instruction!, time: this.physics.time });
          break;
        case 'arm_blocked':
          if (f.blockMode === 'brake') this.brakeHold = this.q.slice();
          else this.wall = this.wallThroughGripper();
          break;
        default:
          break;
      }
    }
    if (this.failureState === 'active' && !isActive(f, t) && t >= f.end) {
      this.failureState = 'over';
      this.brakeHold = undefined;
      this.wall = undefined;
      this.physics.setHandForce([0, 0, 0]);
      this.events.push({ kind: 'failure_ended', failure: f, time: this.physics.time });
    }
  }

  /** A wall through the gripper, normal pointing back from the target object (horizontal). */
  private wallThroughGripper(): { point: Vec3; normal: Vec3 } {
    const grip = this.physics.gripPoint();
    const target = this.physics.objectPose(this.setupNow!.colour).p;
    let nx = grip[0] - target[0];
    let ny = grip[1] - target[1];
    const len = Math.hypot(nx, ny);
    if (len < 1e-6) {
      nx = -1;
      ny = 0;
    } else {
      nx /= len;
      ny /= len;
    }
    return { point: grip, normal: [nx, ny, 0] };
  }

  private applyWall(): void {
    const w = this.wall!;
    const g = this.physics.gripPoint();
    // Penetration: how far the gripper went past the plane against its normal.
    const depth = -((g[0] - w.point[0]) * w.normal[0] + (g[1] - w.point[1]) * w.normal[1] + (g[2] - w.point[2]) * w.normal[2]);
    if (depth <= 0) {
      this.physics.setHandForce([0, 0, 0]);
      return;
    }
    // Damping from the joint velocities mapped through the Jacobian (normal component).
    const J = this.kinematics.jacobian(this.q);
    let vn = 0;
    for (let r = 0; r < 3; r++) {
      let v = 0;
      for (let i = 0; i < this.dof; i++) v += J[r * this.dof + i] * this.dq[i];
      vn += v * w.normal[r];
    }
    const f = Math.max(0, WALL_K * depth - WALL_D * vn);
    this.physics.setHandForce([f * w.normal[0], f * w.normal[1], f * w.normal[2]]);
  }

  // ------------------------------------------------------------------ state out

  /** Arm joint state in controller order (effort: the commanded joint torque of the last tick). */
  jointState(out?: JointStateOut): JointStateOut {
    const o = out ?? { position: new Float64Array(this.dof), velocity: new Float64Array(this.dof), effort: new Float64Array(this.dof) };
    this.physics.readArm(o.position, o.velocity);
    o.effort.set(this.tau);
    return o;
  }

  /** The end-effector frame (robot.ee_frame) in the base frame, as CRISP's pose broadcaster reports it. */
  eePose(): { p: Vec3; q: Quat } {
    const f = this.physics.eeFrame();
    return { p: f.p, q: quatFromMatrix(f.R) };
  }

  /** Gripper opening [m] and finger travels. */
  gripperState(): { width: number; fingers: [number, number]; velocity: [number, number] } {
    this.physics.readFingers(this.fingerPos, this.fingerVel);
    return {
      width: this.fingerPos[0] + this.fingerPos[1],
      fingers: [this.fingerPos[0], this.fingerPos[1]],
      velocity: [this.fingerVel[0], this.fingerVel[1]],
    };
  }

  dispose(): void {
    this.physics.dispose();
  }
}
