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
      problems.push(`joint ${r.jointNames[i]}: limits [${r.positionMin[i]}, ${r.positionMax[i]}] leave no room inside joint_limit_margin ${margin}`);
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
