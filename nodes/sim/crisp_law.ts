// CRISP's CartesianController control law (crisp_controllers v2.x, src/cartesian_controller.cpp
// update()), as plain TypeScript: one `update()` per 1 kHz tick, joint efforts out. Parameter
// names and defaults are CRISP's (src/cartesian_controller.yaml); "joint impedance" is the same
// law with Cartesian gains 0 and `nullspace.projector_type: none` (CRISP's joint_controller).
//
// Per tick, exactly as CRISP orders it:
//   state filters   q ← EMA(q, q_meas, filter.q), dq ← EMA(dq, dq_meas, filter.dq),
//                   q_ref ← EMA(q_ref, q_target, filter.q_ref)
//   target filter   p_d ← EMA(p_d, p_target, filter.target_pose), R_d ← slerp(R_target → R_d, filter.target_pose)
//                   where EMA(old, new, α) = (1 − α)·new + α·old  (α is the weight of the OLD value)
//   pose error      e = [p_d − p; log(R_d·Rᵀ)] (world-aligned), or [Rᵀ(p_d − p); log(Rᵀ·R_d)] with
//                   use_local_jacobian; clipped per axis to task.error_clip when limit_error
//   task torque     τ_task = Jᵀ·(K·e − D·J·dq), D = d (if > 0) else 2·sqrt(K)
//   nullspace       τ_ns = clip(N·(K_ns·(q_ref − q) + D_ns·(dq_ref − dq)), ±nullspace.max_tau),
//                   K_ns = nullspace.stiffness·weights, N = I − J⁺·J ('kinematic', J⁺ CRISP's
//                   damped pseudo-inverse with nullspace.regularization) or I ('none'). For the
//                   damped Moore–Penrose inverse J⁺·J is symmetric, so I − J⁺J = I − Jᵀ·J⁺ᵀ: the
//                   projector is the same whichever way round it is written.
//   joint limits    τ_jl = max_torque·ratio away from a limit closer than safe_range (joint_limits.hpp)
//   τ = τ_task + τ_ns + τ_jl; then limit_torques: |τ − τ_prev| ≤ max_delta_tau per tick;
//   then τ ← (1 − a)·τ_prev + a·τ with a = filter.output_torque (CRISP calls EMA(τ, τ_prev, a) here,
//   so this weight is the NEW torque's — the other filters weigh the old value).
// Gravity and Coriolis are not in the law: the (simulated) hardware compensates them, as a
// Franka does in firmware (physics.ts). CRISP's friction model, operational-space mode and the
// 'dynamic' projector need the robot's dynamic model and are not modelled.
//
// One deliberate difference: CRISP's code takes `nullspace.damping` literally whenever it is
// non-zero, so its default −1 gives a negative (destabilising) nullspace damping; its parameter
// description says "if negative, 2·sqrt(stiffness)", which is what this law does.

import { DampedPseudoInverse } from './linalg.js';
import {
  quatFromMatrix,
  quatMultiply,
  quatConjugate,
  quatNormalize,
  quatToRotationVector,
  slerp,
  type Quat,
  type Vec3,
} from '../robots/rotation.js';

export const PROJECTOR_TYPES = ['kinematic', 'none'] as const;
export type ProjectorType = (typeof PROJECTOR_TYPES)[number];

/** CRISP's parameters, by CRISP's names (nested as in its YAML). */
export interface CrispParams {
  task: {
    k_pos_x: number;
    k_pos_y: number;
    k_pos_z: number;
    k_rot_x: number;
    k_rot_y: number;
    k_rot_z: number;
    d_pos_x: number;
    d_pos_y: number;
    d_pos_z: number;
    d_rot_x: number;
    d_rot_y: number;
    d_rot_z: number;
    error_clip: { x: number; y: number; z: number; rx: number; ry: number; rz: number };
  };
  nullspace: {
    stiffness: number;
    damping: number;
    /** Per joint, controller order (CRISP: nullspace.weights.<joint>.value). */
    weights: number[];
    regularization: number;
    projector_type: ProjectorType;
    max_tau: number;
  };
  filter: { target_pose: number; q: number; dq: number; q_ref: number; output_torque: number };
  limit_error: boolean;
  limit_torques: boolean;
  max_delta_tau: number;
  joint_limit_repulsion: { enabled: boolean; safe_range: number; max_torque: number };
  use_local_jacobian: boolean;
}

