// The simulator's software renderer: primitive shapes (scene.ts) → rgb8 images and depth maps, as a
// pinhole camera in ROS's optical convention sees them. MuJoCo's WebAssembly build has no renderer,
// and no well-kept npm library rasterises primitives in Node without native code or a GPU context
// (headless-gl and node-canvas are native addons, three.js needs WebGL), so this is our own:
//
//   tessellate (cached unit meshes, level of detail from the projected radius) → transform to the
//   camera frame → cull (bounding sphere vs frustum, then per triangle) → clip against the near
//   plane and a guard band → project (u = fx·x/z + cx, v = fy·y/z + cy) → snap to 1/256 px →
//   rasterise with integer edge functions (top-left fill rule: watertight, no pixel twice along a
//   shared edge) → z-buffer on 1/z (perspective-correct, interpolated in screen space) → deferred
//   resolve: shape id + Gouraud Lambert shade per pixel, then linear colour × shade → sRGB byte.
//
// Conventions (docs/renderer.md):
// - Pixel (col, row) is sampled at u = col, v = row in K's coordinates: the OpenCV and
//   sensor_msgs/CameraInfo convention, where integer coordinates are pixel centres and the image
//   covers u ∈ [−0.5, W − 0.5]. (Equivalently, in a frame whose origin is the image's top-left
//   corner, pixel centres sit at integer + 0.5.) A point projecting to (u, v) lands in pixel
//   (round(u), round(v)).
// - Output rgb8, row-major, step = 3·width, sRGB-encoded from the linear colours of scene.ts
//   (background included). Depth: metres along the optical axis (camera-frame z), 0 where nothing
//   is hit.
// - Shade = ambient + (1 − ambient)·max(0, n·(−l̂)), per vertex, interpolated perspective-correctly.
//   Closed shapes are back-face culled; planes are drawn and lit from both sides.
//
// Allocation: buffers are made once per image size (kept per size, so two cameras of different
// sizes do not thrash) and scratch arrays are sized for the largest mesh up front; a frame
// allocates no buffers except the returned array when the caller passes no `out` (per-shape
// numbers live in Float64Arrays because V8 would box them otherwise).
//
// Exactness: vertices inside the guard band have |X|, |Y| < (MAX_IMAGE_SIDE + GUARD_PX)·256 < 2^22,
// so edge-function values stay below 2^47 and every span computation is exact integer arithmetic.

import { SRGB_LUT, SRGB_LUT_SCALE } from './colour.js';
import { quatToMatInto } from './math3d.js';
import { LEVELS, levelMaxRadius, unitMesh } from './meshes.js';
import type { CameraModel, Lighting, Primitive } from './scene.js';

/** Sub-pixel precision of projected vertices: 1/256 px. */
export const SUBPIXEL_BITS = 8;
const SUB = 1 << SUBPIXEL_BITS;
/** Largest image side: keeps every edge-function product an exact integer in a float64. */
export const MAX_IMAGE_SIDE = 8192;
/** Triangles reaching further than this beyond the image [px] are clipped rather than rasterised whole. */
const GUARD_PX = 4096;
/** Largest silhouette radius [px] per tessellation level for a chord error of at most 0.5 px. */
const LEVEL_MAX_RADIUS_PX = levelMaxRadius(0.5);

// Vertex outcodes. View bits trivially reject a triangle when all three vertices share one; clip
// bits (near plane, guard band) send it through the clipper when any vertex has one.
const NEAR = 1;
const V_LEFT = 2;
const V_RIGHT = 4;
const V_TOP = 8;
const V_BOTTOM = 16;
const FAR = 32;
const G_LEFT = 64;
const G_RIGHT = 128;
const G_TOP = 256;
const G_BOTTOM = 512;
const VIEW_MASK = NEAR | V_LEFT | V_RIGHT | V_TOP | V_BOTTOM | FAR;
const CLIP_MASK = NEAR | G_LEFT | G_RIGHT | G_TOP | G_BOTTOM;
const CLIP_PLANES = [NEAR, G_LEFT, G_RIGHT, G_TOP, G_BOTTOM] as const;
/** A triangle clipped by 5 planes has at most 8 vertices. */
const CLIP_SLOTS = 16;

