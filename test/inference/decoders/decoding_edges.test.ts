// The decoders' arithmetic at its edges: how much noise discrete diffusion draws per round,
// confidence ordering and ties, huge logits, secondary re-masking of decoded tokens, a pinned
// decode (replays must keep decoding the same), one RTC-guided flow step in closed form,
// normalisation shape checks and the exact text of every refusal.
import { strict as assert } from 'node:assert';
import type { ExpertContract } from '../../../nodes/inference/decoders/contract.js';
import { binCentre, decodeDiscreteDiffusion, keepMaskedCount } from '../../../nodes/inference/decoders/discrete_diffusion.js';
import { decodeFlow } from '../../../nodes/inference/decoders/flow.js';
import { checkChunk, denormalizeChunk, describeViolation, normalizeState } from '../../../nodes/inference/decoders/normalization.js';
import { decodeRegression } from '../../../nodes/inference/decoders/regression.js';
import { Rng } from '../../../nodes/inference/decoders/rng.js';
import { DecodeError, float32Tensor, type TensorData } from '../../../nodes/inference/decoders/tensor.js';
import type { DiscreteDiffusionDecoding, FlowDecoding } from '../../../nodes/policy/manifest.js';
import { f32, FnModel, i64 } from './helpers.js';

const exactly = (message: string) => (e: unknown) => e instanceof Error && e.message === message;

