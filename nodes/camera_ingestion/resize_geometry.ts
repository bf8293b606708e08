// Where each model pixel samples the source image, per resize mode: one affine map per axis.
//
// Convention (pixel-centre alignment, as OpenCV's cv2.resize INTER_LINEAR and PyTorch's
// F.interpolate(mode='bilinear', align_corners=False, antialias=False)): pixel i covers
// [i, i+1) and its centre is i + 0.5. Output pixel `o` of an axis with content starting at
// output index `start` samples the source at
//
//     src = (o − start + 0.5) · scale + shift − 0.5,   clamped to [0, srcSize − 1]
//
// (clamping = edge replication, what OpenCV's BORDER_REPLICATE and PyTorch do).
//
//   stretch: both axes scaled independently: scale = src / dst, shift = 0, start = 0.
//   crop:    one scale for both axes so the image covers the output (s = max(dstW/srcW,
//            dstH/srcH)), centred: the source window of size dst/s is centred on the image
//            (shift = (src − dst/s) / 2, fractional) and stretched onto the output. This is
//            PIL ImageOps.fit's geometry (a fractional centred box, no rounding).
//   pad:     one scale so the image fits (s = min(dstW/srcW, dstH/srcH)); the content size
//            round(src·s) (clamped to [1, dst]) is placed at floor((dst − content) / 2) —
//            PIL ImageOps.pad's / YOLO letterbox's layout — and the whole source is stretched
//            onto that integer box; outputs outside it are padding.

import type { ResizeMode } from '../policy/manifest.js';

export interface AxisMap {
  /** Output indices [start, end) sample the image; the rest (pad mode) is padding. */
  readonly start: number;
  readonly end: number;
  /** Source pixels per output pixel. */
  readonly scale: number;
  /** Source offset of the content's left/top edge [source pixels]. */
  readonly shift: number;
  readonly srcSize: number;
  readonly dstSize: number;
}

export interface ResizeGeometry {
  readonly x: AxisMap;
  readonly y: AxisMap;
}

function axis(srcSize: number, dstSize: number, start: number, end: number, scale: number, shift: number): AxisMap {
  return { srcSize, dstSize, start, end, scale, shift };
}

/** The per-axis maps that bring a srcW × srcH image to dstW × dstH with `mode`. */
export function resizeGeometry(srcW: number, srcH: number, dstW: number, dstH: number, mode: ResizeMode): ResizeGeometry {
  for (const [name, v] of [
    ['srcW', srcW],
    ['srcH', srcH],
    ['dstW', dstW],
    ['dstH', dstH],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`resizeGeometry: ${name} must be a positive integer, got ${v}`);
  }
  switch (mode) {
    case 'stretch':
      return { x: axis(srcW, dstW, 0, dstW, srcW / dstW, 0), y: axis(srcH, dstH, 0, dstH, srcH / dstH, 0) };
    case 'crop': {
      // Compare srcW·dstH with dstW·srcH in integers so an exact aspect match has no float residue.
      const widthLimits = srcW * dstH >= dstW * srcH; // source relatively wider: crop left/right
      const scale = widthLimits ? srcH / dstH : srcW / dstW; // source pixels per output pixel
      const winW = dstW * scale;
      const winH = dstH * scale;
      return {
        x: axis(srcW, dstW, 0, dstW, scale, widthLimits ? (srcW - winW) / 2 : 0),
        y: axis(srcH, dstH, 0, dstH, scale, widthLimits ? 0 : (srcH - winH) / 2),
      };
    }
    case 'pad': {
      const widthLimits = srcW * dstH >= dstW * srcH; // source relatively wider: bars top and bottom
      const contentW = widthLimits ? dstW : clampInt(Math.round((srcW * dstH) / srcH), 1, dstW);
      const contentH = widthLimits ? clampInt(Math.round((srcH * dstW) / srcW), 1, dstH) : dstH;
      const x0 = Math.floor((dstW - contentW) / 2);
      const y0 = Math.floor((dstH - contentH) / 2);
      return {
        x: axis(srcW, dstW, x0, x0 + contentW, srcW / contentW, 0),
        y: axis(srcH, dstH, y0, y0 + contentH, srcH / contentH, 0),
      };
    }
  }
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** The (clamped) source coordinate output index `o` samples; NaN when `o` is padding. */
export function sourceCoordinate(map: AxisMap, o: number): number {
  if (o < map.start || o >= map.end) return NaN;
  const src = (o - map.start + 0.5) * map.scale + map.shift - 0.5;
  return Math.min(map.srcSize - 1, Math.max(0, src));
}

/**
 * The output coordinate (pixel-centre convention, index o at o) that samples source coordinate
 * `src`: sourceCoordinate's map inverted, not clamped (outside [start, end − 1] it is not in the
 * image content).
 */
export function outputCoordinate(map: AxisMap, src: number): number {
  return (src + 0.5 - map.shift) / map.scale - 0.5 + map.start;
}

/** Bilinear taps of one output index: the two source indices and the weight of the second. */
export interface Taps {
  i0: number;
  i1: number;
  /** Weight of i1; i0 gets 1 − w. */
  w: number;
}

/** Taps for output index `o` (undefined for padding). */
export function taps(map: AxisMap, o: number): Taps | undefined {
  const src = sourceCoordinate(map, o);
  if (Number.isNaN(src)) return undefined;
  const i0 = Math.floor(src);
  const i1 = Math.min(i0 + 1, map.srcSize - 1);
  return { i0, i1, w: src - i0 };
}
