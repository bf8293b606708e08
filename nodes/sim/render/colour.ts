// Linear → sRGB encoding (IEC 61966-2-1) for the renderer's rgb8 output. Shading happens in linear
// light; only the final byte is encoded, through a lookup table so a frame costs no pow().

/** The sRGB transfer function of a linear value in [0, 1] (clamped), as a value in [0, 1]. */
export function srgbTransfer(linear: number): number {
  const v = linear > 0 ? (linear < 1 ? linear : 1) : 0;
  return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
}

/** The rgb8 byte of a linear value: round(255 · sRGB(v)). */
export function srgbByte(linear: number): number {
  return Math.round(255 * srgbTransfer(linear));
}

/** Table resolution: a linear value v maps to SRGB_LUT[round(v · SRGB_LUT_SCALE)]. */
export const SRGB_LUT_SCALE = 1 << 14;

/**
 * rgb8 bytes for linear values k / SRGB_LUT_SCALE; padded past 1.0 with 255 so that rounding noise
 * just above 1 needs no clamp. Step 1/16384 in linear light is under ¼ of an 8-bit code even where
 * the curve is steepest (slope 12.92 near black), so the table agrees with srgbByte to ±1.
 */
export const SRGB_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(SRGB_LUT_SCALE + 64).fill(255);
  for (let k = 0; k <= SRGB_LUT_SCALE; k++) lut[k] = srgbByte(k / SRGB_LUT_SCALE);
  return lut;
})();