describe('decoders: discrete diffusion edges', () => {
  const BINS = 4;
  const MASK = 4;
  const contract = (over: Partial<DiscreteDiffusionDecoding> = {}): ExpertContract<DiscreteDiffusionDecoding> => ({
    decoding: {
      mode: 'discrete_diffusion',
      bins: BINS,
      maskId: MASK,
      rounds: 3,
      schedule: 'linear',
      temperature: 0,
      secondaryRemaskFactor: 1,
      ...over,
    },
    inputs: { actions: 'tokens' },
    outputs: { actions: 'logits' },
  });
  /** logits[i, j] = f(position, bin, the position's input token), over `length` positions. */
  const model = (length: number, f: (i: number, j: number, token: number) => number) =>
    new FnModel((feeds) => {
      const tokens = i64(feeds, 'tokens');
      const logits = new Float32Array(length * BINS);
      for (let i = 0; i < length; i++) for (let j = 0; j < BINS; j++) logits[i * BINS + j] = f(i, j, Number(tokens[i]));
      return { logits: float32Tensor([1, length, BINS], logits) };
    });
  const req = (horizon: number, dimension: number, rng: Rng) => ({ conditioning: {}, horizon, dimension, rng });
  const maskedIn = (m: FnModel, call: number) =>
    Array.from(i64(m.calls[call], 'tokens'), (t, i) => (t === BigInt(MASK) ? i : -1)).filter((i) => i >= 0);

  it('draws one sample per masked position and Gumbel noise only while the annealed temperature is above 0', async () => {
    // L = 4, 3 linear rounds: 4, 2, 1 masked; noise scale T·(1 − r) = 2/3, 1/3, 0.
    const rng = new Rng(21);
    await decodeDiscreteDiffusion(
      model(4, () => 0),
      contract({ temperature: 1 }),
      req(2, 2, rng),
    );
    const draws = 2 * (4 + 4) + 2 * (2 + 4) + 2 * 1; // two 32-bit draws per uniform and per Gumbel
    const reference = new Rng(21);
    for (let k = 0; k < draws; k++) reference.nextUint32();
    assert.deepEqual(rng.getState(), reference.getState());
  });

  it('re-masks the least confident positions; equal confidences go to the lower index', async () => {
    // temperature 0, 2 linear rounds over 4 positions: 2 stay masked after round 0.
    const sharp = [20, 5, 15, 8];
    const m = model(4, (i, j) => (j === 0 ? sharp[i] : 0));
    await decodeDiscreteDiffusion(m, contract({ rounds: 2 }), req(2, 2, new Rng(1)));
    assert.deepEqual(maskedIn(m, 1), [1, 3]);
    const flat = model(4, () => 0);
    await decodeDiscreteDiffusion(flat, contract({ rounds: 2 }), req(2, 2, new Rng(1)));
    assert.deepEqual(maskedIn(flat, 1), [0, 1]);
  });

  it('ties go to the lower position even after an earlier round ordered the positions the other way', async () => {
    // Round 0: the higher the position, the less confident (positions 2–5 stay masked). Round 1:
    // flat logits, so those four tie; the two with the lowest index stay masked.
    const sharp = [20, 16, 12, 8, 5, 3];
    const m = new FnModel((_feeds, call) => {
      const logits = new Float32Array(6 * BINS);
      for (let i = 0; i < 6; i++) logits[i * BINS] = call === 0 ? sharp[i] : 0;
      return { logits: float32Tensor([1, 6, BINS], logits) };
    });
    await decodeDiscreteDiffusion(m, contract({ rounds: 3 }), req(3, 2, new Rng(1)));
    assert.deepEqual(maskedIn(m, 1), [2, 3, 4, 5]);
    assert.deepEqual(maskedIn(m, 2), [2, 3]);
  });

  it('confidence is the log-probability of the token: a sure position outranks a coin flip whatever their logit scale', async () => {
    // Position 0: logits around 0, token 0 almost sure. Position 1: two equal logits of 20 (p = ½).
    const m = model(2, (i, j) => (i === 0 ? (j === 0 ? 0 : -10) : j < 2 ? 20 : -10));
    await decodeDiscreteDiffusion(m, contract({ rounds: 2 }), req(1, 2, new Rng(4)));
    assert.deepEqual(maskedIn(m, 1), [1]);
  });

  it('samples the peak of huge logits (log-softmax shifted by the maximum, not overflowing)', async () => {
    const peak = (i: number) => (i + 1) % BINS;
    const r = await decodeDiscreteDiffusion(
      model(4, (i, j) => (j === peak(i) ? 800 : 0)),
      contract({ rounds: 2, temperature: 1 }),
      req(2, 2, new Rng(5)),
    );
    assert.deepEqual(Array.from(r.tokens), [1, 2, 3, 0]);
    assert.deepEqual(
      Array.from(r.chunk),
      [1, 2, 3, 0].map((t) => Math.fround(binCentre(t, BINS))),
    );
  });

  it('secondary re-masking keeps a decoded token unless it is re-masked (it is never re-sampled in place)', async () => {
    // Masked inputs: sure of bin 1. Decoded inputs: the model prefers bin 2, so a token that were
    // re-sampled in place would turn into 2.
    const m = model(4, (_i, j, token) => (token === MASK ? (j === 1 ? 40 : 0) : j === 2 ? 40 : 0));
    const r = await decodeDiscreteDiffusion(m, contract({ secondaryRemaskFactor: 0.5 }), req(2, 2, new Rng(3)));
    assert.deepEqual(Array.from(r.tokens), [1, 1, 1, 1]);
    assert.deepEqual(r.trace.remaskedDecoded, [0, 1, 0]);
  });

  it('pins a decode with annealed noise and secondary re-masking (recorded replays depend on it)', async () => {
    const m = model(12, (i, j, token) => Math.sin(i * 0.7 + j * 1.3 + token * 0.1) * 2);
    const r = await decodeDiscreteDiffusion(
      m,
      contract({ rounds: 4, schedule: 'cosine', temperature: 1, secondaryRemaskFactor: 0.5 }),
      req(3, 4, new Rng(77)),
    );
    assert.deepEqual(Array.from(r.tokens), PINNED.tokens);
    assert.deepEqual(r.trace, PINNED.trace);
    assert.deepEqual(
      m.calls.map((_, k) => maskedIn(m, k)),
      PINNED.maskedPositions,
    );
  });

  it('a mask id below the bins (−1) is valid, 0 is a bin; the missing-name and logits refusals name the contract', async () => {
    const peaked = model(4, (i, j) => (j === i ? 40 : 0));
    const r = await decodeDiscreteDiffusion(peaked, contract({ maskId: -1 }), req(2, 2, new Rng(2)));
    assert.deepEqual(Array.from(r.tokens), [0, 1, 2, 3]);
    assert.equal(i64(peaked.calls[0], 'tokens')[0], -1n);
    await assert.rejects(
      decodeDiscreteDiffusion(peaked, contract({ maskId: 0 }), req(2, 2, new Rng(2))),
      exactly('discrete diffusion: mask id 0 is one of the 4 bins'),
    );
    await assert.rejects(
      decodeDiscreteDiffusion(peaked, { ...contract(), inputs: {} }, req(2, 2, new Rng(2))),
      exactly("discrete_diffusion decoding needs the expert's actions input name (expert.inputs.actions)"),
    );
    await assert.rejects(
      decodeDiscreteDiffusion(peaked, { ...contract(), outputs: { actions: 'scores' } }, req(2, 2, new Rng(2))),
      exactly("discrete diffusion logits: the model has no output 'scores' (outputs: logits)"),
    );
  });

  it('masks nothing in or after the last round', () => {
    assert.equal(keepMaskedCount(10, 'cosine', 1, 2), 0);
    assert.equal(keepMaskedCount(10, 'cosine', 6, 2), 0);
    assert.equal(keepMaskedCount(10, 'linear', 0, 2), 5);
  });
});

