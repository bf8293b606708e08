// Shared by the renderer tests: a camera whose optical frame is the world frame, lighting presets
// and pixel helpers.

import { srgbByte } from '../../../nodes/sim/render/colour.js';
import type { CameraModel, Colour, Lighting, Pose, Quat, Vec3 } from '../../../nodes/sim/render/scene.js';

export const W = 160;
export const H = 120;
export const F = 100;
export const CX = (W - 1) / 2;
export const CY = (H - 1) / 2;

/** Optical frame = world frame: x right, y down, z forward. */
export function camera(overrides: Partial<CameraModel> = {}): CameraModel {
  return {
    width: W,
    height: H,
    fx: F,
    fy: F,
    cx: CX,
    cy: CY,
    near: 0.1,
    far: 100,
    pose: { position: [0, 0, 0], orientation: [0, 0, 0, 1] },
    ...overrides,
  };
}

export const BLACK: Colour = [0, 0, 0];
/** Every lit pixel shows its shape's colour exactly (ambient 1). */
export const FLAT: Lighting = { direction: [0, 0, 1], ambient: 1, background: BLACK };

export function pose(position: Vec3, orientation: Quat = [0, 0, 0, 1]): Pose {
  return { position, orientation };
}

export function bytes(c: Colour): [number, number, number] {
  return [srgbByte(c[0]), srgbByte(c[1]), srgbByte(c[2])];
}

export function pixel(rgb: Uint8Array, x: number, y: number, width = W): [number, number, number] {
  const i = (y * width + x) * 3;
  return [rgb[i], rgb[i + 1], rgb[i + 2]];
}

export function near(a: readonly number[], b: readonly number[], tol = 1): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tol);
}

/** Pixels whose colour differs from `background`, as a mask, with their bounding box. */
export function coverage(rgb: Uint8Array, background: readonly number[], width = W, height = H) {
  const mask = new Uint8Array(width * height);
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity,
    count = 0,
    sx = 0,
    sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (rgb[3 * i] !== background[0] || rgb[3 * i + 1] !== background[1] || rgb[3 * i + 2] !== background[2]) {
        mask[i] = 1;
        count++;
        sx += x;
        sy += y;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { mask, count, x0, x1, y0, y1, meanX: sx / count, meanY: sy / count };
}

/** Pixel-centre bounding box (columns/rows whose centres lie in [min, max]) of projected points. */
export function pixelBox(points: [number, number][]) {
  const us = points.map((p) => p[0]);
  const vs = points.map((p) => p[1]);
  return {
    x0: Math.ceil(Math.min(...us)),
    x1: Math.floor(Math.max(...us)),
    y0: Math.ceil(Math.min(...vs)),
    y1: Math.floor(Math.max(...vs)),
  };
}
