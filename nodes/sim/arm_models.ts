// Physical models of the simulated arms: a body tree whose joint frames ARE the DH frames of
// nodes/robots/robot_models.ts (so MuJoCo's forward kinematics equals the suite's kinematic
// model exactly — tested), primitive geoms sized after the real links, link masses from the
// makers' published inertial parameters (inertia tensors from the primitive shapes), and a
// simple parallel gripper (two prismatic fingers).
//
// Provenance:
// - FR3: Franka's modified DH (robot_models.ts); link masses from franka_description
//   (robots/fr3 inertials, rounded); joint torque limits 87/87/87/87/12/12/12 Nm (Franka datasheet);
//   Franka Hand mounted −45° about the flange z, TCP 0.1034 m past the flange, fingers 0–40 mm each.
// - UR5e: Universal Robots' standard DH (robot_models.ts); link masses 3.761/8.058/2.846/1.37/1.3/0.365 kg
//   (UR's "DH parameters for calculations of kinematics and dynamics"); torque limits from the
//   robot file. Its gripper is a generic two-finger gripper on tool0 (Robotiq-2F-like size).
// - Armature 0.1 kg·m² per arm joint stands for the reflected rotor inertia (as MuJoCo Menagerie's
//   arm models do); without it the wrist links are too light for explicit damping at 1 ms.
// Joint names and limits are never written here: they come from the robot facts.

import { FRANKA_DH, FRANKA_FLANGE_OFFSET, FRANKA_HAND_TCP_OFFSET, UR5E_DH } from '../robots/robot_models.js';
import type { SimRobotFacts } from './robot_facts.js';

export type Vec3 = [number, number, number];
/** MuJoCo order: w x y z. */
export type WQuat = [number, number, number, number];
export type Rgba = [number, number, number, number];

/** Collision classes: robot geoms touch the environment, not each other; env geoms touch everything. */
export type CollisionGroup = 'robot' | 'env' | 'none';

export interface GeomSpec {
  name?: string;
  type: 'capsule' | 'box' | 'cylinder' | 'sphere';
  /** MuJoCo `size` (half sizes; capsule/cylinder: radius [, half length]). */
  size: number[];
  /** Capsule/cylinder between two points (then `size` is just the radius). */
  fromto?: [number, number, number, number, number, number];
  pos?: Vec3;
  quat?: WQuat;
  rgba: Rgba;
  /** [kg]; 0 = massless decoration. */
  mass: number;
  collision: CollisionGroup;
  friction?: [number, number, number];
  condim?: number;
}

export interface JointSpec {
  name: string;
  type: 'hinge' | 'slide';
  axis: Vec3;
  range: [number, number];
  armature: number;
  damping: number;
}

export interface SiteSpec {
  name: string;
  pos: Vec3;
  quat?: WQuat;
}

export interface BodySpec {
  name: string;
  pos: Vec3;
  quat?: WQuat;
  joint?: JointSpec;
  geoms: GeomSpec[];
  sites: SiteSpec[];
  children: BodySpec[];
}

export interface ArmModel {
  root: BodySpec;
  /** Site at the controller's end-effector frame (robot.ee_frame). */
  eeSite: string;
  /** Site between the fingertips (what touches and grasps). */
  gripSite: string;
  /** Body the wrist camera is fixed to, and the camera's optical frame in that body. */
  wristCameraBody: string;
  wristCameraPos: Vec3;
  /** Optical frame (z forward, x right, y down) in the body frame, MuJoCo order. */
  wristCameraQuat: WQuat;
  /** Finger joints: opening of each = width / 2. */
  fingerJoints: [string, string];
  /** Bodies whose contact with an object counts as "touching" it. */
  gripperBodies: string[];
  /** Per arm joint [Nm]. */
  effortMax: readonly number[];
  /** Largest force of one finger [N]. */
  fingerForce: number;
  /** Distance from eeSite to gripSite along the ee z axis [m]. */
  gripOffset: number;
  /** How far the fingertips reach past gripSite along the ee z axis [m]. */
  tipOffset: number;
}

const HALF_PI = Math.PI / 2;

export function quatAxisAngle(axis: Vec3, angle: number): WQuat {
  const n = Math.hypot(...axis);
  const s = Math.sin(angle / 2) / n;
  return [Math.cos(angle / 2), axis[0] * s, axis[1] * s, axis[2] * s];
}

function quatRx(a: number): WQuat {
  return quatAxisAngle([1, 0, 0], a);
}

function quatRz(a: number): WQuat {
  return quatAxisAngle([0, 0, 1], a);
}

