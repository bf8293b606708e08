// Discrete-diffusion decoding (Discrete Diffusion VLA; MaskGIT-style parallel decoding) with the
// loop on the host. The expert maps token ids [1, L] (L = H·D, step-major, `maskId` = masked)
// plus conditioning to logits [1, L, V] (V ≥ bins; only the first `bins` entries are used).
//
// Round k of T (r = (k+1)/T):
//   1. every position masked at the start of the round gets a token sampled from
//      softmax(logits) over the bins (temperature 1);
//   2. confidence = log p(token) + temperature·(1 − r)·Gumbel (annealed re-masking noise);
//      tokens decoded in earlier rounds keep infinite confidence (never re-masked, plain
//      MaskGIT) unless secondary re-masking is on (secondary_remask_factor f < 1): then their
//      confidence is log(f · p(token)) under this round's logits, plus the same noise, and
//      they compete with the new tokens, so an earlier token the model now doubts is re-masked
//      and sampled again;
//   3. the floor(L·schedule(r)) lowest-confidence positions are (re-)masked — cosine schedule
//      cos(π/2·r), linear 1 − r; the last round masks nothing. Ties go to the lower index.
// Tokens map to normalised values at bin centres of [−1, 1]: bin k → −1 + (2k + 1)/bins.

import type { DiscreteDiffusionDecoding } from '../../policy/manifest.js';
import { checkShape, FeaturePool, requireInputName, type DecodeRequest, type DecodeResult, type ExpertContract } from './contract.js';
import { DecodeError, int64Tensor, requireFloat32, type ExpertModel } from './tensor.js';

export function maskSchedule(kind: DiscreteDiffusionDecoding['schedule'], x: number): number {
  return kind === 'cosine' ? Math.cos((Math.PI / 2) * x) : 1 - x;
}

/** Positions left masked after round k (0-based) of T, out of L: floor(L·schedule((k+1)/T)); 0 after the last. */
export function keepMaskedCount(length: number, kind: DiscreteDiffusionDecoding['schedule'], round: number, rounds: number): number {
  if (round >= rounds - 1) return 0;
  const n = Math.floor(length * maskSchedule(kind, (round + 1) / rounds));
  return Math.min(length, Math.max(0, n));
}

/** The normalised value of bin k: the centre of the k-th of `bins` equal cells of [−1, 1]. */
export function binCentre(token: number, bins: number): number {
  return -1 + (2 * token + 1) / bins;
}

export interface DiscreteDiffusionTrace {
  /** Masked positions in the model's input, per round. */
  maskedIn: number[];
  /** Masked positions after each round's re-masking. */
  maskedOut: number[];
  /** Of those, positions that held a token decoded in an earlier round (secondary re-masking). */
  remaskedDecoded: number[];
}

export interface DiscreteDiffusionResult extends DecodeResult {
  /** Final token ids [L]. */
  tokens: Int32Array;
  trace: DiscreteDiffusionTrace;
}

export async function decodeDiscreteDiffusion(
  model: ExpertModel,
  expert: ExpertContract<DiscreteDiffusionDecoding>,
  req: DecodeRequest,
): Promise<DiscreteDiffusionResult> {
  checkShape(req);
  const { bins, maskId, rounds, schedule, temperature, secondaryRemaskFactor } = expert.decoding;
  if (maskId >= 0 && maskId < bins) throw new DecodeError(`discrete diffusion: mask id ${maskId} is one of the ${bins} bins`);
  const tokensName = requireInputName(expert.inputs.actions, 'actions', 'discrete_diffusion');
  const L = req.horizon * req.dimension;
  const secondary = secondaryRemaskFactor < 1;
  const logFactor = Math.log(secondaryRemaskFactor);
  const rng = req.rng;

  const tokens = new Int32Array(L).fill(maskId);
  const candidate = new Int32Array(L);
  const confidence = new Float64Array(L);
  const wasMasked = new Uint8Array(L);
  const order = Array.from({ length: L }, (_, i) => i);
  const exps = new Float64Array(bins);
  const pool = new FeaturePool(expert.outputs.features);
  const trace: DiscreteDiffusionTrace = { maskedIn: [], maskedOut: [], remaskedDecoded: [] };

  for (let k = 0; k < rounds; k++) {
    const r = (k + 1) / rounds;
    const outputs = await model.run({
      ...req.conditioning,
      [tokensName]: int64Tensor(
        [1, L],
        BigInt64Array.from(tokens, (v) => BigInt(v)),
      ),
    });
    const logits = requireFloat32(outputs, expert.outputs.actions, undefined, 'discrete diffusion logits');
    const vocab = logits.length / L;
    if (!Number.isInteger(vocab) || vocab < bins) {
      throw new DecodeError(
        `discrete diffusion: logits '${expert.outputs.actions}' have ${logits.length} values, expected ${L}×V with V >= ${bins}`,
      );
    }
    pool.add(outputs);
    const noiseScale = temperature * (1 - r);
    let maskedIn = 0;

    for (let i = 0; i < L; i++) {
      const masked = tokens[i] === maskId;
      wasMasked[i] = masked ? 1 : 0;
      if (masked) maskedIn++;
      let conf = Infinity;
      if (masked || secondary) {
        // log-softmax over the bins of position i
        const base = i * vocab;
        let max = -Infinity;
        for (let j = 0; j < bins; j++) {
          const l = logits[base + j];
          if (!Number.isFinite(l)) throw new DecodeError(`discrete diffusion: logit ${l} at round ${k}, position ${i}, bin ${j}`);
          if (l > max) max = l;
        }
        let sum = 0;
        for (let j = 0; j < bins; j++) sum += exps[j] = Math.exp(logits[base + j] - max);
        let token = tokens[i];
        if (masked) {
          const u = rng.uniform() * sum;
          let acc = 0;
          token = bins - 1;
          for (let j = 0; j < bins; j++) {
            acc += exps[j];
            if (u < acc) {
              token = j;
              break;
            }
          }
        }
        candidate[i] = token;
        conf = logits[base + token] - max - Math.log(sum) + (masked ? 0 : logFactor);
      } else {
        candidate[i] = tokens[i];
      }
      if (noiseScale > 0) conf += noiseScale * rng.gumbel();
      confidence[i] = conf;
    }

    const keepMasked = keepMaskedCount(L, schedule, k, rounds);
    order.sort((a, b) => confidence[a] - confidence[b] || a - b);
    tokens.set(candidate);
    let remaskedDecoded = 0;
    for (let m = 0; m < keepMasked; m++) {
      const i = order[m];
      if (wasMasked[i] === 0) remaskedDecoded++;
      tokens[i] = maskId;
    }
    trace.maskedIn.push(maskedIn);
    trace.maskedOut.push(keepMasked);
    trace.remaskedDecoded.push(remaskedDecoded);
  }

  const chunk = new Float32Array(L);
  for (let i = 0; i < L; i++) chunk[i] = binCentre(tokens[i], bins);
  return { chunk, features: pool.mean(), calls: rounds, tokens, trace };
}
