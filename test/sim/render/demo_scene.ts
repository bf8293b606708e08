// A representative tabletop scene for the renderer's benchmark, tests and visual checks: a 7-link
// arm of capsules with cylindrical joint housings on a table, a parallel gripper of boxes, cubes and
// spheres to manipulate, floor and walls; seen by a front camera and a wrist camera on the end
// effector. Its geometry only resembles an FR3; the simulator builds the real one from MuJoCo.

import { attachedCamera, intrinsicsFromFov, lookAtCamera } from '../../../nodes/sim/render/camera.js';
import { composePose, quatFromAxisAngle, quatMul } from '../../../nodes/sim/render/math3d.js';
import type { CameraModel, Colour, Lighting, Pose, Primitive, Quat, Vec3 } from '../../../nodes/sim/render/scene.js';

export interface DemoScene {
  shapes: Primitive[];
  lighting: Lighting;
  front: CameraModel;
  wrist: CameraModel;
  /** End-effector pose (gripper z axis points out between the fingers). */
  endEffector: Pose;
}

const IDENTITY: Quat = [0, 0, 0, 1];
const LINK_LENGTHS = [0.2, 0.3, 0.05, 0.3, 0.05, 0.15, 0.08];
/** Joint axes in the link frame: z, y, z, y, z, y, z (like an FR3's alternating joints). */
const AXES: Vec3[] = [
  [0, 0, 1],
  [0, 1, 0],
  [0, 0, 1],
  [0, 1, 0],
  [0, 0, 1],
  [0, 1, 0],
  [0, 0, 1],
];
export const DEMO_JOINTS = [0.1, 0.55, 0, 1.15, 0, 1.44, 0.3];

const ARM: Colour = [0.8, 0.8, 0.82];
const JOINT: Colour = [0.15, 0.15, 0.17];

function pose(position: Vec3, orientation: Quat = IDENTITY): Pose {
  return { position, orientation };
}

export interface DemoOptions {
  joints?: readonly number[];
  frontSize?: [number, number];
  wristSize?: [number, number];
}

