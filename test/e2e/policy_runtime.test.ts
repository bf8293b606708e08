// End to end, in virtual time: raw and JPEG camera frames + joint states → camera_ingestion →
// slow_pathway (VLM) → fast_pathway (action expert) → action chunks, with the reference bundle.

import { strict as assert } from 'node:assert';
import sharp from 'sharp';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { cameraIngestion } from '../../nodes/camera_ingestion/node.js';
import { episodeManager } from '../../nodes/episode_manager/node.js';
import { fastPathway } from '../../nodes/fast_pathway/node.js';
import { slowPathway } from '../../nodes/slow_pathway/node.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { fromRosTime, toRosTime } from '../../nodes/ros/time.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import type { NodeDefinition } from '../../nodes/runtime/node_definition.js';
import { startNode, type RunningNode } from '../../nodes/runtime/node_runner.js';

const W = 640;
const H = 480;
const JOINTS = ['fr3_joint1', 'fr3_joint2', 'fr3_joint3', 'fr3_joint4', 'fr3_joint5', 'fr3_joint6', 'fr3_joint7'];

/** A 640×480 rgb8 frame with 8 bytes of row padding, its colour drifting with `k`. */
function rawFrame(k: number): Uint8Array {
  const step = W * 3 + 8;
  const data = new Uint8Array(step * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = y * step + x * 3;
      data[o] = (x + k) & 255;
      data[o + 1] = (y + 2 * k) & 255;
      data[o + 2] = 128;
    }
  }
  return data;
}

describe('end to end: cameras → pathways → action chunks (reference bundle, virtual time)', function () {
  this.timeout(60_000);

  it('turns camera frames and joint states into 30 Hz chunks', async () => {
    const time = new VirtualTimeBase(2000);
    const backend = new EmbeddedBackend({ time, logSink: () => {} });
    const params = [
      { name: 'camera_transports', type: 'string_array' as const, value: ['raw', 'compressed'], source: 'test' },
      { name: 'instruction', type: 'string' as const, value: 'push the red cube to the left', source: 'test' },
    ];
    const running: RunningNode[] = [];
    const start = async (def: NodeDefinition) =>
      running.push(
        await startNode(def, backend, {
          name: def.defaultName,
          namespace: '/fr3',
          remaps: [],
          parameterSections: [
            {
              nodePattern: '/**',
              params: params
                .filter((p) => p.name !== 'instruction' || def === episodeManager)
                .filter((p) => p.name !== 'camera_transports' || def === cameraIngestion),
            },
          ],
          logLevel: 'warn',
          rosArgv: [],
        }),
      );
    const probe = await backend.createNode({
      name: 'robot',
      namespace: '/fr3',
      remaps: [],
      parameterSections: [],
      logLevel: 'warn',
      rosArgv: [],
    });
    const observations: vla_ros_msgs.msg.Observation[] = [];
    const chunks: Array<{ msg: vla_ros_msgs.msg.ActionChunk; at: number }> = [];
    probe.createSubscription('vla_ros_msgs/msg/Observation', 'observation', QoSProfiles.sensorData, (m) => observations.push(m));
    probe.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (m) => chunks.push({ msg: m, at: time.now() }));
    for (const def of [cameraIngestion, slowPathway, fastPathway, episodeManager]) await start(def);

    const scenePub = probe.createPublisher('sensor_msgs/msg/Image', 'cameras/scene/image_raw', QoSProfiles.sensorData);
    const wristPub = probe.createPublisher('sensor_msgs/msg/CompressedImage', 'cameras/wrist/image_raw/compressed', QoSProfiles.sensorData);
    const jointPub = probe.createPublisher('sensor_msgs/msg/JointState', 'joint_states', QoSProfiles.sensorData);
    const jpeg = await sharp(Buffer.from(rawFrame(0).filter((_, i) => i % (W * 3 + 8) < W * 3)), {
      raw: { width: W, height: H, channels: 3 },
    })
      .jpeg({ quality: 85 })
      .toBuffer();
    let k = 0;
    const cams = probe.createTimer(1 / 30, () => {
      const stamp = toRosTime(time.now());
      scenePub.publish({
        header: { stamp, frame_id: 'scene' },
        height: H,
        width: W,
        encoding: 'rgb8',
        is_bigendian: 0,
        step: W * 3 + 8,
        data: rawFrame(k++),
      });
      wristPub.publish({ header: { stamp, frame_id: 'wrist' }, format: 'rgb8; jpeg compressed bgr8', data: new Uint8Array(jpeg) });
    });
    const joints = probe.createTimer(0.004, () =>
      jointPub.publish({
        header: { stamp: toRosTime(time.now()), frame_id: '' },
        name: [...JOINTS].reverse(),
        position: Float64Array.from([0.785, 1.571, 0, -2.356, 0, -0.785, 0]),
        velocity: new Float64Array(0),
        effort: new Float64Array(0),
      }),
    );

    await time.advanceBy(3);
    cams.cancel();
    joints.cancel();

    // Camera ingestion: one synchronised observation per frame pair, preprocessed per manifest.
    assert.ok(observations.length >= 85, `observations: ${observations.length}`);
    const o = observations[10];
    assert.deepEqual(o.camera_names, ['scene', 'wrist']);
    assert.deepEqual(
      o.images.map((t) => [t.name, [...t.shape], t.dtype]),
      [
        ['scene', [3, 224, 224], 1],
        ['wrist', [3, 224, 224], 1],
      ],
    );
    assert.deepEqual(o.header.stamp, o.camera_stamps[0]);

    // Chunks: 30 Hz once the first latent exists, stamped at the tick, all finite.
    assert.ok(chunks.length >= 80, `chunks: ${chunks.length}`);
    const periods = chunks.slice(1).map((c, i) => fromRosTime(c.msg.header.stamp) - fromRosTime(chunks[i].msg.header.stamp));
    assert.ok(
      periods.every((p) => Math.abs(p - 1 / 30) < 1e-6),
      'one chunk per tick, no missed ticks',
    );
    for (const { msg, at } of chunks) {
      assert.equal(msg.data.length, msg.horizon * msg.dimension_names.length);
      assert.ok(msg.data.every((v) => Number.isFinite(v)));
      assert.ok(at >= fromRosTime(msg.header.stamp));
      assert.ok(msg.latent_age <= 0.5 + 0.002 + 1 / 30 + 1e-6, `latent age ${msg.latent_age} ≤ VLM period + VLM latency + 1 tick`);
    }
    for (const r of running.reverse()) await r.stop();
    await backend.shutdown();
  });
});
