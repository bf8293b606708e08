// How camera_ingestion listens to its cameras: one subscription per camera, on its transport,
// handing each frame to the pipeline by camera index.

import type { RosNode, Subscription } from '../ros/node.js';
import { QoSProfiles, type QoSProfile } from '../ros/qos.js';
import type { sensor_msgs } from '../msgs/generated/interfaces.js';
import type { CameraInput } from './camera_config.js';
import type { CompressedFrame, RawFrame } from './ingestion_pipeline.js';

/**
 * Camera subscriptions: the sensor-data profile (best effort hears reliable and best-effort
 * camera drivers) with depth 1: only the newest frame matters, a backlog is never worked off.
 */
export const CAMERA_QOS: QoSProfile = Object.freeze({ ...QoSProfiles.sensorData, depth: 1 });

/** Where a camera's frames go: camera `i` of the pipeline's camera list. */
export interface FrameSink {
  raw(i: number, frame: RawFrame): void;
  compressed(i: number, frame: CompressedFrame): void;
}

/** A sensor_msgs/Image as the pipeline takes it (the message's fields, viewed, not copied). */
export function rawFrame(m: sensor_msgs.msg.Image): RawFrame {
  return {
    width: m.width,
    height: m.height,
    encoding: m.encoding,
    is_bigendian: m.is_bigendian,
    step: m.step,
    data: m.data,
    stamp: m.header.stamp,
  };
}

/** A sensor_msgs/CompressedImage as the pipeline takes it. */
export function compressedFrame(m: sensor_msgs.msg.CompressedImage): CompressedFrame {
  return { stamp: m.header.stamp, format: m.format, data: m.data };
}

export function subscribeCameras(node: RosNode, cameras: readonly CameraInput[], sink: FrameSink): Subscription[] {
  return cameras.map((c, i) =>
    c.transport === 'raw'
      ? node.createSubscription('sensor_msgs/msg/Image', c.topic, CAMERA_QOS, (m) => sink.raw(i, rawFrame(m)))
      : node.createSubscription('sensor_msgs/msg/CompressedImage', c.topic, CAMERA_QOS, (m) => sink.compressed(i, compressedFrame(m))),
  );
}
