// PoseJointLimiter: joint position and velocity limits for *Cartesian* targets, through the
// arm's kinematic model. It tracks q_cmd, a joint configuration whose pose is the last
// published target (seeded from the measured joints on activation), and for each new pose
// step solves a few damped-least-squares IK iterations from q_cmd. If the IK step would take
// a joint past its limit (shrunk by the margin) or faster than v_max·Δt, the Cartesian step
// is scaled back so that no joint does; if IK does not converge (target out of reach, at a
// singularity) the step is refused (scale 0 = hold this tick). The published pose stays on the
// segment between the last safe target and the candidate, so model error can slow or stop the
// arm but never makes the target jump.

import type { SerialChain } from '../robots/kinematics.js';
import type { Pose } from '../robots/rotation.js';
import { slerp } from '../robots/rotation.js';

export const JOINT_LIMIT_FLAGS = { position: 1, velocity: 2, unreachable: 4 } as const;

export interface PoseJointLimiterOptions {
  /** DLS iterations per tick (each is one FK + Jacobian). */
  iterations?: number;
  damping?: number;
  /** Residual above which the IK step counts as unconverged [m], [rad]. */
  positionTolerance?: number;
  rotationTolerance?: number;
}

export class PoseJointLimiter {
  readonly q: Float64Array;
  private readonly trial: Float64Array;
  private readonly pose: Pose = { p: [0, 0, 0], q: [0, 0, 0, 1] };
  private readonly iterations: number;
  private readonly damping: number;
  private readonly positionTolerance: number;
  private readonly rotationTolerance: number;

  constructor(
    readonly chain: SerialChain,
    /** Joint limits already shrunk by the margin [rad]. */
    readonly min: Float64Array,
    readonly max: Float64Array,
    /** Largest joint change per tick [rad]. */
    readonly maxStep: Float64Array,
    options: PoseJointLimiterOptions = {},
  ) {
    this.q = new Float64Array(chain.dof);
    this.trial = new Float64Array(chain.dof);
    this.iterations = options.iterations ?? 5;
    this.damping = options.damping ?? 0.01;
    this.positionTolerance = options.positionTolerance ?? 2e-3;
    this.rotationTolerance = options.rotationTolerance ?? 2e-2;
  }

  reset(joints: ArrayLike<number>): void {
    for (let i = 0; i < this.q.length; i++) this.q[i] = joints[i];
  }

  /**
   * The largest k·s (k in [0, 1]) such that moving from `from` toward `to` by that fraction keeps
   * every joint feasible; q_cmd follows. `flags` reports which limit acted.
   */
  limit(from: Float64Array, to: Float64Array, s: number): { scale: number; flags: number } {
    if (s <= 0) return { scale: 0, flags: 0 };
    const target = this.pose;
    for (let i = 0; i < 3; i++) target.p[i] = from[i] + s * (to[i] - from[i]);
    slerp([from[3], from[4], from[5], from[6]], [to[3], to[4], to[5], to[6]], s, target.q);

    const trial = this.trial;
    trial.set(this.q);
    for (let i = 0; i < this.iterations; i++) {
      const e = this.chain.dlsStep(trial, target, this.damping, trial);
      if (e.position < 1e-6 && e.rotation < 1e-5) break;
    }
    const residual = this.chain.poseError(trial, target);
    if (!(residual.position <= this.positionTolerance && residual.rotation <= this.rotationTolerance)) {
      return { scale: 0, flags: JOINT_LIMIT_FLAGS.unreachable };
    }
    let k = 1;
    let flags = 0;
    for (let j = 0; j < trial.length; j++) {
      const dq = trial[j] - this.q[j];
      const ad = Math.abs(dq);
      if (ad > this.maxStep[j]) {
        k = Math.min(k, this.maxStep[j] / ad);
        flags |= JOINT_LIMIT_FLAGS.velocity;
      }
      if (trial[j] > this.max[j] && dq > 0) {
        k = Math.min(k, Math.max(0, this.max[j] - this.q[j]) / dq);
        flags |= JOINT_LIMIT_FLAGS.position;
      } else if (trial[j] < this.min[j] && dq < 0) {
        k = Math.min(k, Math.max(0, this.q[j] - this.min[j]) / -dq);
        flags |= JOINT_LIMIT_FLAGS.position;
      }
    }
    if (!Number.isFinite(k)) return { scale: 0, flags: JOINT_LIMIT_FLAGS.unreachable };
    for (let j = 0; j < trial.length; j++) this.q[j] += k * (trial[j] - this.q[j]);
    return { scale: s * k, flags };
  }
}
