// Real-Time Chunking (Black et al. 2025) guidance for flow decoding, in the ONNX-friendly
// form (no Jacobian): while denoising a new chunk, pull its first steps toward what the
// previous chunk already committed, with a per-step soft mask W and a time-dependent weight.
// docs/algorithms.md, "Executing overlapping chunks".

/**
 * The soft mask over the H steps of the new chunk: W_i = 1 for i < d (actions that execute
 * while this chunk is computed), W_i = c_i·(e^{c_i} − 1)/(e − 1) with
 * c_i = (H − s − i)/(H − s − d + 1) for d ≤ i < H − s, and 0 from H − s on.
 * `delay` d = inference delay in control steps, `executionHorizon` s, with d ≤ s ≤ H − d.
 */
export function rtcSoftMask(horizon: number, delay: number, executionHorizon: number): Float32Array {
  const h = horizon;
  const d = delay;
  const s = executionHorizon;
  if (![h, d, s].every(Number.isInteger) || h < 1 || d < 0 || d > s || s > h - d) {
    throw new RangeError(`rtcSoftMask: need integers with 0 <= d <= s <= H - d, got H=${h} d=${d} s=${s}`);
  }
  const w = new Float32Array(h);
  for (let i = 0; i < h; i++) {
    if (i < d) w[i] = 1;
    else if (i < h - s) {
      const c = (h - s - i) / (h - s - d + 1);
      w[i] = (c * Math.expm1(c)) / Math.expm1(1);
    } else w[i] = 0;
  }
  return w;
}

/**
 * Guidance weight at flow progress τ (0 = pure noise, 1 = clean actions; τ = 1 − t for pi0,
 * τ = t for rectified): min(β, ((1 − τ)/τ)·(τ² + (1 − τ)²)/(1 − τ)²), which is β at τ = 0.
 */
export function rtcGuidanceWeight(progress: number, maxWeight: number): number {
  const tau = progress;
  if (tau <= 0) return maxWeight;
  if (tau >= 1) return maxWeight;
  return Math.min(maxWeight, (tau * tau + (1 - tau) * (1 - tau)) / (tau * (1 - tau)));
}

export interface RtcGuidance {
  /**
   * The previous chunk's normalised actions aligned to this chunk's steps [H·D] (row i = the
   * action the previous chunk planned for this chunk's step i; anything where W = 0 is unused).
   */
  target: Float32Array;
  /** Per-step soft mask W [H] (rtcSoftMask). */
  weights: Float32Array;
  /** β, the clip on the guidance weight (5–10 typical). */
  maxWeight: number;
}
