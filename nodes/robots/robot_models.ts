// Kinematic models of the arms the suite drives, from their makers' published DH parameters.
// Geometry only: joint limits are robot facts that live in config/robots/*.yaml (ROS params),
// so they are passed in by whoever uses a model, never duplicated here.
//
// - Franka FR3 / Panda (FER): modified DH (Franka's "Robot and interface specifications"), the
//   same for both arms; flange 0.107 m past joint 7; the Franka Hand is mounted at −45° about
//   the flange z axis and its TCP (`<arm>_hand_tcp`) is 0.1034 m further along z.
// - UR5e / UR10e: standard DH (Universal Robots' "DH parameters for calculations of kinematics
//   and dynamics"). ROS's `base_link` is the DH base frame turned by π about z (REP-199 /
//   ur_description), and `tool0` is the last DH frame.

import { SerialChain, identityTransform, multiplyTransforms, rotZ, translation, type DhLink } from './kinematics.js';

const HALF_PI = Math.PI / 2;

/** Franka's modified DH table (a = a_{i−1}, α = α_{i−1}, as Franka lists it). */
export const FRANKA_DH: readonly DhLink[] = Object.freeze([
  { a: 0, d: 0.333, alpha: 0 },
  { a: 0, d: 0, alpha: -HALF_PI },
  { a: 0, d: 0.316, alpha: HALF_PI },
  { a: 0.0825, d: 0, alpha: HALF_PI },
  { a: -0.0825, d: 0.384, alpha: -HALF_PI },
  { a: 0, d: 0, alpha: HALF_PI },
  { a: 0.088, d: 0, alpha: HALF_PI },
]);
export const FRANKA_FLANGE_OFFSET = 0.107;
export const FRANKA_HAND_TCP_OFFSET = 0.1034;

function urDh(d1: number, a2: number, a3: number, d4: number, d5: number, d6: number): readonly DhLink[] {
  return Object.freeze([
    { a: 0, d: d1, alpha: HALF_PI },
    { a: a2, d: 0, alpha: 0 },
    { a: a3, d: 0, alpha: 0 },
    { a: 0, d: d4, alpha: HALF_PI },
    { a: 0, d: d5, alpha: -HALF_PI },
    { a: 0, d: d6, alpha: 0 },
  ]);
}

export const UR5E_DH = urDh(0.1625, -0.425, -0.3922, 0.1333, 0.0997, 0.0996);
export const UR10E_DH = urDh(0.1807, -0.6127, -0.57155, 0.17415, 0.11985, 0.11655);

export type FrankaEndEffector = 'flange' | 'hand_tcp';

export function frankaChain(name: string, endEffector: FrankaEndEffector = 'hand_tcp'): SerialChain {
  const flange = translation(0, 0, FRANKA_FLANGE_OFFSET);
  const tool =
    endEffector === 'flange'
      ? flange
      : multiplyTransforms(
          multiplyTransforms(flange, rotZ(-Math.PI / 4), new Float64Array(16)),
          translation(0, 0, FRANKA_HAND_TCP_OFFSET),
          new Float64Array(16),
        );
  return new SerialChain(name, FRANKA_DH, 'modified', identityTransform(), tool);
}

export function urChain(variant: 'ur5e' | 'ur10e'): SerialChain {
  return new SerialChain(variant, variant === 'ur5e' ? UR5E_DH : UR10E_DH, 'standard', rotZ(Math.PI));
}

/**
 * The chain for a robot config (`robot.name`, `robot.ee_frame`), or undefined when the suite
 * has no model of that arm or end-effector frame (callers then fall back to what needs no model).
 */
export function kinematicsFor(robotName: string, eeFrame: string): SerialChain | undefined {
  switch (robotName) {
    case 'fr3':
    case 'panda':
    case 'fer':
      if (eeFrame.endsWith('_hand_tcp')) return frankaChain(robotName, 'hand_tcp');
      if (eeFrame.endsWith('_link8') || eeFrame.endsWith('_flange')) return frankaChain(robotName, 'flange');
      return undefined;
    case 'ur5e':
    case 'ur10e':
      return eeFrame === 'tool0' ? urChain(robotName) : undefined;
    default:
      return undefined;
  }
}
