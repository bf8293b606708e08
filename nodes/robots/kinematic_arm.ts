// A kinematic stand-in for an arm under CRISP's controllers: it follows a Cartesian target
// (resolved-rate: q̇ = DLS(J)·e/τ) or a joint target (q̇ = (q* − q)/τ) with first-order dynamics,
// joint velocity limits (the whole q̇ is scaled so the path keeps its direction) and hard joint
// stops. Enough to close the loop in tests; the simulator issue replaces it with physics.

import type { SerialChain } from './kinematics.js';
import type { Pose } from './rotation.js';

export interface ArmJointLimits {
  /** Per joint, controller order [rad]. */
  positionMin: readonly number[];
  positionMax: readonly number[];
  /** [rad/s] */
  velocityMax: readonly number[];
}

export interface KinematicArmOptions {
  /** Time constant of the first-order response [s]. */
  timeConstant?: number;
  /** DLS damping of the Cartesian follower. */
  damping?: number;
}

export class KinematicArm {
  readonly q: Float64Array;
  /** Last joint velocity [rad/s]. */
  readonly qd: Float64Array;
  private target: { kind: 'hold' } | { kind: 'pose'; pose: Pose } | { kind: 'joint'; q: Float64Array } = { kind: 'hold' };
  private readonly scratch: Float64Array;
  private readonly tau: number;
  private readonly damping: number;
  /** Steps in which a joint hit its hard stop. */
  stopHits = 0;

  constructor(
    readonly chain: SerialChain,
    readonly limits: ArmJointLimits,
    initial: readonly number[],
    options: KinematicArmOptions = {},
  ) {
    if (initial.length !== chain.dof) throw new RangeError(`${chain.name}: expected ${chain.dof} joint positions, got ${initial.length}`);
    this.q = Float64Array.from(initial);
    this.qd = new Float64Array(chain.dof);
    this.scratch = new Float64Array(chain.dof);
    this.tau = options.timeConstant ?? 0.05;
    this.damping = options.damping ?? 0.02;
  }

  commandPose(pose: Pose): void {
    this.target = { kind: 'pose', pose: { p: [...pose.p], q: [...pose.q] } };
  }

  commandJoints(q: ArrayLike<number>): void {
    if (q.length !== this.chain.dof) throw new RangeError(`${this.chain.name}: expected ${this.chain.dof} joint targets, got ${q.length}`);
    this.target = { kind: 'joint', q: Float64Array.from(q) };
  }

  pose(): Pose {
    return this.chain.pose(this.q);
  }

  /** Advances the arm by `dt` seconds. */
  step(dt: number): void {
    const n = this.chain.dof;
    const qd = this.qd;
    if (this.target.kind === 'hold') {
      qd.fill(0);
      return;
    }
    if (this.target.kind === 'pose') {
      // One DLS step gives the joint displacement that would remove the whole error; a
      // first-order response covers 1/τ of it per second.
      this.chain.dlsStep(this.q, this.target.pose, this.damping, this.scratch);
      for (let i = 0; i < n; i++) qd[i] = (this.scratch[i] - this.q[i]) / this.tau;
    } else {
      for (let i = 0; i < n; i++) qd[i] = (this.target.q[i] - this.q[i]) / this.tau;
    }
    let scale = 1;
    for (let i = 0; i < n; i++) {
      const v = Math.abs(qd[i]);
      if (v > this.limits.velocityMax[i]) scale = Math.min(scale, this.limits.velocityMax[i] / v);
    }
    for (let i = 0; i < n; i++) {
      qd[i] *= scale;
      let next = this.q[i] + qd[i] * dt;
      if (next < this.limits.positionMin[i] || next > this.limits.positionMax[i]) {
        next = Math.min(this.limits.positionMax[i], Math.max(this.limits.positionMin[i], next));
        this.stopHits++;
      }
      this.q[i] = next;
    }
  }
}
