// The sim's publishers (lifecycle-managed: they publish while the sim is active), created once
// with the node: replays read the suite's graph before nodes configure.

import type { LifecycleNode } from '../ros/lifecycle_node.js';
import { QoSProfiles } from '../ros/qos.js';
import { CAMERA_NAMES } from './camera_rig.js';
import type { SimNodeSettings } from './node_params.js';

export function createSimOutputs(lc: LifecycleNode, settings: Pick<SimNodeSettings, 'topics' | 'cameras'>) {
  const { topics } = settings;
  return {
    clock: lc.createPublisher('rosgraph_msgs/msg/Clock', '/clock', QoSProfiles.clock),
    joints: lc.createPublisher('sensor_msgs/msg/JointState', topics.jointStates, 'default'),
    pose: lc.createPublisher('geometry_msgs/msg/PoseStamped', topics.currentPose, 'default'),
    gripper: lc.createPublisher('sensor_msgs/msg/JointState', topics.gripperState, 'default'),
    episode: lc.createPublisher('std_msgs/msg/String', '~/episode', QoSProfiles.transientLocal),
    success: lc.createPublisher('std_msgs/msg/Bool', '~/task_success', QoSProfiles.transientLocal),
    cameras: settings.cameras.enabled
      ? new Map(
          CAMERA_NAMES.map((c) => [
            c,
            {
              image: lc.createPublisher('sensor_msgs/msg/Image', `cameras/${c}/image_raw`, 5),
              info: lc.createPublisher('sensor_msgs/msg/CameraInfo', `cameras/${c}/camera_info`, 5),
            },
          ]),
        )
      : undefined,
  };
}

export type SimOutputs = ReturnType<typeof createSimOutputs>;
