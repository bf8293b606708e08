// The functional conformal band of SAFE (Gu et al. 2025; docs/algorithms.md,
// "SAFE failure detection"): a time-varying threshold δ_t = μ_t + h·σ_t built from the score
// curves of *successful* calibration rollouts only, such that a new successful rollout crosses
// it (a false alarm) with probability at most α.
//
//   1. pad the curves to a common length T (repeat each curve's last value); split them 30 % (D1)
//      / 70 % (D2) with a seeded permutation;
//   2. μ_t = mean of the D1 curves at t;
//   3. γ = the ⌈(n1+1)(1−α)⌉-th smallest sup-deviation max_t |s_t − μ_t| over D1 (all of D1 when
//      that rank exceeds n1); σ_t = max over the D1 curves whose sup-deviation is ≤ γ of
//      |s_t − μ_t|, plus 1e-8 so it is never 0;
//   4. R_i = max_t (s_{i,t} − μ_t)/σ_t over D2; h = the conformal (1−α) quantile of R: its
//      ⌈(n2+1)(1−α)⌉-th smallest value, i.e. the empirical quantile at level ⌈(n2+1)(1−α)⌉/n2
//      (Angelopoulos & Bates, "A Gentle Introduction to Conformal Prediction and
//      Distribution-Free Uncertainty Quantification", 2021, §1; Vovk et al. 2005). When that rank
//      exceeds n2 there are too few calibration curves for α and h = +∞ (the band never fires);
//   5. δ_t = μ_t + h·σ_t; beyond T the last value is used.
//
// Guarantee: for a new successful rollout exchangeable with D2, P(R_new > h) ≤ α, and R_new > h
// is exactly "s_t > δ_t for some t". Padding with the last value is conservative online: a live
// episode that ends before T is compared only up to its end.

import { seededPermutation } from '../random/seeded_random.js';

/** Share of the calibration curves that goes to D1 (μ and σ); the rest (D2) sets h. */
export const DEFAULT_D1_FRACTION = 0.3;
/** Added to σ_t so that a band never divides by zero. */
export const SIGMA_EPSILON = 1e-8;
/** How curves of different lengths are brought to the common length T. */
export const PADDING = 'repeat_last';

export class ConformalError extends Error {
  override name = 'ConformalError';
}

/** The parameters of a band, as stored in a calibration file. */
export interface BandParameters {
  alpha: number;
  /** Calibrated horizon T (steps): the length of mu and sigma. */
  horizon: number;
  mu: number[];
  sigma: number[];
  /** Normalised margin; +∞ when there were too few D2 curves for α. */
  h: number;
  /** Sup-deviation cut that selected the D1 curves forming σ. */
  gamma: number;
  n1: number;
  n2: number;
}

/**
 * The rank (1-based) of the conformal (1−α) quantile among n values: ⌈(n+1)(1−α)⌉. A 1e-9 slack
 * keeps float noise ((9+1)·0.9 = 9.000000000000002) from bumping the rank by one.
 */
export function conformalRank(n: number, alpha: number): number {
  return Math.max(1, Math.ceil((n + 1) * (1 - alpha) - 1e-9));
}

/** The k-th smallest value (1-based); +∞ when k > values.length. */
export function kthSmallest(values: readonly number[], k: number): number {
  if (k > values.length) return Infinity;
  return [...values].sort((a, b) => a - b)[k - 1];
}

/** The conformal (1−α) quantile: the ⌈(n+1)(1−α)⌉-th smallest value, +∞ if that exceeds n. */
export function conformalQuantile(values: readonly number[], alpha: number): number {
  return kthSmallest(values, conformalRank(values.length, alpha));
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new ConformalError(`alpha must be in (0, 1), got ${alpha}`);
}

function checkCurve(curve: ArrayLike<number>, index: number): void {
  if (curve.length === 0) throw new ConformalError(`score curve ${index} is empty`);
  for (let t = 0; t < curve.length; t++) {
    if (!Number.isFinite(curve[t])) throw new ConformalError(`score curve ${index} has a non-finite value at step ${t}: ${curve[t]}`);
  }
}

/**
 * Brings curves to a common length (default: the longest) by repeating each curve's last value —
 * the score an episode ended with is the score it keeps. Longer curves are an error.
 */
export function padCurves(curves: readonly ArrayLike<number>[], length?: number): number[][] {
  curves.forEach(checkCurve);
  const longest = Math.max(0, ...curves.map((c) => c.length));
  const T = length ?? longest;
  if (longest > T) throw new ConformalError(`cannot pad to ${T} steps: a curve has ${longest}`);
  return curves.map((c) => Array.from({ length: T }, (_, t) => c[Math.min(t, c.length - 1)]));
}

/** The deterministic D1/D2 split: n1 = round(fraction·n), at least 1, leaving D2 at least 1. */
export function splitCalibrationSet(n: number, seed: number, d1Fraction = DEFAULT_D1_FRACTION): { d1: number[]; d2: number[] } {
  if (!Number.isInteger(n) || n < 2)
    throw new ConformalError(`need at least 2 successful calibration rollouts (one for D1, one for D2), got ${n}`);
  if (!(d1Fraction > 0 && d1Fraction < 1)) throw new ConformalError(`the D1 fraction must be in (0, 1), got ${d1Fraction}`);
  const n1 = Math.min(n - 1, Math.max(1, Math.round(d1Fraction * n)));
  const order = seededPermutation(n, seed);
  return { d1: order.slice(0, n1).sort((a, b) => a - b), d2: order.slice(n1).sort((a, b) => a - b) };
}

