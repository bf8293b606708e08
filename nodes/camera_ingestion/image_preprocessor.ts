// One camera's preprocessing: a sensor_msgs/Image-like pixel buffer → the model's float32 CHW
// tensor, in one fused pass (bilinear resample + scale to [0, 1] + per-channel (x − mean)/std +
// channel order). Pure; no ROS.
//
// Per output pixel and channel c (in the manifest's channel order):
//     v   = bilinear sample of the source channel (8-bit: 0..255, 16-bit: 0..65535),
//           taps and weights from resize_geometry.ts (pixel-centre alignment, edge clamp)
//     out = (v / maxValue − mean[c]) / std[c]
// Interpolation is in float64 (OpenCV uses 11-bit fixed-point weights for 8-bit images, which
// differs from this by up to ~1/255 before normalisation). Padding (resize 'pad') is 0 after
// normalisation, i.e. the mean colour — what a model trained with mean-padding sees.
//
// The sampling tables (byte offsets and weights per output row and column) are built once per
// source geometry (width, height, step, pixel size) and reused while it stays the same.

import type { CameraSpec } from '../policy/manifest.js';
import { pixelLayout, type PixelLayout } from './image_encoding.js';
import { resizeGeometry, taps, type AxisMap } from './resize_geometry.js';

/** The fields of sensor_msgs/Image the preprocessor reads. */
export interface RawImage {
  width: number;
  height: number;
  encoding: string;
  /** Non-zero: 16-bit samples are big-endian. */
  is_bigendian: number;
  /** Bytes per row, padding included. */
  step: number;
  data: Uint8Array;
}

/** The preprocessing part of a manifest camera. */
export type PreprocessSpec = Pick<CameraSpec, 'width' | 'height' | 'resize' | 'channelOrder' | 'mean' | 'std'>;

export type RejectKind = 'encoding' | 'malformed';

export type PreprocessResult = { ok: true; tensor: Float32Array } | { ok: false; kind: RejectKind; reason: string };

/** Makes the output array of `length` floats; it is returned in the result. */
export type TensorAllocator = (length: number) => Float32Array;

export const plainAllocator: TensorAllocator = (length) => new Float32Array(length);

interface Tables {
  key: string;
  x: AxisMap;
  y: AxisMap;
  /** Per output column in [x.start, x.end): byte offsets of the two taps within a row, weight of the second. */
  col0: Int32Array;
  col1: Int32Array;
  colW: Float64Array;
  /** Per output row in [y.start, y.end): byte offsets of the two tap rows, weight of the second. */
  row0: Int32Array;
  row1: Int32Array;
  rowW: Float64Array;
}

export class ImagePreprocessor {
  /** Floats in one output tensor: 3 · height · width. */
  readonly length: number;
  private readonly scale8: Float64Array;
  private readonly scale16: Float64Array;
  private readonly bias: Float64Array;
  private tables: Tables | undefined;

  constructor(readonly spec: PreprocessSpec) {
    if (!Number.isInteger(spec.width) || spec.width < 1 || !Number.isInteger(spec.height) || spec.height < 1) {
      throw new RangeError(`model image size must be positive integers, got ${spec.width}×${spec.height}`);
    }
    if (spec.std.some((s) => !(s > 0)) || spec.mean.some((m) => !Number.isFinite(m))) {
      throw new RangeError(`mean must be finite and std positive, got mean ${spec.mean.join(',')} std ${spec.std.join(',')}`);
    }
    this.length = 3 * spec.width * spec.height;
    // (v / max − mean) / std  =  v · (1 / (max · std)) − mean / std
    this.scale8 = Float64Array.from(spec.std, (s) => 1 / (255 * s));
    this.scale16 = Float64Array.from(spec.std, (s) => 1 / (65535 * s));
    this.bias = Float64Array.from(spec.mean, (m, c) => m / spec.std[c]);
  }

  /** Validates a sensor_msgs/Image and preprocesses it. */
  process(image: RawImage, allocate: TensorAllocator = plainAllocator): PreprocessResult {
    const found = pixelLayout(image.encoding);
    if (!found.ok) return { ok: false, kind: 'encoding', reason: found.reason };
    if (!(image.data instanceof Uint8Array)) return { ok: false, kind: 'malformed', reason: 'data is not a byte array' };
    // Some client libraries give uint8 fields as booleans; any non-zero value means big-endian.
    const bigEndian = Boolean(image.is_bigendian);
    return this.processPixels(image.data, image.width, image.height, image.step, found.layout, bigEndian, allocate);
  }