/** CRISP's CartesianController defaults (cartesian_controller.yaml). */
export function cartesianImpedanceDefaults(dof: number): CrispParams {
  return {
    task: {
      k_pos_x: 500,
      k_pos_y: 500,
      k_pos_z: 500,
      k_rot_x: 30,
      k_rot_y: 30,
      k_rot_z: 30,
      d_pos_x: -1,
      d_pos_y: -1,
      d_pos_z: -1,
      d_rot_x: -1,
      d_rot_y: -1,
      d_rot_z: -1,
      error_clip: { x: 0.1, y: 0.1, z: 0.1, rx: 0.5, ry: 0.5, rz: 0.5 },
    },
    nullspace: {
      stiffness: 1,
      damping: -1,
      weights: new Array<number>(dof).fill(1),
      regularization: 1e-6,
      projector_type: 'kinematic',
      max_tau: 5,
    },
    filter: { target_pose: 0.1, q: 0.5, dq: 0.5, q_ref: 0.5, output_torque: 0.5 },
    limit_error: true,
    limit_torques: true,
    max_delta_tau: 0.5,
    joint_limit_repulsion: { enabled: true, safe_range: 0.1, max_torque: 5 },
    use_local_jacobian: false,
  };
}

/** CRISP's joint impedance ("joint_controller" in crisp_controllers_demos): Cartesian gains 0, projector none. */
export function jointImpedanceDefaults(dof: number): CrispParams {
  const p = cartesianImpedanceDefaults(dof);
  p.task.k_pos_x = p.task.k_pos_y = p.task.k_pos_z = 0;
  p.task.k_rot_x = p.task.k_rot_y = p.task.k_rot_z = 0;
  p.nullspace = {
    stiffness: 5,
    damping: 1,
    weights: new Array<number>(dof).fill(8),
    regularization: 1e-6,
    projector_type: 'none',
    max_tau: 5,
  };
  return p;
}

/** Forward kinematics and the geometric Jacobian of the controlled frame (SerialChain fits). */
export interface ArmKinematics {
  readonly dof: number;
  /** End-effector transform, row-major 4×4, base frame. */
  transform(q: ArrayLike<number>): Float64Array;
  /** 6×dof row-major, rows vx vy vz ωx ωy ωz in the base frame (LOCAL_WORLD_ALIGNED). */
  jacobian(q: ArrayLike<number>): Float64Array;
}

export interface JointLimits {
  positionMin: readonly number[];
  positionMax: readonly number[];
}

/** Every term of the last tick, for tests, logs and status. */
export interface LawTerms {
  error: Float64Array;
  tauTask: Float64Array;
  tauNullspace: Float64Array;
  tauJointLimits: Float64Array;
  tau: Float64Array;
}

const ema = (old: number, current: number, alpha: number) => (1 - alpha) * current + alpha * old;

/** Joint-limit repulsion (CRISP joint_limits.hpp): up to max_torque, growing linearly inside safe_range. */
export function jointLimitTorque(
  q: ArrayLike<number>,
  limits: JointLimits,
  safeRange: number,
  maxTorque: number,
  out: Float64Array,
): Float64Array {
  for (let i = 0; i < out.length; i++) {
    const toLower = q[i] - limits.positionMin[i];
    const toUpper = limits.positionMax[i] - q[i];
    let t = 0;
    if (toLower < safeRange) t += maxTorque * Math.min(1, Math.max(0, (safeRange - toLower) / safeRange));
    if (toUpper < safeRange) t -= maxTorque * Math.min(1, Math.max(0, (safeRange - toUpper) / safeRange));
    out[i] = t;
  }
  return out;
}

export class CrispController {
  readonly dof: number;
  params: CrispParams;
  private active = false;
  // Filtered state and references (CRISP's q, dq, q_ref, q_target, dq_ref).
  private readonly q: Float64Array;
  private readonly dq: Float64Array;
  private readonly qRef: Float64Array;
  private readonly qTarget: Float64Array;
  private readonly dqRef: Float64Array;
  private readonly tauPrev: Float64Array;
  // Targets (what the topics set) and desired pose (what the filter made of them).
  private targetP: Vec3 = [0, 0, 0];
  private targetQ: Quat = [0, 0, 0, 1];
  private desiredP: Vec3 = [0, 0, 0];
  private desiredQ: Quat = [0, 0, 0, 1];
  // Scratch.
  private readonly pinv: DampedPseudoInverse;
  private readonly jPinv: Float64Array;
  private readonly jLocal: Float64Array;
  private readonly xdot = new Float64Array(6);
  private readonly wrench = new Float64Array(6);
  private readonly sec: Float64Array;
  readonly terms: LawTerms;

