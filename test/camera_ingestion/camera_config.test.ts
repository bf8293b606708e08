import { strict as assert } from 'node:assert';
import { resolveCameras, type CameraParameters } from '../../nodes/camera_ingestion/camera_config.js';
import { camera } from './helpers.js';

const MANIFEST = [camera('scene'), camera('wrist'), camera('side')];
const none: CameraParameters = { names: [], topics: [], transports: [], expectedWidths: [], expectedHeights: [] };

describe('camera_ingestion camera parameters', () => {
  it('defaults: every manifest camera, raw, on cameras/<name>/image_raw, no size check', () => {
    const cams = resolveCameras(MANIFEST, none);
    assert.deepEqual(
      cams.map((c) => [c.name, c.transport, c.topic, c.expectedWidth, c.expectedHeight]),
      [
        ['scene', 'raw', 'cameras/scene/image_raw', 0, 0],
        ['wrist', 'raw', 'cameras/wrist/image_raw', 0, 0],
        ['side', 'raw', 'cameras/side/image_raw', 0, 0],
      ],
    );
    assert.equal(cams[1].spec, MANIFEST[1]);
  });

  it('per-camera values follow camera_names order; the result is in manifest order', () => {
    const cams = resolveCameras(MANIFEST, {
      names: ['wrist', 'scene'],
      topics: [],
      transports: ['compressed', 'raw'],
      expectedWidths: [640, 0],
      expectedHeights: [480, 0],
    });
    assert.deepEqual(
      cams.map((c) => [c.name, c.transport, c.topic, c.expectedWidth, c.expectedHeight]),
      [
        ['scene', 'raw', 'cameras/scene/image_raw', 0, 0],
        ['wrist', 'compressed', 'cameras/wrist/image_raw/compressed', 640, 480],
      ],
    );
    const topics = resolveCameras(MANIFEST, { ...none, names: ['side'], topics: ['/camera/camera/color/image_raw'] });
    assert.equal(topics[0].topic, '/camera/camera/color/image_raw');
  });

  it('names the parameter in every error', () => {
    assert.throws(
      () => resolveCameras(MANIFEST, { ...none, names: ['front'] }),
      /camera_names: 'front' is not a camera of the policy bundle \(its cameras: scene, wrist, side\)/,
    );
    assert.throws(() => resolveCameras(MANIFEST, { ...none, names: ['scene', 'scene'] }), /listed twice/);
    assert.throws(() => resolveCameras(MANIFEST, { ...none, transports: ['raw'] }), /camera_transports: 1 value\(s\) for 3 camera\(s\)/);
    assert.throws(() => resolveCameras(MANIFEST, { ...none, transports: ['raw', 'jpeg', 'raw'] }), /'jpeg' is not one of raw, compressed/);
    assert.throws(() => resolveCameras(MANIFEST, { ...none, topics: ['a', 'a', 'b'] }), /cameras 'scene' and 'wrist' both read 'a'/);
    assert.throws(() => resolveCameras(MANIFEST, { ...none, expectedWidths: [1, -1, 1] }), /expected_widths: -1 is not a size/);
    assert.throws(() => resolveCameras(MANIFEST, { ...none, topics: ['a', ' ', 'b'] }), /empty topic name/);
  });
});
