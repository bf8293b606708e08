// Shared by the camera_ingestion tests: tiny images with known pixels, and throwaway policy
// bundles (the tests never depend on config/policies/).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RawImage } from '../../nodes/camera_ingestion/image_preprocessor.js';
import type { CameraSpec } from '../../nodes/policy/manifest.js';

/** 4×2 colour test image, [r, g, b] per pixel (the size of `camera()`'s default spec). */
export const RGB = [
  [
    [10, 20, 30],
    [40, 50, 60],
    [70, 80, 90],
    [100, 110, 120],
  ],
  [
    [130, 140, 150],
    [160, 170, 180],
    [190, 200, 210],
    [220, 230, 240],
  ],
];

export interface ImageOptions {
  /** Extra bytes at the end of every row (filled with 0xEE so a reader that uses them shows). */
  rowPadding?: number;
  bigEndian?: boolean;
}

/**
 * A sensor_msgs/Image from per-pixel samples, row-major: `pixels[y][x]` is the pixel's samples
 * in the encoding's byte order (e.g. [b, g, r] for bgr8). 16-bit encodings take 16-bit samples.
 */
export function makeImage(encoding: string, pixels: number[][][], options: ImageOptions = {}): RawImage {
  const height = pixels.length;
  const width = pixels[0].length;
  const samples = pixels[0][0].length;
  const bytesPerSample = /16$/.test(encoding) ? 2 : 1;
  const rowBytes = width * samples * bytesPerSample;
  const step = rowBytes + (options.rowPadding ?? 0);
  const data = new Uint8Array(step * height).fill(0xee);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      pixels[y][x].forEach((v, s) => {
        const at = y * step + (x * samples + s) * bytesPerSample;
        if (bytesPerSample === 1) data[at] = v;
        else if (options.bigEndian === true) {
          data[at] = v >> 8;
          data[at + 1] = v & 0xff;
        } else {
          data[at] = v & 0xff;
          data[at + 1] = v >> 8;
        }
      });
    }
  }
  return { width, height, encoding, is_bigendian: options.bigEndian === true ? 1 : 0, step, data };
}

/** The float at channel c, row y, column x of a CHW tensor of width w and height h. */
export function at(t: Float32Array, w: number, h: number, c: number, y: number, x: number): number {
  return t[c * w * h + y * w + x];
}

/** One channel of a CHW tensor as rows, for readable deepEqual-style comparisons. */
export function plane(t: Float32Array, w: number, h: number, c: number): number[][] {
  return Array.from({ length: h }, (_, y) => Array.from(t.subarray(c * w * h + y * w, c * w * h + (y + 1) * w)));
}

/** Asserts two numeric grids agree within `tol` (float32 rounding), naming the first mismatch. */
export function assertClose(actual: number[][] | number[], expected: number[][] | number[], tol = 1e-6, what = 'value'): void {
  const a = (actual as unknown[]).flat(2) as number[];
  const e = (expected as unknown[]).flat(2) as number[];
  if (a.length !== e.length) throw new Error(`${what}: ${a.length} values, expected ${e.length}`);
  a.forEach((v, i) => {
    if (!(Math.abs(v - e[i]) <= tol * Math.max(1, Math.abs(e[i])))) {
      throw new Error(`${what}[${i}] = ${v}, expected ${e[i]} (±${tol})\n actual:   ${JSON.stringify(a)}\n expected: ${JSON.stringify(e)}`);
    }
  });
}

export function camera(name: string, overrides: Partial<CameraSpec> = {}): CameraSpec {
  return { name, width: 4, height: 2, resize: 'stretch', channelOrder: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], ...overrides };
}

function yamlCamera(c: CameraSpec): string {
  return [
    `  - name: ${c.name}`,
    `    width: ${c.width}`,
    `    height: ${c.height}`,
    `    resize: ${c.resize}`,
    `    channel_order: ${c.channelOrder}`,
    `    mean: [${c.mean.join(', ')}]`,
    `    std: [${c.std.join(', ')}]`,
  ].join('\n');
}

/** Writes a minimal valid policy bundle with these cameras into a new temp folder; returns its path. */
export function makeBundle(cameras: CameraSpec[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_camera_ingestion_'));
  const manifest = `format: vla-ros/policy-bundle@1
name: camera-test
trained: false
normalization: stats.json
cameras:
${cameras.map(yamlCamera).join('\n')}
instruction: {template: "{instruction}", tokenizer: tokenizer.json, max_tokens: 8, pad_id: 0}
state: {joint_names: [j1]}
vlm:
  model: vlm.onnx
  rate_hz: 2
  inputs:
    images: {${cameras.map((c) => `${c.name}: image_${c.name}`).join(', ')}}
    token_ids: token_ids
    attention_mask: attention_mask
  latent_outputs: [latent]
expert:
  model: expert.onnx
  decoding: {mode: regression}
  inputs: {latent: {latent: latent}, state: state}
  outputs: {actions: actions}
action: {space: joint_position, rotation: none, gripper: none, names: [j1], horizon: 4, dt: 0.033, min: [-1], max: [1]}
`;
  fs.writeFileSync(path.join(dir, 'manifest.yaml'), manifest);
  fs.writeFileSync(path.join(dir, 'stats.json'), JSON.stringify({ state: { mean: [0], std: [1] }, action: { mean: [0], std: [1] } }));
  for (const f of ['vlm.onnx', 'expert.onnx', 'tokenizer.json']) fs.writeFileSync(path.join(dir, f), '');
  return dir;
}