  constructor(
    private readonly kinematics: ArmKinematics,
    private readonly limits: JointLimits,
    params: CrispParams,
  ) {
    const n = kinematics.dof;
    this.dof = n;
    this.params = params;
    this.q = new Float64Array(n);
    this.dq = new Float64Array(n);
    this.qRef = new Float64Array(n);
    this.qTarget = new Float64Array(n);
    this.dqRef = new Float64Array(n);
    this.tauPrev = new Float64Array(n);
    this.pinv = new DampedPseudoInverse(6, n);
    this.jPinv = new Float64Array(6 * n);
    this.jLocal = new Float64Array(6 * n);
    this.sec = new Float64Array(n);
    this.terms = {
      error: new Float64Array(6),
      tauTask: new Float64Array(n),
      tauNullspace: new Float64Array(n),
      tauJointLimits: new Float64Array(n),
      tau: new Float64Array(n),
    };
    const problems = crispParamProblems(params, n);
    if (problems.length > 0) throw new RangeError(problems.join('; '));
  }

  get isActive(): boolean {
    return this.active;
  }

  /**
   * CRISP's on_activate: state from the measurement without filtering, the nullspace/joint
   * reference and the target pose = where the arm is, so nothing moves on activation.
   */
  activate(qMeas: ArrayLike<number>, dqMeas: ArrayLike<number>): void {
    for (let i = 0; i < this.dof; i++) {
      this.q[i] = qMeas[i];
      this.dq[i] = dqMeas[i];
      this.qRef[i] = qMeas[i];
      this.qTarget[i] = qMeas[i];
      this.dqRef[i] = 0;
      this.tauPrev[i] = 0;
    }
    const t = this.kinematics.transform(this.q);
    this.targetP = [t[3], t[7], t[11]];
    this.targetQ = quatFromMatrix([t[0], t[1], t[2], t[4], t[5], t[6], t[8], t[9], t[10]]);
    this.desiredP = [...this.targetP];
    this.desiredQ = [...this.targetQ];
    this.active = true;
  }

  deactivate(): void {
    this.active = false;
  }

  /** target_pose (base frame; the header is ignored, as CRISP does). Refuses non-finite or zero quaternions. */
  setTargetPose(p: readonly number[], q: readonly number[]): boolean {
    const qn = quatNormalize(q);
    if (qn === undefined || !p.slice(0, 3).every(Number.isFinite)) return false;
    this.targetP = [p[0], p[1], p[2]];
    this.targetQ = qn;
    return true;
  }

  /** target_joint, read BY INDEX (CRISP ignores `name`): positions → q_target, velocities → dq_ref. */
  setTargetJoint(position: ArrayLike<number>, velocity?: ArrayLike<number>): boolean {
    const n = Math.min(position.length, this.dof);
    for (let i = 0; i < n; i++) if (!Number.isFinite(position[i])) return false;
    for (let i = 0; i < n; i++) this.qTarget[i] = position[i];
    if (velocity !== undefined && velocity.length > 0) {
      for (let i = 0; i < Math.min(velocity.length, this.dof); i++) if (Number.isFinite(velocity[i])) this.dqRef[i] = velocity[i];
    }
    return true;
  }

  get targetPose(): { p: Vec3; q: Quat } {
    return { p: [...this.targetP], q: [...this.targetQ] };
  }

  get desiredPose(): { p: Vec3; q: Quat } {
    return { p: [...this.desiredP], q: [...this.desiredQ] };
  }

  get jointTarget(): Float64Array {
    return this.qTarget.slice();
  }

  get nullspaceReference(): Float64Array {
    return this.qRef.slice();
  }

