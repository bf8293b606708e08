// Camera helpers for the simulator: pinhole cameras from "look at" parameters or attached to a
// moving frame (the end effector), their sensor_msgs/CameraInfo fields, and the pinhole projection
// the renderer uses. Pure math, no ROS imports (the CameraInfo type is imported as a type only).
//
// Conventions (docs/renderer.md): the camera pose is the optical frame's (REP 103: z forward, x
// right, y down); K coordinates follow OpenCV / CameraInfo, where pixel (col, row) is centred at
// u = col, v = row, so an image of W columns spans u ∈ [−0.5, W − 0.5] and its centre is
// ((W − 1)/2, (H − 1)/2).

import type { sensor_msgs } from '../../msgs/generated/interfaces.js';
import { composePose, cross, matToQuat, normalise, sub, type Mat3 } from './math3d.js';
import type { CameraModel, Pose, Quat, Vec3 } from './scene.js';

/** A camera's intrinsics and clipping range: everything in CameraModel but the pose. */
export type Intrinsics = Omit<CameraModel, 'pose'>;

export const DEFAULT_NEAR = 0.01;
export const DEFAULT_FAR = 20;

/**
 * Orientation of the optical frame in a MuJoCo camera's frame (MuJoCo cameras look along −z with
 * y up and x right): a half turn about x. optical pose = mujocoCameraPose ∘ {0, this}.
 */
export const MUJOCO_CAMERA_TO_OPTICAL: Quat = [1, 0, 0, 0];

/**
 * Orientation of the optical frame in a ROS camera body frame (`camera_link`: x forward, y left,
 * z up), i.e. the static transform camera_link → camera_optical_frame (rpy −π/2, 0, −π/2).
 */
export const BODY_TO_OPTICAL: Quat = [-0.5, 0.5, -0.5, 0.5];

/**
 * Square-pixel intrinsics for a vertical field of view in degrees (MuJoCo's `fovy`): fy = fx =
 * (height/2)/tan(fovy/2), principal point at the image centre ((W − 1)/2, (H − 1)/2).
 */
export function intrinsicsFromFov(width: number, height: number, fovyDeg: number, near = DEFAULT_NEAR, far = DEFAULT_FAR): Intrinsics {
  if (!(fovyDeg > 0 && fovyDeg < 180)) throw new RangeError(`vertical field of view must be in (0, 180) degrees, got ${fovyDeg}`);
  const f = height / 2 / Math.tan((fovyDeg * Math.PI) / 360);
  return { width, height, fx: f, fy: f, cx: (width - 1) / 2, cy: (height - 1) / 2, near, far };
}

/**
 * The optical-frame orientation of a camera at `eye` looking at `target`, with `up` (world frame)
 * appearing up in the image: z = forward, x = forward × up (right), y = z × x (down).
 */
export function lookAtOrientation(eye: Vec3, target: Vec3, up: Vec3 = [0, 0, 1]): Quat {
  const z = normalise(sub(target, eye));
  const right = cross(z, up);
  if (Math.hypot(...right) < 1e-9 * Math.hypot(...up)) throw new RangeError('look-at: `up` is parallel to the viewing direction');
  const x = normalise(right);
  const y = cross(z, x);
  // Columns are the optical axes in the world frame.
  const m: Mat3 = [x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]];
  return matToQuat(m);
}

export interface LookAtOptions {
  eye: Vec3;
  target: Vec3;
  /** World direction that appears up in the image; default +z. */
  up?: Vec3;
  /** Vertical field of view [deg]. */
  fovyDeg: number;
  width: number;
  height: number;
  near?: number;
  far?: number;
}

/** A camera at `eye` looking at `target` with a vertical field of view (square pixels, centred). */
export function lookAtCamera(o: LookAtOptions): CameraModel {
  const intrinsics = intrinsicsFromFov(o.width, o.height, o.fovyDeg, o.near ?? DEFAULT_NEAR, o.far ?? DEFAULT_FAR);
  return { ...intrinsics, pose: { position: [...o.eye], orientation: lookAtOrientation(o.eye, o.target, o.up) } };
}

/**
 * A camera rigidly attached to a frame: `offset` is the optical frame's pose in that frame (compose
 * a body-convention mount with BODY_TO_OPTICAL, a MuJoCo camera with MUJOCO_CAMERA_TO_OPTICAL), and
 * `frame` the frame's world pose now, e.g. the end effector's.
 */
export function attachedCamera(frame: Pose, offset: Pose, intrinsics: Intrinsics): CameraModel {
  return { ...intrinsics, pose: composePose(frame, offset) };
}

/** sensor_msgs/CameraInfo without its header, for an ideal (undistorted, unrectified) camera. */
export type CameraInfoFields = Omit<sensor_msgs.msg.CameraInfo, 'header'>;

/**
 * The CameraInfo of a camera model: K = [fx 0 cx; 0 fy cy; 0 0 1], R = I, P = [K | 0],
 * 'plumb_bob' with D = 0, no binning, full-image ROI.
 */
export function cameraInfoFields(c: Pick<CameraModel, 'width' | 'height' | 'fx' | 'fy' | 'cx' | 'cy'>): CameraInfoFields {
  return {
    height: c.height,
    width: c.width,
    distortion_model: 'plumb_bob',
    d: new Float64Array(5),
    k: Float64Array.of(c.fx, 0, c.cx, 0, c.fy, c.cy, 0, 0, 1),
    r: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
    p: Float64Array.of(c.fx, 0, c.cx, 0, 0, c.fy, c.cy, 0, 0, 0, 1, 0),
    binning_x: 0,
    binning_y: 0,
    roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
  };
}

/** A world point in the camera's optical frame. */
export function toCameraFrame(c: CameraModel, p: Vec3): Vec3 {
  const [x, y, z, w] = c.pose.orientation;
  const n = Math.hypot(x, y, z, w);
  // Rotate by the inverse orientation: v' = q* (p − t) q.
  const qx = -x / n,
    qy = -y / n,
    qz = -z / n,
    qw = w / n;
  const vx = p[0] - c.pose.position[0];
  const vy = p[1] - c.pose.position[1];
  const vz = p[2] - c.pose.position[2];
  // t = 2 q × v; v' = v + w t + q × t
  const tx = 2 * (qy * vz - qz * vy);
  const ty = 2 * (qz * vx - qx * vz);
  const tz = 2 * (qx * vy - qy * vx);
  return [vx + qw * tx + (qy * tz - qz * ty), vy + qw * ty + (qz * tx - qx * tz), vz + qw * tz + (qx * ty - qy * tx)];
}

/**
 * Pinhole projection of a world point: [u, v, z] with u = fx·x/z + cx, v = fy·y/z + cy in K's
 * coordinates (pixel (round(u), round(v)) contains it) and z its depth; undefined behind the camera.
 */
export function projectPoint(c: CameraModel, p: Vec3): [number, number, number] | undefined {
  const [x, y, z] = toCameraFrame(c, p);
  if (!(z > 0)) return undefined;
  return [(c.fx * x) / z + c.cx, (c.fy * y) / z + c.cy, z];
}