const FRANKA_WHITE: Rgba = [0.92, 0.92, 0.9, 1];
const FRANKA_DARK: Rgba = [0.15, 0.15, 0.16, 1];
const UR_BLUE: Rgba = [0.55, 0.68, 0.8, 1];
const UR_GREY: Rgba = [0.75, 0.76, 0.78, 1];
const FINGER: Rgba = [0.2, 0.2, 0.22, 1];

const FINGER_FRICTION: [number, number, number] = [1.5, 0.01, 0.0001];

/** Two prismatic fingers on a palm; `fingerZ` is where the finger bodies start along the palm z. */
function parallelGripper(opts: {
  prefix: string;
  fingerJointNames: [string, string];
  maxWidth: number;
  fingerZ: number;
  fingerLength: number;
  fingerHalf: Vec3;
  fingerMass: number;
}): BodySpec[] {
  const { fingerHalf: h } = opts;
  const finger = (side: 1 | -1, jointName: string, bodyName: string): BodySpec => ({
    name: bodyName,
    pos: [0, 0, opts.fingerZ],
    joint: { name: jointName, type: 'slide', axis: [0, side, 0], range: [0, opts.maxWidth / 2], armature: 0.01, damping: 2 },
    // The finger's inner face is at the joint position: opening = 2 × joint value.
    geoms: [
      {
        name: `${bodyName}_pad`,
        type: 'box',
        size: [h[0], h[1], h[2]],
        pos: [0, side * h[1], opts.fingerLength - h[2]],
        rgba: FINGER,
        mass: opts.fingerMass,
        collision: 'robot',
        friction: FINGER_FRICTION,
        condim: 4,
      },
    ],
    sites: [],
    children: [],
  });
  return [
    finger(1, opts.fingerJointNames[0], `${opts.prefix}leftfinger`),
    finger(-1, opts.fingerJointNames[1], `${opts.prefix}rightfinger`),
  ];
}

/** Arm joint i: a hinge about the body's z axis within the robot's position limits (both arms). */
function armJoint(facts: SimRobotFacts, i: number): JointSpec {
  return {
    name: facts.jointNames[i],
    type: 'hinge',
    axis: [0, 0, 1],
    range: [facts.positionMin[i], facts.positionMax[i]],
    armature: 0.1,
    damping: 0.5,
  };
}

