import { strict as assert } from 'node:assert';
import type { ExpertContract } from '../../../nodes/inference/decoders/contract.js';
import { binCentre, decodeDiscreteDiffusion, keepMaskedCount, maskSchedule } from '../../../nodes/inference/decoders/discrete_diffusion.js';
import { Rng } from '../../../nodes/inference/decoders/rng.js';
import { DecodeError, float32Tensor, type TensorData } from '../../../nodes/inference/decoders/tensor.js';
import type { DiscreteDiffusionDecoding } from '../../../nodes/policy/manifest.js';
import { FnModel, i64 } from './helpers.js';

const H = 16;
const D = 7;
const L = H * D;
const BINS = 256;
const MASK = 256;

function contract(over: Partial<DiscreteDiffusionDecoding> = {}): ExpertContract<DiscreteDiffusionDecoding> {
  return {
    decoding: {
      mode: 'discrete_diffusion',
      bins: BINS,
      maskId: MASK,
      rounds: 12,
      schedule: 'cosine',
      temperature: 1,
      secondaryRemaskFactor: 1,
      ...over,
    },
    inputs: { actions: 'tokens' },
    outputs: { actions: 'logits', features: 'features' },
  };
}

const conditioning: Record<string, TensorData> = { latent: float32Tensor([1, 2], [1, 2]) };
const req = (seed: number) => ({ conditioning, horizon: H, dimension: D, rng: new Rng(seed) });

/** logits[i, j] from a function of (position, bin, the position's input token). */
function logitModel(f: (i: number, j: number, token: number) => number, vocab = BINS): FnModel {
  return new FnModel((feeds, call) => {
    const tokens = i64(feeds, 'tokens');
    const logits = new Float32Array(L * vocab);
    for (let i = 0; i < L; i++) for (let j = 0; j < vocab; j++) logits[i * vocab + j] = f(i, j, Number(tokens[i]));
    return { logits: float32Tensor([1, L, vocab], logits), features: float32Tensor([1, 2], [call, 1]) };
  });
}

const peakOf = (i: number) => (i * 37 + 11) % BINS;
const peaked = () => logitModel((i, j) => (j === peakOf(i) ? 40 : 0));
const masksIn = (m: FnModel) => m.calls.map((c) => i64(c, 'tokens').filter((t) => t === BigInt(MASK)).length);

