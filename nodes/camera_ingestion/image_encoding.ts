// sensor_msgs/Image encodings camera_ingestion accepts, as pixel layouts, and a clear reason
// for each one it refuses. Names are the sensor_msgs/image_encodings.hpp strings (REP 118 for
// depth), matched exactly as ROS does (case-sensitive).

/** Where a pixel's colour samples are in its bytes. */
export interface PixelLayout {
  /** Bytes from one pixel to the next in a row. */
  readonly bytesPerPixel: number;
  /** 1: 8-bit samples scaled by 1/255; 2: 16-bit samples scaled by 1/65535. */
  readonly bytesPerSample: 1 | 2;
  /** Byte offsets of the red, green and blue samples within a pixel (all 0 for grey). */
  readonly red: number;
  readonly green: number;
  readonly blue: number;
}

export type LayoutResult = { ok: true; layout: PixelLayout } | { ok: false; reason: string };

function layout(bytesPerPixel: number, bytesPerSample: 1 | 2, red: number, green: number, blue: number): PixelLayout {
  return Object.freeze({ bytesPerPixel, bytesPerSample, red, green, blue });
}

const LAYOUTS: Readonly<Record<string, PixelLayout>> = Object.freeze({
  rgb8: layout(3, 1, 0, 1, 2),
  bgr8: layout(3, 1, 2, 1, 0),
  rgba8: layout(4, 1, 0, 1, 2),
  bgra8: layout(4, 1, 2, 1, 0),
  mono8: layout(1, 1, 0, 0, 0),
  rgb16: layout(6, 2, 0, 2, 4),
  bgr16: layout(6, 2, 4, 2, 0),
  rgba16: layout(8, 2, 0, 2, 4),
  bgra16: layout(8, 2, 4, 2, 0),
  mono16: layout(2, 2, 0, 0, 0),
});

/** The encodings accepted, for messages. */
export const SUPPORTED_ENCODINGS: readonly string[] = Object.freeze(Object.keys(LAYOUTS));

/** Grey layouts (one sample replicated to the three model channels). */
export function isGrey(l: PixelLayout): boolean {
  return l.red === l.green && l.green === l.blue;
}

/** The layout of an encoding, or why camera_ingestion refuses it. */
export function pixelLayout(encoding: string): LayoutResult {
  const found = Object.hasOwn(LAYOUTS, encoding) ? LAYOUTS[encoding] : undefined;
  if (found !== undefined) return { ok: true, layout: found };
  return { ok: false, reason: rejectionReason(encoding) };
}

function rejectionReason(encoding: string): string {
  const supported = `supported: ${SUPPORTED_ENCODINGS.join(', ')}`;
  if (encoding === '') return `image has no encoding (empty 'encoding' field); ${supported}`;
  if (encoding.startsWith('bayer_')) {
    return (
      `encoding '${encoding}' is a raw Bayer mosaic: debayer it first (image_proc's debayer node ` +
      `publishes image_color) or set the camera driver to rgb8/bgr8`
    );
  }
  if (/^(yuv|uyvy|yuyv|nv1|nv2|i420|yv12)/i.test(encoding)) {
    return `encoding '${encoding}' is YUV (chroma-subsampled): convert it to rgb8/bgr8 in the camera driver or with image_proc`;
  }
  if (encoding === '16UC1' || encoding === '32FC1') {
    return (
      `encoding '${encoding}' is a depth image (REP 118: ${encoding === '16UC1' ? 'millimetres, 0 = invalid' : 'metres'}); ` +
      `camera_ingestion takes colour or grey images — subscribe it to the camera's colour stream`
    );
  }
  if (/^(8|16|32|64)(U|S|F)C[1-4]$/.test(encoding)) {
    return `encoding '${encoding}' is a generic OpenCV matrix type whose channels have no colour meaning; ${supported}`;
  }
  return `unknown encoding '${encoding}'; ${supported}`;
}
