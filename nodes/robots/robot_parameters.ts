// The robot and CRISP parameters, declared once for every node that uses them (each takes the
// ones it needs with pickParameters): one type, one default and one description each. Their
// values come from config/robots/<robot>.yaml, whose `/**` section serves every node.

import { param } from '../ros/parameter_schema.js';

export const ROBOT_PARAMETERS = {
  'robot.name': param.string('', 'Robot model (fr3, panda, ur5e, ur10e): selects the kinematic model and the simulated arm.'),
  'robot.joint_names': param.stringArray(
    [],
    'Controller joint order: target_joint is published and read by index in this order (CRISP); joint_states are mapped by name; a policy bundle needs its state joints among them.',
  ),
  'robot.joint_position_min': param.doubleArray([], 'Joint lower limits [rad]; joint_states beyond them are rejected.'),
  'robot.joint_position_max': param.doubleArray([], 'Joint upper limits [rad].'),
  'robot.joint_velocity_max': param.doubleArray([], 'Joint velocity limits [rad/s].'),
  'robot.joint_effort_max': param.doubleArray([], "Joint torque limits [Nm]; empty: the maker's figures for the robot."),
  'robot.home_joint_positions': param.doubleArray(
    [],
    'Joint positions the arm is sent to before a policy starts, and every simulated episode starts from [rad].',
  ),
  'robot.base_frame': param.string(
    'base',
    "The controller's base frame: frame of target_pose, current_pose, pose actions and published chunks.",
  ),
  'robot.ee_frame': param.string('', 'End-effector frame CRISP controls and the pose broadcaster reports (selects the model TCP).'),
  'robot.gripper.type': param.string('', 'Gripper kind (informational).'),
  'robot.gripper.max_width': param.double(0.08, 'Gripper opening at command 1 [m].', { range: [0.01, 0.2] }),
};

/** CRISP's topics, relative to the namespace the suite runs in (the robot's CRISP namespace). */
export const CRISP_PARAMETERS = {
  'crisp.target_pose_topic': param.string('target_pose', 'CRISP Cartesian target (geometry_msgs/PoseStamped, base frame).'),
  'crisp.target_joint_topic': param.string(
    'target_joint',
    'CRISP joint target / nullspace reference (sensor_msgs/JointState, read by index).',
  ),
  'crisp.current_pose_topic': param.string('current_pose', "CRISP's pose broadcaster (geometry_msgs/PoseStamped)."),
  'crisp.joint_states_topic': param.string('joint_states', 'Joint states (sensor_msgs/JointState, mapped by name).'),
  'crisp.gripper_command_topic': param.string('gripper/command', 'Gripper command (std_msgs/Float64, 0 closed .. 1 open).'),
};
