import { strict as assert } from 'node:assert';
import {
  attachedCamera,
  BODY_TO_OPTICAL,
  cameraInfoFields,
  intrinsicsFromFov,
  lookAtCamera,
  MUJOCO_CAMERA_TO_OPTICAL,
  projectPoint,
  toCameraFrame,
} from '../../../nodes/sim/render/camera.js';
import { composePose, invertPose, matToQuat, quatFromAxisAngle, quatToMat, rotate } from '../../../nodes/sim/render/math3d.js';
import { LEVELS, levelFor, unitMesh, type MeshKind } from '../../../nodes/sim/render/meshes.js';
import { Renderer } from '../../../nodes/sim/render/renderer.js';
import type { Vec3 } from '../../../nodes/sim/render/scene.js';
import { bytes, coverage, FLAT, pixel, pose } from './helpers.js';

const close = (a: readonly number[], b: readonly number[], tol = 1e-9) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tol);

describe('sim renderer: camera helpers', () => {
  it('CameraInfo: K, P from fx fy cx cy; R = I; plumb_bob with zero D; size', () => {
    const cam = intrinsicsFromFov(320, 240, 60);
    const info = cameraInfoFields(cam);
    const { fx, fy, cx, cy } = cam;
    assert.deepEqual([...info.k], [fx, 0, cx, 0, fy, cy, 0, 0, 1]);
    assert.deepEqual([...info.p], [fx, 0, cx, 0, 0, fy, cy, 0, 0, 0, 1, 0]);
    assert.deepEqual([...info.r], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assert.deepEqual([...info.d], [0, 0, 0, 0, 0]);
    assert.equal(info.distortion_model, 'plumb_bob');
    assert.deepEqual([info.width, info.height, info.binning_x, info.binning_y], [320, 240, 0, 0]);
  });

  it('intrinsics from a vertical FOV: fx = fy = (H/2)/tan(fovy/2), principal point at the image centre', () => {
    const c = intrinsicsFromFov(320, 240, 60);
    assert.ok(Math.abs(c.fy - 120 / Math.tan(Math.PI / 6)) < 1e-9);
    assert.equal(c.fx, c.fy);
    assert.deepEqual([c.cx, c.cy], [159.5, 119.5]);
    assert.throws(() => intrinsicsFromFov(10, 10, 0), RangeError);
  });

  it('look-at: the target projects to the principal point, world up is image up, right is right', () => {
    const cam = lookAtCamera({ eye: [-2, 0, 1], target: [0, 0, 1], fovyDeg: 60, width: 160, height: 120 });
    const t = projectPoint(cam, [0, 0, 1])!;
    assert.ok(close(t, [cam.cx, cam.cy, 2]));
    // Looking along +x with z up: −y is to the right, +z is up.
    const right = projectPoint(cam, [0, -0.5, 1])!;
    const up = projectPoint(cam, [0, 0, 1.5])!;
    assert.ok(right[0] > cam.cx + 10 && Math.abs(right[1] - cam.cy) < 1e-9);
    assert.ok(up[1] < cam.cy - 10 && Math.abs(up[0] - cam.cx) < 1e-9);
    // The angle to the top edge of the image is half the vertical FOV.
    const top = projectPoint(cam, [0, 0, 1 + 2 * Math.tan(Math.PI / 6)])!;
    assert.ok(Math.abs(top[1] - -0.5) < 1e-9, `top edge at v = ${top[1]}`);
    assert.throws(() => lookAtCamera({ eye: [0, 0, 2], target: [0, 0, 0], fovyDeg: 60, width: 8, height: 8 }), /parallel/);
  });

  it('look-at rendering: a sphere to the camera’s right appears right, one above appears up', () => {
    const cam = lookAtCamera({ eye: [-2, 0, 1], target: [0, 0, 1], fovyDeg: 60, width: 160, height: 120 });
    const r = new Renderer();
    const right = coverage(r.render([{ kind: 'sphere', pose: pose([0, -0.6, 1]), radius: 0.1, colour: [1, 0, 0] }], cam, FLAT), [0, 0, 0]);
    const up = coverage(r.render([{ kind: 'sphere', pose: pose([0, 0, 1.6]), radius: 0.1, colour: [1, 0, 0] }], cam, FLAT), [0, 0, 0]);
    assert.ok(right.meanX > cam.cx + 15 && Math.abs(right.meanY - cam.cy) < 1, `right: ${right.meanX}, ${right.meanY}`);
    assert.ok(up.meanY < cam.cy - 15 && Math.abs(up.meanX - cam.cx) < 1, `up: ${up.meanX}, ${up.meanY}`);
  });

  it('attached camera: the pose follows the frame; a box on the optical axis lands on the principal point', () => {
    const ee = pose([0.5, 0.1, 0.9], quatFromAxisAngle([0.3, 1, 0.2], 2.5));
    const offset = pose([0.05, 0, -0.02], quatFromAxisAngle([0, 1, 0], -0.4));
    const cam = attachedCamera(ee, offset, intrinsicsFromFov(64, 48, 70, 0.01, 5));
    assert.ok(close(cam.pose.position, composePose(ee, offset).position));
    // 0.3 m along the optical axis, in world coordinates.
    const axis = rotate(cam.pose.orientation, [0, 0, 1]);
    const p: Vec3 = [0, 1, 2].map((i) => cam.pose.position[i] + 0.3 * axis[i]) as Vec3;
    assert.ok(close(toCameraFrame(cam, p), [0, 0, 0.3]));
    const colour: [number, number, number] = [0.2, 0.9, 0.3];
    const rgb = new Renderer().render(
      [{ kind: 'box', pose: pose(p, cam.pose.orientation), halfSize: [0.01, 0.01, 0.01], colour }],
      cam,
      FLAT,
    );
    const cov = coverage(rgb, [0, 0, 0], 64, 48);
    assert.deepEqual(pixel(rgb, 32, 24, 64), bytes(colour));
    assert.ok(Math.abs(cov.meanX - cam.cx) < 0.5 && Math.abs(cov.meanY - cam.cy) < 0.5);
  });

  it('frame conventions: MuJoCo camera (looks along −z, y up) and ROS camera_link (x forward, z up) to optical', () => {
    assert.ok(close(rotate(MUJOCO_CAMERA_TO_OPTICAL, [0, 0, 1]), [0, 0, -1]));
    assert.ok(close(rotate(MUJOCO_CAMERA_TO_OPTICAL, [0, 1, 0]), [0, -1, 0]));
    assert.ok(close(rotate(BODY_TO_OPTICAL, [0, 0, 1]), [1, 0, 0])); // optical z = forward
    assert.ok(close(rotate(BODY_TO_OPTICAL, [1, 0, 0]), [0, -1, 0])); // optical x = right = −y
    assert.ok(close(rotate(BODY_TO_OPTICAL, [0, 1, 0]), [0, 0, -1])); // optical y = down = −z
  });

  it('pose math: compose with the inverse is the identity; matrix ↔ quaternion round trip', () => {
    const a = pose([0.3, -0.2, 1], quatFromAxisAngle([1, 2, 3], 1.1));
    const id = composePose(a, invertPose(a));
    assert.ok(close(id.position, [0, 0, 0], 1e-12));
    assert.ok(close(id.orientation.map(Math.abs), [0, 0, 0, 1], 1e-12));
    for (const q of [quatFromAxisAngle([1, 0, 0], 3.1), quatFromAxisAngle([0, 1, 1], -2), quatFromAxisAngle([0, 0, 1], Math.PI)]) {
      const back = matToQuat(quatToMat(q));
      const sign = Math.sign(back[3] * q[3] + back[0] * q[0] + back[1] * q[1] + back[2] * q[2]);
      assert.ok(
        close(
          back.map((v) => v * sign),
          q,
          1e-12,
        ),
      );
    }
  });
});

describe('sim renderer: unit meshes', () => {
  const signedVolume = (kind: MeshKind, level: number) => {
    const m = unitMesh(kind, level);
    let vol = 0;
    const P = (i: number) => [m.position[3 * i], m.position[3 * i + 1], m.position[3 * i + 2] + m.cap[i]];
    for (let t = 0; t < m.triangles.length; t += 3) {
      const [a, b, c] = [P(m.triangles[t]), P(m.triangles[t + 1]), P(m.triangles[t + 2])];
      vol += (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0])) / 6;
    }
    return vol;
  };

  it('closed meshes are wound outwards (positive signed volume) and converge to the analytic volume', () => {
    const top = LEVELS.length - 1;
    assert.ok(Math.abs(signedVolume('box', 0) - 8) < 1e-12);
    assert.ok(Math.abs(signedVolume('sphere', top) / ((4 / 3) * Math.PI) - 1) < 0.01);
    // Unit capsule with half length 1: a sphere plus a cylinder of length 2.
    assert.ok(Math.abs(signedVolume('capsule', top) / ((4 / 3) * Math.PI + 2 * Math.PI) - 1) < 0.01);
    assert.ok(Math.abs(signedVolume('cylinder', top) / (2 * Math.PI) - 1) < 0.01);
    for (let l = 0; l < LEVELS.length; l++) for (const k of ['sphere', 'capsule', 'cylinder'] as const) assert.ok(signedVolume(k, l) > 0);
  });

  it('level of detail keeps the silhouette chord error under half a pixel', () => {
    for (const r of [1, 5, 10, 30, 100]) {
      const n = LEVELS[levelFor(r)];
      assert.ok(r * (1 - Math.cos(Math.PI / n)) <= 0.5);
    }
    assert.equal(levelFor(1e6), LEVELS.length - 1);
  });
});
