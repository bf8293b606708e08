// Small rigid-transform helpers for the renderer and its camera helpers: quaternions in ROS order
// (x y z w), 3×3 rotation matrices row-major in a plain array or a Float64Array. Pure functions;
// the `…Into` variants write into a caller's buffer so the per-frame path allocates nothing.

import type { Pose, Quat, Vec3 } from './scene.js';

/** A rotation as a row-major 3×3 matrix (m[3·row + col]). */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

/**
 * Writes the rotation of quaternion `q` (x y z w, normalised here) into `m` at `offset`, row-major.
 * Throws on a zero or non-finite quaternion: a pose that cannot be a rotation is a bug upstream.
 */
export function quatToMatInto(q: Quat, m: Float64Array | number[], offset = 0): void {
  let x = q[0];
  let y = q[1];
  let z = q[2];
  let w = q[3];
  const n2 = x * x + y * y + z * z + w * w;
  if (!(n2 > 1e-24) || !Number.isFinite(n2)) throw new RangeError(`quaternion [${q.join(', ')}] is not a rotation`);
  const s = 1 / Math.sqrt(n2);
  x *= s;
  y *= s;
  z *= s;
  w *= s;
  m[offset + 0] = 1 - 2 * (y * y + z * z);
  m[offset + 1] = 2 * (x * y - z * w);
  m[offset + 2] = 2 * (x * z + y * w);
  m[offset + 3] = 2 * (x * y + z * w);
  m[offset + 4] = 1 - 2 * (x * x + z * z);
  m[offset + 5] = 2 * (y * z - x * w);
  m[offset + 6] = 2 * (x * z - y * w);
  m[offset + 7] = 2 * (y * z + x * w);
  m[offset + 8] = 1 - 2 * (x * x + y * y);
}

export function quatToMat(q: Quat): Mat3 {
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0] as Mat3;
  quatToMatInto(q, m);
  return m;
}

/** The unit quaternion (x y z w, w ≥ 0) of a row-major rotation matrix (Shepperd's method). */
export function matToQuat(m: Readonly<Mat3>): Quat {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = m;
  const tr = m00 + m11 + m22;
  let x: number, y: number, z: number, w: number;
  if (tr > 0) {
    const s = 2 * Math.sqrt(1 + tr);
    w = s / 4;
    x = (m21 - m12) / s;
    y = (m02 - m20) / s;
    z = (m10 - m01) / s;
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    w = (m21 - m12) / s;
    x = s / 4;
    y = (m01 + m10) / s;
    z = (m02 + m20) / s;
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    w = (m02 - m20) / s;
    x = (m01 + m10) / s;
    y = s / 4;
    z = (m12 + m21) / s;
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    w = (m10 - m01) / s;
    x = (m02 + m20) / s;
    y = (m12 + m21) / s;
    z = s / 4;
  }
  const n = Math.hypot(x, y, z, w) * (w < 0 ? -1 : 1);
  return [x / n, y / n, z / n, w / n];
}

/** Hamilton product a ⊗ b (apply b, then a). */
export function quatMul(a: Quat, b: Quat): Quat {
  const [ax, ay, az, aw] = a;
  const [bx, by, bz, bw] = b;
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

export function quatFromAxisAngle(axis: Vec3, angle: number): Quat {
  const n = Math.hypot(...axis);
  if (!(n > 0)) throw new RangeError('rotation axis must be non-zero');
  const s = Math.sin(angle / 2) / n;
  return [axis[0] * s, axis[1] * s, axis[2] * s, Math.cos(angle / 2)];
}

export function rotate(q: Quat, v: Vec3): Vec3 {
  const m = quatToMat(q);
  return [m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2], m[6] * v[0] + m[7] * v[1] + m[8] * v[2]];
}

/** a ∘ b: the pose b (given in frame a) expressed in a's parent frame. */
export function composePose(a: Pose, b: Pose): Pose {
  const t = rotate(a.orientation, b.position);
  return {
    position: [a.position[0] + t[0], a.position[1] + t[1], a.position[2] + t[2]],
    orientation: normaliseQuat(quatMul(a.orientation, b.orientation)),
  };
}

export function invertPose(p: Pose): Pose {
  const [x, y, z, w] = normaliseQuat(p.orientation);
  const qi: Quat = [-x, -y, -z, w];
  const t = rotate(qi, p.position);
  return { position: [-t[0], -t[1], -t[2]], orientation: qi };
}

export function normaliseQuat(q: Quat): Quat {
  const n = Math.hypot(...q);
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`quaternion [${q.join(', ')}] is not a rotation`);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(...v);
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`vector [${v.join(', ')}] cannot be normalised`);
  return [v[0] / n, v[1] / n, v[2] / n];
}
