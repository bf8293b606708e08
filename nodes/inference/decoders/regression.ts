// Regression decoding (OpenVLA-OFT style): one forward pass, conditioning → the normalised
// chunk [1,H,D]. The request's RNG is not used.

import type { RegressionDecoding } from '../../policy/manifest.js';
import { checkShape, FeaturePool, type DecodeRequest, type DecodeResult, type ExpertContract } from './contract.js';
import { requireFloat32, type ExpertModel } from './tensor.js';

export async function decodeRegression(
  model: ExpertModel,
  expert: ExpertContract<RegressionDecoding>,
  req: DecodeRequest,
): Promise<DecodeResult> {
  checkShape(req);
  const outputs = await model.run({ ...req.conditioning });
  const actions = requireFloat32(outputs, expert.outputs.actions, req.horizon * req.dimension, 'regression actions');
  const pool = new FeaturePool(expert.outputs.features);
  pool.add(outputs);
  return { chunk: Float32Array.from(actions), features: pool.mean(), calls: 1 };
}
