// SAFE's two score functions on top of a detector (detector.ts):
//   SAFE-MLP:  p_t = σ(MLP(e_t)), s_t = Σ_{τ≤t} p_τ      (cumulative: evidence adds up)
//   SAFE-LSTM: s_t = σ(W·h_t), h_t the LSTM state after e_0..e_t (carried between steps)
// Both restart from zero (score, state) when an episode starts: reset().

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

export class MlpScorer implements SafeScorer {
  readonly kind = 'mlp' as const;
  private cumulative = 0;
  private count = 0;

  constructor(private readonly detector: DetectorModel) {
    if (detector.kind !== 'mlp') throw new Error(`MlpScorer needs a SAFE-MLP detector, got ${detector.kind}`);
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
  }

  async step(features: Float32Array): Promise<StepScore> {
    const { logit } = await this.detector.run(features);
    const stepScore = sigmoid(logit);
    this.cumulative += stepScore;
    this.count++;
    return { stepScore, score: this.cumulative };
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

export function createScorer(detector: DetectorModel): SafeScorer {
  return detector.kind === 'mlp' ? new MlpScorer(detector) : new LstmScorer(detector);
}

/** Scores one whole episode from a fresh state: s_0..s_{n-1}. */
export async function scoreEpisode(scorer: SafeScorer, features: readonly Float32Array[]): Promise<number[]> {
  scorer.reset();
  const scores: number[] = [];
  for (const f of features) scores.push((await scorer.step(f)).score);
  return scores;
}
