import { strict as assert } from 'node:assert';
import { CAMERA_QOS, subscribeCameras, type FrameSink } from '../../nodes/camera_ingestion/camera_subscriptions.js';
import type { CameraInput } from '../../nodes/camera_ingestion/camera_config.js';
import type { CompressedFrame, RawFrame } from '../../nodes/camera_ingestion/ingestion_pipeline.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { toolNodeConfig } from '../../nodes/ros/node_config.js';

describe('camera_ingestion camera subscriptions', () => {
  it('keeps only the newest frame, best effort', () => {
    assert.equal(CAMERA_QOS.depth, 1);
    assert.equal(CAMERA_QOS.reliability, 'best_effort');
  });

  it('hands each camera its own transport, by camera index, the message viewed as the pipeline takes it', async () => {
    const time = new VirtualTimeBase(10);
    const backend = new EmbeddedBackend({ time, logSink: () => {} });
    try {
      const node = await backend.createNode(toolNodeConfig('ingestion'));
      const cameras = [
        { name: 'front', topic: 'front/image_raw', transport: 'raw' },
        { name: 'wrist', topic: 'wrist/image_raw/compressed', transport: 'compressed' },
      ] as unknown as CameraInput[];
      const got: Array<[string, number, RawFrame | CompressedFrame]> = [];
      const sink: FrameSink = {
        raw: (i, f) => got.push(['raw', i, f]),
        compressed: (i, f) => got.push(['compressed', i, f]),
      };
      const subs = subscribeCameras(node, cameras, sink);
      const stamp = { sec: 10, nanosec: 5 };
      const data = Uint8Array.of(1, 2, 3);
      const probe = await backend.createNode(toolNodeConfig('probe'));
      probe.createPublisher('sensor_msgs/msg/Image', 'front/image_raw', QoSProfiles.sensorData).publish({
        header: { stamp, frame_id: 'cam' },
        height: 1,
        width: 1,
        encoding: 'rgb8',
        is_bigendian: 0,
        step: 3,
        data,
      });
      probe
        .createPublisher('sensor_msgs/msg/CompressedImage', 'wrist/image_raw/compressed', QoSProfiles.sensorData)
        .publish({ header: { stamp, frame_id: 'cam' }, format: 'jpeg', data });
      await time.flush();
      assert.deepEqual(got, [
        ['raw', 0, { width: 1, height: 1, encoding: 'rgb8', is_bigendian: 0, step: 3, data, stamp }],
        ['compressed', 1, { stamp, format: 'jpeg', data }],
      ]);
      for (const s of subs) s.destroy();
    } finally {
      await backend.shutdown();
    }
  });
});
