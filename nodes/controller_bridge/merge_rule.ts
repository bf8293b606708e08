// MergeRule: what a control step gets when a new chunk predicts it and the timeline already
// holds earlier predictions for it (docs/algorithms.md, "Executing overlapping chunks").
//   latest_only        a = new
//   weighted_average   a = w_old·old + (1 − w_old)·new       (LeRobot async; w_old = 0.3)
//   average            w_old = 0.5;  conservative: w_old = 0.7   (LeRobot's named variants)
//   temporal_ensemble  a = Σ_i w_i·A⁽ⁱ⁾ / Σ_i w_i, w_i = exp(−m·i), i = 0 the OLDEST (ACT, m = 0.01)
//   rtc                steps inside the frozen window keep what is there (the committed plan);
//                      later steps: a = new (Real-Time Chunking, Black et al. 2025)
// LeRobot folds the old value as it stands (an aggregate of earlier merges) with the new one,
// so weighted rules keep one value per step; the ensemble keeps every prediction.
// Rows are averaged component-wise, except the quaternion of ee_absolute rows: those are
// sign-aligned to the first before summing and renormalised (q and −q are the same rotation).

import type { ActionLayout } from './action_decoder.js';

export type MergeRuleName = 'latest_only' | 'weighted_average' | 'average' | 'conservative' | 'temporal_ensemble' | 'rtc';

export const MERGE_RULES: readonly MergeRuleName[] = [
  'latest_only',
  'weighted_average',
  'average',
  'conservative',
  'temporal_ensemble',
  'rtc',
];

export interface MergeRule {
  readonly name: MergeRuleName;
  /**
   * The predictions a step keeps once `incoming` arrives for it; `existing` (oldest first) is
   * empty when the step had none. `frozen`: the step lies in RTC's committed window.
   */
  merge(existing: readonly Float64Array[], incoming: Float64Array, frozen: boolean, layout: ActionLayout): Float64Array[];
  /** The action executed for a step. */
  resolve(predictions: readonly Float64Array[], layout: ActionLayout): Float64Array;
}

/** Σ wᵢ·vᵢ / Σ wᵢ, quaternion-aware (see the file comment). */
export function weightedMean(values: readonly Float64Array[], weights: readonly number[], layout: ActionLayout): Float64Array {
  const out = new Float64Array(layout.size);
  let total = 0;
  for (const w of weights) total += w;
  const qo = layout.quatOffset;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    const w = weights[k] / total;
    // Sign of this quaternion relative to the first one's hemisphere.
    let sign = 1;
    if (qo >= 0 && k > 0) {
      const f = values[0];
      sign = f[qo] * v[qo] + f[qo + 1] * v[qo + 1] + f[qo + 2] * v[qo + 2] + f[qo + 3] * v[qo + 3] < 0 ? -1 : 1;
    }
    for (let i = 0; i < layout.size; i++) {
      const inQuat = qo >= 0 && i >= qo && i < qo + 4;
      out[i] += w * (inQuat ? sign * v[i] : v[i]);
    }
  }
  if (qo >= 0) {
    const n = Math.hypot(out[qo], out[qo + 1], out[qo + 2], out[qo + 3]);
    for (let i = qo; i < qo + 4; i++) out[i] /= n;
  }
  return out;
}

class LatestOnly implements MergeRule {
  readonly name = 'latest_only' as const;
  merge(_existing: readonly Float64Array[], incoming: Float64Array): Float64Array[] {
    return [incoming];
  }
  resolve(predictions: readonly Float64Array[]): Float64Array {
    return predictions[predictions.length - 1];
  }
}

class WeightedAverage implements MergeRule {
  constructor(
    readonly name: 'weighted_average' | 'average' | 'conservative',
    readonly oldWeight: number,
  ) {
    if (!(oldWeight >= 0 && oldWeight <= 1)) throw new RangeError(`old weight must be in [0, 1], got ${oldWeight}`);
  }
  merge(existing: readonly Float64Array[], incoming: Float64Array, _frozen: boolean, layout: ActionLayout): Float64Array[] {
    if (existing.length === 0) return [incoming];
    return [weightedMean([existing[0], incoming], [this.oldWeight, 1 - this.oldWeight], layout)];
  }
  resolve(predictions: readonly Float64Array[]): Float64Array {
    return predictions[0];
  }
}

class TemporalEnsemble implements MergeRule {
  readonly name = 'temporal_ensemble' as const;
  constructor(readonly m: number) {
    if (!(m >= 0) || !Number.isFinite(m)) throw new RangeError(`temporal ensemble m must be >= 0, got ${m}`);
  }
  merge(existing: readonly Float64Array[], incoming: Float64Array): Float64Array[] {
    return [...existing, incoming];
  }
  resolve(predictions: readonly Float64Array[], layout: ActionLayout): Float64Array {
    if (predictions.length === 1) return predictions[0];
    return weightedMean(
      predictions,
      predictions.map((_, i) => Math.exp(-this.m * i)),
      layout,
    );
  }
}

class RealTimeChunking implements MergeRule {
  readonly name = 'rtc' as const;
  merge(existing: readonly Float64Array[], incoming: Float64Array, frozen: boolean): Float64Array[] {
    return frozen && existing.length > 0 ? [...existing] : [incoming];
  }
  resolve(predictions: readonly Float64Array[]): Float64Array {
    return predictions[predictions.length - 1];
  }
}

export interface MergeRuleOptions {
  /** weighted_average's weight of the old value (LeRobot: 0.3). */
  oldWeight?: number;
  /** temporal_ensemble's m (ACT: 0.01). */
  ensembleM?: number;
}

export function createMergeRule(name: MergeRuleName, options: MergeRuleOptions = {}): MergeRule {
  switch (name) {
    case 'latest_only':
      return new LatestOnly();
    case 'weighted_average':
      return new WeightedAverage(name, options.oldWeight ?? 0.3);
    case 'average':
      return new WeightedAverage(name, 0.5);
    case 'conservative':
      return new WeightedAverage(name, 0.7);
    case 'temporal_ensemble':
      return new TemporalEnsemble(options.ensembleM ?? 0.01);
    case 'rtc':
      return new RealTimeChunking();
  }
}
