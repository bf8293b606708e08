// SafetyFilter: the last thing every published target goes through, every tick. In order:
//   1. NaN/Inf guard — a non-finite candidate (or a zero quaternion) is replaced by the last
//      safe target: nothing non-finite is ever published.
//   2. Static limits — pose: position clamped to the workspace box; joints: positions clamped
//      to the robot's limits shrunk by joint_limit_margin.
//   3. Rate limits, as one scale s ∈ [0, 1] on the step from the last safe target (so the path
//      keeps its direction) — pose: |Δp| ≤ max translation per tick and rotation angle ≤ max
//      rotation per tick; joints: |Δq_j| ≤ v_max_j·scale·Δt.
//   4. Pose targets with a kinematic model: joint limits and joint velocity limits through IK
//      (pose_joint_limiter.ts) shrink s further; without a model only 1–3 apply (documented).
//   5. A final finiteness check of the result (belt and braces: hold on failure).
// The last safe target starts at the robot's current pose / joints (reset on activation).

import { quatAngle, slerp } from '../robots/rotation.js';
import type { CommandInterface } from './action_decoder.js';
import { JOINT_LIMIT_FLAGS, type PoseJointLimiter } from './pose_joint_limiter.js';

/** Which limits acted on a tick (bit flags, for counters). */
export const LIMIT_FLAGS = {
  nonFinite: 1,
  workspace: 2,
  translation: 4,
  rotation: 8,
  jointPosition: 16,
  jointVelocity: 32,
  unreachable: 64,
} as const;

export type LimitName = keyof typeof LIMIT_FLAGS;

export function limitNames(flags: number): LimitName[] {
  return (Object.keys(LIMIT_FLAGS) as LimitName[]).filter((k) => (flags & LIMIT_FLAGS[k]) !== 0);
}

export interface WorkspaceBox {
  min: readonly [number, number, number];
  max: readonly [number, number, number];
}

export interface SafetyFilter {
  readonly kind: CommandInterface;
  /** The last safe (published) target. */
  readonly last: Float64Array;
  /** Starts from a known-safe target (the robot's current state). */
  reset(target: ArrayLike<number>, joints?: ArrayLike<number>): void;
  /** Step 2 alone, in place: for waypoints (so deltas integrate on a clamped target). */
  clampStatic(target: Float64Array): void;
  /** Steps 1–5: writes the safe target to `out` and remembers it; returns LIMIT_FLAGS bits. */
  apply(candidate: Float64Array, out: Float64Array): number;
}

function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

export interface PoseLimits {
  workspace: WorkspaceBox;
  /** [m] per tick. */
  maxTranslationPerTick: number;
  /** [rad] per tick. */
  maxRotationPerTick: number;
}

export class PoseSafetyFilter implements SafetyFilter {
  readonly kind = 'pose' as const;
  readonly last = new Float64Array([0, 0, 0, 0, 0, 0, 1]);
  private readonly c = new Float64Array(7);
  private readonly qa = [0, 0, 0, 0];
  private readonly qb = [0, 0, 0, 0];
  private readonly qo = [0, 0, 0, 0];

  constructor(
    readonly limits: PoseLimits,
    /** Joint limits of pose targets through the kinematic model, when there is one. */
    public joints?: PoseJointLimiter,
  ) {}

  reset(target: ArrayLike<number>, joints?: ArrayLike<number>): void {
    for (let i = 0; i < 7; i++) this.last[i] = target[i];
    if (joints !== undefined) this.joints?.reset(joints);
  }

  /** True when the position lies in the workspace box. */
  inWorkspace(p: ArrayLike<number>): boolean {
    const { min, max } = this.limits.workspace;
    for (let i = 0; i < 3; i++) if (!(p[i] >= min[i] && p[i] <= max[i])) return false;
    return true;
  }

  clampStatic(target: Float64Array): void {
    const { min, max } = this.limits.workspace;
    for (let i = 0; i < 3; i++) target[i] = Math.min(max[i], Math.max(min[i], target[i]));
  }

