// The scripted expert: solves every task with the same commands a policy gives — ee_delta
// actions at 30 Hz, [dx dy dz droll dpitch dyaw gripper], each relative to the previous TARGET
// (p = p_prev + dp, R = R_delta·R_prev, R_delta from extrinsic x-y-z Euler angles; gripper
// absolute 0 closed .. 1 open), as the reference bundle's action space declares
// (config/policies/reference/manifest.yaml). It reads privileged state (object poses), plans a
// few waypoints for the gripper's grip point at the start of each phase, and moves toward them
// at bounded speed; a phase ends when the measured gripper is there too.
//
//   push_*   close the fingers (a paddle), turn them across the push direction, go behind the
//            object, lower to 1.2 cm above the table, push 12.5 cm while steering the paddle
//            onto the object's centre line, lift away
//   touch    close the fingers, go above the object, lower until the fingertips press its top
//   lift     open, turn the fingers across the object's narrow side, lower around it, close,
//            wait for the grasp, lift 12 cm
//
// On-policy labelling (DAgger, `onPolicy`): the policy, not the expert, moves the arm, so the
// expert's own progress through its phases says little about where the arm is. For lift it then
// takes the phase from the measured state each tick (holding the object → lift, at the grasp
// point → close, above it → lower, else approach; not back to an earlier one while the grip
// stays at the object) and turns from the policy's target yaw, not its own: a phase kept from
// its own plan labelled "open, go to the hover point" through whole lifts the policy was already
// doing, and a round trained on that never closed the gripper.
// The other tasks' on-policy labels follow the expert's own phases, as before.

import {
  quatFromEulerXyz,
  quatMultiply,
  quatConjugate,
  quatToEulerXyz,
  quatNormalize,
  rotateVector,
  type Quat,
  type Vec3,
} from '../robots/rotation.js';
import type { BodyPose } from './physics.js';
import { objectSpec, type ObjectColour } from './scene_mjcf.js';
import { extentAlong, pushDirection, type EpisodeSetup } from './tasks.js';

/** The action period of the reference bundle [s]. */
export const ACTION_DT = 1 / 30;

export interface ExpertObservation {
  /** Episode time [s]. */
  time: number;
  /** The previous target the actions are relative to (robot.ee_frame, base frame). */
  target: { p: Vec3; q: Quat };
  /** Measured end-effector pose. */
  ee: { p: Vec3; q: Quat };
  objectPose(colour: ObjectColour): BodyPose;
  /** Measured opening between the fingers [m]; on-policy labelling of lift needs it. */
  gripperWidth?: number;
}

export interface ExpertGeometry {
  /** grip point = ee + R·(0, 0, gripOffset) [m]. */
  gripOffset: number;
  /** The fingertips are this much further along ee z than the grip point [m]. */
  tipOffset: number;
}

interface Waypoint {
  /** Grip-point position, base frame [m]. */
  p: Vec3;
  /** Yaw of the target orientation relative to the initial one [rad]. */
  yaw: number;
  gripper: number;
  /** [m/s] */
  speed: number;
  /** Measured grip point within this of p ends the phase [m]. */
  tolerance: number;
  /** Time to stay once there [s]. */
  dwell: number;
  /** Steer the paddle onto the object's centre line (pushes). */
  steer?: [number, number];
  label: string;
}

const HOVER_Z = 0.14;
const TRANSIT_SPEED = 0.18;
const DESCEND_SPEED = 0.1;
const PUSH_SPEED = 0.07;
const YAW_SPEED = 1.2;
const PHASE_TIMEOUT = 5;
/** Push travel of the paddle past first contact [m] (success needs 8 cm). */
const PUSH_TRAVEL = 0.125;
/** Fingertip height above the table while pushing [m]. */
const PUSH_TIP_HEIGHT = 0.012;
/** Half thickness of the closed-finger paddle along the push direction [m]. */
const PADDLE_HALF = 0.01;
/** On-policy lift: fingers at most this much wider than the object's narrow side are on it [m]. */
const HOLD_WIDTH_MARGIN = 0.006;
/** On-policy lift: the object's centre within this of the grip point is between the fingers [m]. */
const HOLD_DISTANCE = 0.03;

