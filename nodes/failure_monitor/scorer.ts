// SAFE's two score functions on top of a detector (detector.ts):
//   SAFE-MLP:  p_t = σ(MLP(e_t)), s_t = Σ_{τ≤t} p_τ      (cumulative: evidence adds up)
//              or, with a score window W > 0, s_t = Σ_{t−W<τ≤t} p_τ (the last W steps only)
//   SAFE-LSTM: s_t = σ(W·h_t), h_t the LSTM state after e_0..e_t (carried between steps)
// Both restart from zero (score, state) when an episode starts: reset().
// The window exists because the cumulative score grows with episode length while the band,
// calibrated on successes that mostly end early, levels off: long successes would alarm. A
// windowed score is bounded by W whatever the length. It is part of the score's definition, so
// the calibration file stores it (score_window) and every scorer of that band uses it.

import type { DetectorKind } from './calibration_file.js';
import type { DetectorModel } from './detector.js';

export interface StepScore {
  /** σ(logit) of this step, in [0, 1]. */
  stepScore: number;
  /** s_t, the score compared with the band. */
  score: number;
}

export interface SafeScorer {
  readonly kind: DetectorKind;
  readonly featureSize: number;
  /** Steps scored since the last reset. */
  readonly steps: number;
  /** Starts a new episode: zero score and state. */
  reset(): void;
  /** Scores the next step's features. Calls must not overlap (await each one). */
  step(features: Float32Array): Promise<StepScore>;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export interface ScorerOptions {
  /** SAFE-MLP score window in steps; 0 (default) = the cumulative score. */
  window?: number;
}

/** Checks a score window: an integer >= 0 (RangeError otherwise). */
export function checkScoreWindow(window: number): number {
  if (!Number.isInteger(window) || window < 0) throw new RangeError(`score window: expected an integer >= 0 (steps), got ${window}`);
  return window;
}

export class MlpScorer implements SafeScorer {
  readonly kind = 'mlp' as const;
  readonly window: number;
  private cumulative = 0;
  private count = 0;
  /** The last `window` step scores (ring buffer), when windowed. */
  private readonly recent: Float64Array;

  constructor(
    private readonly detector: DetectorModel,
    options: ScorerOptions = {},
  ) {
    if (detector.kind !== 'mlp') throw new Error(`MlpScorer needs a SAFE-MLP detector, got ${detector.kind}`);
    this.window = checkScoreWindow(options.window ?? 0);
    this.recent = new Float64Array(this.window);
  }

  get featureSize(): number {
    return this.detector.featureSize;
  }

  get steps(): number {
    return this.count;
  }

  reset(): void {
    this.cumulative = 0;
    this.count = 0;
    this.recent.fill(0);
  }

  async step(features: Float32Array): Promise<StepScore> {
    const { logit } = await this.detector.run(features);
    const stepScore = sigmoid(logit);
    const index = this.count++;
    if (this.window === 0) {
      this.cumulative += stepScore;
      return { stepScore, score: this.cumulative };
    }
    this.recent[index % this.window] = stepScore;
    // Summed afresh (W additions, nothing next to the detector call): a running sum that adds and
    // subtracts would drift over a long episode.
    let score = 0;
    for (const p of this.recent) score += p;
    return { stepScore, score };
  }
}

export class LstmScorer implements SafeScorer {
  readonly kind = 'lstm' as const;
  private h: Float32Array;
  private c: Float32Array;
  private count = 0;

  constructor(private readonly detector: DetectorModel) {
    if (detector.kind !== 'lstm') throw new Error(`LstmScorer needs a SAFE-LSTM detector, got ${detector.kind}`);
    this.h = new Float32Array(detector.hiddenSize);
    this.c = new Float32Array(detector.hiddenSize);
  }

  get featureSize(): number {
    return this.detector.featureSize;
  }

  get steps(): number {
    return this.count;
  }

  reset(): void {
    this.h = new Float32Array(this.detector.hiddenSize);
    this.c = new Float32Array(this.detector.hiddenSize);
    this.count = 0;
  }

  async step(features: Float32Array): Promise<StepScore> {
    const out = await this.detector.run(features, { h: this.h, c: this.c });
    if (out.h === undefined || out.c === undefined) throw new Error('SAFE-LSTM detector returned no state');
    // Copy: the output tensors' buffers belong to onnxruntime's result.
    this.h = Float32Array.from(out.h);
    this.c = Float32Array.from(out.c);
    this.count++;
    const score = sigmoid(out.logit);
    return { stepScore: score, score };
  }
}

/**
 * The scorer of a detector. A score window applies to SAFE-MLP only: SAFE-LSTM's score is a
 * per-step probability, not a sum, so a window > 0 with an LSTM is refused (RangeError).
 */
export function createScorer(detector: DetectorModel, options: ScorerOptions = {}): SafeScorer {
  const window = checkScoreWindow(options.window ?? 0);
  if (detector.kind === 'mlp') return new MlpScorer(detector, { window });
  if (window > 0) {
    throw new RangeError(
      `score window ${window}: a score window applies to SAFE-MLP detectors only (SAFE-LSTM's score σ(W·h_t) is not a sum of steps); use 0 with a SAFE-LSTM detector`,
    );
  }
  return new LstmScorer(detector);
}

/** Scores one whole episode from a fresh state: s_0..s_{n-1}. */
export async function scoreEpisode(scorer: SafeScorer, features: readonly Float32Array[]): Promise<number[]> {
  scorer.reset();
  const scores: number[] = [];
  for (const f of features) scores.push((await scorer.step(f)).score);
  return scores;
}