  /** One control tick: measured joint positions and velocities → joint efforts (written to `tau`). */
  update(qMeas: ArrayLike<number>, dqMeas: ArrayLike<number>, tau: Float64Array): Float64Array {
    const n = this.dof;
    const P = this.params;
    if (!this.active) {
      tau.fill(0, 0, n);
      return tau;
    }
    for (let i = 0; i < n; i++) {
      this.qRef[i] = ema(this.qRef[i], this.qTarget[i], P.filter.q_ref);
      this.q[i] = ema(this.q[i], qMeas[i], P.filter.q);
      this.dq[i] = ema(this.dq[i], dqMeas[i], P.filter.dq);
    }
    const a = P.filter.target_pose;
    for (let k = 0; k < 3; k++) this.desiredP[k] = ema(this.desiredP[k], this.targetP[k], a);
    // Eigen's target.slerp(a, desired): from the target, a of the way toward the previous desired.
    this.desiredQ = slerp(this.targetQ, this.desiredQ, a, [0, 0, 0, 0]) as Quat;

    const T = this.kinematics.transform(this.q);
    const R = [T[0], T[1], T[2], T[4], T[5], T[6], T[8], T[9], T[10]];
    const p: Vec3 = [T[3], T[7], T[11]];
    const e = this.terms.error;
    const dp = [this.desiredP[0] - p[0], this.desiredP[1] - p[1], this.desiredP[2] - p[2]];
    const cur = quatFromMatrix(R);
    const local = P.use_local_jacobian;
    if (local) {
      // Rᵀ·(p_d − p) and log(Rᵀ·R_d)
      for (let r = 0; r < 3; r++) e[r] = R[r] * dp[0] + R[3 + r] * dp[1] + R[6 + r] * dp[2];
      const rv = quatToRotationVector(quatMultiply(quatConjugate(cur), this.desiredQ));
      e[3] = rv[0];
      e[4] = rv[1];
      e[5] = rv[2];
    } else {
      e[0] = dp[0];
      e[1] = dp[1];
      e[2] = dp[2];
      const rv = quatToRotationVector(quatMultiply(this.desiredQ, quatConjugate(cur)));
      e[3] = rv[0];
      e[4] = rv[1];
      e[5] = rv[2];
    }
    if (P.limit_error) {
      const c = P.task.error_clip;
      const clip = [c.x, c.y, c.z, c.rx, c.ry, c.rz];
      for (let k = 0; k < 6; k++) e[k] = Math.min(clip[k], Math.max(-clip[k], e[k]));
    }

    const Jw = this.kinematics.jacobian(this.q);
    let J = Jw;
    if (local) {
      // LOCAL frame: blkdiag(Rᵀ, Rᵀ)·J_world.
      J = this.jLocal;
      for (let blk = 0; blk < 2; blk++) {
        for (let r = 0; r < 3; r++) {
          for (let i = 0; i < n; i++) {
            J[(blk * 3 + r) * n + i] =
              R[r] * Jw[blk * 3 * n + i] + R[3 + r] * Jw[(blk * 3 + 1) * n + i] + R[6 + r] * Jw[(blk * 3 + 2) * n + i];
          }
        }
      }
    }

    // τ_task = Jᵀ·(K·e − D·J·dq)
    const t = P.task;
    const K = [t.k_pos_x, t.k_pos_y, t.k_pos_z, t.k_rot_x, t.k_rot_y, t.k_rot_z];
    const dSet = [t.d_pos_x, t.d_pos_y, t.d_pos_z, t.d_rot_x, t.d_rot_y, t.d_rot_z];
    for (let r = 0; r < 6; r++) {
      let v = 0;
      for (let i = 0; i < n; i++) v += J[r * n + i] * this.dq[i];
      this.xdot[r] = v;
      const D = dSet[r] > 0 ? dSet[r] : 2 * Math.sqrt(K[r]);
      this.wrench[r] = K[r] * e[r] - D * v;
    }
    const tauTask = this.terms.tauTask;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let r = 0; r < 6; r++) s += J[r * n + i] * this.wrench[r];
      tauTask[i] = s;
    }

    // Nullspace: τ_sec = K_ns·(q_ref − q) + D_ns·(dq_ref − dq), projected, clipped.
    const ns = P.nullspace;
    for (let i = 0; i < n; i++) {
      const k = ns.stiffness * ns.weights[i];
      const d = ns.damping < 0 ? 2 * Math.sqrt(k) : ns.damping * ns.weights[i];
      this.sec[i] = k * (this.qRef[i] - this.q[i]) + d * (this.dqRef[i] - this.dq[i]);
    }
    const tauNs = this.terms.tauNullspace;
    if (ns.projector_type === 'kinematic') {
      this.pinv.compute(J, ns.regularization, this.jPinv);
      // N·s = s − J⁺·(J·s)
      const js = this.xdot; // reuse: J·s
      for (let r = 0; r < 6; r++) {
        let v = 0;
        for (let i = 0; i < n; i++) v += J[r * n + i] * this.sec[i];
        js[r] = v;
      }
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let r = 0; r < 6; r++) v += this.jPinv[i * 6 + r] * js[r];
        tauNs[i] = this.sec[i] - v;
      }
    } else {
      tauNs.set(this.sec);
    }
    for (let i = 0; i < n; i++) tauNs[i] = Math.min(ns.max_tau, Math.max(-ns.max_tau, tauNs[i]));

    const jlr = P.joint_limit_repulsion;
    const tauJl = this.terms.tauJointLimits;
    if (jlr.enabled) jointLimitTorque(this.q, this.limits, jlr.safe_range, jlr.max_torque, tauJl);
    else tauJl.fill(0);

    for (let i = 0; i < n; i++) {
      let v = tauTask[i] + tauNs[i] + tauJl[i];
      if (!Number.isFinite(v)) v = this.tauPrev[i]; // CRISP holds the previous torque on NaN
      if (P.limit_torques) v = this.tauPrev[i] + Math.min(P.max_delta_tau, Math.max(-P.max_delta_tau, v - this.tauPrev[i]));
      v = ema(v, this.tauPrev[i], P.filter.output_torque);
      tau[i] = v;
      this.tauPrev[i] = v;
    }
    this.terms.tau.set(tau.subarray(0, n));
    return tau;
  }
}