describe('decoders: flow edges', () => {
  const contract = (timeConvention: FlowDecoding['timeConvention'], steps = 1): ExpertContract<FlowDecoding> => ({
    decoding: { mode: 'flow', steps, timeConvention },
    inputs: { actions: 'x', time: 't' },
    outputs: { actions: 'v' },
  });
  const constant = (v: number) => new FnModel(() => ({ v: float32Tensor([1, 2, 1], [v, v]) }));
  const req = () => ({ conditioning: {}, horizon: 2, dimension: 1, rng: new Rng(8) });

  it('one guided step: x + u + β·W_i·(Y − (x + u)) with u = ∓v (τ = 0, so the weight is β)', async () => {
    const target = Float32Array.of(1, -1);
    const weights = Float32Array.of(1, 0.5);
    for (const [conv, u] of [
      ['pi0', -0.2],
      ['rectified', 0.2],
    ] as const) {
      const r = await decodeFlow(constant(0.2), contract(conv), req(), { guidance: { target, weights, maxWeight: 0.5 } });
      const x0 = new Rng(8).fillNormal(new Float32Array(2));
      const want = [0, 1].map((i) => Math.fround(x0[i] + u + 0.5 * weights[i] * (target[i] - (x0[i] + u))));
      assert.ok(
        Math.abs(r.chunk[0] - want[0]) < 1e-6 && Math.abs(r.chunk[1] - want[1]) < 1e-6,
        `${conv}: ${Array.from(r.chunk).join(',')} vs ${want.join(',')}`,
      );
    }
  });

  it('a W = 0 step never reads its target (it may hold anything, NaN included)', async () => {
    const r = await decodeFlow(constant(0.2), contract('pi0', 3), req(), {
      guidance: { target: Float32Array.of(0.5, Number.NaN), weights: Float32Array.of(1, 0), maxWeight: 3 },
    });
    assert.ok(r.chunk.every(Number.isFinite), Array.from(r.chunk).join(','));
  });

  it('feeds each step its own copy of x (a model may keep its inputs)', async () => {
    const seen: Float32Array[] = [];
    const keeping = {
      run: (feeds: Record<string, TensorData>) => (seen.push(f32(feeds, 'x')), Promise.resolve({ v: float32Tensor([1, 2, 1], [1, 1]) })),
    };
    const r = await decodeFlow(keeping, contract('rectified', 2), req());
    const x0 = new Rng(8).fillNormal(new Float32Array(2));
    assert.deepEqual(seen[0], x0);
    assert.deepEqual(Array.from(seen[1]), [Math.fround(x0[0] + 0.5), Math.fround(x0[1] + 0.5)]);
    assert.notEqual(seen[1], r.chunk);
  });

  it('refusals name the missing input and the size expected', async () => {
    await assert.rejects(
      decodeFlow(constant(0), { ...contract('pi0'), inputs: { time: 't' } }, req()),
      exactly("flow decoding needs the expert's actions input name (expert.inputs.actions)"),
    );
    await assert.rejects(
      decodeFlow(constant(0), { ...contract('pi0'), inputs: { actions: 'x' } }, req()),
      exactly("flow decoding needs the expert's time input name (expert.inputs.time)"),
    );
    await assert.rejects(
      decodeFlow(constant(0), contract('pi0'), { ...req(), horizon: 3 }),
      exactly("flow velocity: output 'v' has 2 values (dims [1,2,1]), expected 3"),
    );
  });
});

