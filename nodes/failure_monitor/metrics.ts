// Failure-detection metrics as SAFE reports them (docs/algorithms.md). Positive
// class = failure. Each rollout has a score curve s_0..s_{T-1} and a label.
//   ROC-AUC of the rollout score max_t s_t (threshold-free; ties count one half);
//   with a band at some α: a rollout is flagged when s_t ≥ δ_t for some t;
//   TPR = flagged failures / failures, TNR = unflagged successes / successes,
//   balanced accuracy = (TPR + TNR) / 2;
//   T-det = mean over the true failures of (k / T_i), k the 1-based step of the first alarm and
//   T_i the rollout's length — the fraction of the episode elapsed when it fired — and 1 for a
//   failure never flagged;
//   lead = mean over the flagged failures of (T_i − k)·dt_i, the time from the first alarm to the
//   rollout's end, where its failure is declared (dt_i a step's duration; 1: lead in steps).

export interface LabelledCurve {
  scores: readonly number[];
  /** True for a failed rollout (the positive class). */
  failure: boolean;
}

/** max_t s_t; -Infinity for an empty curve. */
export function rolloutScore(scores: readonly number[]): number {
  let m = -Infinity;
  for (const s of scores) if (s > m) m = s;
  return m;
}

/**
 * Area under the ROC curve: the probability that a random failure scores above a random success
 * (Mann–Whitney U / (n_pos·n_neg), ties ½). NaN when a class is missing.
 */
export function rocAuc(scores: readonly number[], failure: readonly boolean[]): number {
  if (scores.length !== failure.length) throw new RangeError(`${scores.length} scores but ${failure.length} labels`);
  const pos = scores.filter((_, i) => failure[i]);
  const neg = scores.filter((_, i) => !failure[i]);
  if (pos.length === 0 || neg.length === 0) return NaN;
  // Rank-based: O(n log n) with average ranks for ties.
  const order = scores.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s);
  const rank = new Array<number>(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1].s === order[i].s) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) rank[order[k].i] = avg;
    i = j + 1;
  }
  const rankSum = failure.reduce((sum, f, i) => (f ? sum + rank[i] : sum), 0);
  const u = rankSum - (pos.length * (pos.length + 1)) / 2;
  return u / (pos.length * neg.length);
}

export interface DetectionMetrics {
  tpr: number;
  tnr: number;
  balancedAccuracy: number;
  tDet: number;
  /** Mean time from the first alarm to the end over the flagged failures, in stepSeconds' unit (NaN when none was flagged). */
  lead: number;
  failures: number;
  successes: number;
}

/**
 * Metrics of flagging decisions. `firstAlarm[i]` is the 0-based step of rollout i's first alarm,
 * or -1; `lengths[i]` its number of steps; `stepSeconds[i]` the duration of one of its steps
 * (default 1: the lead in steps). Rates of a missing class are NaN.
 */
export function detectionMetrics(
  firstAlarm: readonly number[],
  lengths: readonly number[],
  failure: readonly boolean[],
  stepSeconds?: readonly number[],
): DetectionMetrics {
  if (firstAlarm.length !== failure.length || lengths.length !== failure.length)
    throw new RangeError('firstAlarm, lengths and labels differ in length');
  if (stepSeconds !== undefined && stepSeconds.length !== failure.length) throw new RangeError('stepSeconds and labels differ in length');
  let tp = 0;
  let tn = 0;
  let failures = 0;
  let tDetSum = 0;
  let leadSum = 0;
  failure.forEach((f, i) => {
    const flagged = firstAlarm[i] >= 0;
    if (f) {
      failures++;
      if (flagged) {
        tp++;
        leadSum += Math.max(0, lengths[i] - (firstAlarm[i] + 1)) * (stepSeconds?.[i] ?? 1);
      }
      tDetSum += flagged ? Math.min(1, (firstAlarm[i] + 1) / lengths[i]) : 1;
    } else if (!flagged) {
      tn++;
    }
  });
  const successes = failure.length - failures;
  const tpr = failures > 0 ? tp / failures : NaN;
  const tnr = successes > 0 ? tn / successes : NaN;
  return {
    tpr,
    tnr,
    balancedAccuracy: (tpr + tnr) / 2,
    tDet: failures > 0 ? tDetSum / failures : NaN,
    lead: tp > 0 ? leadSum / tp : NaN,
    failures,
    successes,
  };
}