/** What is wrong with a parameter set (CRISP's own bounds where it has them); empty when fine. */
export function crispParamProblems(p: CrispParams, dof: number): string[] {
  const out: string[] = [];
  const t = p.task;
  for (const k of ['k_pos_x', 'k_pos_y', 'k_pos_z', 'k_rot_x', 'k_rot_y', 'k_rot_z'] as const) {
    if (!(t[k] >= 0 && t[k] <= 5000)) out.push(`task.${k} ${t[k]} is not in [0, 5000]`);
  }
  for (const k of ['d_pos_x', 'd_pos_y', 'd_pos_z', 'd_rot_x', 'd_rot_y', 'd_rot_z'] as const) {
    if (!(t[k] >= -1 && t[k] <= 5000)) out.push(`task.${k} ${t[k]} is not in [-1, 5000]`);
  }
  for (const [k, v] of Object.entries(t.error_clip)) if (!(v > 0)) out.push(`task.error_clip.${k} must be > 0`);
  if (p.nullspace.weights.length !== dof) out.push(`nullspace.weights has ${p.nullspace.weights.length} values for ${dof} joints`);
  if (!p.nullspace.weights.every((w) => w >= 0 && w <= 500)) out.push('nullspace.weights must be in [0, 500]');
  if (!(p.nullspace.stiffness >= 0 && p.nullspace.stiffness <= 500)) out.push('nullspace.stiffness is not in [0, 500]');
  if (!(p.nullspace.damping >= -1 && p.nullspace.damping <= 500)) out.push('nullspace.damping is not in [-1, 500]');
  if (!(p.nullspace.regularization > 0)) out.push('nullspace.regularization must be > 0');
  if (!(PROJECTOR_TYPES as readonly string[]).includes(p.nullspace.projector_type))
    out.push(`nullspace.projector_type '${p.nullspace.projector_type}' (expected kinematic or none)`);
  if (!(p.nullspace.max_tau >= 0)) out.push('nullspace.max_tau must be >= 0');
  for (const [k, v] of Object.entries(p.filter)) if (!(v >= 0 && v <= 1)) out.push(`filter.${k} ${v} is not in [0, 1]`);
  if (!(p.max_delta_tau > 0)) out.push('max_delta_tau must be > 0');
  if (!(p.joint_limit_repulsion.safe_range > 0)) out.push('joint_limit_repulsion.safe_range must be > 0');
  if (!(p.joint_limit_repulsion.max_torque >= 0)) out.push('joint_limit_repulsion.max_torque must be >= 0');
  return out;
}
