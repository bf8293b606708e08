// What the control loop is configured with: robot facts (from config/robots/<robot>.yaml)
// and the bridge's own settings (parameters of the controller_bridge node), with the checks
// that make a wrong robot file fail at start-up with a sentence instead of at the first chunk.

import { pickParameters, parameterDefaults, param, type ParameterValues } from '../ros/parameter_schema.js';
import { robotFactProblems, robotFactsFrom, type RobotFacts } from '../robots/robot_facts.js';
import { CRISP_PARAMETERS, ROBOT_PARAMETERS } from '../robots/robot_parameters.js';
import { JOINT_STATE_LIMIT_TOLERANCE } from '../robots/joint_state_mapper.js';
import type { CommandInterface } from './action_decoder.js';
import { MERGE_RULES, type MergeRuleName } from './merge_rule.js';
import type { WorkspaceBox } from './safety_filter.js';

// The one type of robot facts and its reader, kept here under the names the bridge's tests import.
export { robotFactsFrom, type RobotFacts };

const COMMAND_INTERFACES = ['pose', 'joint'] as const satisfies readonly CommandInterface[];

/** Every parameter of the controller_bridge node (docs/controller-bridge.md's table is made from it). */
export const BRIDGE_PARAMETERS = {
  ...pickParameters(ROBOT_PARAMETERS, [
    'robot.name',
    'robot.joint_names',
    'robot.joint_position_min',
    'robot.joint_position_max',
    'robot.joint_velocity_max',
    'robot.base_frame',
    'robot.ee_frame',
  ]),
  ...pickParameters(CRISP_PARAMETERS, [
    'crisp.target_pose_topic',
    'crisp.target_joint_topic',
    'crisp.current_pose_topic',
    'crisp.joint_states_topic',
    'crisp.gripper_command_topic',
  ]),
  command_interface: param.choice(
    COMMAND_INTERFACES,
    'pose',
    'pose: publish target_pose (ee_* action spaces); joint: publish target_joint (joint_* action spaces).',
  ),
  publish_rate_hz: param.double(50, 'Rate of target_pose / target_joint [Hz] (crisp_py: 50).', { range: [1, 1000] }),
  merge_rule: param.choice(
    MERGE_RULES,
    'weighted_average',
    'How overlapping chunks merge: latest_only, weighted_average, average, conservative, temporal_ensemble, rtc.',
  ),
  merge_old_weight: param.double(0.3, 'weighted_average: weight of the old prediction (LeRobot: 0.3; the new one gets 1 − this).', {
    range: [0, 1],
  }),
  temporal_ensemble_m: param.double(0.01, 'temporal_ensemble: w_i = exp(−m·i), i = 0 the oldest prediction (ACT: 0.01).', {
    range: [0, 10],
  }),
  rtc_delay_window: param.integer(10, 'rtc: the inference delay is the max over this many recent chunks.', { range: [1, 1000] }),
  max_chunk_age: param.double(
    0.5,
    'Watchdog: no fresh chunk for this long → hold the last safe target [s]; also the oldest observation accepted.',
    { range: [0.01, 60] },
  ),
  max_observation_age: param.double(
    0.5,
    "Hold when the newest camera image behind the executed chunks (ActionChunk.observation_stamp) is older than this [s]; above the VLM's period.",
    { range: [0.01, 60] },
  ),
  'workspace.min_x': param.double(-1.5, 'Workspace box in the base frame [m].', { range: [-10, 10] }),
  'workspace.min_y': param.double(-1.5, 'Workspace box [m].', { range: [-10, 10] }),
  'workspace.min_z': param.double(0, 'Workspace box [m] (crisp_gym: min_z 0.0, the table).', { range: [-10, 10] }),
  'workspace.max_x': param.double(1.5, 'Workspace box [m].', { range: [-10, 10] }),
  'workspace.max_y': param.double(1.5, 'Workspace box [m].', { range: [-10, 10] }),
  'workspace.max_z': param.double(1.5, 'Workspace box [m].', { range: [-10, 10] }),
  max_translation_speed: param.double(0.5, 'Largest target speed [m/s]; per tick: speed / publish_rate_hz.', { range: [0.001, 5] }),
  max_rotation_speed: param.double(1.5, 'Largest target angular speed [rad/s]; per tick: speed / publish_rate_hz.', {
    range: [0.001, 20],
  }),
  joint_limit_margin: param.double(0.05, 'Robot joint limits are shrunk by this much on each side [rad].', { range: [0, 0.5] }),
  joint_velocity_scale: param.double(0.5, 'Fraction of robot.joint_velocity_max the bridge may command.', { range: [0.01, 1] }),
  gripper_rate_hz: param.double(30, 'Gripper command rate [Hz] (crisp_py: 30).', { range: [1, 1000] }),
  gripper_max_step: param.double(0.1, 'Largest gripper change per command (crisp_py max_delta: 0.1).', { range: [0.001, 1] }),
  gripper_threshold: param.double(0.1, 'absolute_binary: action < threshold closes, >= opens (crisp_gym: 0.1).', { range: [0, 1] }),
  pose_joint_limits: param.bool(
    true,
    'Pose targets: enforce joint position/velocity limits through the kinematic model (IK), when the robot has one.',
  ),
  state_timeout: param.double(1.0, 'Robot state older than this is stale [s] (crisp_py: 1.0).', { range: [0.01, 60] }),
  activation_timeout: param.double(5.0, 'Activation waits this long for current_pose / joint_states before refusing [s].', {
    range: [0, 600],
  }),
  joint_state_limit_tolerance: param.double(
    JOINT_STATE_LIMIT_TOLERANCE,
    'joint_states with a position further than this outside robot.joint_position_min/max are rejected (counted) [rad].',
    { range: [0, 10] },
  ),
  require_failure_monitor: param.bool(
    false,
    'Hold the arm unless the failure monitor reports itself live (running, degraded or holding: not starting or error) on failure_monitor_status_topic; bringup.launch.xml sets it when it launches the monitor.',
  ),
  failure_monitor_status_topic: param.string('failure_monitor/status', "The failure monitor's ~/status (vla_ros_msgs/PathwayStatus)."),
  failure_monitor_timeout: param.double(
    3.0,
    'The failure monitor counts as gone when its last status is older than this [s] (it reports at 1 Hz).',
    { range: [0.1, 60] },
  ),
};

