// Rotations and poses as the suite exchanges them: quaternions in ROS order (x, y, z, w),
// Euler angles as extrinsic x-y-z (roll about base x, then pitch about base y, then yaw about
// base z: R = Rz·Ry·Rx, what scipy calls "xyz" and ROS calls RPY), rotation vectors as
// axis·angle, 3×3 matrices row-major. Plain functions, no state, no ROS.

export type Vec3 = [number, number, number];
/** x, y, z, w. */
export type Quat = [number, number, number, number];
/** Row-major 3×3. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export interface Pose {
  p: Vec3;
  q: Quat;
}

export const IDENTITY_QUAT: Readonly<Quat> = Object.freeze<Quat>([0, 0, 0, 1]);

export function quatNorm(q: readonly number[]): number {
  return Math.hypot(q[0], q[1], q[2], q[3]);
}

/** Unit quaternion; undefined for a zero or non-finite one (callers decide what that means). */
export function quatNormalize(q: readonly number[]): Quat | undefined {
  const n = quatNorm(q);
  if (!(n > 1e-12) || !Number.isFinite(n)) return undefined;
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/** a ⊗ b: rotate by b, then by a. */
export function quatMultiply(a: readonly number[], b: readonly number[]): Quat {
  const [ax, ay, az, aw] = a;
  const [bx, by, bz, bw] = b;
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

export function quatConjugate(q: readonly number[]): Quat {
  return [-q[0], -q[1], -q[2], q[3]];
}

export function quatDot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
}

/** q or −q, whichever has w >= 0: the same rotation, by the shorter arc. */
function shorterArc(q: readonly number[]): Quat {
  return q[3] < 0 ? [-q[0], -q[1], -q[2], -q[3]] : [q[0], q[1], q[2], q[3]];
}

/** a⁻¹ ⊗ b for a unit quaternion a: the rotation taking a to b. */
function relativeRotation(a: readonly number[], b: readonly number[]): Quat {
  return quatMultiply(quatConjugate(a), b);
}

/** Extrinsic x-y-z Euler angles [rad] → quaternion: q = qz(yaw) ⊗ qy(pitch) ⊗ qx(roll). */
export function quatFromEulerXyz(roll: number, pitch: number, yaw: number): Quat {
  const cr = Math.cos(roll / 2);
  const sr = Math.sin(roll / 2);
  const cp = Math.cos(pitch / 2);
  const sp = Math.sin(pitch / 2);
  const cy = Math.cos(yaw / 2);
  const sy = Math.sin(yaw / 2);
  return [sr * cp * cy - cr * sp * sy, cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy, cr * cp * cy + sr * sp * sy];
}

/** Quaternion → extrinsic x-y-z Euler angles [roll, pitch, yaw]. */
export function quatToEulerXyz(q: readonly number[]): Vec3 {
  const [x, y, z, w] = q;
  const sinp = Math.max(-1, Math.min(1, 2 * (w * y - z * x)));
  return [
    Math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y)),
    Math.asin(sinp),
    Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)),
  ];
}

/** axis·angle [rad] → quaternion. */
export function quatFromRotationVector(rx: number, ry: number, rz: number): Quat {
  const angle = Math.hypot(rx, ry, rz);
  // sin(θ/2)/θ by its series near 0, where the division loses precision.
  const k = angle < 1e-8 ? 0.5 - (angle * angle) / 48 : Math.sin(angle / 2) / angle;
  return [rx * k, ry * k, rz * k, Math.cos(angle / 2)];
}

/** Quaternion → axis·angle with angle in [0, π] (the shorter of q and −q). */
export function quatToRotationVector(q: readonly number[]): Vec3 {
  const [x, y, z, w] = shorterArc(q);
  const s = Math.hypot(x, y, z);
  if (s < 1e-12) return [2 * x, 2 * y, 2 * z];
  const k = (2 * Math.atan2(s, w)) / s;
  return [x * k, y * k, z * k];
}

/** Angle [rad, 0..π] of the rotation taking a to b. */
export function quatAngle(a: readonly number[], b: readonly number[]): number {
  // 2·atan2(|v|, |w|) of a⁻¹⊗b: exact near 0, where 2·acos(|a·b|) loses half the digits.
  const [x, y, z, w] = relativeRotation(a, b);
  return 2 * Math.atan2(Math.hypot(x, y, z), Math.abs(w));
}

/**
 * Spherical interpolation a → b along the shorter arc, t in [0, 1], computed as
 * a ⊗ exp(t·log(a⁻¹ ⊗ b)): the angle from a is exactly t times the whole angle, also for tiny
 * angles (the sin(θ) form needs an nlerp fallback there, which is not constant-speed).
 */
export function slerp(
  a: readonly number[],
  b: readonly number[],
  t: number,
  out: number[] | Float64Array = [0, 0, 0, 0],
): number[] | Float64Array {
  const [ax, ay, az, aw] = a;
  // r = a⁻¹ ⊗ b, then its rotation vector (shorter arc: w >= 0).
  const [x, y, z, w] = shorterArc(relativeRotation(a, b));
  const s = Math.hypot(x, y, z);
  if (t === 0 || s < 1e-15) {
    // Same rotation (to 2e-15 rad) or no way to go: a itself, so a held target stays bit-identical.
    out[0] = ax;
    out[1] = ay;
    out[2] = az;
    out[3] = aw;
    return out;
  }
  const half = Math.atan2(s, w) * t;
  // sin(t·θ/2)/sin(θ/2) scales the vector part of a⁻¹ ⊗ b.
  const k = Math.sin(half) / s;
  const dx = x * k;
  const dy = y * k;
  const dz = z * k;
  const dw = Math.cos(half);
  const n = Math.hypot(ax, ay, az, aw);
  out[0] = (aw * dx + ax * dw + ay * dz - az * dy) / n;
  out[1] = (aw * dy - ax * dz + ay * dw + az * dx) / n;
  out[2] = (aw * dz + ax * dy - ay * dx + az * dw) / n;
  out[3] = (aw * dw - ax * dx - ay * dy - az * dz) / n;
  return out;
}

export function rotateVector(q: readonly number[], v: readonly number[]): Vec3 {
  // v' = v + 2w(u×v) + 2u×(u×v), u = vector part.
  const [x, y, z, w] = q;
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [v[0] + w * tx + (y * tz - z * ty), v[1] + w * ty + (z * tx - x * tz), v[2] + w * tz + (x * ty - y * tx)];
}

export function matrixFromQuat(q: readonly number[]): Mat3 {
  const [x, y, z, w] = q;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
  ];
}

/** Rotation matrix (row-major, any array of 9) → unit quaternion with w >= 0 (Shepperd's method). */
export function quatFromMatrix(m: ArrayLike<number>): Quat {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = [m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]];
  const trace = m00 + m11 + m22;
  let q: Quat;
  if (trace > 0) {
    const s = Math.sqrt(trace + 1) * 2;
    q = [(m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s, s / 4];
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    q = [s / 4, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s];
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    q = [(m01 + m10) / s, s / 4, (m12 + m21) / s, (m02 - m20) / s];
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    q = [(m02 + m20) / s, (m12 + m21) / s, s / 4, (m10 - m01) / s];
  }
  return shorterArc(quatNormalize(q)!);
}

/**
 * The rotation error that takes `current` to `target`, as a rotation vector in the base frame
 * (target = exp(e) ⊗ current): what a resolved-rate or IK step drives to zero.
 */
export function orientationError(current: readonly number[], target: readonly number[]): Vec3 {
  return quatToRotationVector(quatMultiply(target, quatConjugate(current)));
}

export function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}
