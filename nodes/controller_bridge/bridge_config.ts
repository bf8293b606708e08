// What the control loop is configured with: robot facts (from config/robots/<robot>.yaml)
// and the bridge's own settings (parameters of the controller_bridge node), with the checks
// that make a wrong robot file fail at start-up with a sentence instead of at the first chunk.

import type { CommandInterface } from './action_decoder.js';
import type { MergeRuleName } from './merge_rule.js';
import type { WorkspaceBox } from './safety_filter.js';

export interface RobotFacts {
  name: string;
  /** Controller joint order. */
  jointNames: readonly string[];
  /** [rad] */
  positionMin: readonly number[];
  positionMax: readonly number[];
  /** [rad/s] */
  velocityMax: readonly number[];
  baseFrame: string;
  eeFrame: string;
}

/**
 * Robot facts from the parameters of a robot file (config/robots/<robot>.yaml), the names the
 * node declares; `get` reads one (tests and benchmarks read the file itself).
 */
export function robotFactsFrom(get: <T>(name: string) => T): RobotFacts {
  return {
    name: get<string>('robot.name'),
    jointNames: get<string[]>('robot.joint_names'),
    positionMin: get<number[]>('robot.joint_position_min'),
    positionMax: get<number[]>('robot.joint_position_max'),
    velocityMax: get<number[]>('robot.joint_velocity_max'),
    baseFrame: get<string>('robot.base_frame'),
    eeFrame: get<string>('robot.ee_frame'),
  };
}

export interface BridgeConfig {
  robot: RobotFacts;
  commandInterface: CommandInterface;
  /** Rate of target_pose / target_joint [Hz]. */
  publishRateHz: number;
  mergeRule: MergeRuleName;
  /** weighted_average's weight of the old prediction. */
  mergeOldWeight: number;
  /** temporal_ensemble's m. */
  ensembleM: number;
  /** RTC: chunks over which the inference delay's max is taken. */
  rtcDelayWindow: number;
  /** Watchdog: no executed chunk for this long → hold [s]. Also the oldest observation accepted. */
  maxChunkAge: number;
  /** Hold when the newest camera image behind the executed chunks is older than this [s]. */
  maxObservationAge: number;
  workspace: WorkspaceBox;
  /** [m/s], enforced per tick as speed / publish rate. */
  maxTranslationSpeed: number;
  /** [rad/s], enforced per tick as speed / publish rate. */
  maxRotationSpeed: number;
  /** Robot joint limits are shrunk by this much on each side [rad]. */
  jointLimitMargin: number;
  /** Fraction of the robot's joint velocity limits the bridge may command. */
  jointVelocityScale: number;
  /** Gripper command rate [Hz]. */
  gripperRateHz: number;
  /** Largest gripper command change per command (crisp_py max_delta). */
  gripperMaxStep: number;
  /** absolute_binary threshold (crisp_gym gripper_threshold). */
  gripperThreshold: number;
  /** Enforce joint limits of pose targets through the kinematic model, when there is one. */
  poseJointLimits: boolean;
}

/**
 * The bridge's own settings when nothing sets them: the controller_bridge node declares its
 * parameters with these defaults, and the tests and benchmarks start from them.
 */
export const BRIDGE_DEFAULTS: Readonly<Omit<BridgeConfig, 'robot'>> = {
  commandInterface: 'pose',
  publishRateHz: 50,
  mergeRule: 'weighted_average',
  mergeOldWeight: 0.3,
  ensembleM: 0.01,
  rtcDelayWindow: 10,
  maxChunkAge: 0.5,
  maxObservationAge: 0.5,
  workspace: { min: [-1.5, -1.5, 0], max: [1.5, 1.5, 1.5] },
  maxTranslationSpeed: 0.5,
  maxRotationSpeed: 1.5,
  jointLimitMargin: 0.05,
  jointVelocityScale: 0.5,
  gripperRateHz: 30,
  gripperMaxStep: 0.1,
  gripperThreshold: 0.1,
  poseJointLimits: true,
};

/** A BridgeConfig for `robot`: BRIDGE_DEFAULTS (workspace copied), then `overrides`. */
export function defaultBridgeConfig(robot: RobotFacts, overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  const { min, max } = BRIDGE_DEFAULTS.workspace;
  return { robot, ...BRIDGE_DEFAULTS, workspace: { min: [...min], max: [...max] }, ...overrides };
}

/** Problems with the robot facts, as sentences naming the parameter; empty when fine. */
export function robotFactProblems(r: RobotFacts, margin: number): string[] {
  const problems: string[] = [];
  const n = r.jointNames.length;
  if (n === 0) problems.push('robot.joint_names is empty: pass the robot config (config/robots/<robot>.yaml)');
  if (new Set(r.jointNames).size !== n) problems.push('robot.joint_names has duplicates');
  for (const [key, values] of [
    ['robot.joint_position_min', r.positionMin],
    ['robot.joint_position_max', r.positionMax],
    ['robot.joint_velocity_max', r.velocityMax],
  ] as const) {
    if (values.length !== n) problems.push(`${key} has ${values.length} values for ${n} joints`);
    else if (!values.every(Number.isFinite)) problems.push(`${key} has non-finite values`);
  }
  if (problems.length > 0) return problems;
  for (let i = 0; i < n; i++) {
    if (!(r.positionMax[i] - r.positionMin[i] > 2 * margin)) {
      problems.push(
        `joint ${r.jointNames[i]}: limits [${r.positionMin[i]}, ${r.positionMax[i]}] leave no room inside joint_limit_margin ${margin}`,
      );
    }
    if (!(r.velocityMax[i] > 0)) problems.push(`joint ${r.jointNames[i]}: robot.joint_velocity_max must be > 0`);
  }
  if (r.baseFrame === '') problems.push('robot.base_frame is empty');
  return problems;
}

export function workspaceProblems(w: WorkspaceBox): string[] {
  return ['x', 'y', 'z'].flatMap((axis, i) =>
    w.min[i] < w.max[i] ? [] : [`workspace.min_${axis} (${w.min[i]}) must be below workspace.max_${axis} (${w.max[i]})`],
  );
}

/**
 * The robot state the bridge starts from, on activation and on each episode's START: the current
 * pose for pose commands, joint states for joint commands and for the pose path's joint limiter
 * (which needs a kinematic chain).
 */
export function requiredRobotState(config: BridgeConfig, hasKinematics: boolean): { pose: boolean; joints: boolean } {
  return {
    pose: config.commandInterface === 'pose',
    joints: config.commandInterface === 'joint' || (config.poseJointLimits && hasKinematics),
  };
}