/** Steps 2–5 on curves already padded to one length T and split into D1 and D2. */
export function fitBand(d1: readonly (readonly number[])[], d2: readonly (readonly number[])[], alpha: number): BandParameters {
  checkAlpha(alpha);
  if (d1.length === 0 || d2.length === 0)
    throw new ConformalError(`D1 and D2 must be non-empty (got ${d1.length} and ${d2.length} curves)`);
  const T = d1[0].length;
  if (T === 0) throw new ConformalError('score curves are empty');
  if (![...d1, ...d2].every((c) => c.length === T)) throw new ConformalError('all curves must be padded to the same length before fitting');
  const n1 = d1.length;
  const mu = Array.from({ length: T }, (_, t) => d1.reduce((sum, c) => sum + c[t], 0) / n1);
  const supDeviation = d1.map((c) => Math.max(...c.map((s, t) => Math.abs(s - mu[t]))));
  // A rank above n1 keeps every D1 curve (γ = the largest deviation), not +∞: σ needs curves.
  const gamma = kthSmallest(supDeviation, Math.min(n1, conformalRank(n1, alpha)));
  const kept = d1.filter((_, i) => supDeviation[i] <= gamma);
  const sigma = mu.map((m, t) => Math.max(...kept.map((c) => Math.abs(c[t] - m))) + SIGMA_EPSILON);
  const R = d2.map((c) => Math.max(...c.map((s, t) => (s - mu[t]) / sigma[t])));
  const h = conformalQuantile(R, alpha);
  return { alpha, horizon: T, mu, sigma, h, gamma, n1, n2: d2.length };
}

export interface CalibrateOptions {
  alpha: number;
  /** Seed of the D1/D2 split (default 0). */
  seed?: number;
  d1Fraction?: number;
}

/** The full procedure on successful-rollout score curves of any lengths. */
export function calibrateBand(curves: readonly ArrayLike<number>[], options: CalibrateOptions): ConformalBand {
  checkAlpha(options.alpha);
  const padded = padCurves(curves);
  const { d1, d2 } = splitCalibrationSet(padded.length, options.seed ?? 0, options.d1Fraction);
  return new ConformalBand(
    fitBand(
      d1.map((i) => padded[i]),
      d2.map((i) => padded[i]),
      options.alpha,
    ),
  );
}

/** A calibrated band: the threshold δ_t at any step, and how a score curve compares with it. */
export class ConformalBand {
  readonly params: Readonly<BandParameters>;

  constructor(params: BandParameters) {
    checkAlpha(params.alpha);
    const { horizon, mu, sigma, h } = params;
    if (!Number.isInteger(horizon) || horizon < 1) throw new ConformalError(`horizon must be a positive integer, got ${horizon}`);
    if (mu.length !== horizon || sigma.length !== horizon) {
      throw new ConformalError(`mu and sigma must have horizon = ${horizon} values, got ${mu.length} and ${sigma.length}`);
    }
    if (!mu.every(Number.isFinite)) throw new ConformalError('mu has a non-finite value');
    if (!sigma.every((s) => Number.isFinite(s) && s > 0)) throw new ConformalError('sigma must be finite and > 0 at every step');
    if (Number.isNaN(h) || h === -Infinity) throw new ConformalError(`h must be a number or +Infinity, got ${h}`);
    this.params = Object.freeze({ ...params, mu: [...mu], sigma: [...sigma] });
  }

  get horizon(): number {
    return this.params.horizon;
  }

  /** δ_t for step t (0-based); beyond the horizon, the last value. */
  threshold(t: number): number {
    const i = Math.min(Math.max(0, Math.floor(t)), this.params.horizon - 1);
    return this.params.mu[i] + this.params.h * this.params.sigma[i];
  }

  /** The whole band up to `length` steps (default: the horizon). */
  thresholds(length = this.params.horizon): number[] {
    return Array.from({ length }, (_, t) => this.threshold(t));
  }

  /** μ_t, with the same extension beyond the horizon. */
  mean(t: number): number {
    return this.params.mu[Math.min(Math.max(0, Math.floor(t)), this.params.horizon - 1)];
  }

  /** The first step at which s_t ≥ δ_t, or -1 when the curve stays below the band. */
  firstCrossing(curve: ArrayLike<number>): number {
    for (let t = 0; t < curve.length; t++) if (curve[t] >= this.threshold(t)) return t;
    return -1;
  }

  /** R = max_t (s_t − μ_t)/σ_t of a curve over its own length (σ, μ extended beyond T). */
  normalisedScore(curve: ArrayLike<number>): number {
    let r = -Infinity;
    for (let t = 0; t < curve.length; t++) {
      const i = Math.min(t, this.params.horizon - 1);
      r = Math.max(r, (curve[t] - this.params.mu[i]) / this.params.sigma[i]);
    }
    return r;
  }
}