/** Per image size: z-buffer (1/z), shape id (0 = background) and shade per pixel. */
interface Target {
  width: number;
  height: number;
  invZ: Float32Array;
  id: Uint16Array;
  shade: Float32Array;
}

/** Largest integer q with q·d ≤ n, for integers n and d > 0 (exact while |n|, |q·d| < 2^53). */
function floorDiv(n: number, d: number): number {
  let q = Math.floor(n / d);
  if (q * d > n) q -= 1;
  else if ((q + 1) * d <= n) q += 1;
  return q;
}

function checkCamera(c: CameraModel): void {
  if (!(
    Number.isInteger(c.width) &&
    Number.isInteger(c.height) &&
    c.width >= 1 &&
    c.height >= 1 &&
    c.width <= MAX_IMAGE_SIDE &&
    c.height <= MAX_IMAGE_SIDE
  ))
    throw new RangeError(`camera size ${c.width}×${c.height}: each side must be an integer in [1, ${MAX_IMAGE_SIDE}]`);
  if (!(c.fx > 0 && c.fy > 0 && Number.isFinite(c.fx) && Number.isFinite(c.fy)))
    throw new RangeError(`camera focal lengths must be finite and > 0 (fx ${c.fx}, fy ${c.fy})`);
  if (!Number.isFinite(c.cx) || !Number.isFinite(c.cy)) throw new RangeError('camera principal point must be finite');
  if (!(c.near > 0 && c.far > c.near))
    throw new RangeError(`camera clipping range must satisfy 0 < near < far (near ${c.near}, far ${c.far})`);
  if (!c.pose.position.every(Number.isFinite)) throw new RangeError('camera position must be finite');
}

export class Renderer {
  private readonly targets = new Map<number, Target>();
  private last: Target | undefined;
  // The buffers of the frame being drawn (those of `last`).
  private invZ: Float32Array = new Float32Array(0);
  private ids: Uint16Array = new Uint16Array(0);
  private shade: Float32Array = new Float32Array(0);

  // Per-frame camera state.
  private W = 0;
  private H = 0;
  private fx = 0;
  private fy = 0;
  private cx = 0;
  private cy = 0;
  private near = 0;
  private far = 0;
  private readonly camRot = new Float64Array(9); // camera → world (the pose's rotation)
  private readonly camPos = new Float64Array(3);
  /** Inward unit normals of the four side planes of the view frustum (x, y, z each). */
  private readonly sides = new Float64Array(12);
  /** Clip planes (near, guard band left/right/top/bottom) as A B C D: inside A·x + B·y + C·z + D ≥ 0. */
  private readonly clipPlanes = new Float64Array(CLIP_PLANES.length * 4);
  /** Per shape: scale x y z, capsule half length, bounding radius, curvature radius. */
  private readonly geom = new Float64Array(6);
  /** Unit direction towards the light (world frame) and the ambient fraction. */
  private readonly light = new Float64Array(4);

  // Per-shape scratch.
  private readonly shapeRot = new Float64Array(9);
  private readonly R = new Float64Array(9); // shape → camera

  // Per-vertex scratch: camera-frame position, shade, projection (u, v exact; X, Y snapped to
  // 1/256 px), 1/z, outcode. The mesh's vertices come first; the clipper writes its polygon's
  // projected vertices into the CLIP_SLOTS slots after `cap`.
  private cap = 0;
  private vx = new Float64Array(0);
  private vy = new Float64Array(0);
  private vz = new Float64Array(0);
  private vs = new Float64Array(0);
  private vu = new Float64Array(0);
  private vv = new Float64Array(0);
  private vX = new Float64Array(0);
  private vY = new Float64Array(0);
  private vw = new Float64Array(0);
  private vcode = new Int32Array(0);

  // Clipper ping-pong polygons: x y z shade per vertex; a triangle clipped by 5 planes has ≤ 8.
  private polyA = new Float64Array(16 * 4);
  private polyB = new Float64Array(16 * 4);

  /** Linear colour × SRGB_LUT_SCALE per shape id (index 0 unused). */
  private colours = new Float64Array(0);

