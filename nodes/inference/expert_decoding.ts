// What the fast pathway asks its inference worker for: one action chunk, decoded on the
// worker (the flow-matching / discrete-diffusion loop runs next to the session, so a
// 10-step decode costs one thread hop, not ten).

import type { DecodingSpec } from '../policy/manifest.js';
import type { TensorData } from './tensor.js';

export interface DecodeJob {
  /** Expert model name in the worker. */
  model: string;
  decoding: DecodingSpec;
  horizon: number;
  dimension: number;
  /** Expert inputs that stay fixed during decoding: latent tensors, state, latent age, images. */
  conditioning: Record<string, TensorData>;
  /** Noisy-action / token input (flow, discrete diffusion). */
  actionsInput?: string;
  /** Time input (flow). */
  timeInput?: string;
  actionsOutput: string;
  featuresOutput?: string;
  /** Seeds the decoder's noise: the same request gives the same chunk. */
  seed: number;
}

export interface DecodeJobResult {
  /** Normalised actions, row-major [horizon, dimension]. */
  actions: Float32Array;
  /** Pooled features for the failure monitor, when the expert exports them. */
  features?: Float32Array;
}