  /** Preprocesses a pixel buffer of a known layout (decoded compressed images use this directly). */
  processPixels(
    data: Uint8Array,
    width: number,
    height: number,
    step: number,
    layout: PixelLayout,
    bigEndian: boolean,
    allocate: TensorAllocator = plainAllocator,
  ): PreprocessResult {
    const problem = checkGeometry(data, width, height, step, layout);
    if (problem !== undefined) return { ok: false, kind: 'malformed', reason: problem };
    const t = this.tablesFor(width, height, step, layout.bytesPerPixel);
    const out = allocate(this.length);
    if (out.length !== this.length) throw new RangeError(`allocator returned ${out.length} floats, expected ${this.length}`);
    const order = this.spec.channelOrder === 'rgb' ? [layout.red, layout.green, layout.blue] : [layout.blue, layout.green, layout.red];
    if (layout.bytesPerSample === 1) this.run8(data, t, order, out);
    else this.run16(data, t, order, bigEndian, out);
    this.fillPadding(t, out);
    return { ok: true, tensor: out };
  }

  private tablesFor(width: number, height: number, step: number, bpp: number): Tables {
    const key = `${width}x${height}:${step}:${bpp}`;
    if (this.tables?.key === key) return this.tables;
    const g = resizeGeometry(width, height, this.spec.width, this.spec.height, this.spec.resize);
    const nx = g.x.end - g.x.start;
    const ny = g.y.end - g.y.start;
    const col0 = new Int32Array(nx);
    const col1 = new Int32Array(nx);
    const colW = new Float64Array(nx);
    for (let k = 0; k < nx; k++) {
      const tp = taps(g.x, g.x.start + k)!;
      col0[k] = tp.i0 * bpp;
      col1[k] = tp.i1 * bpp;
      colW[k] = tp.w;
    }
    const row0 = new Int32Array(ny);
    const row1 = new Int32Array(ny);
    const rowW = new Float64Array(ny);
    for (let k = 0; k < ny; k++) {
      const tp = taps(g.y, g.y.start + k)!;
      row0[k] = tp.i0 * step;
      row1[k] = tp.i1 * step;
      rowW[k] = tp.w;
    }
    this.tables = { key, x: g.x, y: g.y, col0, col1, colW, row0, row1, rowW };
    return this.tables;
  }

  private run8(d: Uint8Array, t: Tables, order: number[], out: Float32Array): void {
    const W = this.spec.width;
    const plane = W * this.spec.height;
    const [o0, o1, o2] = order;
    const [s0, s1, s2] = this.scale8;
    const [b0, b1, b2] = this.bias;
    const { col0, col1, colW, row0, row1, rowW } = t;
    const nx = col0.length;
    const ny = row0.length;
    const xs = t.x.start;
    for (let j = 0; j < ny; j++) {
      const r0 = row0[j];
      const r1 = row1[j];
      const wy = rowW[j];
      let p = (t.y.start + j) * W + xs;
      for (let k = 0; k < nx; k++, p++) {
        const a = r0 + col0[k];
        const b = r0 + col1[k];
        const c = r1 + col0[k];
        const e = r1 + col1[k];
        const wx = colW[k];
        let top = d[a + o0] + (d[b + o0] - d[a + o0]) * wx;
        let bot = d[c + o0] + (d[e + o0] - d[c + o0]) * wx;
        out[p] = (top + (bot - top) * wy) * s0 - b0;
        top = d[a + o1] + (d[b + o1] - d[a + o1]) * wx;
        bot = d[c + o1] + (d[e + o1] - d[c + o1]) * wx;
        out[p + plane] = (top + (bot - top) * wy) * s1 - b1;
        top = d[a + o2] + (d[b + o2] - d[a + o2]) * wx;
        bot = d[c + o2] + (d[e + o2] - d[c + o2]) * wx;
        out[p + 2 * plane] = (top + (bot - top) * wy) * s2 - b2;
      }
    }
  }

