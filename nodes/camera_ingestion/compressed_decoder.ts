// JPEG/PNG → raw 8-bit pixels with sharp (libvips). The decode runs on libuv's thread pool, so
// the node's event loop (its timers and other subscriptions) keeps running meanwhile.

import sharp from 'sharp';
import type { PixelLayout } from './image_encoding.js';

export interface DecodedImage {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA (sharp converts CMYK and 16-bit to 8-bit sRGB). */
  channels: 1 | 2 | 3 | 4;
  /** Tightly packed rows: step = width · channels. */
  data: Uint8Array;
}

/** Decodes compressed image bytes; the promise rejects for corrupt or truncated data. */
export type ImageDecoder = (bytes: Uint8Array) => Promise<DecodedImage>;

/** Refuses images above this many pixels before decoding them (a bad header must not exhaust memory). */
export const MAX_DECODED_PIXELS = 8192 * 8192;

export const sharpDecoder: ImageDecoder = async (bytes) => {
  // failOn 'warning': a truncated or damaged JPEG is an error (libjpeg would otherwise fill the
  // missing part with grey), so a bad frame is dropped instead of reaching the policy.
  const { data, info } = await sharp(bytes, { failOn: 'warning', limitInputPixels: MAX_DECODED_PIXELS })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: info.channels,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
};

const DECODED_LAYOUTS: Readonly<Record<DecodedImage['channels'], PixelLayout>> = Object.freeze({
  1: { bytesPerPixel: 1, bytesPerSample: 1, red: 0, green: 0, blue: 0 },
  2: { bytesPerPixel: 2, bytesPerSample: 1, red: 0, green: 0, blue: 0 },
  3: { bytesPerPixel: 3, bytesPerSample: 1, red: 0, green: 1, blue: 2 },
  4: { bytesPerPixel: 4, bytesPerSample: 1, red: 0, green: 1, blue: 2 },
});

/** The pixel layout of a decoded image. */
export function decodedLayout(image: DecodedImage): PixelLayout {
  return DECODED_LAYOUTS[image.channels];
}