function wrapHalfTurn(a: number): number {
  // The finger axis is symmetric under a half turn: fold into (−π/2, π/2].
  let x = a;
  while (x > Math.PI / 2) x -= Math.PI;
  while (x <= -Math.PI / 2) x += Math.PI;
  return x;
}

export class ScriptedExpert {
  private plan: Waypoint[] = [];
  private phase = -1;
  private phaseStart = 0;
  private arrivedAt = NaN;
  private base: { p: Vec3; q: Quat } | undefined;
  /** The yaw (relative to the start orientation) of the target the expert is heading for. */
  private yaw = 0;
  private gripperCmd = 1;
  /** The expert's own target grip point (what its actions add up to). */
  private grip: Vec3 = [0, 0, 0];

  /**
   * @param onPolicy label states another policy reached (DAgger): for lift, the phase from the
   *   measured state (needs `gripperWidth`) and turns from the observed target's yaw.
   */
  constructor(
    readonly setup: EpisodeSetup,
    private readonly geometry: ExpertGeometry,
    private readonly onPolicy = false,
  ) {}

  get done(): boolean {
    return this.phase >= this.plan.length && this.plan.length > 0;
  }

  get phaseLabel(): string {
    return this.phase < 0 ? 'start' : this.phase < this.plan.length ? this.plan[this.phase].label : 'done';
  }

  /** The next action (7 values) for the observation; zero motion once done. */
  act(obs: ExpertObservation): Float64Array {
    if (this.base === undefined) {
      this.base = { p: [...obs.target.p], q: [...obs.target.q] };
      this.grip = this.gripOf(obs.target);
      this.plan = this.makePlan(obs);
      this.phase = 0;
      this.phaseStart = obs.time;
    }
    const prev = obs.target;
    this.grip = this.gripOf(prev);
    if (this.onPolicy) this.followState(obs);
    const action = new Float64Array(7);
    if (this.phase < this.plan.length) {
      const w = this.plan[this.phase];
      this.gripperCmd = w.gripper;
      // Yaw first-order toward the waypoint's, at bounded rate.
      const dyaw = Math.max(-YAW_SPEED * ACTION_DT, Math.min(YAW_SPEED * ACTION_DT, w.yaw - this.yaw));
      this.yaw += dyaw;
      // Translation toward the waypoint at bounded speed.
      const goal: Vec3 = [...w.p];
      if (w.steer !== undefined) this.steer(goal, w, obs);
      const d: Vec3 = [goal[0] - this.grip[0], goal[1] - this.grip[1], goal[2] - this.grip[2]];
      const dist = Math.hypot(...d);
      const stepLen = Math.min(dist, w.speed * ACTION_DT);
      const next: Vec3 =
        dist > 1e-9
          ? [this.grip[0] + (d[0] * stepLen) / dist, this.grip[1] + (d[1] * stepLen) / dist, this.grip[2] + (d[2] * stepLen) / dist]
          : [...goal];
      const nextQ = this.orientation(this.yaw);
      const nextEe = this.eeOf(next, nextQ);
      action[0] = nextEe[0] - prev.p[0];
      action[1] = nextEe[1] - prev.p[1];
      action[2] = nextEe[2] - prev.p[2];
      // R_delta = R_next · R_prevᵀ, as extrinsic x-y-z Euler angles.
      const rd = quatMultiply(nextQ, quatConjugate(prev.q));
      const e = quatToEulerXyz(rd);
      action[3] = e[0];
      action[4] = e[1];
      action[5] = e[2];
      this.advancePhase(obs, goal, dist - stepLen);
    }
    action[6] = this.gripperCmd;
    return action;
  }

  /** On-policy lift: the phase the measured state is in, turning from the policy's target yaw. */
  private followState(obs: ExpertObservation): void {
    if (this.setup.kind !== 'lift') return;
    this.yaw = quatToEulerXyz(quatMultiply(obs.target.q, quatConjugate(this.base!.q)))[2];
    if (obs.gripperWidth === undefined) throw new Error('on-policy lift labels need the measured gripper width');
    this.plan = this.planFrom(obs);
    const phase = this.keptLiftPhase(obs, obs.gripperWidth);
    if (phase !== this.phase) {
      this.phase = phase;
      this.phaseStart = obs.time;
      this.arrivedAt = NaN;
    }
  }

