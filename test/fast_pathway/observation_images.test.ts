// The images of an Observation as the fast pathway hands them to an expert that takes images.

import { strict as assert } from 'node:assert';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { toNamedTensor } from '../../nodes/inference/named_tensor.js';
import { observationImages } from '../../nodes/fast_pathway/observation_images.js';

function observation(images: vla_ros_msgs.msg.NamedTensor[]): vla_ros_msgs.msg.Observation {
  return {
    header: { stamp: { sec: 1, nanosec: 0 }, frame_id: '' },
    sequence: 1,
    camera_names: images.map((t) => t.name),
    camera_stamps: images.map(() => ({ sec: 1, nanosec: 0 })),
    images,
  };
}

describe('fast pathway: observationImages', () => {
  it('gives one [1,3,H,W] float32 tensor per camera, by name, with the pixel values', () => {
    const scene = toNamedTensor('scene', { type: 'float32', dims: [3, 2, 4], data: Float32Array.from({ length: 24 }, (_, i) => i / 8) });
    const wrist = toNamedTensor('wrist', { type: 'float32', dims: [3, 1, 1], data: Float32Array.of(0.5, -0.5, 1) });
    const images = observationImages(observation([scene, wrist]));
    assert.deepEqual(Object.keys(images), ['scene', 'wrist']);
    assert.equal(images.scene.type, 'float32');
    assert.deepEqual(images.scene.dims, [1, 3, 2, 4]);
    assert.deepEqual(
      [...images.scene.data],
      Array.from({ length: 24 }, (_, i) => i / 8),
    );
    assert.deepEqual(images.wrist.dims, [1, 3, 1, 1]);
    assert.deepEqual([...images.wrist.data], [0.5, -0.5, 1]);
  });

  it('throws naming the camera when a tensor is not float32 or its data does not fill its shape', () => {
    const bytes = toNamedTensor('wrist', { type: 'uint8', dims: [3, 1, 1], data: Uint8Array.of(1, 2, 3) });
    assert.throws(() => observationImages(observation([bytes])), /tensor 'wrist': expected float32/);
    const short = {
      ...toNamedTensor('scene', { type: 'float32', dims: [3, 1, 1], data: Float32Array.of(1, 2, 3) }),
      shape: Uint32Array.of(3, 2, 2),
    };
    assert.throws(() => observationImages(observation([short])), /tensor 'scene': shape \[3,2,2\] needs 48 bytes, got 12/);
  });
});