describe('decoders: regression, normalisation, RNG and error texts', () => {
  it('regression names its output in a size refusal', async () => {
    const m = new FnModel(() => ({ actions: float32Tensor([1, 2, 3], new Float32Array(6)) }));
    await assert.rejects(
      decodeRegression(
        m,
        { decoding: { mode: 'regression' }, inputs: {}, outputs: { actions: 'actions' } },
        { conditioning: {}, horizon: 3, dimension: 3, rng: new Rng(0) },
      ),
      (e: unknown) =>
        e instanceof DecodeError &&
        e.name === 'DecodeError' &&
        e.message === "regression actions: output 'actions' has 6 values (dims [1,2,3]), expected 9",
    );
  });

  it('normalizeState and denormalizeChunk refuse every mismatched length', () => {
    assert.throws(() => normalizeState([1, 2], [0, 0], [1]), exactly('normalizeState: 2 positions for 2 means, 1 stds'));
    assert.throws(() => normalizeState([1, 2], [0, 0], [1, 1], new Float32Array(3)), RangeError);
    const out = new Float32Array(2);
    assert.equal(normalizeState([1, 2], [0, 0], [1, 1], out), out);
    assert.throws(() => denormalizeChunk([1, 2], [0, 0], [1]), exactly('denormalizeChunk: 2 values do not form rows of 2 (std 1, out 2)'));
    assert.throws(
      () => denormalizeChunk([1, 2], [0, 0], [1, 1], new Float64Array(3)),
      exactly('denormalizeChunk: 2 values do not form rows of 2 (std 2, out 3)'),
    );
    assert.throws(() => denormalizeChunk([], [], []), RangeError);
  });

  it('checkChunk refuses bounds of mismatched or zero dimension', () => {
    assert.throws(() => checkChunk([], { names: [], min: [], max: [] }), exactly('checkChunk: bounds for 0 names, 0 mins, 0 maxes'));
    assert.throws(() => checkChunk([0], { names: ['a'], min: [0], max: [] }), exactly('checkChunk: bounds for 1 names, 1 mins, 0 maxes'));
    assert.throws(() => checkChunk([0], { names: [], min: [0], max: [1] }), exactly('checkChunk: bounds for 0 names, 1 mins, 1 maxes'));
  });

  it('describes a violation with the count of further values, singular and plural', () => {
    const v = { step: 1, dimension: 0, name: 'x', value: -2, min: -1, max: 1, reason: 'below_min' as const };
    assert.equal(describeViolation(v), "step 1, dimension 'x' (0) = -2 is below its min -1");
    assert.equal(describeViolation(v, 2), "step 1, dimension 'x' (0) = -2 is below its min -1 (1 more value out of bounds)");
    assert.equal(describeViolation(v, 3), "step 1, dimension 'x' (0) = -2 is below its min -1 (2 more values out of bounds)");
    const two = checkChunk([5, -5], { names: ['a', 'b'], min: [0, 0], max: [1, 1] });
    assert.ok(
      !two.ok && two.count === 2 && two.message === "step 0, dimension 'a' (0) = 5 is above its max 1 (1 more value out of bounds)",
    );
  });

  it('Rng names a bad seed or stream; fillNormal of odd length leaves the pair’s second normal for the next draw', () => {
    assert.throws(() => new Rng(1.5), exactly('Rng seed must be a safe integer, got 1.5'));
    assert.throws(() => new Rng(1, 2 ** 53), exactly(`Rng stream must be a safe integer, got ${2 ** 53}`));
    const a = new Rng(6);
    a.fillNormal(new Float64Array(3));
    const b = new Rng(6);
    const four = [b.normal(), b.normal(), b.normal(), b.normal()];
    assert.equal(a.normal(), four[3]);
  });
});

// Recorded with the decoder as it is; a change here changes every recorded discrete-diffusion replay.
const PINNED = {
  tokens: [1, 0, 0, 0, 3, 2, 2, 2, 1, 0, 0, 0],
  trace: { maskedIn: [12, 11, 8, 4], maskedOut: [11, 8, 4, 0], remaskedDecoded: [0, 1, 2, 0] },
  maskedPositions: [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11],
    [0, 3, 4, 5, 6, 7, 8, 9],
    [0, 1, 7, 10],
  ],
};