describe('decoders: discrete diffusion', () => {
  it('has the cosine and linear schedules, ending with nothing masked', () => {
    assert.equal(maskSchedule('cosine', 0), 1);
    assert.ok(Math.abs(maskSchedule('cosine', 0.5) - Math.SQRT1_2) < 1e-15);
    assert.equal(maskSchedule('linear', 0.25), 0.75);
    const cos = Array.from({ length: 12 }, (_, k) => keepMaskedCount(L, 'cosine', k, 12));
    assert.deepEqual(cos, [111, 108, 103, 96, 88, 79, 68, 56, 42, 28, 14, 0]);
    const lin = Array.from({ length: 4 }, (_, k) => keepMaskedCount(L, 'linear', k, 4));
    assert.deepEqual(lin, [84, 56, 28, 0]);
    assert.equal(keepMaskedCount(L, 'cosine', 0, 1), 0);
  });

  it('starts all masked and keeps exactly floor(L0·schedule((k+1)/T)) masked after each round', async () => {
    for (const [schedule, rounds] of [
      ['cosine', 12],
      ['linear', 12],
      ['cosine', 5],
      ['cosine', 1],
    ] as const) {
      const m = logitModel((i, j) => Math.sin(i * 0.37 + j * 0.11) * 2);
      const r = await decodeDiscreteDiffusion(m, contract({ schedule, rounds }), req(3));
      const expected = Array.from({ length: rounds }, (_, k) => keepMaskedCount(L, schedule, k, rounds));
      assert.equal(m.calls.length, rounds);
      assert.equal(r.calls, rounds);
      assert.deepEqual(masksIn(m), [L, ...expected.slice(0, -1)], `${schedule}/${rounds}`);
      assert.deepEqual(r.trace.maskedIn, [L, ...expected.slice(0, -1)]);
      assert.deepEqual(r.trace.maskedOut, expected);
      assert.ok(r.tokens.every((t) => t >= 0 && t < BINS));
      assert.deepEqual(r.trace.remaskedDecoded, new Array<number>(rounds).fill(0)); // plain MaskGIT
      for (const c of m.calls) assert.deepEqual(c.tokens.dims, [1, L]);
    }
  });

  it('decodes the argmax of a peaked model and maps tokens to bin centres', async () => {
    const r = await decodeDiscreteDiffusion(peaked(), contract(), req(1));
    assert.deepEqual(
      Array.from(r.tokens),
      Array.from({ length: L }, (_, i) => peakOf(i)),
    );
    for (let i = 0; i < L; i++) assert.equal(r.chunk[i], Math.fround(-1 + (2 * peakOf(i) + 1) / BINS));
    assert.equal(binCentre(0, 256), -1 + 1 / 256);
    assert.equal(binCentre(255, 256), 1 - 1 / 256);
    assert.equal(binCentre(1, 2), 0.5);
  });

  it('never re-masks earlier tokens with factor 1, and revisits them when their confidence is scaled', async () => {
    // The model doubts every token it already sees (flat logits there) and is sure of masked ones.
    const doubting = () => logitModel((i, j, token) => (token === MASK ? (j === peakOf(i) ? 40 : 0) : 0));
    const plain = doubting();
    const p = await decodeDiscreteDiffusion(plain, contract({ temperature: 0 }), req(2));
    assert.deepEqual(p.trace.remaskedDecoded, new Array<number>(12).fill(0));
    // once decoded, a position's token never changes in later inputs
    for (let k = 1; k < plain.calls.length; k++) {
      const before = i64(plain.calls[k - 1], 'tokens');
      const now = i64(plain.calls[k], 'tokens');
      for (let i = 0; i < L; i++) if (before[i] !== BigInt(MASK)) assert.equal(now[i], before[i]);
    }

    const secondary = doubting();
    const s = await decodeDiscreteDiffusion(secondary, contract({ temperature: 0, secondaryRemaskFactor: 0.5 }), req(2));
    const expected = Array.from({ length: 12 }, (_, k) => keepMaskedCount(L, 'cosine', k, 12));
    assert.deepEqual(masksIn(secondary), [L, ...expected.slice(0, -1)]); // the schedule still holds exactly
    assert.equal(s.trace.remaskedDecoded[0], 0); // nothing decoded before round 0
    // from round 1 on, earlier tokens (log(0.5/256)) lose to fresh confident ones (≈ 0): all of
    // them are re-masked while the schedule masks at least as many positions as there are
    for (let k = 1; k < 11; k++) {
      const decodedBefore = L - s.trace.maskedIn[k];
      assert.equal(s.trace.remaskedDecoded[k], Math.min(decodedBefore, expected[k]), `round ${k}`);
    }
    // a position decoded in round k is masked again in round k+1's input: revisited
    let revisited = 0;
    for (let k = 1; k < secondary.calls.length; k++) {
      const before = i64(secondary.calls[k - 1], 'tokens');
      const now = i64(secondary.calls[k], 'tokens');
      for (let i = 0; i < L; i++) if (before[i] !== BigInt(MASK) && now[i] === BigInt(MASK)) revisited++;
    }
    assert.ok(revisited > 0);
    assert.ok(s.tokens.every((t) => t >= 0 && t < BINS));
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const model = () => logitModel((i, j) => Math.cos(i * 0.21 + j * 0.05) * 1.5);
    const a = await decodeDiscreteDiffusion(model(), contract(), req(9));
    const b = await decodeDiscreteDiffusion(model(), contract(), req(9));
    const c = await decodeDiscreteDiffusion(model(), contract(), req(10));
    assert.deepEqual(a.tokens, b.tokens);
    assert.deepEqual(a.chunk, b.chunk);
    assert.notDeepEqual(a.tokens, c.tokens);
  });

  it('pools features over rounds and ignores logits beyond the bins', async () => {
    // V = bins + 1: the extra (mask) logit is huge but must never be sampled
    const m = logitModel((i, j) => (j === BINS ? 100 : j === peakOf(i) ? 40 : 0), BINS + 1);
    const r = await decodeDiscreteDiffusion(m, contract(), req(4));
    assert.deepEqual(
      Array.from(r.tokens),
      Array.from({ length: L }, (_, i) => peakOf(i)),
    );
    assert.deepEqual(Array.from(r.features ?? []), [5.5, 1]); // mean of call index 0..11
  });

  it('refuses broken logits and a mask id inside the bins', async () => {
    const nan = logitModel((i, j) => (i === 5 && j === 3 ? Number.NaN : 0));
    await assert.rejects(
      decodeDiscreteDiffusion(nan, contract(), req(1)),
      (e: Error) => e instanceof DecodeError && /position 5, bin 3/.test(e.message),
    );
    const short = new FnModel(() => ({
      logits: float32Tensor([1, L, 10], new Float32Array(L * 10)),
      features: float32Tensor([1, 1], [0]),
    }));
    await assert.rejects(decodeDiscreteDiffusion(short, contract(), req(1)), /V >= 256/);
    await assert.rejects(decodeDiscreteDiffusion(peaked(), contract({ maskId: 7 }), req(1)), /mask id 7/);
  });
});