  constructor() {
    this.ensureVertices(Math.max(...(['sphere', 'capsule', 'cylinder'] as const).map((k) => unitMesh(k, LEVELS.length - 1).vertexCount)));
  }

  /**
   * Renders `shapes` as `camera` sees them under `lighting`: rgb8, row-major, width·height·3 bytes
   * (step = 3·width), sRGB-encoded. Writes into `out` when given (it must have exactly that length).
   */
  render(shapes: readonly Primitive[], camera: CameraModel, lighting: Lighting, out?: Uint8Array): Uint8Array {
    const t = this.draw(shapes, camera, lighting);
    const n = t.width * t.height;
    if (out !== undefined && out.length !== n * 3)
      throw new RangeError(`out has ${out.length} bytes; a ${t.width}×${t.height} rgb8 image needs ${n * 3}`);
    const rgb = out ?? new Uint8Array(n * 3);
    const lut = SRGB_LUT;
    const bg = lighting.background;
    const bgR = lut[Math.round(clamp01(bg[0]) * SRGB_LUT_SCALE)];
    const bgG = lut[Math.round(clamp01(bg[1]) * SRGB_LUT_SCALE)];
    const bgB = lut[Math.round(clamp01(bg[2]) * SRGB_LUT_SCALE)];
    const ids = t.id;
    const shade = t.shade;
    const col = this.colours;
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      const id = ids[i];
      if (id === 0) {
        rgb[j] = bgR;
        rgb[j + 1] = bgG;
        rgb[j + 2] = bgB;
      } else {
        const s = shade[i];
        const k = id * 3;
        rgb[j] = lut[(col[k] * s + 0.5) | 0];
        rgb[j + 1] = lut[(col[k + 1] * s + 0.5) | 0];
        rgb[j + 2] = lut[(col[k + 2] * s + 0.5) | 0];
      }
    }
    return rgb;
  }

  /**
   * Depth of `shapes` as `camera` sees them: metres along the optical axis (camera-frame z), 0 where
   * nothing is hit (or beyond `far`); row-major, width·height floats.
   */
  renderDepth(shapes: readonly Primitive[], camera: CameraModel, out?: Float32Array): Float32Array {
    this.draw(shapes, camera, undefined);
    return this.lastDepth(out);
  }

  /** The depth map of the last render() or renderDepth() call, without drawing again. */
  lastDepth(out?: Float32Array): Float32Array {
    const t = this.last;
    if (t === undefined) throw new Error('nothing rendered yet');
    const n = t.width * t.height;
    if (out !== undefined && out.length !== n)
      throw new RangeError(`out has ${out.length} floats; a ${t.width}×${t.height} depth map needs ${n}`);
    const depth = out ?? new Float32Array(n);
    const ids = t.id;
    const invZ = t.invZ;
    for (let i = 0; i < n; i++) depth[i] = ids[i] === 0 ? 0 : 1 / invZ[i];
    return depth;
  }

  private target(width: number, height: number): Target {
    const key = width * 65536 + height;
    let t = this.targets.get(key);
    if (t === undefined) {
      const n = width * height;
      t = { width, height, invZ: new Float32Array(n), id: new Uint16Array(n), shade: new Float32Array(n) };
      this.targets.set(key, t);
    }
    return t;
  }

  private ensureVertices(n: number): void {
    if (n <= this.cap) return;
    this.cap = n;
    const m = n + CLIP_SLOTS;
    this.vx = new Float64Array(m);
    this.vy = new Float64Array(m);
    this.vz = new Float64Array(m);
    this.vs = new Float64Array(m);
    this.vu = new Float64Array(m);
    this.vv = new Float64Array(m);
    this.vX = new Float64Array(m);
    this.vY = new Float64Array(m);
    this.vw = new Float64Array(m);
    this.vcode = new Int32Array(m);
  }

  /** Rasterises every shape into the size's buffers; `lighting` undefined: depth only. */
  private draw(shapes: readonly Primitive[], camera: CameraModel, lighting: Lighting | undefined): Target {
    checkCamera(camera);
    if (shapes.length > 0xffff) throw new RangeError(`at most 65535 shapes per frame (got ${shapes.length})`);
    const t = this.target(camera.width, camera.height);
    this.last = t;
    this.invZ = t.invZ;
    this.ids = t.id;
    this.shade = t.shade;
    this.W = camera.width;
    this.H = camera.height;
    this.fx = camera.fx;
    this.fy = camera.fy;
    this.cx = camera.cx;
    this.cy = camera.cy;
    this.near = camera.near;
    this.far = camera.far;
    quatToMatInto(camera.pose.orientation, this.camRot);
    this.camPos[0] = camera.pose.position[0];
    this.camPos[1] = camera.pose.position[1];
    this.camPos[2] = camera.pose.position[2];
    this.setSides();

    t.invZ.fill(Math.fround(1 / camera.far));
    t.id.fill(0);

    if (this.colours.length < (shapes.length + 1) * 3) this.colours = new Float64Array((shapes.length + 1) * 3);

    // Direction towards the light, world frame, unit (zero when there is no directional part),
    // and the ambient fraction.
    const light = this.light;
    light[0] = light[1] = light[2] = 0;
    light[3] = 1;
    if (lighting !== undefined) {
      light[3] = clamp01(lighting.ambient);
      const d = lighting.direction;
      const n = Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      if (n > 0 && Number.isFinite(n)) {
        light[0] = -d[0] / n;
        light[1] = -d[1] / n;
        light[2] = -d[2] / n;
      }
    }
    for (let i = 0; i < shapes.length; i++) this.drawShape(shapes[i], i + 1, lighting !== undefined);
    return t;
  }

  private setSides(): void {
    const { fx, fy, cx, cy, W, H, sides } = this;
    sides[0] = fx;
    sides[2] = cx + 0.5;
    sides[3] = -fx;
    sides[5] = W - 0.5 - cx;
    sides[7] = fy;
    sides[8] = cy + 0.5;
    sides[10] = -fy;
    sides[11] = H - 0.5 - cy;
    // Clip planes, in CLIP_PLANES order: z ≥ near; u ≥ −0.5 − G; u ≤ W − 0.5 + G; same for v.
    const cp = this.clipPlanes;
    cp.fill(0);
    cp[2] = 1;
    cp[3] = -this.near;
    cp[4] = fx;
    cp[6] = cx + 0.5 + GUARD_PX;
    cp[8] = -fx;
    cp[10] = W - 0.5 + GUARD_PX - cx;
    cp[13] = fy;
    cp[14] = cy + 0.5 + GUARD_PX;
    cp[17] = -fy;
    cp[18] = H - 0.5 + GUARD_PX - cy;
    for (let k = 0; k < 12; k += 3) {
      const n = Math.sqrt(sides[k] * sides[k] + sides[k + 1] * sides[k + 1] + sides[k + 2] * sides[k + 2]);
      sides[k] /= n;
      sides[k + 1] /= n;
      sides[k + 2] /= n;
    }
  }

  private drawShape(s: Primitive, id: number, lit: boolean): void {
    const p = s.pose.position;
    if (!(Number.isFinite(p[0]) && Number.isFinite(p[1]) && Number.isFinite(p[2])))
      throw new RangeError(`shape ${id - 1} (${s.kind}): position must be finite`);
    // Scale per axis, capsule half length, bounding radius, radius that sets the tessellation.
    // (Through a Float64Array: merging plain locals across the branches would box the numbers.)
    const g = this.geom;
    g[3] = g[5] = 0;
    switch (s.kind) {
      case 'box':
        g[0] = s.halfSize[0];
        g[1] = s.halfSize[1];
        g[2] = s.halfSize[2];
        g[4] = Math.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        break;
      case 'plane':
        g[0] = s.halfSize[0];
        g[1] = s.halfSize[1];
        g[2] = 0;
        g[4] = Math.sqrt(g[0] * g[0] + g[1] * g[1]);
        break;
      case 'sphere':
        g[0] = g[1] = g[2] = g[4] = g[5] = s.radius;
        break;
      case 'capsule':
        g[0] = g[1] = g[2] = g[5] = s.radius;
        g[3] = s.halfLength;
        g[4] = g[0] + g[3];
        break;
      case 'cylinder':
        g[0] = g[1] = g[5] = s.radius;
        g[2] = s.halfLength;
        g[4] = Math.sqrt(g[0] * g[0] + g[2] * g[2]);
        break;
    }
    const sx = g[0];
    const sy = g[1];
    const sz = g[2];
    const L = g[3];
    const curve = g[5];
    const bound = g[4];
    if (!(sx >= 0 && sy >= 0 && sz >= 0 && L >= 0 && Number.isFinite(bound)))
      throw new RangeError(`shape ${id - 1} (${s.kind}): sizes must be finite and ≥ 0`);
    if (bound === 0) return;

    // Colour (linear, clamped, pre-scaled for the sRGB table).
    const c = s.colour;
    const ck = id * 3;
    this.colours[ck] = clamp01(c[0]) * SRGB_LUT_SCALE;
    this.colours[ck + 1] = clamp01(c[1]) * SRGB_LUT_SCALE;
    this.colours[ck + 2] = clamp01(c[2]) * SRGB_LUT_SCALE;

    // Shape → camera: R = Cᵀ·S, t = Cᵀ·(p − c).
    const Sr = this.shapeRot;
    quatToMatInto(s.pose.orientation, Sr);
    const C = this.camRot;
    const R = this.R;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) R[3 * i + j] = C[i] * Sr[j] + C[3 + i] * Sr[3 + j] + C[6 + i] * Sr[6 + j];
    }
    const px = p[0] - this.camPos[0];
    const py = p[1] - this.camPos[1];
    const pz = p[2] - this.camPos[2];
    const tx = C[0] * px + C[3] * py + C[6] * pz;
    const ty = C[1] * px + C[4] * py + C[7] * pz;
    const tz = C[2] * px + C[5] * py + C[8] * pz;

    // Cull the whole shape by its bounding sphere.
    if (tz + bound < this.near || tz - bound > this.far) return;
    const sd = this.sides;
    for (let k = 0; k < 12; k += 3) if (sd[k] * tx + sd[k + 1] * ty + sd[k + 2] * tz < -bound) return;

    let level = 0;
    if (curve > 0) {
      const zc = Math.max(tz - bound, this.near);
      const radiusPx = (Math.max(this.fx, this.fy) * curve) / zc;
      const maxRadius = LEVEL_MAX_RADIUS_PX;
      while (level < maxRadius.length - 1 && radiusPx > maxRadius[level]) level++;
    }
    const mesh = unitMesh(s.kind, level);
    if (mesh.vertexCount > this.cap) this.ensureVertices(mesh.vertexCount);
    const closed = mesh.closed;

    // Light direction in the shape's frame: a vertex's shade is ambient + diffuse·max(0, n·l).
    const light = this.light;
    const lx = light[0];
    const ly = light[1];
    const lz = light[2];
    const ambient = light[3];
    let llx = Sr[0] * lx + Sr[3] * ly + Sr[6] * lz;
    let lly = Sr[1] * lx + Sr[4] * ly + Sr[7] * lz;
    let llz = Sr[2] * lx + Sr[5] * ly + Sr[8] * lz;
    if (!closed && R[2] * tx + R[5] * ty + R[8] * tz > 0) {
      // A plane seen from behind is lit as its back face: flip the normal (negate the light).
      llx = -llx;
      lly = -lly;
      llz = -llz;
    }
    const diffuse = 1 - ambient;

    // Vertex stage.
    const m0 = R[0] * sx,
      m1 = R[1] * sy,
      m2 = R[2] * sz;
    const m3 = R[3] * sx,
      m4 = R[4] * sy,
      m5 = R[5] * sz;
    const m6 = R[6] * sx,
      m7 = R[7] * sy,
      m8 = R[8] * sz;
    const ax = R[2] * L,
      ay = R[5] * L,
      az = R[8] * L;
    const { fx, fy, cx, cy, near, far, W, H } = this;
    const gl = cx + 0.5 + GUARD_PX;
    const gr = cx - W + 0.5 - GUARD_PX;
    const gt = cy + 0.5 + GUARD_PX;
    const gb = cy - H + 0.5 - GUARD_PX;
    const vl = cx + 0.5;
    const vr = cx - W + 0.5;
    const vt = cy + 0.5;
    const vb = cy - H + 0.5;
    const pos = mesh.position;
    const nrm = mesh.normal;
    const capv = mesh.cap;
    const { vx, vy, vz, vs, vu, vv, vX, vY, vw, vcode } = this;
    for (let i = 0, k = 0; i < mesh.vertexCount; i++, k += 3) {
      const ux = pos[k],
        uy = pos[k + 1],
        uz = pos[k + 2],
        cp = capv[i];
      const x = m0 * ux + m1 * uy + m2 * uz + ax * cp + tx;
      const y = m3 * ux + m4 * uy + m5 * uz + ay * cp + ty;
      const z = m6 * ux + m7 * uy + m8 * uz + az * cp + tz;
      vx[i] = x;
      vy[i] = y;
      vz[i] = z;
      if (lit) {
        const d = nrm[k] * llx + nrm[k + 1] * lly + nrm[k + 2] * llz;
        vs[i] = d > 0 ? ambient + diffuse * d : ambient;
      } else {
        vs[i] = 1;
      }
      const fxx = fx * x;
      const fyy = fy * y;
      let code = 0;
      if (z < near) code |= NEAR;
      if (z > far) code |= FAR;
      if (fxx + vl * z < 0) code |= V_LEFT;
      if (fxx + vr * z > 0) code |= V_RIGHT;
      if (fyy + vt * z < 0) code |= V_TOP;
      if (fyy + vb * z > 0) code |= V_BOTTOM;
      if (fxx + gl * z < 0) code |= G_LEFT;
      if (fxx + gr * z > 0) code |= G_RIGHT;
      if (fyy + gt * z < 0) code |= G_TOP;
      if (fyy + gb * z > 0) code |= G_BOTTOM;
      vcode[i] = code;
      if ((code & CLIP_MASK) === 0) {
        const w = 1 / z;
        const u = fxx * w + cx;
        const v = fyy * w + cy;
        vw[i] = w;
        vu[i] = u;
        vv[i] = v;
        vX[i] = Math.round(u * SUB);
        vY[i] = Math.round(v * SUB);
      }
    }

    // Triangle stage.
    const tris = mesh.triangles;
    for (let k = 0; k < tris.length; k += 3) {
      const a = tris[k],
        b = tris[k + 1],
        e = tris[k + 2];
      const ca = vcode[a],
        cb = vcode[b],
        ce = vcode[e];
      if ((ca & cb & ce & VIEW_MASK) !== 0) continue;
      const clip = (ca | cb | ce) & CLIP_MASK;
      if (clip === 0) {
        this.triangle(a, b, e, id, closed);
        continue;
      }
      if (closed) {
        // Back-face test in 3D before clipping (the camera is at the origin).
        const e1x = vx[b] - vx[a],
          e1y = vy[b] - vy[a],
          e1z = vz[b] - vz[a];
        const e2x = vx[e] - vx[a],
          e2y = vy[e] - vy[a],
          e2z = vz[e] - vz[a];
        const nx = e1y * e2z - e1z * e2y;
        const ny = e1z * e2x - e1x * e2z;
        const nz = e1x * e2y - e1y * e2x;
        if (nx * vx[a] + ny * vy[a] + nz * vz[a] >= 0) continue;
      }
      this.clipAndDraw(a, b, e, clip, id, closed);
    }
  }

  /** Clips triangle (a, b, e) against the planes in `mask`, then draws the convex remainder as a fan. */
  private clipAndDraw(a: number, b: number, e: number, mask: number, id: number, closed: boolean): void {
    let src = this.polyA;
    let dst = this.polyB;
    const { vx, vy, vz, vs } = this;
    for (let j = 0; j < 3; j++) {
      const i = j === 0 ? a : j === 1 ? b : e;
      src[4 * j] = vx[i];
      src[4 * j + 1] = vy[i];
      src[4 * j + 2] = vz[i];
      src[4 * j + 3] = vs[i];
    }
    let n = 3;
    const cp = this.clipPlanes;
    for (let pi = 0; pi < CLIP_PLANES.length; pi++) {
      if ((mask & CLIP_PLANES[pi]) === 0) continue;
      const A = cp[4 * pi],
        B = cp[4 * pi + 1],
        C = cp[4 * pi + 2],
        D = cp[4 * pi + 3];
      let m = 0;
      for (let i = 0; i < n; i++) {
        const p = i * 4;
        const q = ((i + 1) % n) * 4;
        const dp = A * src[p] + B * src[p + 1] + C * src[p + 2] + D;
        const dq = A * src[q] + B * src[q + 1] + C * src[q + 2] + D;
        if (dp >= 0) {
          dst[m * 4] = src[p];
          dst[m * 4 + 1] = src[p + 1];
          dst[m * 4 + 2] = src[p + 2];
          dst[m * 4 + 3] = src[p + 3];
          m++;
        }
        if (dp >= 0 !== dq >= 0) {
          const t = dp / (dp - dq);
          for (let c = 0; c < 4; c++) dst[m * 4 + c] = src[p + c] + t * (src[q + c] - src[p + c]);
          m++;
        }
      }
      const tmp = src;
      src = dst;
      dst = tmp;
      n = m;
      if (n < 3) return;
    }
    // Project the polygon into the clip slots, then draw it as a fan.
    const { fx, fy, cx, cy, vu, vv, vX, vY, vw } = this;
    const base = this.cap;
    for (let i = 0; i < n; i++) {
      const p = i * 4;
      const w = 1 / src[p + 2];
      const u = fx * src[p] * w + cx;
      const v = fy * src[p + 1] * w + cy;
      vu[base + i] = u;
      vv[base + i] = v;
      vX[base + i] = Math.round(u * SUB);
      vY[base + i] = Math.round(v * SUB);
      vw[base + i] = w;
      vs[base + i] = src[p + 3];
    }
    for (let i = 1; i + 1 < n; i++) this.triangle(base, base + i, base + i + 1, id, closed);
  }

  /**
   * Rasterises the projected triangle of vertex slots a, b, c (X, Y snapped to 1/256 px, u, v
   * exact, w = 1/z, s = shade). Front faces are clockwise on screen (x right, y down) for a mesh
   * counter-clockwise from outside; back faces are dropped when `closed`, drawn when not (planes).
   */
  private triangle(a: number, b: number, c: number, id: number, closed: boolean): void {
    const { vX, vY } = this;
    const X0 = vX[a];
    const Y0 = vY[a];
    let X1 = vX[b];
    let Y1 = vY[b];
    let X2 = vX[c];
    let Y2 = vY[c];
    let area = (X1 - X0) * (Y2 - Y0) - (Y1 - Y0) * (X2 - X0);
    if (area === 0) return;
    if (area < 0) {
      // Facing the camera: reorder so the edge functions below are positive inside.
      const t = b;
      b = c;
      c = t;
      X1 = vX[b];
      Y1 = vY[b];
      X2 = vX[c];
      Y2 = vY[c];
      area = -area;
    } else if (closed) {
      return;
    }
    const W = this.W;
    let xmin = Math.ceil(Math.min(X0, X1, X2) / SUB);
    let xmax = Math.floor(Math.max(X0, X1, X2) / SUB);
    let ymin = Math.ceil(Math.min(Y0, Y1, Y2) / SUB);
    let ymax = Math.floor(Math.max(Y0, Y1, Y2) / SUB);
    if (xmin < 0) xmin = 0;
    if (ymin < 0) ymin = 0;
    if (xmax > W - 1) xmax = W - 1;
    if (ymax > this.H - 1) ymax = this.H - 1;
    if (xmin > xmax || ymin > ymax) return;

    // Edge functions E(P) = (Xb − Xa)(Py − Ya) − (Yb − Ya)(Px − Xa) for edges 1→2, 2→0, 0→1, each
    // ≥ 0 inside; the top-left rule keeps pixels exactly on an edge for one triangle only (bias −1
    // on other edges, values being integers). Stored at column 0 of the current row, per-pixel and
    // per-row steps in 1/256-px units times SUB.
    const rowY = ymin * SUB;
    const dx0 = X2 - X1,
      dy0 = Y2 - Y1;
    const dx1 = X0 - X2,
      dy1 = Y0 - Y2;
    const dx2 = X1 - X0,
      dy2 = Y1 - Y0;
    let E0 = dx0 * (rowY - Y1) + dy0 * X1 + (dy0 < 0 || (dy0 === 0 && dx0 > 0) ? 0 : -1);
    let E1 = dx1 * (rowY - Y2) + dy1 * X2 + (dy1 < 0 || (dy1 === 0 && dx1 > 0) ? 0 : -1);
    let E2 = dx2 * (rowY - Y0) + dy2 * X0 + (dy2 < 0 || (dy2 === 0 && dx2 > 0) ? 0 : -1);
    const sx0 = -dy0 * SUB,
      sx1 = -dy1 * SUB,
      sx2 = -dy2 * SUB;
    const sy0 = dx0 * SUB,
      sy1 = dx1 * SUB,
      sy2 = dx2 * SUB;

    // Attribute planes over pixel coordinates: w = 1/z and q = shade/z, affine in screen space.
    // From the exact projections (1/z of a planar triangle is then exact wherever the vertices
    // were snapped); from the snapped ones for triangles under a pixel, where extrapolating from
    // the exact ones could reach values outside the vertices' range.
    const w0 = this.vw[a],
      w1 = this.vw[b],
      w2 = this.vw[c];
    const q0 = this.vs[a] * w0,
      q1 = this.vs[b] * w1,
      q2 = this.vs[c] * w2;
    let u0 = X0 / SUB,
      v0 = Y0 / SUB,
      u1 = X1 / SUB,
      v1 = Y1 / SUB,
      u2 = X2 / SUB,
      v2 = Y2 / SUB;
    let det = area / (SUB * SUB);
    if (det >= 1) {
      const eu0 = this.vu[a],
        ev0 = this.vv[a],
        eu1 = this.vu[b],
        ev1 = this.vv[b],
        eu2 = this.vu[c],
        ev2 = this.vv[c];
      const d = (eu1 - eu0) * (ev2 - ev0) - (ev1 - ev0) * (eu2 - eu0);
      if (d >= 0.5) {
        u0 = eu0;
        v0 = ev0;
        u1 = eu1;
        v1 = ev1;
        u2 = eu2;
        v2 = ev2;
        det = d;
      }
    }
    const k = 1 / det;
    const aw = ((w1 - w0) * (v2 - v0) - (w2 - w0) * (v1 - v0)) * k;
    const bw = ((w2 - w0) * (u1 - u0) - (w1 - w0) * (u2 - u0)) * k;
    const aq = ((q1 - q0) * (v2 - v0) - (q2 - q0) * (v1 - v0)) * k;
    const bq = ((q2 - q0) * (u1 - u0) - (q1 - q0) * (u2 - u0)) * k;
    const w00 = w0 - aw * u0 - bw * v0;
    const q00 = q0 - aq * u0 - bq * v0;

    const invZ = this.invZ;
    const ids = this.ids;
    const shade = this.shade;
    for (let y = ymin; y <= ymax; y++, E0 += sy0, E1 += sy1, E2 += sy2) {
      let xs = xmin;
      let xe = xmax;
      // Columns where E + sx·col ≥ 0 for each edge.
      if (sx0 > 0) xs = Math.max(xs, -floorDiv(E0, sx0));
      else if (sx0 < 0) xe = Math.min(xe, floorDiv(E0, -sx0));
      else if (E0 < 0) continue;
      if (sx1 > 0) xs = Math.max(xs, -floorDiv(E1, sx1));
      else if (sx1 < 0) xe = Math.min(xe, floorDiv(E1, -sx1));
      else if (E1 < 0) continue;
      if (sx2 > 0) xs = Math.max(xs, -floorDiv(E2, sx2));
      else if (sx2 < 0) xe = Math.min(xe, floorDiv(E2, -sx2));
      else if (E2 < 0) continue;
      if (xs > xe) continue;
      const wr = w00 + bw * y;
      const qr = q00 + bq * y;
      for (let x = xs, i = y * W + xs; x <= xe; x++, i++) {
        const w = wr + aw * x;
        if (w > invZ[i]) {
          invZ[i] = w;
          ids[i] = id;
          shade[i] = (qr + aq * x) / w;
        }
      }
    }
  }
}

function clamp01(v: number): number {
  return v > 0 ? (v < 1 ? v : 1) : 0;
}
