// One entry point for the fast pathway: decode a normalised chunk with whichever decoding the
// manifest's expert declares. De-normalise with denormalizeChunk and check with checkChunk
// (normalization.ts) before anything leaves the node.

import type { DecodingSpec } from '../../policy/manifest.js';
import type { DecodeRequest, DecodeResult, ExpertContract } from './contract.js';
import { decodeDiscreteDiffusion } from './discrete_diffusion.js';
import { decodeFlow, type FlowOptions } from './flow.js';
import { decodeRegression } from './regression.js';
import type { ExpertModel } from './tensor.js';

export interface DecodeOptions {
  /** Flow only: Real-Time Chunking guidance toward the previous chunk. Ignored by the other modes. */
  guidance?: FlowOptions['guidance'];
}

export async function decodeChunk(
  model: ExpertModel,
  expert: ExpertContract,
  req: DecodeRequest,
  options: DecodeOptions = {},
): Promise<DecodeResult> {
  const decoding: DecodingSpec = expert.decoding;
  switch (decoding.mode) {
    case 'flow':
      return decodeFlow(model, { ...expert, decoding }, req, options);
    case 'discrete_diffusion':
      return decodeDiscreteDiffusion(model, { ...expert, decoding }, req);
    case 'regression':
      return decodeRegression(model, { ...expert, decoding }, req);
  }
}