/** Franka FR3: modified DH frames (body i = DH frame i), link masses from franka_description. */
function fr3Model(facts: SimRobotFacts): ArmModel {
  const masses = [2.93, 2.94, 2.24, 2.62, 2.33, 1.82, 0.63];
  const cap = (fromto: GeomSpec['fromto'], r: number, mass: number, rgba = FRANKA_WHITE): GeomSpec => ({
    type: 'capsule',
    size: [r],
    fromto,
    rgba,
    mass,
    collision: 'robot',
  });
  // Per body, the geometry between its origin and the next joint (see the header for the frames).
  const linkGeoms: GeomSpec[][] = [
    [cap([0, 0, -0.2, 0, 0, -0.02], 0.06, masses[0])],
    [cap([0, 0, 0, 0, -0.316, 0], 0.06, masses[1]), cap([0, 0, -0.05, 0, 0, 0.05], 0.062, 0, FRANKA_DARK)],
    [cap([0, 0, -0.12, 0, 0, 0], 0.055, masses[2] * 0.6), cap([0, 0, 0, 0.0825, 0, 0], 0.055, masses[2] * 0.4)],
    [
      cap([0, 0, 0, -0.0825, 0, 0], 0.055, masses[3] * 0.3),
      cap([-0.0825, 0, 0, -0.0825, 0.12, 0], 0.05, masses[3] * 0.7),
      cap([0, 0, -0.05, 0, 0, 0.05], 0.057, 0, FRANKA_DARK),
    ],
    [cap([0, 0, -0.26, 0, 0, -0.04], 0.045, masses[4])],
    [cap([0, 0, -0.02, 0, 0, 0.02], 0.05, masses[5] * 0.5, FRANKA_DARK), cap([0, 0, 0, 0.088, 0, 0], 0.045, masses[5] * 0.5)],
    [cap([0, 0, -0.03, 0, 0, 0.07], 0.042, masses[6])],
  ];
  const hand: BodySpec = {
    name: 'fr3_hand',
    pos: [0, 0, FRANKA_FLANGE_OFFSET],
    quat: quatRz(-Math.PI / 4),
    geoms: [
      { type: 'box', size: [0.025, 0.095, 0.025], pos: [0, 0, 0.03], rgba: FRANKA_WHITE, mass: 0.73, collision: 'robot' },
      { type: 'cylinder', size: [0.035, 0.005], pos: [0, 0, 0.005], rgba: FRANKA_DARK, mass: 0, collision: 'none' },
    ],
    sites: [
      { name: facts.eeFrame, pos: [0, 0, FRANKA_HAND_TCP_OFFSET] },
      { name: 'grip_center', pos: [0, 0, FRANKA_HAND_TCP_OFFSET] },
    ],
    children: parallelGripper({
      prefix: 'fr3_',
      fingerJointNames: ['fr3_finger_joint1', 'fr3_finger_joint2'],
      maxWidth: facts.gripperMaxWidth,
      fingerZ: 0.0584,
      fingerLength: FRANKA_HAND_TCP_OFFSET - 0.0584 + 0.005,
      fingerHalf: [0.01, 0.009, 0.024],
      fingerMass: 0.015,
    }),
  };
  let child: BodySpec = hand;
  for (let i = 6; i >= 0; i--) {
    const link = FRANKA_DH[i];
    // Modified DH: T_i = Rx(α)·Tx(a)·Rz(θ)·Tz(d) → at θ = 0 the frame sits at (a, −sinα·d, cosα·d), turned Rx(α).
    const body: BodySpec = {
      name: `fr3_link${i + 1}`,
      pos: [link.a, -Math.sin(link.alpha) * link.d, Math.cos(link.alpha) * link.d],
      quat: quatRx(link.alpha),
      joint: armJoint(facts, i),
      geoms: linkGeoms[i],
      sites: [],
      children: [child],
    };
    child = body;
  }
  const root: BodySpec = {
    name: 'fr3_link0',
    pos: [0, 0, 0],
    geoms: [
      { type: 'cylinder', size: [0.09, 0.07], pos: [-0.04, 0, 0.07], rgba: FRANKA_WHITE, mass: 0, collision: 'none' },
      { type: 'capsule', size: [0.065], fromto: [0, 0, 0.1, 0, 0, 0.16], rgba: FRANKA_WHITE, mass: 0, collision: 'none' },
    ],
    sites: [],
    children: [child],
  };
  return {
    root,
    eeSite: facts.eeFrame,
    gripSite: 'grip_center',
    wristCameraBody: 'fr3_hand',
    // On the hand's −x side (away from link 7's offset), looking down the fingers.
    wristCameraPos: [-0.065, 0, 0.04],
    wristCameraQuat: wristOpticalQuat(-1),
    fingerJoints: ['fr3_finger_joint1', 'fr3_finger_joint2'],
    gripperBodies: ['fr3_hand', 'fr3_leftfinger', 'fr3_rightfinger'],
    effortMax: facts.effortMax ?? [87, 87, 87, 87, 12, 12, 12],
    fingerForce: 70,
    gripOffset: 0,
    tipOffset: 0.005,
  };
}

/**
 * The wrist camera's optical frame in the hand frame, for a camera on the hand's `side` (±x): looking
 * along hand +z (the fingers), image y pointing from the camera toward the fingers (which are then
 * at the bottom of the image), image x along the finger axis: z_opt = z_hand, y_opt = −side·x_hand,
 * x_opt = side·y_hand; tilted 18° toward the fingers.
 */
function wristOpticalQuat(side: 1 | -1): WQuat {
  // Columns x_opt = side·(0,1,0), y_opt = side·(−1,0,0), z_opt = (0,0,1): a turn of side·90° about z.
  const base = quatRz(side * HALF_PI);
  // Tilt about the optical x axis so the view converges on the fingertips from the side offset.
  const tilt = quatAxisAngle([1, 0, 0], (-18 * Math.PI) / 180);
  return quatMul(base, tilt);
}

export function quatMul(a: WQuat, b: WQuat): WQuat {
  const [aw, ax, ay, az] = a;
  const [bw, bx, by, bz] = b;
  return [
    aw * bw - ax * bx - ay * by - az * bz,
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
  ];
}

