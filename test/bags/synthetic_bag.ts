// A synthetic robot recording, reproducible from its options: two RGB cameras (scene, wrist) as
// sensor_msgs/Image, joint states of an FR3 slowly moving around its home pose and the matching
// end-effector pose (forward kinematics) as current_pose — the inputs the suite subscribes to
// under bringup.launch.xml. Used by the replay tests (small images, a few seconds), the committed
// replay fixture (test/replay/fixtures) and the bag benchmark (640×480 at 30 Hz, ~1 GB).
// Image content is a moving gradient plus seeded noise, so zstd compresses it like real camera
// data rather than to nothing.

import { kinematicsFor } from '../../nodes/robots/robot_models.js';
import { toNanoseconds, toRosTime } from '../../nodes/ros/time.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { defaultMessageRegistry } from '../../nodes/msgs/registry.js';
import sharp from 'sharp';
import { RosbagWriter, type RosbagWriterOptions } from '../../nodes/bags/bag_writer.js';

export const FR3_JOINTS = ['fr3_joint1', 'fr3_joint2', 'fr3_joint3', 'fr3_joint4', 'fr3_joint5', 'fr3_joint6', 'fr3_joint7'];
export const FR3_HOME = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785];

export interface SyntheticBagOptions extends RosbagWriterOptions {
  /** Start time [s since the epoch] (default 1_700_000_000). */
  start?: number;
  /** Seconds of recording (default 3). */
  duration?: number;
  width?: number;
  height?: number;
  cameraHz?: number;
  jointHz?: number;
  poseHz?: number;
  /** Namespace of the topics (default '/'). */
  namespace?: string;
  /** Noise amplitude 0..255 in the images (default 24). */
  noise?: number;
  /** Stop once the bag has about this many bytes (the duration is then an upper bound). */
  maxBytes?: number;
  /** Also record a std_msgs/String on /notes at 1 Hz (exercises topics the suite ignores). */
  extraTopic?: boolean;
  /**
   * Cameras as JPEG sensor_msgs/CompressedImage on `cameras/<name>/image_raw/compressed` (what
   * image_transport's compressed plugin publishes), quality 90, instead of raw rgb8 images.
   */
  jpeg?: boolean;
  /** Seconds after the start from which the cameras send nothing (a dropped camera; default never). */
  camerasStopAt?: number;
  onProgress?: (bytes: number, seconds: number) => void;
  signal?: AbortSignal;
}

export interface SyntheticBagSummary {
  path: string;
  messages: number;
  bytes: number;
  seconds: number;
  topics: string[];
}

/** Deterministic pseudo-random bytes (xorshift32). */
function noiseBuffer(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
    out[i + 1] = (x >>> 8) & 255;
    out[i + 2] = (x >>> 16) & 255;
    out[i + 3] = (x >>> 24) & 255;
  }
  return out;
}

