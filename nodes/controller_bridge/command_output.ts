// What the bridge publishes to CRISP for one control tick: the safe target on target_pose
// (PoseStamped in the robot's base frame, [x y z qx qy qz qw]) or target_joint (JointState in the
// controller's joint order), and the gripper command when there is one. Lifecycle publishers:
// nothing goes out unless the node is active.

import type { LifecycleNode, LifecyclePublisher } from '../ros/lifecycle_node.js';
import { QoSProfiles } from '../ros/qos.js';
import type { builtin_interfaces, geometry_msgs, sensor_msgs } from '../msgs/generated/interfaces.js';
import type { TickOutput } from './control_loop.js';

export function poseTargetMessage(t: ArrayLike<number>, frame: string, stamp: builtin_interfaces.msg.Time): geometry_msgs.msg.PoseStamped {
  return {
    header: { stamp, frame_id: frame },
    pose: { position: { x: t[0], y: t[1], z: t[2] }, orientation: { x: t[3], y: t[4], z: t[5], w: t[6] } },
  };
}

export function jointTargetMessage(
  t: ArrayLike<number>,
  jointNames: readonly string[],
  stamp: builtin_interfaces.msg.Time,
): sensor_msgs.msg.JointState {
  return {
    header: { stamp, frame_id: '' },
    name: [...jointNames],
    position: Float64Array.from(t),
    velocity: new Float64Array(0),
    effort: new Float64Array(0),
  };
}

export interface CommandTopics {
  readonly targetPose: string;
  readonly targetJoint: string;
  readonly gripper: string;
}

export class CommandOutput {
  private readonly command:
    | { kind: 'pose'; pub: LifecyclePublisher<geometry_msgs.msg.PoseStamped> }
    | { kind: 'joint'; pub: LifecyclePublisher<sensor_msgs.msg.JointState> };
  private readonly gripper: LifecyclePublisher<{ data: number }>;

  constructor(
    lifecycle: LifecycleNode,
    commandInterface: 'pose' | 'joint',
    private readonly robot: { readonly baseFrame: string; readonly jointNames: readonly string[] },
    topics: CommandTopics,
  ) {
    const qos = QoSProfiles.command;
    this.command =
      commandInterface === 'pose'
        ? { kind: 'pose', pub: lifecycle.createPublisher('geometry_msgs/msg/PoseStamped', topics.targetPose, qos) }
        : { kind: 'joint', pub: lifecycle.createPublisher('sensor_msgs/msg/JointState', topics.targetJoint, qos) };
    this.gripper = lifecycle.createPublisher('std_msgs/msg/Float64', topics.gripper, qos);
  }

  /** The resolved command topic (target_pose or target_joint). */
  get topic(): string {
    return this.command.pub.topic;
  }

  publish(out: TickOutput, stamp: builtin_interfaces.msg.Time): void {
    const c = this.command;
    if (c.kind === 'pose') c.pub.publish(poseTargetMessage(out.target, this.robot.baseFrame, stamp));
    else c.pub.publish(jointTargetMessage(out.target, this.robot.jointNames, stamp));
    if (out.gripper !== undefined) this.gripper.publish({ data: out.gripper });
  }

  destroy(): void {
    this.command.pub.destroy();
    this.gripper.destroy();
  }
}