  apply(candidate: Float64Array, out: Float64Array): number {
    const last = this.last;
    const c = this.c;
    const n = Math.hypot(candidate[3], candidate[4], candidate[5], candidate[6]);
    if (!allFinite(candidate) || !(n > 1e-9)) {
      out.set(last);
      return LIMIT_FLAGS.nonFinite;
    }
    let flags = 0;
    const { min, max } = this.limits.workspace;
    for (let i = 0; i < 3; i++) {
      const v = Math.min(max[i], Math.max(min[i], candidate[i]));
      if (v !== candidate[i]) flags |= LIMIT_FLAGS.workspace;
      c[i] = v;
    }
    for (let i = 3; i < 7; i++) c[i] = candidate[i] / n;

    for (let i = 0; i < 4; i++) {
      this.qa[i] = last[3 + i];
      this.qb[i] = c[3 + i];
    }
    const dist = Math.hypot(c[0] - last[0], c[1] - last[1], c[2] - last[2]);
    const angle = quatAngle(this.qa, this.qb);
    let s = 1;
    if (dist > this.limits.maxTranslationPerTick) {
      s = this.limits.maxTranslationPerTick / dist;
      flags |= LIMIT_FLAGS.translation;
    }
    if (angle > this.limits.maxRotationPerTick) {
      s = Math.min(s, this.limits.maxRotationPerTick / angle);
      flags |= LIMIT_FLAGS.rotation;
    }
    if (this.joints !== undefined) {
      const r = this.joints.limit(last, c, s);
      if (r.scale < s) {
        if (r.flags & JOINT_LIMIT_FLAGS.position) flags |= LIMIT_FLAGS.jointPosition;
        if (r.flags & JOINT_LIMIT_FLAGS.velocity) flags |= LIMIT_FLAGS.jointVelocity;
        if (r.flags & JOINT_LIMIT_FLAGS.unreachable) flags |= LIMIT_FLAGS.unreachable;
      }
      s = r.scale;
    }
    for (let i = 0; i < 3; i++) out[i] = last[i] + s * (c[i] - last[i]);
    slerp(this.qa, this.qb, s, this.qo);
    for (let i = 0; i < 4; i++) out[3 + i] = this.qo[i];
    if (!allFinite(out)) {
      out.set(last);
      return flags | LIMIT_FLAGS.nonFinite;
    }
    last.set(out);
    return flags;
  }
}

export interface JointLimits {
  /** Robot limits shrunk by the margin [rad]. */
  min: Float64Array;
  max: Float64Array;
  /** v_max·scale·Δt per joint [rad]. */
  maxStepPerTick: Float64Array;
}

export class JointSafetyFilter implements SafetyFilter {
  readonly kind = 'joint' as const;
  readonly last: Float64Array;
  private readonly c: Float64Array;

  constructor(readonly limits: JointLimits) {
    this.last = new Float64Array(limits.min.length);
    this.c = new Float64Array(limits.min.length);
  }

  reset(target: ArrayLike<number>): void {
    for (let i = 0; i < this.last.length; i++) this.last[i] = target[i];
  }

  /** Index of the first joint outside the (shrunk) limits, or −1. */
  outsideLimits(q: ArrayLike<number>): number {
    for (let i = 0; i < this.last.length; i++) if (!(q[i] >= this.limits.min[i] && q[i] <= this.limits.max[i])) return i;
    return -1;
  }

  clampStatic(target: Float64Array): void {
    for (let i = 0; i < target.length; i++) target[i] = Math.min(this.limits.max[i], Math.max(this.limits.min[i], target[i]));
  }

  apply(candidate: Float64Array, out: Float64Array): number {
    const last = this.last;
    if (!allFinite(candidate)) {
      out.set(last);
      return LIMIT_FLAGS.nonFinite;
    }
    let flags = 0;
    const c = this.c;
    const { min, max, maxStepPerTick } = this.limits;
    let s = 1;
    for (let i = 0; i < c.length; i++) {
      const v = Math.min(max[i], Math.max(min[i], candidate[i]));
      if (v !== candidate[i]) flags |= LIMIT_FLAGS.jointPosition;
      c[i] = v;
      const d = Math.abs(v - last[i]);
      if (d > maxStepPerTick[i]) {
        s = Math.min(s, maxStepPerTick[i] / d);
        flags |= LIMIT_FLAGS.jointVelocity;
      }
    }
    for (let i = 0; i < c.length; i++) out[i] = last[i] + s * (c[i] - last[i]);
    if (!allFinite(out)) {
      out.set(last);
      return flags | LIMIT_FLAGS.nonFinite;
    }
    last.set(out);
    return flags;
  }
}
