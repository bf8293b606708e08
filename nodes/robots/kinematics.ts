// Serial-chain kinematics from Denavit–Hartenberg parameters: forward kinematics, the
// geometric Jacobian and a damped-least-squares IK step. Both conventions appear on the arms
// we drive: Franka publishes modified (Craig) DH, Universal Robots standard DH. Allocation-free
// in the hot path (scratch buffers per chain), since the controller bridge runs it per tick.

import { orientationError, quatFromMatrix, type Pose, type Vec3 } from './rotation.js';

export interface DhLink {
  /** Link length [m]. */
  a: number;
  /** Link offset [m]. */
  d: number;
  /** Link twist [rad]. */
  alpha: number;
  /** Added to the joint angle [rad]. */
  thetaOffset?: number;
}

/**
 * 'modified' (Craig): T_i = Rx(α_i)·Tx(a_i)·Rz(θ_i)·Tz(d_i), joint i turns about z of frame i.
 * 'standard': T_i = Rz(θ_i)·Tz(d_i)·Tx(a_i)·Rx(α_i), joint i turns about z of frame i−1.
 */
export type DhConvention = 'modified' | 'standard';

/** Homogeneous transform, row-major 4×4. */
export type Transform = Float64Array;

export function identityTransform(): Transform {
  return new Float64Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
}

/** out = a·b (out may not alias a or b). */
export function multiplyTransforms(a: Transform, b: Transform, out: Transform): Transform {
  for (let r = 0; r < 3; r++) {
    const a0 = a[r * 4];
    const a1 = a[r * 4 + 1];
    const a2 = a[r * 4 + 2];
    const a3 = a[r * 4 + 3];
    for (let c = 0; c < 4; c++) {
      out[r * 4 + c] = a0 * b[c] + a1 * b[4 + c] + a2 * b[8 + c] + (c === 3 ? a3 : 0);
    }
  }
  out[12] = 0;
  out[13] = 0;
  out[14] = 0;
  out[15] = 1;
  return out;
}