  private run16(d: Uint8Array, t: Tables, order: number[], bigEndian: boolean, out: Float32Array): void {
    const W = this.spec.width;
    const plane = W * this.spec.height;
    // A 16-bit sample at byte q is (d[q + hi] << 8) | d[q + lo].
    const hi = bigEndian ? 0 : 1;
    const lo = 1 - hi;
    const [o0, o1, o2] = order;
    const [s0, s1, s2] = this.scale16;
    const [b0, b1, b2] = this.bias;
    const grey = o0 === o1 && o1 === o2;
    const { col0, col1, colW, row0, row1, rowW } = t;
    const nx = col0.length;
    const ny = row0.length;
    for (let j = 0; j < ny; j++) {
      const r0 = row0[j];
      const r1 = row1[j];
      const wy = rowW[j];
      let p = (t.y.start + j) * W + t.x.start;
      for (let k = 0; k < nx; k++, p++) {
        const wx = colW[k];
        const a = r0 + col0[k];
        const b = r0 + col1[k];
        const c = r1 + col0[k];
        const e = r1 + col1[k];
        let q = (d[a + o0 + hi] << 8) | d[a + o0 + lo];
        let top = q + (((d[b + o0 + hi] << 8) | d[b + o0 + lo]) - q) * wx;
        q = (d[c + o0 + hi] << 8) | d[c + o0 + lo];
        let bot = q + (((d[e + o0 + hi] << 8) | d[e + o0 + lo]) - q) * wx;
        const v0 = top + (bot - top) * wy;
        out[p] = v0 * s0 - b0;
        if (grey) {
          // One sample replicated: interpolate once, normalise per channel.
          out[p + plane] = v0 * s1 - b1;
          out[p + 2 * plane] = v0 * s2 - b2;
          continue;
        }
        q = (d[a + o1 + hi] << 8) | d[a + o1 + lo];
        top = q + (((d[b + o1 + hi] << 8) | d[b + o1 + lo]) - q) * wx;
        q = (d[c + o1 + hi] << 8) | d[c + o1 + lo];
        bot = q + (((d[e + o1 + hi] << 8) | d[e + o1 + lo]) - q) * wx;
        out[p + plane] = (top + (bot - top) * wy) * s1 - b1;
        q = (d[a + o2 + hi] << 8) | d[a + o2 + lo];
        top = q + (((d[b + o2 + hi] << 8) | d[b + o2 + lo]) - q) * wx;
        q = (d[c + o2 + hi] << 8) | d[c + o2 + lo];
        bot = q + (((d[e + o2 + hi] << 8) | d[e + o2 + lo]) - q) * wx;
        out[p + 2 * plane] = (top + (bot - top) * wy) * s2 - b2;
      }
    }
  }

  /** Pad mode: everything outside the content box is 0 (= the mean colour after normalisation). */
  private fillPadding(t: Tables, out: Float32Array): void {
    const W = this.spec.width;
    const H = this.spec.height;
    if (t.x.start === 0 && t.x.end === W && t.y.start === 0 && t.y.end === H) return;
    const plane = W * H;
    for (let ch = 0; ch < 3; ch++) {
      const base = ch * plane;
      out.fill(0, base, base + t.y.start * W);
      out.fill(0, base + t.y.end * W, base + plane);
      for (let y = t.y.start; y < t.y.end; y++) {
        out.fill(0, base + y * W, base + y * W + t.x.start);
        out.fill(0, base + y * W + t.x.end, base + (y + 1) * W);
      }
    }
  }
}

/** Why a pixel buffer cannot be read as width × height pixels of `layout` (undefined: it can). */
export function checkGeometry(data: Uint8Array, width: number, height: number, step: number, layout: PixelLayout): string | undefined {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    return `image size ${width}×${height} is empty or invalid`;
  }
  const rowBytes = width * layout.bytesPerPixel;
  if (!Number.isInteger(step) || step < rowBytes) {
    return `step ${step} is less than width·bytes per pixel = ${width}·${layout.bytesPerPixel} = ${rowBytes}`;
  }
  const needed = step * height;
  if (data.length < needed) return `data has ${data.length} bytes, step·height = ${step}·${height} = ${needed} needed`;
  return undefined;
}
