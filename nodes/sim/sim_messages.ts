// The messages the sim node publishes, built from the simulator's state (ROS-free).

import type { geometry_msgs, sensor_msgs, std_msgs } from '../msgs/generated/interfaces.js';
import type { RosTime } from '../ros/time.js';
import type { Quat, Vec3 } from '../robots/rotation.js';
import type { CameraFrame } from './camera_rig.js';
import { CAMERA_FRAMES } from './camera_rig.js';
import type { ScheduledFailure } from './failures.js';
import { cameraInfoFields } from './render/camera.js';
import type { JointStateOut } from './simulator.js';
import type { EpisodeSetup } from './tasks.js';

/** `~/episode`: what a recorder or a report needs to know about the episode that starts. */
export function episodeMessage(
  id: string,
  setup: EpisodeSetup,
  sequenceSeed: number,
  failure: ScheduledFailure | undefined,
  startTime: number,
): std_msgs.msg.String {
  return {
    data: JSON.stringify({
      id,
      index: setup.index,
      seed: setup.seed,
      sequence_seed: sequenceSeed,
      task: setup.kind,
      object: setup.colour,
      instruction: setup.instruction,
      layout: setup.placements,
      // JSON has no Infinity: a failure that never ends has end null.
      failure: failure === undefined ? null : { ...failure, end: Number.isFinite(failure.end) ? failure.end : null },
      start_time: startTime,
    }),
  };
}

export function jointStateMessage(stamp: RosTime, name: string[], js: JointStateOut): sensor_msgs.msg.JointState {
  return { header: { stamp, frame_id: '' }, name, position: js.position, velocity: js.velocity, effort: js.effort };
}

export function poseMessage(stamp: RosTime, frame: string, pose: { p: Vec3; q: Quat }): geometry_msgs.msg.PoseStamped {
  const { p, q } = pose;
  return {
    header: { stamp, frame_id: frame },
    pose: { position: { x: p[0], y: p[1], z: p[2] }, orientation: { x: q[0], y: q[1], z: q[2], w: q[3] } },
  };
}

/** Finger joints [m] (opening = their sum); no efforts. */
export function gripperStateMessage(
  stamp: RosTime,
  name: string[],
  g: { fingers: readonly number[]; velocity: readonly number[] },
): sensor_msgs.msg.JointState {
  return {
    header: { stamp, frame_id: '' },
    name,
    position: Float64Array.from(g.fingers),
    velocity: Float64Array.from(g.velocity),
    effort: new Float64Array(0),
  };
}

/** A rendered frame as rgb8 Image and its CameraInfo, with the same header. */
export function cameraMessages(stamp: RosTime, frame: CameraFrame): { image: sensor_msgs.msg.Image; info: sensor_msgs.msg.CameraInfo } {
  const { camera, model } = frame;
  const header = { stamp, frame_id: CAMERA_FRAMES[camera] };
  return {
    image: {
      header,
      height: model.height,
      width: model.width,
      encoding: 'rgb8',
      is_bigendian: 0,
      step: model.width * 3,
      data: frame.image(),
    },
    info: { header, ...cameraInfoFields(model) },
  };
}
