// Which episode an Instruction starts, as the failure monitor reads it.

import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';

/** Episode id of an instruction: its id, or (empty id) one derived from stamp and text. */
export function instructionEpisodeId(msg: vla_ros_msgs.msg.Instruction): string {
  if (msg.id !== '') return msg.id;
  return `${msg.header.stamp.sec}.${String(msg.header.stamp.nanosec).padStart(9, '0')}:${msg.text}`;
}
