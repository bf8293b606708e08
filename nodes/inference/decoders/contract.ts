// What every decoder takes and returns, and the conditioning feeds built from the manifest's
// expert input names.

import type { DecodingSpec, ExpertSpec } from '../../policy/manifest.js';
import type { Rng } from './rng.js';
import { DecodeError, float32Tensor, requireFloat32, type ModelOutputs, type TensorData } from './tensor.js';

/** The parts of the manifest's ExpertSpec a decoder needs (an ExpertSpec is one). */
export interface ExpertContract<D extends DecodingSpec = DecodingSpec> {
  decoding: D;
  inputs: { actions?: string; time?: string };
  outputs: { actions: string; features?: string };
}

export interface DecodeRequest {
  /**
   * Fixed conditioning feeds, keyed by the expert's input names: latent tensors, normalised
   * state, latent age, images when the expert takes them (see conditioningFeeds). The decoder
   * adds the noisy actions / token ids and the time input per call.
   */
  conditioning: Record<string, TensorData>;
  /** Chunk horizon H and action dimension D. */
  horizon: number;
  dimension: number;
  rng: Rng;
}

export interface DecodeResult {
  /** The normalised chunk [H·D], step-major (row h = actions[h·D … h·D+D−1]). */
  chunk: Float32Array;
  /**
   * The expert's `features` output averaged over its calls (flow steps, diffusion rounds, the
   * one regression pass); undefined when the contract names no features output.
   */
  features: Float32Array | undefined;
  /** Model calls made. */
  calls: number;
}

export function requireInputName(name: string | undefined, what: string, mode: string): string {
  if (name === undefined) throw new DecodeError(`${mode} decoding needs the expert's ${what} input name (expert.inputs.${what})`);
  return name;
}

export function checkShape(req: DecodeRequest): void {
  if (!Number.isInteger(req.horizon) || req.horizon < 1 || !Number.isInteger(req.dimension) || req.dimension < 1) {
    throw new DecodeError(`chunk shape must be positive integers, got H=${req.horizon} D=${req.dimension}`);
  }
}

/** Running mean of a features output over model calls. */
export class FeaturePool {
  private sum: Float64Array | undefined;
  private n = 0;

  constructor(private readonly name: string | undefined) {}

  add(outputs: ModelOutputs): void {
    if (this.name === undefined) return;
    const f = requireFloat32(outputs, this.name, this.sum?.length, 'features');
    if (f.length === 0) throw new DecodeError(`features: output '${this.name}' is empty`);
    this.sum ??= new Float64Array(f.length);
    for (let i = 0; i < f.length; i++) this.sum[i] += f[i];
    this.n++;
  }

  mean(): Float32Array | undefined {
    if (this.sum === undefined) return undefined;
    const out = new Float32Array(this.sum.length);
    for (let i = 0; i < out.length; i++) out[i] = this.sum[i] / this.n;
    return out;
  }
}

/** What the slow pathway's latent and the robot provide for one chunk. */
export interface ConditioningInputs {
  /** Latent tensors by the VLM output name (vlm.latent_outputs). */
  latent: Record<string, TensorData>;
  /** Normalised state (normalizeState), fed as [1, n]. */
  state: Float32Array;
  /** Seconds since the observation the latent was computed from; fed as [1] when the expert takes it. */
  latentAge: number;
  /** Fresh camera tensors by camera name, when the expert takes images. */
  images?: Record<string, TensorData>;
}

/** Builds the fixed feeds of a chunk under the manifest's expert input names. */
export function conditioningFeeds(expert: Pick<ExpertSpec, 'inputs'>, c: ConditioningInputs): Record<string, TensorData> {
  const feeds: Record<string, TensorData> = {};
  for (const [latentName, inputName] of Object.entries(expert.inputs.latent)) {
    const t = c.latent[latentName];
    if (t === undefined) throw new DecodeError(`conditioning: the latent has no tensor '${latentName}' (for expert input '${inputName}')`);
    feeds[inputName] = t;
  }
  feeds[expert.inputs.state] = float32Tensor([1, c.state.length], c.state);
  if (expert.inputs.latentAge !== undefined) feeds[expert.inputs.latentAge] = float32Tensor([1], [c.latentAge]);
  for (const [camera, inputName] of Object.entries(expert.inputs.images ?? {})) {
    const t = c.images?.[camera];
    if (t === undefined) throw new DecodeError(`conditioning: no image for camera '${camera}' (expert input '${inputName}')`);
    feeds[inputName] = t;
  }
  return feeds;
}

/** Every tensor name the manifest promises for the expert (for checking a session against it). */
export function expertTensorNames(expert: ExpertSpec): { inputs: string[]; outputs: string[] } {
  const i = expert.inputs;
  const inputs = [...Object.values(i.latent), i.state, i.latentAge, i.actions, i.time, ...Object.values(i.images ?? {})];
  return {
    inputs: inputs.filter((n): n is string => n !== undefined),
    outputs: [expert.outputs.actions, expert.outputs.features].filter((n): n is string => n !== undefined),
  };
}