/** UR5e: standard DH (body i turns about z of DH frame i−1), masses from Universal Robots. */
function ur5eModel(facts: SimRobotFacts): ArmModel {
  const masses = [3.761, 8.058, 2.846, 1.37, 1.3, 0.365];
  const radius = [0.06, 0.054, 0.045, 0.04, 0.04, 0.04];
  const geomsOf = (i: number): GeomSpec[] => {
    const { a, d } = UR5E_DH[i];
    const r = radius[i];
    const rgba = i === 1 || i === 2 ? UR_GREY : UR_BLUE;
    const geoms: GeomSpec[] = [];
    // The link is Tz(d)·Tx(a) from its joint: a segment along z, then one along x.
    const parts: Array<[number, number, number, number, number, number]> = [];
    if (Math.abs(d) > 1e-6) parts.push([0, 0, 0, 0, 0, d]);
    if (Math.abs(a) > 1e-6) parts.push([0, 0, d, a, 0, d]);
    if (parts.length === 0) parts.push([0, 0, -0.03, 0, 0, 0.03]);
    const total = parts.reduce((s, p) => s + Math.hypot(p[3] - p[0], p[4] - p[1], p[5] - p[2]), 0);
    for (const p of parts) {
      const len = Math.hypot(p[3] - p[0], p[4] - p[1], p[5] - p[2]);
      geoms.push({ type: 'capsule', size: [r], fromto: p, rgba, mass: (masses[i] * len) / total, collision: 'robot' });
    }
    // Joint housing.
    geoms.push({ type: 'cylinder', size: [r * 1.08, 0.045], rgba: UR_BLUE, mass: 0, collision: 'none' });
    return geoms;
  };
  const gripperBase: BodySpec = {
    name: 'gripper_base',
    pos: [0, 0, UR5E_DH[5].d],
    geoms: [
      { type: 'cylinder', size: [0.038, 0.015], pos: [0, 0, 0.015], rgba: FINGER, mass: 0.2, collision: 'robot' },
      { type: 'box', size: [0.03, 0.06, 0.03], pos: [0, 0, 0.06], rgba: [0.3, 0.3, 0.32, 1], mass: 0.6, collision: 'robot' },
    ],
    sites: [{ name: 'grip_center', pos: [0, 0, 0.16] }],
    children: parallelGripper({
      prefix: 'gripper_',
      fingerJointNames: ['gripper_finger_joint1', 'gripper_finger_joint2'],
      maxWidth: facts.gripperMaxWidth,
      fingerZ: 0.09,
      fingerLength: 0.08,
      fingerHalf: [0.01, 0.009, 0.024],
      fingerMass: 0.015,
    }),
  };
  let child: BodySpec | undefined;
  for (let i = 5; i >= 0; i--) {
    const prev = i > 0 ? UR5E_DH[i - 1] : undefined;
    const body: BodySpec = {
      name: `ur5e_link${i + 1}`,
      // Body i sits where link i−1 ends: Tz(d)·Tx(a)·Rx(α) of the previous link; body 1 sits on
      // base_link turned by π about z (base_link vs. the DH base, REP-199).
      pos: prev === undefined ? [0, 0, 0] : [prev.a, 0, prev.d],
      quat: prev === undefined ? quatRz(Math.PI) : quatRx(prev.alpha),
      joint: armJoint(facts, i),
      geoms: geomsOf(i),
      sites: i === 5 ? [{ name: facts.eeFrame, pos: [0, 0, UR5E_DH[5].d] }] : [],
      children: i === 5 ? [gripperBase] : child === undefined ? [] : [child],
    };
    child = body;
  }
  const root: BodySpec = {
    name: 'base_link',
    pos: [0, 0, 0],
    geoms: [{ type: 'cylinder', size: [0.075, 0.04], pos: [0, 0, 0.04], rgba: UR_BLUE, mass: 0, collision: 'none' }],
    sites: [],
    children: [child!],
  };
  return {
    root,
    eeSite: facts.eeFrame,
    gripSite: 'grip_center',
    wristCameraBody: 'gripper_base',
    wristCameraPos: [0.06, 0, 0.1],
    wristCameraQuat: wristOpticalQuat(1),
    fingerJoints: ['gripper_finger_joint1', 'gripper_finger_joint2'],
    gripperBodies: ['gripper_base', 'gripper_leftfinger', 'gripper_rightfinger'],
    effortMax: facts.effortMax ?? [150, 150, 150, 28, 28, 28],
    fingerForce: 70,
    gripOffset: 0.16,
    tipOffset: 0.01,
  };
}

/** The physical model of an arm from its facts. */
export function armModel(facts: SimRobotFacts): ArmModel {
  const expected = facts.name === 'fr3' ? 7 : 6;
  if (facts.jointNames.length !== expected) {
    throw new Error(`${facts.name} has ${expected} joints, robot.joint_names lists ${facts.jointNames.length}`);
  }
  const model = facts.name === 'fr3' ? fr3Model(facts) : ur5eModel(facts);
  if (model.effortMax.length !== expected) throw new Error(`robot.joint_effort_max needs ${expected} values`);
  return model;
}
