// Runs one DecodeJob on a loaded expert: the decoders (flow, regression, discrete
// diffusion) call the model as many times as their mode needs, here, on the worker.

import { decodeChunk } from './decoders/decode.js';
import { Rng } from './decoders/rng.js';
import type { DecodeJob, DecodeJobResult } from './expert_decoding.js';
import type { OnnxModel } from './onnx_model.js';

export async function decodeOnModel(model: OnnxModel, job: DecodeJob): Promise<DecodeJobResult> {
  const result = await decodeChunk(
    model,
    {
      decoding: job.decoding,
      inputs: { actions: job.actionsInput, time: job.timeInput },
      outputs: { actions: job.actionsOutput, features: job.featuresOutput },
    },
    { conditioning: job.conditioning, horizon: job.horizon, dimension: job.dimension, rng: new Rng(job.seed) },
  );
  return { actions: result.chunk, features: result.features };
}