  /**
   * Lift's phase from the measured state: 3 holding the object, 2 at the grasp point, 1 above it,
   * 0 elsewhere — but never back to an earlier one while the grip point stays at the object: the
   * state crosses the phases' borders back and forth (closing fingers pass the holding width, the
   * grip wobbles around the grasp point), and labels that flip between open and closed from one
   * tick to the next teach nothing. Fingers closed on nothing re-open (lower).
   */
  private keptLiftPhase(obs: ExpertObservation, width: number): number {
    const [approach, , grasp] = this.plan;
    const grip = this.gripOf(obs.ee);
    const o = obs.objectPose(this.setup.colour).p;
    const half = objectSpec(this.setup.colour).halfSize;
    const narrow = 2 * Math.min(half[0], half[1]);
    const atObject = Math.hypot(o[0] - grip[0], o[1] - grip[1], o[2] - grip[2]) < HOLD_DISTANCE;
    const closedOnNothing = width < narrow / 2;
    const offAxis = Math.hypot(grip[0] - grasp.p[0], grip[1] - grasp.p[1]);
    let state = 0;
    if (atObject && width > narrow / 2 && width < narrow + HOLD_WIDTH_MARGIN) state = 3;
    else if (offAxis < grasp.tolerance && Math.abs(grip[2] - grasp.p[2]) < grasp.tolerance) state = 2;
    else if (offAxis < approach.tolerance && grip[2] < approach.p[2] + approach.tolerance) state = 1;
    if (this.phase >= 2 && state < 3 && closedOnNothing) return 1;
    return atObject ? Math.max(this.phase, state) : state;
  }

  private advancePhase(obs: ExpertObservation, goal: Vec3, remaining: number): void {
    const w = this.plan[this.phase];
    const measured = this.gripOf(obs.ee);
    const there =
      remaining < 1e-6 &&
      Math.abs(w.yaw - this.yaw) < 1e-6 &&
      Math.hypot(measured[0] - goal[0], measured[1] - goal[1], measured[2] - goal[2]) < w.tolerance;
    if (there && Number.isNaN(this.arrivedAt)) this.arrivedAt = obs.time;
    const dwelt = !Number.isNaN(this.arrivedAt) && obs.time - this.arrivedAt >= w.dwell;
    if (dwelt || obs.time - this.phaseStart > PHASE_TIMEOUT) {
      this.phase++;
      this.phaseStart = obs.time;
      this.arrivedAt = NaN;
      if (this.phase < this.plan.length) this.replan(obs);
    }
  }

  /** The start orientation turned by `yaw` about the base z axis. */
  private orientation(yaw: number): Quat {
    return quatNormalize(quatMultiply(quatFromEulerXyz(0, 0, yaw), this.base!.q))!;
  }

  private gripOf(pose: { p: Vec3; q: Quat }): Vec3 {
    const o = rotateVector(pose.q, [0, 0, this.geometry.gripOffset]);
    return [pose.p[0] + o[0], pose.p[1] + o[1], pose.p[2] + o[2]];
  }

  private eeOf(grip: Vec3, q: Quat): Vec3 {
    const o = rotateVector(q, [0, 0, this.geometry.gripOffset]);
    return [grip[0] - o[0], grip[1] - o[1], grip[2] - o[2]];
  }

  /** The yaw (relative to the start) that puts the finger axis along the horizontal direction `a`. */
  private yawForFingerAxis(a: [number, number]): number {
    const axis = rotateVector(this.base!.q, [0, 1, 0]);
    const now = Math.atan2(axis[1], axis[0]);
    return wrapHalfTurn(Math.atan2(a[1], a[0]) - now);
  }

  /** Pushes: move the paddle sideways onto the line through the object's centre. */
  private steer(goal: Vec3, w: Waypoint, obs: ExpertObservation): void {
    const u = w.steer!;
    const perp: [number, number] = [-u[1], u[0]];
    const o = obs.objectPose(this.setup.colour).p;
    const offset = (o[0] - this.grip[0]) * perp[0] + (o[1] - this.grip[1]) * perp[1];
    const goalOffset = (goal[0] - this.grip[0]) * perp[0] + (goal[1] - this.grip[1]) * perp[1];
    // Replace the goal's sideways component by the object's (bounded), keep the along-push part.
    const shift = Math.max(-0.03, Math.min(0.03, offset)) - goalOffset;
    goal[0] += shift * perp[0];
    goal[1] += shift * perp[1];
  }

