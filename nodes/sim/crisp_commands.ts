// The sim's command inputs, as CRISP reads them: target_pose (base frame, header ignored),
// target_joint (BY INDEX), gripper command; a command topic with more than one publisher is
// ignored, as CRISP does. Commands reach the simulator only while there is one (configured).

import type { RosNode } from '../ros/node.js';
import { QoSProfiles } from '../ros/qos.js';
import type { SimTopics } from './node_params.js';
import type { Simulator } from './simulator.js';

export function subscribeCrispCommands(node: RosNode, topics: SimTopics, simulator: () => Simulator | undefined): void {
  const { logger } = node;
  const guarded = (topic: string, what: string): boolean => {
    const count = node.countPublishers(topic);
    if (count <= 1) return true;
    const line = `ignoring ${what}: ${count} publishers on ${topic} (CRISP ignores a command topic with more than one publisher)`;
    logger.throttle('warn', 2, line, `guard-${what}`);
    return false;
  };
  const poseSub = node.createSubscription('geometry_msgs/msg/PoseStamped', topics.targetPose, QoSProfiles.command, (m) => {
    const sim = simulator();
    if (sim === undefined || !guarded(poseSub.topic, 'target_pose')) return;
    const { position: p, orientation: o } = m.pose;
    if (!sim.setTargetPose([p.x, p.y, p.z], [o.x, o.y, o.z, o.w]))
      logger.throttle('warn', 5, 'target_pose is not finite or has a zero quaternion: ignored', 'bad-pose');
  });
  const jointSub = node.createSubscription('sensor_msgs/msg/JointState', topics.targetJoint, QoSProfiles.command, (m) => {
    const sim = simulator();
    if (sim === undefined || !guarded(jointSub.topic, 'target_joint')) return;
    if (m.position.length !== sim.dof) {
      const line = `target_joint has ${m.position.length} positions for ${sim.dof} joints (read by index, as CRISP does)`;
      logger.throttle('warn', 5, line, 'joint-len');
    }
    if (!sim.setTargetJoint(m.position, m.velocity)) logger.throttle('warn', 5, 'target_joint is not finite: ignored', 'bad-joint');
  });
  node.createSubscription('std_msgs/msg/Float64', topics.gripperCommand, QoSProfiles.command, (m) => {
    const sim = simulator();
    if (sim !== undefined && !sim.setGripperCommand(m.data))
      logger.throttle('warn', 5, 'gripper command is not finite: ignored', 'bad-gripper');
  });
}