/** The scene at the given joint angles (default DEMO_JOINTS). */
export function demoScene(options: DemoOptions = {}): DemoScene {
  const q = options.joints ?? DEMO_JOINTS;
  const [fw, fh] = options.frontSize ?? [256, 256];
  const [ww, wh] = options.wristSize ?? [256, 256];
  const shapes: Primitive[] = [];
  const tableTop = 0.75;

  // Room: floor and two walls.
  shapes.push({ kind: 'plane', pose: pose([0.5, 0, 0]), halfSize: [3, 3], colour: [0.35, 0.33, 0.3] });
  shapes.push({
    kind: 'plane',
    pose: pose([-1.2, 0, 1.5], quatFromAxisAngle([0, 1, 0], Math.PI / 2)),
    halfSize: [1.5, 3],
    colour: [0.7, 0.7, 0.68],
  });
  shapes.push({
    kind: 'plane',
    pose: pose([0.5, 2.5, 1.5], quatFromAxisAngle([1, 0, 0], Math.PI / 2)),
    halfSize: [3, 1.5],
    colour: [0.62, 0.66, 0.7],
  });

  // Table: top and four legs.
  shapes.push({ kind: 'box', pose: pose([0.45, 0, tableTop - 0.02]), halfSize: [0.55, 0.7, 0.02], colour: [0.55, 0.38, 0.22] });
  for (const [x, y] of [
    [-0.05, -0.65],
    [-0.05, 0.65],
    [0.95, -0.65],
    [0.95, 0.65],
  ]) {
    shapes.push({
      kind: 'box',
      pose: pose([x, y, (tableTop - 0.04) / 2]),
      halfSize: [0.03, 0.03, (tableTop - 0.04) / 2],
      colour: [0.3, 0.2, 0.12],
    });
  }

  // Arm base.
  shapes.push({ kind: 'cylinder', pose: pose([0, 0, tableTop + 0.02]), radius: 0.1, halfLength: 0.02, colour: JOINT });

  // Links: rotate about the joint axis, then a capsule along the link's z; a housing at each joint.
  let frame = pose([0, 0, tableTop + 0.04]);
  for (let i = 0; i < 7; i++) {
    frame = { position: frame.position, orientation: quatMul(frame.orientation, quatFromAxisAngle(AXES[i], q[i] ?? 0)) };
    const housing = AXES[i][1] === 1 ? quatFromAxisAngle([1, 0, 0], Math.PI / 2) : IDENTITY;
    shapes.push({ kind: 'cylinder', pose: composePose(frame, pose([0, 0, 0], housing)), radius: 0.065, halfLength: 0.07, colour: JOINT });
    const L = LINK_LENGTHS[i];
    shapes.push({ kind: 'capsule', pose: composePose(frame, pose([0, 0, L / 2])), radius: 0.05, halfLength: L / 2, colour: ARM });
    frame = composePose(frame, pose([0, 0, L]));
  }

  // Gripper at the end effector: flange, palm, two fingers.
  const ee = composePose(frame, pose([0, 0, 0.04]));
  shapes.push({ kind: 'cylinder', pose: composePose(frame, pose([0, 0, 0.02])), radius: 0.045, halfLength: 0.02, colour: JOINT });
  shapes.push({ kind: 'box', pose: composePose(ee, pose([0, 0, 0.02])), halfSize: [0.03, 0.09, 0.02], colour: [0.9, 0.9, 0.92] });
  for (const s of [-1, 1]) {
    shapes.push({
      kind: 'box',
      pose: composePose(ee, pose([0, s * 0.035, 0.075])),
      halfSize: [0.012, 0.008, 0.035],
      colour: [0.2, 0.2, 0.22],
    });
  }

  // Objects on the table.
  const cube = (x: number, y: number, h: number, yaw: number, colour: Colour): Primitive => ({
    kind: 'box',
    pose: pose([x, y, tableTop + h], quatFromAxisAngle([0, 0, 1], yaw)),
    halfSize: [h, h, h],
    colour,
  });
  shapes.push(cube(0.58, 0.12, 0.025, 0.3, [0.8, 0.05, 0.05]));
  shapes.push(cube(0.45, -0.18, 0.025, -0.5, [0.05, 0.15, 0.8]));
  shapes.push(cube(0.7, -0.05, 0.02, 0.9, [0.1, 0.6, 0.1]));
  shapes.push({ kind: 'sphere', pose: pose([0.35, 0.25, tableTop + 0.03]), radius: 0.03, colour: [0.9, 0.7, 0.05] });
  shapes.push({ kind: 'sphere', pose: pose([0.75, 0.3, tableTop + 0.025]), radius: 0.025, colour: [0.6, 0.1, 0.7] });
  // A target zone and a bin rim.
  shapes.push({ kind: 'cylinder', pose: pose([0.6, -0.4, tableTop + 0.002]), radius: 0.08, halfLength: 0.002, colour: [0.9, 0.9, 0.3] });
  shapes.push({ kind: 'box', pose: pose([0.3, -0.45, tableTop + 0.03]), halfSize: [0.1, 0.005, 0.03], colour: [0.4, 0.4, 0.45] });
  shapes.push({ kind: 'box', pose: pose([0.3, -0.25, tableTop + 0.03]), halfSize: [0.1, 0.005, 0.03], colour: [0.4, 0.4, 0.45] });

  const lighting: Lighting = { direction: [-0.4, 0.3, -1], ambient: 0.35, background: [0.55, 0.65, 0.8] };
  const front = lookAtCamera({ eye: [1.7, 0.35, 1.45], target: [0.4, 0, 0.9], fovyDeg: 50, width: fw, height: fh, near: 0.05, far: 10 });
  // Wrist camera: behind the palm, off to the side of the fingers, looking along the gripper.
  const wrist = attachedCamera(ee, pose([0.07, 0, 0.04], quatFromAxisAngle([0, 1, 0], -0.7)), intrinsicsFromFov(ww, wh, 70, 0.01, 5));
  return { shapes, lighting, front, wrist, endEffector: ee };
}