export function rotZ(theta: number): Transform {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return new Float64Array([c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
}

export function translation(x: number, y: number, z: number): Transform {
  return new Float64Array([1, 0, 0, x, 0, 1, 0, y, 0, 0, 1, z, 0, 0, 0, 1]);
}

function dhTransform(convention: DhConvention, link: DhLink, theta: number, out: Transform): void {
  const ct = Math.cos(theta);
  const st = Math.sin(theta);
  const ca = Math.cos(link.alpha);
  const sa = Math.sin(link.alpha);
  const { a, d } = link;
  if (convention === 'modified') {
    out.set([ct, -st, 0, a, st * ca, ct * ca, -sa, -sa * d, st * sa, ct * sa, ca, ca * d, 0, 0, 0, 1]);
  } else {
    out.set([ct, -st * ca, st * sa, a * ct, st, ct * ca, -ct * sa, a * st, 0, sa, ca, d, 0, 0, 0, 1]);
  }
}

export interface PoseError {
  /** Position error [m]. */
  position: number;
  /** Orientation error [rad]. */
  rotation: number;
}

export class SerialChain {
  readonly dof: number;
  private readonly frames: Transform[];
  private readonly link = new Float64Array(16);
  private readonly jac: Float64Array;
  private readonly a6 = new Float64Array(36);
  private readonly e6 = new Float64Array(6);

  /**
   * `base`: the controller's base frame → DH base frame. `tool`: the last DH frame → the
   * end-effector frame the controller reports (flange, TCP).
   */
  constructor(
    readonly name: string,
    readonly links: readonly DhLink[],
    readonly convention: DhConvention,
    readonly base: Transform = identityTransform(),
    readonly tool: Transform = identityTransform(),
  ) {
    this.dof = links.length;
    // frames[0] = base; frames[i] = base·T_1·…·T_i; frames[dof + 1] = end effector.
    this.frames = Array.from({ length: this.dof + 2 }, () => identityTransform());
    this.jac = new Float64Array(6 * this.dof);
  }

  /** Runs FK and leaves every frame in `this.frames`; returns the end-effector transform. */
  private computeFrames(q: ArrayLike<number>): Transform {
    this.frames[0].set(this.base);
    for (let i = 0; i < this.dof; i++) {
      const link = this.links[i];
      dhTransform(this.convention, link, q[i] + (link.thetaOffset ?? 0), this.link);
      multiplyTransforms(this.frames[i], this.link, this.frames[i + 1]);
    }
    return multiplyTransforms(this.frames[this.dof], this.tool, this.frames[this.dof + 1]);
  }

  /** End-effector transform in the base frame (a fresh array). */
  transform(q: ArrayLike<number>): Transform {
    return this.computeFrames(q).slice();
  }

  /** End-effector pose in the base frame. */
  pose(q: ArrayLike<number>): Pose {
    const t = this.computeFrames(q);
    return { p: [t[3], t[7], t[11]], q: quatFromMatrix([t[0], t[1], t[2], t[4], t[5], t[6], t[8], t[9], t[10]]) };
  }

  /**
   * Geometric Jacobian at q, 6×dof row-major: rows vx vy vz ωx ωy ωz of the end effector in the
   * base frame. The returned array is reused by the next call.
   */
  jacobian(q: ArrayLike<number>): Float64Array {
    const ee = this.computeFrames(q);
    const px = ee[3];
    const py = ee[7];
    const pz = ee[11];
    const n = this.dof;
    for (let i = 0; i < n; i++) {
      // The frame whose z axis joint i turns about.
      const f = this.convention === 'modified' ? this.frames[i + 1] : this.frames[i];
      const zx = f[2];
      const zy = f[6];
      const zz = f[10];
      const dx = px - f[3];
      const dy = py - f[7];
      const dz = pz - f[11];
      this.jac[i] = zy * dz - zz * dy;
      this.jac[n + i] = zz * dx - zx * dz;
      this.jac[2 * n + i] = zx * dy - zy * dx;
      this.jac[3 * n + i] = zx;
      this.jac[4 * n + i] = zy;
      this.jac[5 * n + i] = zz;
    }
    return this.jac;
  }

  /**
   * One damped-least-squares step toward `target`: Δq = Jᵀ(JJᵀ + λ²I)⁻¹·e with
   * e = [p* − p; rotvec(R*·Rᵀ)]; writes q + Δq to `out` (may alias q). Returns the error
   * *before* the step. DLS stays bounded near singularities, where a pseudo-inverse explodes.
   */
  dlsStep(q: ArrayLike<number>, target: Pose, damping: number, out: Float64Array): PoseError {
    const current = this.pose(q);
    const rot: Vec3 = orientationError(current.q, target.q);
    const e = this.e6;
    e[0] = target.p[0] - current.p[0];
    e[1] = target.p[1] - current.p[1];
    e[2] = target.p[2] - current.p[2];
    e[3] = rot[0];
    e[4] = rot[1];
    e[5] = rot[2];
    const error = { position: Math.hypot(e[0], e[1], e[2]), rotation: Math.hypot(e[3], e[4], e[5]) };
    const J = this.jacobian(q);
    const n = this.dof;
    const A = this.a6;
    for (let r = 0; r < 6; r++) {
      for (let c = r; c < 6; c++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += J[r * n + k] * J[c * n + k];
        A[r * 6 + c] = s;
        A[c * 6 + r] = s;
      }
      A[r * 6 + r] += damping * damping;
    }
    solveSpd6(A, e);
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let r = 0; r < 6; r++) s += J[r * n + k] * e[r];
      out[k] = q[k] + s;
    }
    return error;
  }

  /** Iterates dlsStep from `seed` (at most `iterations`), stopping once within tolerance. */
  solveIk(
    seed: ArrayLike<number>,
    target: Pose,
    options: { iterations?: number; damping?: number; positionTolerance?: number; rotationTolerance?: number } = {},
    out: Float64Array = new Float64Array(this.dof),
  ): { q: Float64Array; error: PoseError } {
    const { iterations = 50, damping = 0.01, positionTolerance = 1e-5, rotationTolerance = 1e-4 } = options;
    out.set(Array.from({ length: this.dof }, (_, i) => seed[i]));
    for (let i = 0; i < iterations; i++) {
      const error = this.dlsStep(out, target, damping, out);
      if (error.position <= positionTolerance && error.rotation <= rotationTolerance) return { q: out, error };
    }
    return { q: out, error: this.poseError(out, target) };
  }

  poseError(q: ArrayLike<number>, target: Pose): PoseError {
    const current = this.pose(q);
    const rot = orientationError(current.q, target.q);
    return {
      position: Math.hypot(target.p[0] - current.p[0], target.p[1] - current.p[1], target.p[2] - current.p[2]),
      rotation: Math.hypot(rot[0], rot[1], rot[2]),
    };
  }
}

/** Solves A·x = b in place (b ← x) for a symmetric positive-definite 6×6 A (Cholesky; A is overwritten). */
function solveSpd6(A: Float64Array, b: Float64Array): void {
  for (let j = 0; j < 6; j++) {
    let d = A[j * 6 + j];
    for (let k = 0; k < j; k++) d -= A[j * 6 + k] * A[j * 6 + k];
    const l = Math.sqrt(Math.max(d, 1e-300));
    A[j * 6 + j] = l;
    for (let i = j + 1; i < 6; i++) {
      let s = A[i * 6 + j];
      for (let k = 0; k < j; k++) s -= A[i * 6 + k] * A[j * 6 + k];
      A[i * 6 + j] = s / l;
    }
  }
  for (let i = 0; i < 6; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= A[i * 6 + k] * b[k];
    b[i] = s / A[i * 6 + i];
  }
  for (let i = 5; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < 6; k++) s -= A[k * 6 + i] * b[k];
    b[i] = s / A[i * 6 + i];
  }
}
