// Normalisation at the model boundary (state in, actions out) and the last check before a
// chunk may leave the fast pathway: every de-normalised value finite and inside the
// manifest's per-dimension bounds. A chunk that fails is refused whole; the report names the
// step and dimension so the log says what the model did.

/** (x − mean) / std per joint, as the model's `state` input [1, n]. */
export function normalizeState(
  positions: ArrayLike<number>,
  mean: readonly number[],
  std: readonly number[],
  out: Float32Array = new Float32Array(mean.length),
): Float32Array {
  if (positions.length !== mean.length || std.length !== mean.length || out.length !== mean.length) {
    throw new RangeError(`normalizeState: ${positions.length} positions for ${mean.length} means, ${std.length} stds`);
  }
  for (let i = 0; i < mean.length; i++) out[i] = (positions[i] - mean[i]) / std[i];
  return out;
}

/**
 * a = y · std + mean for a step-major chunk [H·D] (D = mean.length). Float64 out, so bounds
 * like 0.05 are compared without float32 rounding.
 */
export function denormalizeChunk(
  chunk: ArrayLike<number>,
  mean: readonly number[],
  std: readonly number[],
  out: Float64Array = new Float64Array(chunk.length),
): Float64Array {
  const d = mean.length;
  if (d === 0 || std.length !== d || chunk.length % d !== 0 || out.length !== chunk.length) {
    throw new RangeError(`denormalizeChunk: ${chunk.length} values do not form rows of ${d} (std ${std.length}, out ${out.length})`);
  }
  for (let i = 0; i < chunk.length; i++) {
    const j = i % d;
    out[i] = chunk[i] * std[j] + mean[j];
  }
  return out;
}

export interface ChunkBounds {
  /** Dimension names (for the report). */
  names: readonly string[];
  min: readonly number[];
  max: readonly number[];
}

export type ChunkViolationReason = 'non_finite' | 'below_min' | 'above_max';

export interface ChunkViolation {
  /** Row of the chunk (0 = first action). */
  step: number;
  dimension: number;
  name: string;
  value: number;
  min: number;
  max: number;
  reason: ChunkViolationReason;
}

export type ChunkCheck =
  | { ok: true }
  | {
      ok: false;
      /** The first violation in step-major order. */
      first: ChunkViolation;
      /** How many values violate (first included). */
      count: number;
      message: string;
    };

/**
 * Checks a de-normalised step-major chunk: every value finite and within [min, max] of its
 * dimension (inclusive). `expectedSteps`, when given, also checks the chunk's length.
 */
export function checkChunk(actions: ArrayLike<number>, bounds: ChunkBounds, expectedSteps?: number): ChunkCheck {
  const d = bounds.min.length;
  if (d === 0 || bounds.max.length !== d || bounds.names.length !== d) {
    throw new RangeError(`checkChunk: bounds for ${bounds.names.length} names, ${d} mins, ${bounds.max.length} maxes`);
  }
  if (actions.length % d !== 0 || (expectedSteps !== undefined && actions.length !== expectedSteps * d)) {
    const want = expectedSteps === undefined ? `a multiple of ${d}` : `${expectedSteps}×${d} = ${expectedSteps * d}`;
    throw new RangeError(`checkChunk: chunk has ${actions.length} values, expected ${want}`);
  }
  let first: ChunkViolation | undefined;
  let count = 0;
  for (let i = 0; i < actions.length; i++) {
    const v = actions[i];
    const j = i % d;
    const reason: ChunkViolationReason | undefined = !Number.isFinite(v)
      ? 'non_finite'
      : v < bounds.min[j]
        ? 'below_min'
        : v > bounds.max[j]
          ? 'above_max'
          : undefined;
    if (reason === undefined) continue;
    count++;
    first ??= { step: Math.floor(i / d), dimension: j, name: bounds.names[j], value: v, min: bounds.min[j], max: bounds.max[j], reason };
  }
  if (first === undefined) return { ok: true };
  return { ok: false, first, count, message: describeViolation(first, count) };
}

export function describeViolation(v: ChunkViolation, count = 1): string {
  const what =
    v.reason === 'non_finite'
      ? `is ${v.value} (not finite)`
      : v.reason === 'below_min'
        ? `= ${v.value} is below its min ${v.min}`
        : `= ${v.value} is above its max ${v.max}`;
  const more = count > 1 ? ` (${count - 1} more value${count > 2 ? 's' : ''} out of bounds)` : '';
  return `step ${v.step}, dimension '${v.name}' (${v.dimension}) ${what}${more}`;
}