export type BridgeParameters = ParameterValues<typeof BRIDGE_PARAMETERS>;

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

/** The control loop's own settings (all but the robot) from the node's parameter values. */
export function bridgeSettingsFrom(v: BridgeParameters): Omit<BridgeConfig, 'robot'> {
  return {
    commandInterface: v.command_interface,
    publishRateHz: v.publish_rate_hz,
    mergeRule: v.merge_rule,
    mergeOldWeight: v.merge_old_weight,
    ensembleM: v.temporal_ensemble_m,
    rtcDelayWindow: v.rtc_delay_window,
    maxChunkAge: v.max_chunk_age,
    maxObservationAge: v.max_observation_age,
    workspace: {
      min: [v['workspace.min_x'], v['workspace.min_y'], v['workspace.min_z']],
      max: [v['workspace.max_x'], v['workspace.max_y'], v['workspace.max_z']],
    },
    maxTranslationSpeed: v.max_translation_speed,
    maxRotationSpeed: v.max_rotation_speed,
    jointLimitMargin: v.joint_limit_margin,
    jointVelocityScale: v.joint_velocity_scale,
    gripperRateHz: v.gripper_rate_hz,
    gripperMaxStep: v.gripper_max_step,
    gripperThreshold: v.gripper_threshold,
    poseJointLimits: v.pose_joint_limits,
  };
}

/** The robot facts among the node's parameter values. */
export function bridgeRobotFacts(v: BridgeParameters): RobotFacts {
  return robotFactsFrom(<T>(name: string) => v[name as keyof BridgeParameters] as T);
}

/**
 * The bridge's own settings when nothing sets them (the defaults of BRIDGE_PARAMETERS); the
 * tests and benchmarks start from them.
 */
export const BRIDGE_DEFAULTS: Readonly<Omit<BridgeConfig, 'robot'>> = Object.freeze(
  bridgeSettingsFrom(parameterDefaults(BRIDGE_PARAMETERS)),
);

/** A BridgeConfig for `robot`: BRIDGE_DEFAULTS (workspace copied), then `overrides`. */
export function defaultBridgeConfig(robot: RobotFacts, overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  const { min, max } = BRIDGE_DEFAULTS.workspace;
  return { robot, ...BRIDGE_DEFAULTS, workspace: { min: [...min], max: [...max] }, ...overrides };
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

/** The bridge's configuration from its parameters; throws (the node refuses to start) naming every problem. */
export function bridgeConfigFrom(v: BridgeParameters): BridgeConfig {
  const config: BridgeConfig = { robot: bridgeRobotFacts(v), ...bridgeSettingsFrom(v) };
  const problems = [...robotFactProblems(config.robot, config.jointLimitMargin), ...workspaceProblems(config.workspace)];
  if (problems.length > 0) throw new Error(`controller_bridge: ${problems.join('; ')}`);
  return config;
}