  private makePlan(obs: ExpertObservation): Waypoint[] {
    return this.planFrom(obs);
  }

  /** Re-plans the remaining waypoints from the object's current pose (at each phase start). */
  private replan(obs: ExpertObservation): void {
    const fresh = this.planFrom(obs);
    // Same phase structure: take the fresh waypoint for the current and later phases.
    for (let i = this.phase; i < this.plan.length && i < fresh.length; i++) {
      if (this.plan[i].steer === undefined || i > this.phase) this.plan[i] = fresh[i];
    }
  }

  private planFrom(obs: ExpertObservation): Waypoint[] {
    const { kind, colour } = this.setup;
    const obj = obs.objectPose(colour);
    const c = obj.p;
    const objYaw = quatToEulerXyz(obj.q)[2];
    const half = objectSpec(colour).halfSize;
    const tip = this.geometry.tipOffset;
    const dir = pushDirection(kind);
    if (dir !== undefined) {
      const yaw = this.yawForFingerAxis([-dir[1], dir[0]]);
      const behind = extentAlong(colour, objYaw, dir) + PADDLE_HALF + 0.03;
      const start: Vec3 = [c[0] - dir[0] * behind, c[1] - dir[1] * behind, HOVER_Z];
      const low = PUSH_TIP_HEIGHT + tip;
      const end: Vec3 = [start[0] + dir[0] * (0.03 + PUSH_TRAVEL), start[1] + dir[1] * (0.03 + PUSH_TRAVEL), low];
      return [
        { label: 'approach', p: start, yaw, gripper: 0, speed: TRANSIT_SPEED, tolerance: 0.02, dwell: 0 },
        { label: 'lower', p: [start[0], start[1], low], yaw, gripper: 0, speed: DESCEND_SPEED, tolerance: 0.008, dwell: 0.1 },
        { label: 'push', p: end, yaw, gripper: 0, speed: PUSH_SPEED, tolerance: 0.02, dwell: 0.2, steer: dir },
        {
          label: 'retreat',
          p: [end[0] - dir[0] * 0.03, end[1] - dir[1] * 0.03, HOVER_Z],
          yaw,
          gripper: 0,
          speed: TRANSIT_SPEED,
          tolerance: 0.03,
          dwell: 0,
        },
      ];
    }
    if (kind === 'touch') {
      const top = 2 * half[2];
      const yaw = this.yaw;
      return [
        { label: 'approach', p: [c[0], c[1], HOVER_Z], yaw, gripper: 0, speed: TRANSIT_SPEED, tolerance: 0.015, dwell: 0 },
        { label: 'touch', p: [c[0], c[1], top + tip - 0.006], yaw, gripper: 0, speed: DESCEND_SPEED / 2, tolerance: 0.01, dwell: 0.3 },
        { label: 'retreat', p: [c[0], c[1], HOVER_Z], yaw, gripper: 0, speed: TRANSIT_SPEED, tolerance: 0.03, dwell: 0 },
      ];
    }
    // lift: fingers across the narrow horizontal side.
    const narrowAxisYaw = half[0] <= half[1] ? objYaw : objYaw + Math.PI / 2;
    const yaw = this.yawForFingerAxis([Math.cos(narrowAxisYaw), Math.sin(narrowAxisYaw)]);
    const graspZ = Math.max(half[2], tip + 0.012);
    return [
      { label: 'approach', p: [c[0], c[1], HOVER_Z], yaw, gripper: 1, speed: TRANSIT_SPEED, tolerance: 0.012, dwell: 0.1 },
      { label: 'lower', p: [c[0], c[1], graspZ], yaw, gripper: 1, speed: DESCEND_SPEED, tolerance: 0.006, dwell: 0.1 },
      { label: 'grasp', p: [c[0], c[1], graspZ], yaw, gripper: 0, speed: DESCEND_SPEED, tolerance: 0.01, dwell: 0.7 },
      { label: 'lift', p: [c[0], c[1], graspZ + 0.12], yaw, gripper: 0, speed: DESCEND_SPEED * 0.7, tolerance: 0.02, dwell: 0.3 },
    ];
  }
}
