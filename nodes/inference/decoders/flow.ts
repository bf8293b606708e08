// Flow-matching decoding (π0 style) with the Euler loop on the host: the expert is exported as
// one denoising step, x_t [1,H,D] + t [1] + conditioning → velocity [1,H,D].
//
// Conventions (manifest decoding.time_convention):
//   pi0       — noise at t = 1, actions at t = 0: t_k = 1 − k/N, x ← x − v/N   (dt = −1/N)
//   rectified — noise at t = 0, actions at t = 1: t_k = k/N,     x ← x + v/N   (dt = +1/N)
// The noise is N(0, 1) from the request's RNG, drawn in step-major order.

import type { FlowDecoding } from '../../policy/manifest.js';
import { checkShape, FeaturePool, requireInputName, type DecodeRequest, type DecodeResult, type ExpertContract } from './contract.js';
import { rtcGuidanceWeight, type RtcGuidance } from './rtc.js';
import { DecodeError, float32Tensor, requireFloat32, type ExpertModel } from './tensor.js';

export interface FlowOptions {
  /** Real-Time Chunking guidance toward the previous chunk (rtc.ts). */
  guidance?: RtcGuidance;
}

/** The time fed at Euler step k of N, and that step's dt. */
export function flowStepTime(convention: FlowDecoding['timeConvention'], k: number, steps: number): { t: number; dt: number } {
  return convention === 'pi0' ? { t: 1 - k / steps, dt: -1 / steps } : { t: k / steps, dt: 1 / steps };
}

export async function decodeFlow(
  model: ExpertModel,
  expert: ExpertContract<FlowDecoding>,
  req: DecodeRequest,
  options: FlowOptions = {},
): Promise<DecodeResult> {
  checkShape(req);
  const { steps, timeConvention } = expert.decoding;
  const actionsName = requireInputName(expert.inputs.actions, 'actions', 'flow');
  const timeName = requireInputName(expert.inputs.time, 'time', 'flow');
  const h = req.horizon;
  const d = req.dimension;
  const n = h * d;
  const g = options.guidance;
  if (g !== undefined && (g.target.length !== n || g.weights.length !== h || !(g.maxWeight >= 0))) {
    throw new DecodeError(`flow: RTC guidance needs a target of ${n} values, ${h} weights and β >= 0`);
  }
  const pi0 = timeConvention === 'pi0';
  const x = req.rng.fillNormal(new Float32Array(n));
  const pool = new FeaturePool(expert.outputs.features);

  for (let k = 0; k < steps; k++) {
    const { t, dt } = flowStepTime(timeConvention, k, steps);
    const outputs = await model.run({
      ...req.conditioning,
      [actionsName]: float32Tensor([1, h, d], x.slice()),
      [timeName]: float32Tensor([1], [t]),
    });
    const v = requireFloat32(outputs, expert.outputs.actions, n, 'flow velocity');
    pool.add(outputs);
    if (g === undefined) {
      for (let i = 0; i < n; i++) x[i] += dt * v[i];
      continue;
    }
    // Work in progress time τ (0 noise → 1 actions) with u = dx/dτ; the predicted clean chunk
    // is Â = x + (1 − τ)·u, and guidance adds w(τ)·W_i·(Y − Â) to u.
    const tau = pi0 ? 1 - t : t;
    const w = rtcGuidanceWeight(tau, g.maxWeight);
    const dTau = Math.abs(dt);
    for (let i = 0; i < n; i++) {
      const u = pi0 ? -v[i] : v[i];
      const wi = g.weights[Math.floor(i / d)];
      const guided = wi === 0 ? u : u + w * wi * (g.target[i] - (x[i] + (1 - tau) * u));
      x[i] += dTau * guided;
    }
  }
  return { chunk: x, features: pool.mean(), calls: steps };
}
