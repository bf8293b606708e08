// rosbag2's per-topic QoS metadata: the `offered_qos_profiles` key of an MCAP channel, a YAML
// list of rmw QoS profiles in rosbag2's own format (rosbag2_storage/qos.cpp). `ros2 bag play`
// uses it to offer the recorded QoS (e.g. transient local for a latched instruction).

import type { QoSProfile } from '../ros/qos.js';

// rmw enum values as rosbag2 writes them.
const HISTORY = { keep_last: 1, keep_all: 2 } as const;
const RELIABILITY = { reliable: 1, best_effort: 2 } as const;
const DURABILITY = { transient_local: 1, volatile: 2 } as const;
const LIVELINESS_AUTOMATIC = 1;
/** rosbag2's "infinite" duration. */
const INFINITE = '\n    sec: 2147483647\n    nsec: 4294967295';

/** The `offered_qos_profiles` YAML for one publisher with `qos`. */
export function offeredQosProfilesYaml(qos: QoSProfile): string {
  return (
    `- history: ${HISTORY[qos.history]}\n` +
    `  depth: ${qos.history === 'keep_last' ? qos.depth : 0}\n` +
    `  reliability: ${RELIABILITY[qos.reliability]}\n` +
    `  durability: ${DURABILITY[qos.durability]}\n` +
    `  deadline:${INFINITE}\n` +
    `  lifespan:${INFINITE}\n` +
    `  liveliness: ${LIVELINESS_AUTOMATIC}\n` +
    `  liveliness_lease_duration:${INFINITE}\n` +
    `  avoid_ros_namespace_conventions: false`
  );
}
