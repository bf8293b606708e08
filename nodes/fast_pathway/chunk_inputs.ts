// What the fast pathway hears, into its chunk producer: latents, joint states and observations.
// Bad input is a counted, logged drop (or a counted rejection), never an exception; the node
// keeps running on what it had.

import { errorText } from '../error_text.js';
import type { sensor_msgs, vla_ros_msgs } from '../msgs/generated/interfaces.js';
import type { Logger } from '../ros/logger.js';
import { fromRosTime } from '../ros/time.js';
import type { NodeStatus } from '../runtime/node_status.js';
import { latentEntryFromMessage, type ChunkProducer } from './chunk_producer.js';
import type { LatentEntryData } from './latent_buffer.js';
import { observationImages } from './observation_images.js';

export class ChunkInputs {
  constructor(
    private readonly producer: ChunkProducer,
    private readonly status: NodeStatus,
    private readonly logger: Pick<Logger, 'throttle'>,
  ) {}

  latent(msg: vla_ros_msgs.msg.LatentEntry): void {
    let entry: LatentEntryData;
    try {
      entry = latentEntryFromMessage(msg);
    } catch (err) {
      this.status.drop();
      this.logger.throttle('warn', 5, `malformed latent dropped: ${errorText(err)}`, 'bad-latent');
      return;
    }
    const r = this.producer.writeLatent(entry);
    if (!r.accepted) {
      this.status.drop();
      this.logger.throttle('debug', 5, `latent dropped: ${r.reason}`, 'latent-dropped');
    }
  }

  /** `now` stands in for a zero stamp. */
  jointState(msg: sensor_msgs.msg.JointState, now: number): void {
    const { producer } = this;
    if (!producer.concernsJoints(msg.name)) return;
    const stamp = fromRosTime(msg.header.stamp);
    const r = producer.updateJoints(msg.name, msg.position, stamp > 0 ? stamp : now);
    if (!r.ok) {
      this.status.rejected('joint_states', r.reason, producer.jointRejections(r.reason));
      this.logger.throttle('warn', 5, `joint_states rejected: ${r.error}`, `joint-states-${r.reason}`);
    }
  }

  /** Its images if the expert takes them; always its stamp (a chunk's observation_stamp: cameras alive). */
  observation(msg: vla_ros_msgs.msg.Observation): void {
    const stamp = fromRosTime(msg.header.stamp);
    if (!this.producer.takesImages) {
      this.producer.observeCameras(stamp);
      return;
    }
    try {
      this.producer.setImages(observationImages(msg), stamp);
    } catch (err) {
      this.status.drop();
      this.logger.throttle('warn', 5, `malformed observation dropped: ${errorText(err)}`, 'bad-obs');
    }
  }
}
