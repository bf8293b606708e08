import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { projectPoint } from '../../../nodes/sim/render/camera.js';
import { srgbByte, SRGB_LUT, SRGB_LUT_SCALE } from '../../../nodes/sim/render/colour.js';
import { demoScene } from './demo_scene.js';
import { quatFromAxisAngle, rotate } from '../../../nodes/sim/render/math3d.js';
import { Renderer } from '../../../nodes/sim/render/renderer.js';
import type { Colour, Lighting, Primitive, Vec3 } from '../../../nodes/sim/render/scene.js';
import { BLACK, bytes, camera, coverage, CX, CY, F, FLAT, H, near, pixel, pixelBox, pose, W } from './helpers.js';

const RED: Colour = [0.8, 0.05, 0.05];
const BLUE: Colour = [0.05, 0.1, 0.8];
/** A plane facing the camera (its +z normal turned towards −z). */
const FACING = quatFromAxisAngle([1, 0, 0], Math.PI);

describe('sim renderer: projection and coverage', () => {
  it('a box appears where the pinhole projection puts it: bounding box ±1 px, centre pixel colour', () => {
    const centre: Vec3 = [0.3, -0.2, 2];
    const half: Vec3 = [0.1, 0.15, 0.2];
    const box: Primitive = { kind: 'box', pose: pose(centre), halfSize: half, colour: RED };
    const cam = camera();
    // Light travelling along the optical axis: the front face (normal −z) gets full diffuse light.
    const rgb = new Renderer().render([box], cam, { direction: [0, 0, 1], ambient: 0.2, background: BLACK });
    const corners: [number, number][] = [];
    for (let k = 0; k < 8; k++) {
      const s = [k & 1 ? 1 : -1, k & 2 ? 1 : -1, k & 4 ? 1 : -1];
      const p = projectPoint(cam, [centre[0] + s[0] * half[0], centre[1] + s[1] * half[1], centre[2] + s[2] * half[2]])!;
      corners.push([p[0], p[1]]);
    }
    const want = pixelBox(corners);
    const got = coverage(rgb, [0, 0, 0]);
    for (const k of ['x0', 'x1', 'y0', 'y1'] as const)
      assert.ok(Math.abs(got[k] - want[k]) <= 1, `${k}: rendered ${got[k]}, projected ${want[k]}`);
    const [u, v] = projectPoint(cam, centre)!;
    assert.ok(Math.abs(u - (F * 0.3) / 2 - CX) < 1e-9 && Math.abs(v - (F * -0.2) / 2 - CY) < 1e-9);
    assert.deepEqual(pixel(rgb, Math.round(u), Math.round(v)), bytes(RED));
  });

  it('a sphere appears where the pinhole projection puts it (tangent-cone bounding box ±1 px), in its flat colour', () => {
    const c: Vec3 = [-0.3, 0.2, 3];
    const r = 0.25;
    const rgb = new Renderer().render([{ kind: 'sphere', pose: pose(c), radius: r, colour: BLUE }], camera(), FLAT);
    // Extreme rays of the cone tangent to the sphere, in the x–z and y–z planes.
    const extent = (a: number) => {
      const d = Math.hypot(a, c[2]);
      const mid = Math.atan2(a, c[2]);
      const half = Math.asin(r / d);
      return [F * Math.tan(mid - half), F * Math.tan(mid + half)];
    };
    const [ua, ub] = extent(c[0]).map((x) => x + CX);
    const [va, vb] = extent(c[1]).map((y) => y + CY);
    const want = pixelBox([
      [ua, va],
      [ub, vb],
    ]);
    const got = coverage(rgb, [0, 0, 0]);
    for (const k of ['x0', 'x1', 'y0', 'y1'] as const)
      assert.ok(Math.abs(got[k] - want[k]) <= 1, `${k}: rendered ${got[k]}, projected ${want[k]}`);
    const [u, v] = projectPoint(camera(), c)!;
    assert.deepEqual(pixel(rgb, Math.round(u), Math.round(v)), bytes(BLUE));
    // Every covered pixel has the shape's colour (ambient 1), and the disc has no holes.
    for (let i = 0; i < W * H; i++) if (got.mask[i]) assert.deepEqual(pixel(rgb, i % W, Math.floor(i / W)), bytes(BLUE));
    for (let y = want.y0 + 2; y <= want.y1 - 2; y++) {
      for (let x = want.x0 + 2; x <= want.x1 - 2; x++) {
        const inside = ((x - (ua + ub) / 2) / ((ub - ua) / 2)) ** 2 + ((y - (va + vb) / 2) / ((vb - va) / 2)) ** 2 < 0.8;
        if (inside) assert.equal(got.mask[y * W + x], 1, `hole at ${x},${y}`);
      }
    }
  });

  it('property: any box in front of the camera covers the pixel box of its projected corners (±1 px)', () => {
    const cam = camera();
    const r = new Renderer();
    const out = new Uint8Array(W * H * 3);
    fc.assert(
      fc.property(
        fc.tuple(
          fc.double({ min: -0.6, max: 0.6, noNaN: true }),
          fc.double({ min: -0.4, max: 0.4, noNaN: true }),
          fc.double({ min: 1.2, max: 4, noNaN: true }),
        ),
        fc.tuple(
          fc.double({ min: 0.02, max: 0.3, noNaN: true }),
          fc.double({ min: 0.02, max: 0.3, noNaN: true }),
          fc.double({ min: 0.02, max: 0.3, noNaN: true }),
        ),
        fc.tuple(
          fc.double({ min: -1, max: 1, noNaN: true }),
          fc.double({ min: -1, max: 1, noNaN: true }),
          fc.double({ min: 0.1, max: 1, noNaN: true }),
          fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        ),
        (centre, half, [ax, ay, az, angle]) => {
          const q = quatFromAxisAngle([ax, ay, az], angle);
          r.render([{ kind: 'box', pose: pose(centre, q), halfSize: half, colour: RED }], cam, FLAT, out);
          const corners: [number, number][] = [];
          for (let k = 0; k < 8; k++) {
            const o = rotate(q, [k & 1 ? half[0] : -half[0], k & 2 ? half[1] : -half[1], k & 4 ? half[2] : -half[2]]);
            const p = projectPoint(cam, [centre[0] + o[0], centre[1] + o[1], centre[2] + o[2]])!;
            corners.push([p[0], p[1]]);
          }
          const want = pixelBox(corners);
          const clampX = (x: number) => Math.min(W - 1, Math.max(0, x));
          const clampY = (y: number) => Math.min(H - 1, Math.max(0, y));
          const got = coverage(out, [0, 0, 0]);
          if (want.x1 - want.x0 < 2 || want.y1 - want.y0 < 2) return; // too small to say much
          assert.ok(
            Math.abs(got.x0 - clampX(want.x0)) <= 1 && Math.abs(got.x1 - clampX(want.x1)) <= 1,
            `x ${got.x0}..${got.x1} vs ${want.x0}..${want.x1}`,
          );
          assert.ok(
            Math.abs(got.y0 - clampY(want.y0)) <= 1 && Math.abs(got.y1 - clampY(want.y1)) <= 1,
            `y ${got.y0}..${got.y1} vs ${want.y0}..${want.y1}`,
          );
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('a point at (u, v) lands in pixel (round(u), round(v)): OpenCV / CameraInfo pixel centres', () => {
    // A small square whose projected edges sit a quarter pixel either side of column 100, row 40.
    const z = 2;
    const q = (0.25 * z) / F;
    const x = ((100 - CX) * z) / F;
    const y = ((40 - CY) * z) / F;
    const rgb = new Renderer().render([{ kind: 'plane', pose: pose([x, y, z], FACING), halfSize: [q, q], colour: RED }], camera(), FLAT);
    const got = coverage(rgb, [0, 0, 0]);
    assert.deepEqual([got.count, got.x0, got.y0], [1, 100, 40]);
  });

  it('orientation: +x of the optical frame is image right, +y is image down', () => {
    const r = new Renderer();
    const right = coverage(r.render([{ kind: 'sphere', pose: pose([0.5, 0, 2]), radius: 0.1, colour: RED }], camera(), FLAT), [0, 0, 0]);
    assert.ok(right.meanX > CX + 10 && Math.abs(right.meanY - CY) < 1);
    const down = coverage(r.render([{ kind: 'sphere', pose: pose([0, 0.5, 2]), radius: 0.1, colour: RED }], camera(), FLAT), [0, 0, 0]);
    assert.ok(down.meanY > CY + 10 && Math.abs(down.meanX - CX) < 1);
  });

  it('the background colour, sRGB-encoded, where nothing is hit', () => {
    const bg: Colour = [0.5, 0.25, 0];
    const rgb = new Renderer().render([], camera(), { direction: [0, 0, -1], ambient: 0.3, background: bg });
    assert.deepEqual(bytes(bg), [188, 137, 0]);
    for (let i = 0; i < W * H; i++) assert.deepEqual(pixel(rgb, i % W, Math.floor(i / W)), [188, 137, 0]);
    // Behind the camera and beyond `far` count as nothing.
    const hidden: Primitive[] = [
      { kind: 'box', pose: pose([0, 0, -2]), halfSize: [1, 1, 0.5], colour: RED },
      { kind: 'box', pose: pose([0, 0, 200]), halfSize: [50, 50, 1], colour: RED },
    ];
    assert.deepEqual(new Renderer().render(hidden, camera(), { ...FLAT, background: bg }), rgb);
  });
});

describe('sim renderer: visibility and depth', () => {
  const front: Primitive = { kind: 'box', pose: pose([0, 0, 2]), halfSize: [0.2, 0.2, 0.2], colour: RED };
  const back: Primitive = { kind: 'box', pose: pose([0.15, 0.1, 3]), halfSize: [0.3, 0.3, 0.3], colour: BLUE };

  it('the nearer shape wins whatever the draw order', () => {
    const r = new Renderer();
    const a = r.render([front, back], camera(), FLAT);
    const b = r.render([back, front], camera(), FLAT);
    assert.deepEqual(a, b);
    assert.deepEqual(pixel(a, Math.round(CX), Math.round(CY)), bytes(RED));
    // Where only the far box is.
    const [u, v] = projectPoint(camera(), [0.4, 0.35, 2.7])!;
    assert.deepEqual(pixel(a, Math.round(u), Math.round(v)), bytes(BLUE));
  });

  it('depth is the distance along the optical axis: a plane facing the camera', () => {
    const plane: Primitive = { kind: 'plane', pose: pose([0.1, -0.05, 1.5], FACING), halfSize: [0.4, 0.3], colour: RED };
    const depth = new Renderer().renderDepth([plane], camera());
    let hit = 0;
    for (let i = 0; i < W * H; i++) {
      const u = i % W;
      const v = Math.floor(i / W);
      const inside = Math.abs(((u - CX) * 1.5) / F - 0.1) < 0.4 - 0.02 && Math.abs(((v - CY) * 1.5) / F + 0.05) < 0.3 - 0.02;
      const outside = Math.abs(((u - CX) * 1.5) / F - 0.1) > 0.4 + 0.02 || Math.abs(((v - CY) * 1.5) / F + 0.05) > 0.3 + 0.02;
      if (inside) {
        assert.ok(Math.abs(depth[i] - 1.5) < 1e-3, `depth ${depth[i]} at ${u},${v}`);
        hit++;
      }
      if (outside) assert.equal(depth[i], 0, `background at ${u},${v}`);
    }
    assert.ok(hit > 1000);
  });

  it('depth on a plane tilted 30° matches the ray–plane intersection at every pixel', () => {
    const p0: Vec3 = [0, 0, 2];
    const th = Math.PI / 6;
    const plane: Primitive = { kind: 'plane', pose: pose(p0, quatFromAxisAngle([0, 1, 0], th)), halfSize: [5, 5], colour: RED };
    const depth = new Renderer().renderDepth([plane], camera());
    const n: Vec3 = [Math.sin(th), 0, Math.cos(th)];
    let worst = 0;
    for (let i = 0; i < W * H; i++) {
      const d: Vec3 = [(i % W) - CX, Math.floor(i / W) - CY, F].map((x) => x / F) as Vec3;
      const t = (n[0] * p0[0] + n[1] * p0[1] + n[2] * p0[2]) / (n[0] * d[0] + n[1] * d[1] + n[2] * d[2]);
      assert.ok(depth[i] > 0, 'plane covers the view');
      worst = Math.max(worst, Math.abs(depth[i] - t));
    }
    assert.ok(worst < 1e-3, `worst depth error ${worst} m`);
  });

  it('depth of a sphere: its nearest point at the projected centre, 0 off it', () => {
    const r = new Renderer();
    // Centred on the ray through pixel (80, 60)'s centre, so that ray meets the sphere's pole (a
    // mesh vertex, the point nearest the camera): depth exactly 2.5 there despite the tessellation.
    const c: Vec3 = [((80 - CX) * 3) / F, ((60 - CY) * 3) / F, 3];
    const depth = r.renderDepth([{ kind: 'sphere', pose: pose(c), radius: 0.5, colour: RED }], camera());
    const centre = 60 * W + 80;
    assert.ok(Math.abs(depth[centre] - 2.5) < 1e-3, `centre depth ${depth[centre]}`);
    assert.equal(depth[0], 0);
    // lastDepth() after render() gives the same map.
    r.render([{ kind: 'sphere', pose: pose(c), radius: 0.5, colour: RED }], camera(), FLAT);
    assert.deepEqual(r.lastDepth(), depth);
  });
});

describe('sim renderer: near-plane clipping', () => {
  it('a box straddling the near plane: exactly its visible face, with the right depth, no artefacts', () => {
    // x ∈ [0.2, 0.4], y ∈ [−0.1, 0.1], z ∈ [−0.2, 0.4]; near = 0.1. Only the face x = 0.2 faces the
    // camera; a column u sees it at z = 0.2·F/(u − cx), between rows cy ± F·0.1/z.
    const cam = camera();
    const shapes: Primitive[] = [{ kind: 'box', pose: pose([0.3, 0, 0.1]), halfSize: [0.1, 0.1, 0.3], colour: RED }];
    const r = new Renderer();
    const rgb = r.render(shapes, cam, FLAT);
    const depth = r.lastDepth();
    let covered = 0;
    for (let i = 0; i < W * H; i++) {
      const u = i % W;
      const v = Math.floor(i / W);
      const z = (0.2 * F) / (u - CX);
      const halfRows = (F * 0.1) / z;
      const edge = Math.min(Math.abs(u - (CX + (0.2 * F) / 0.4)), Math.abs(Math.abs(v - CY) - halfRows));
      const want = u - CX > 0 && z <= 0.4 && Math.abs(v - CY) <= halfRows;
      const got = pixel(rgb, u, v);
      if (edge > 1) assert.deepEqual(got, want ? bytes(RED) : [0, 0, 0], `pixel ${u},${v}`);
      if (want && edge > 1) {
        assert.ok(Math.abs(depth[i] - z) < 1e-3, `depth ${depth[i]} vs ${z} at ${u},${v}`);
        covered++;
      }
    }
    assert.ok(covered > 300);
  });

  it('a floor passing under and behind the camera: every row below the far edge, none above, exact depth', () => {
    // Plane y = 0.5 (below the camera), facing up (−y), z from −2 to 5.
    const floor: Primitive = {
      kind: 'plane',
      pose: pose([0, 0.5, 1.5], quatFromAxisAngle([1, 0, 0], Math.PI / 2)),
      halfSize: [5, 3.5],
      colour: RED,
    };
    const r = new Renderer();
    const rgb = r.render([floor], camera(), FLAT);
    const depth = r.lastDepth();
    for (let v = 0; v < H; v++) {
      // Row v sees the plane at z = F·0.5/(v − cy); the far edge z = 5 is at v − cy = 10.
      const want = v - CY >= 10;
      for (let u = 0; u < W; u++) {
        assert.deepEqual(pixel(rgb, u, v), want ? bytes(RED) : [0, 0, 0], `pixel ${u},${v}`);
        if (want) assert.ok(Math.abs(depth[v * W + u] - (F * 0.5) / (v - CY)) < 1e-3);
      }
    }
  });

  it('a wall from behind the camera to far beyond the image is clipped to the guard band, not distorted', () => {
    // Nearly the plane x = −1, from z = −10 to z = 110: with near = 1 mm it projects to ~10⁵ px left
    // of the image and ~10⁷ px above and below, so it goes through the near and guard-band clippers.
    const th = Math.PI / 2 - 0.01;
    const p0: Vec3 = [-1, 0, 50];
    const wall: Primitive = { kind: 'plane', pose: pose(p0, quatFromAxisAngle([0, 1, 0], th)), halfSize: [60, 60], colour: RED };
    const depth = new Renderer().renderDepth([wall], camera({ near: 0.001, far: 1000 }));
    const n: Vec3 = [Math.sin(th), 0, Math.cos(th)];
    for (const v of [0, Math.round(CY), H - 1]) {
      for (let u = 0; u < W; u++) {
        const d: Vec3 = [(u - CX) / F, (v - CY) / F, 1];
        const t = (n[0] * p0[0] + n[2] * p0[2]) / (n[0] * d[0] + n[1] * d[1] + n[2] * d[2]);
        const got = depth[v * W + u];
        // Float32 depth: ~1e-7 relative.
        if (t > 0 && t < 110 * 0.99) assert.ok(Math.abs(got - t) < 1e-6 * t, `pixel ${u},${v}: ${got} vs ${t}`);
        else if (t <= 0 || t > 110 * 1.01) assert.equal(got, 0, `pixel ${u},${v}`);
      }
    }
  });
});

describe('sim renderer: shading', () => {
  const colour: Colour = [0.6, 0.5, 0.4];
  const light: Lighting = { direction: [0, 0, 1], ambient: 0.25, background: BLACK };
  const centre = (rgb: Uint8Array) => pixel(rgb, Math.round(CX), Math.round(CY));
  const expected = (s: number) => colour.map((c) => srgbByte(c * s));

  it('Lambert: a plane facing the light is lit fully; turned 60° it gets ambient + (1 − ambient)·cos 60°', () => {
    const r = new Renderer();
    const facing = r.render([{ kind: 'plane', pose: pose([0, 0, 2], FACING), halfSize: [1, 1], colour }], camera(), light);
    assert.ok(near(centre(facing), expected(1)), `${centre(facing).join()} vs ${expected(1).join()}`);
    const at60 = r.render(
      [{ kind: 'plane', pose: pose([0, 0, 2], quatFromAxisAngle([0, 1, 0], Math.PI / 3)), halfSize: [1, 1], colour }],
      camera(),
      light,
    );
    // The plane's normal (+z turned 60° about y) faces away from the camera: drawn two-sided, lit as
    // its back face (normal −n), so n·(−l) = cos 60° for the face the camera sees.
    assert.ok(near(centre(at60), expected(0.25 + 0.75 * 0.5)), `${centre(at60).join()} vs ${expected(0.625).join()}`);
    // Flat: every pixel of the plane has the same value.
    const cov = coverage(at60, [0, 0, 0]);
    for (let i = 0; i < W * H; i++) if (cov.mask[i]) assert.deepEqual(pixel(at60, i % W, Math.floor(i / W)), centre(at60));
  });

  it('a face turned away from the light gets the ambient part only', () => {
    const rgb = new Renderer().render([{ kind: 'plane', pose: pose([0, 0, 2], FACING), halfSize: [1, 1], colour }], camera(), {
      ...light,
      direction: [0, 0, -1],
    });
    assert.ok(near(centre(rgb), expected(0.25)));
  });

  it('Gouraud on a sphere: brightest towards the light, ambient on the far side', () => {
    const rgb = new Renderer().render([{ kind: 'sphere', pose: pose([0, 0, 3]), radius: 0.8, colour }], camera(), {
      ...light,
      direction: [-1, 0, 0],
    });
    // Light travels towards −x: the sphere's +x side (image right) is lit, its left is ambient only.
    const rightV = pixel(rgb, Math.round(CX + 22), Math.round(CY))[0];
    const leftV = pixel(rgb, Math.round(CX - 22), Math.round(CY))[0];
    assert.ok(rightV > leftV + 40, `right ${rightV} left ${leftV}`);
    assert.ok(near([leftV], [srgbByte(colour[0] * 0.25)]));
  });

  it('the sRGB table agrees with the transfer function to ±1 and is exact at 0, ½ and 1', () => {
    for (let k = 0; k <= 1000; k++) assert.ok(Math.abs(SRGB_LUT[Math.round((k / 1000) * SRGB_LUT_SCALE)] - srgbByte(k / 1000)) <= 1);
    assert.deepEqual([srgbByte(0), srgbByte(0.5), srgbByte(1)], [0, 188, 255]);
  });
});

describe('sim renderer: buffers and determinism', () => {
  it('same input → identical bytes, across calls and renderer instances; out is filled in place', () => {
    const s = demoScene();
    const a = new Renderer();
    const b = new Renderer();
    const first = a.render(s.shapes, s.front, s.lighting);
    a.render(s.shapes, s.wrist, s.lighting);
    const out = new Uint8Array(first.length);
    assert.equal(a.render(s.shapes, s.front, s.lighting, out), out);
    assert.deepEqual(out, first);
    assert.deepEqual(b.render(s.shapes, s.front, s.lighting), first);
    assert.equal(first.length, s.front.width * s.front.height * 3);
    // The scene shows something of everything: many distinct colours, not all background.
    const distinct = new Set<number>();
    for (let i = 0; i < first.length; i += 3) distinct.add((first[i] << 16) | (first[i + 1] << 8) | first[i + 2]);
    assert.ok(distinct.size > 20, `${distinct.size} colours`);
  });

  it('cameras of different sizes can alternate on one renderer', () => {
    const s = demoScene({ frontSize: [320, 240], wristSize: [128, 96] });
    const r = new Renderer();
    const f1 = r.render(s.shapes, s.front, s.lighting);
    const w1 = r.render(s.shapes, s.wrist, s.lighting);
    assert.deepEqual([f1.length, w1.length], [320 * 240 * 3, 128 * 96 * 3]);
    assert.deepEqual(r.render(s.shapes, s.front, s.lighting), f1);
    assert.deepEqual(r.render(s.shapes, s.wrist, s.lighting), w1);
  });

  it('rejects a wrong-sized out buffer, an invalid camera and invalid shapes', () => {
    const r = new Renderer();
    assert.throws(() => r.render([], camera(), FLAT, new Uint8Array(10)), RangeError);
    assert.throws(() => r.renderDepth([], camera(), new Float32Array(10)), RangeError);
    assert.throws(() => r.render([], camera({ near: 0 }), FLAT), RangeError);
    assert.throws(() => r.render([], camera({ width: 10.5 }), FLAT), RangeError);
    assert.throws(() => r.render([{ kind: 'sphere', pose: pose([0, 0, NaN]), radius: 1, colour: RED }], camera(), FLAT), RangeError);
    assert.throws(() => r.render([{ kind: 'sphere', pose: pose([0, 0, 2]), radius: -1, colour: RED }], camera(), FLAT), RangeError);
    assert.throws(
      () => r.render([{ kind: 'sphere', pose: pose([0, 0, 2], [0, 0, 0, 0]), radius: 1, colour: RED }], camera(), FLAT),
      RangeError,
    );
  });

  it('unnormalised quaternions and out-of-range colours are normalised / clamped', () => {
    const r = new Renderer();
    const a = r.render(
      [{ kind: 'box', pose: pose([0, 0, 2], [0, 0, 0.2, 1]), halfSize: [0.3, 0.2, 0.1], colour: [2, -1, 0.5] }],
      camera(),
      FLAT,
    );
    const q = Math.hypot(0.2, 1);
    const b = r.render(
      [{ kind: 'box', pose: pose([0, 0, 2], [0, 0, 0.2 / q, 1 / q]), halfSize: [0.3, 0.2, 0.1], colour: [1, 0, 0.5] }],
      camera(),
      FLAT,
    );
    assert.deepEqual(a, b);
  });
});
