// An ingested observation as the vla_ros_msgs/Observation camera_ingestion publishes (and
// `vla-ros sim eval` hands to the slow pathway's core): manifest order, each frame's own stamp,
// the oldest as the header stamp, float32 [3,H,W] tensors viewed, not copied.

import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import type { QoSProfile } from '../ros/qos.js';
import type { CameraInput } from './camera_config.js';
import type { IngestedObservation } from './ingestion_pipeline.js';
import { tensorBytes } from './shared_tensor.js';

const DTYPE_FLOAT32 = vla_ros_msgs.msg.NamedTensor.DTYPE_FLOAT32;

/**
 * The observation topic's QoS. Best effort: an observation that missed its moment is worth
 * nothing (the next one is 33 ms behind), and reliable delivery of ~600 KB per camera would
 * make DDS resend old samples and hold back new ones. Depth 2: a reader busy for part of a
 * period still finds the newest observation plus the one before, never a backlog. Volatile:
 * a late joiner must wait for a fresh observation, not replay an old one.
 */
export const OBSERVATION_QOS: QoSProfile = Object.freeze({
  history: 'keep_last',
  depth: 2,
  reliability: 'best_effort',
  durability: 'volatile',
});

export function observationMessage(
  obs: IngestedObservation,
  cameras: readonly CameraInput[],
  sequence: number,
): vla_ros_msgs.msg.Observation {
  return {
    header: { stamp: { sec: obs.stamp.sec, nanosec: obs.stamp.nanosec }, frame_id: '' },
    sequence,
    camera_names: obs.frames.map((f) => f.camera),
    camera_stamps: obs.frames.map((f) => ({ sec: f.stamp.sec, nanosec: f.stamp.nanosec })),
    images: obs.frames.map((f, i) => {
      const spec = cameras[i].spec;
      return { name: f.camera, dtype: DTYPE_FLOAT32, shape: Uint32Array.of(3, spec.height, spec.width), data: tensorBytes(f.tensor) };
    }),
  };
}
