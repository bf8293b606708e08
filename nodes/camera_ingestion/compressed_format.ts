// sensor_msgs/CompressedImage `format` strings: what codec the bytes are, or why
// camera_ingestion refuses them. Pure.
//
// Forms seen in practice:
//   "jpeg", "png"                             old image_transport, Foxglove, many drivers
//   "rgb8; jpeg compressed bgr8"              compressed_image_transport: original encoding;
//   "bgr8; png compressed bgr8"               codec; OpenCV's in-memory order when encoding
//   "16UC1; compressedDepth png"              compressed_depth_image_transport (refused: depth,
//   "32FC1; compressedDepth"                  and a 12-byte header precedes the PNG)
// The encoded file itself is a standard JPEG/PNG (OpenCV writes true RGB whatever its in-memory
// order was), so a decoder's RGB output needs no channel swap; the "compressed bgr8" suffix
// only describes how the publisher held the pixels.

export type Codec = 'jpeg' | 'png';

export type FormatResult = { ok: true; codec: Codec; originalEncoding: string | undefined } | { ok: false; reason: string };

const CODEC: Readonly<Record<string, Codec>> = Object.freeze({ jpeg: 'jpeg', jpg: 'jpeg', png: 'png' });

export function parseCompressedFormat(format: string): FormatResult {
  const text = format.trim();
  if (/compresseddepth/i.test(text)) {
    return {
      ok: false,
      reason:
        `format '${format}' is compressedDepth (a depth image with a 12-byte header before the PNG/RVL data); ` +
        `camera_ingestion takes colour or grey images — subscribe it to the colour stream`,
    };
  }
  const parts = text.split(';').map((p) => p.trim());
  if (parts.length === 1) {
    const codec = CODEC[parts[0].toLowerCase()];
    return codec !== undefined ? { ok: true, codec, originalEncoding: undefined } : unknown(format);
  }
  if (parts.length !== 2) return unknown(format);
  const [original, rest] = parts;
  const m = /^(\w+)\s+compressed(?:\s+\S+)?$/i.exec(rest);
  const codec = m === null ? undefined : CODEC[m[1].toLowerCase()];
  if (codec === undefined) return unknown(format);
  if (original === '16UC1' || original === '32FC1') {
    return {
      ok: false,
      reason: `format '${format}': the original encoding ${original} is a depth image (REP 118); camera_ingestion takes colour or grey images`,
    };
  }
  return { ok: true, codec, originalEncoding: original === '' ? undefined : original };
}

function unknown(format: string): FormatResult {
  return {
    ok: false,
    reason: `unsupported CompressedImage format '${format}': expected jpeg or png ('jpeg', 'png', or '<encoding>; jpeg|png compressed <encoding>')`,
  };
}