export async function writeSyntheticRobotBag(output: string, o: SyntheticBagOptions = {}): Promise<SyntheticBagSummary> {
  const start = o.start ?? 1_700_000_000;
  const duration = o.duration ?? 3;
  const W = o.width ?? 64;
  const H = o.height ?? 48;
  const cameraHz = o.cameraHz ?? 30;
  const jointHz = o.jointHz ?? 100;
  const poseHz = o.poseHz ?? jointHz;
  const ns = o.namespace === undefined || o.namespace === '/' ? '' : o.namespace.replace(/\/$/, '');
  const registry = defaultMessageRegistry();
  const chain = kinematicsFor('fr3', 'fr3_hand_tcp')!;
  const bag = await RosbagWriter.create(output, o);
  const jpeg = o.jpeg === true;
  const imageSuffix = jpeg ? '/compressed' : '';
  const imageType = jpeg ? 'sensor_msgs/msg/CompressedImage' : 'sensor_msgs/msg/Image';
  const topics = {
    scene: `${ns}/cameras/scene/image_raw${imageSuffix}`,
    wrist: `${ns}/cameras/wrist/image_raw${imageSuffix}`,
    joints: `${ns}/joint_states`,
    pose: `${ns}/current_pose`,
    notes: `${ns}/notes`,
  };
  await bag.addTopic(topics.scene, imageType, QoSProfiles.sensorData);
  await bag.addTopic(topics.wrist, imageType, QoSProfiles.sensorData);
  await bag.addTopic(topics.joints, 'sensor_msgs/msg/JointState', QoSProfiles.sensorData);
  await bag.addTopic(topics.pose, 'geometry_msgs/msg/PoseStamped', QoSProfiles.sensorData);
  if (o.extraTopic === true) await bag.addTopic(topics.notes, 'std_msgs/msg/String');
  const frameBytes = W * H * 3;
  const noise = noiseBuffer(frameBytes + 65536 * 4, 12345);
  const amplitude = o.noise ?? 24;
  const gradient = new Uint8Array(frameBytes);
  const frame = new Uint8Array(frameBytes);
  const image = async (k: number, camera: number, t: number): Promise<Uint8Array> => {
    const shift = (k * 3 + camera * 40) & 255;
    for (let y = 0; y < H; y++) {
      const row = y * W * 3;
      for (let x = 0; x < W; x++) {
        const i = row + x * 3;
        gradient[i] = ((x * 256) / W + shift) & 255;
        gradient[i + 1] = ((y * 256) / H + camera * 90) & 255;
        gradient[i + 2] = 128;
      }
    }
    const offset = ((k * 7919 + camera * 104729) % 65536) * 4;
    for (let i = 0; i < frameBytes; i++) frame[i] = (gradient[i] + ((noise[offset + i] * amplitude) >> 8)) & 255;
    const header = { stamp: toRosTime(t), frame_id: camera === 0 ? 'scene_camera' : 'wrist_camera' };
    if (jpeg) {
      const data = await sharp(frame, { raw: { width: W, height: H, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer();
      return registry.serialize('sensor_msgs/msg/CompressedImage', { header, format: 'rgb8; jpeg compressed bgr8', data });
    }
    return registry.serialize('sensor_msgs/msg/Image', {
      header,
      height: H,
      width: W,
      encoding: 'rgb8',
      is_bigendian: 0,
      step: W * 3,
      data: frame,
    });
  };
  const jointsAt = (t: number) => FR3_HOME.map((q, i) => q + 0.1 * Math.sin(0.5 * (t - start) + i));
  // Events in time order: cameras, joint states, poses, notes.
  const events: { t: number; kind: 'camera' | 'joints' | 'pose' | 'notes'; k: number }[] = [];
  const add = (hz: number, kind: (typeof events)[number]['kind']) => {
    const end = kind === 'camera' ? Math.min(duration, o.camerasStopAt ?? Infinity) : duration;
    for (let k = 0; k / hz < end; k++) events.push({ t: start + k / hz + (kind === 'camera' ? 0.001 : 0), kind, k });
  };
  add(cameraHz, 'camera');
  add(jointHz, 'joints');
  add(poseHz, 'pose');
  if (o.extraTopic === true) add(1, 'notes');
  events.sort((a, b) => a.t - b.t || a.kind.localeCompare(b.kind));
  let seconds = 0;
  try {
    for (const e of events) {
      if (o.signal?.aborted === true) break;
      if (o.maxBytes !== undefined && bag.bytesWritten >= o.maxBytes) break;
      const stamp = toRosTime(e.t);
      const ns_ = toNanoseconds(e.t);
      switch (e.kind) {
        case 'camera':
          await bag.writeSerialized(topics.scene, await image(e.k, 0, e.t), ns_);
          await bag.writeSerialized(topics.wrist, await image(e.k, 1, e.t), ns_ + 200_000n);
          break;
        case 'joints':
          await bag.write(
            topics.joints,
            {
              header: { stamp, frame_id: '' },
              name: FR3_JOINTS,
              position: Float64Array.from(jointsAt(e.t)),
              velocity: new Float64Array(0),
              effort: new Float64Array(0),
            },
            ns_,
          );
          break;
        case 'pose': {
          const pose = chain.pose(jointsAt(e.t));
          await bag.write(
            topics.pose,
            {
              header: { stamp, frame_id: 'base' },
              pose: {
                position: { x: pose.p[0], y: pose.p[1], z: pose.p[2] },
                orientation: { x: pose.q[0], y: pose.q[1], z: pose.q[2], w: pose.q[3] },
              },
            },
            ns_ + 100_000n,
          );
          break;
        }
        case 'notes':
          await bag.write(topics.notes, { data: `note ${e.k}` }, ns_);
          break;
      }
      seconds = e.t - start;
      if (e.kind === 'camera') o.onProgress?.(bag.bytesWritten, seconds);
    }
  } finally {
    await bag.close();
  }
  return {
    path: output,
    messages: bag.messageCount,
    bytes: bag.bytesWritten,
    seconds,
    topics: Object.values(topics).filter((t) => o.extraTopic === true || t !== topics.notes),
  };
}
