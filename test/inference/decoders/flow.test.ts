import { strict as assert } from 'node:assert';
import type { ExpertContract } from '../../../nodes/inference/decoders/contract.js';
import { decodeFlow, flowStepTime } from '../../../nodes/inference/decoders/flow.js';
import { Rng } from '../../../nodes/inference/decoders/rng.js';
import { rtcGuidanceWeight, rtcSoftMask } from '../../../nodes/inference/decoders/rtc.js';
import { DecodeError, float32Tensor, type TensorData } from '../../../nodes/inference/decoders/tensor.js';
import type { FlowDecoding } from '../../../nodes/policy/manifest.js';
import { f32, FnModel, maxAbsDiff } from './helpers.js';

const H = 4;
const D = 3;
const N = H * D;
const target = Float32Array.from({ length: N }, (_, i) => 0.1 * i - 0.5);

function contract(steps: number, timeConvention: FlowDecoding['timeConvention'], features = true): ExpertContract<FlowDecoding> {
  return {
    decoding: { mode: 'flow', steps, timeConvention },
    inputs: { actions: 'x_t', time: 't' },
    outputs: { actions: 'velocity', features: features ? 'features' : undefined },
  };
}

const conditioning: Record<string, TensorData> = { state: float32Tensor([1, 2], [0.25, -0.5]) };

/** A model whose velocity is v(x, t); features are [t, 2t]. */
function field(v: (x: number, t: number, i: number) => number): FnModel {
  return new FnModel((feeds) => {
    const x = f32(feeds, 'x_t');
    const t = f32(feeds, 't')[0];
    return {
      velocity: float32Tensor(
        [1, H, D],
        Float32Array.from(x, (xi, i) => v(xi, t, i)),
      ),
      features: float32Tensor([1, 2], [t, 2 * t]),
    };
  });
}

function noise(seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(N));
}

describe('decoders: flow', () => {
  it('feeds t = 1, 0.9, …, 0.1 for pi0 and 0, 0.1, …, 0.9 for rectified, one call per step', async () => {
    for (const [conv, want] of [
      ['pi0', [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]],
      ['rectified', [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]],
    ] as const) {
      const m = field(() => 0);
      const r = await decodeFlow(m, contract(10, conv), { conditioning, horizon: H, dimension: D, rng: new Rng(1) });
      assert.equal(r.calls, 10);
      assert.equal(m.calls.length, 10);
      assert.ok(
        maxAbsDiff(
          m.calls.map((c) => f32(c, 't')[0]),
          want,
        ) < 1e-7,
      );
      for (const c of m.calls) {
        assert.deepEqual(c.t.dims, [1]);
        assert.deepEqual(c.x_t.dims, [1, H, D]);
        assert.deepEqual(f32(c, 'state'), conditioning.state.data); // conditioning passed through
      }
    }
    for (const steps of [1, 3, 7]) {
      const m = field(() => 0);
      await decodeFlow(m, contract(steps, 'pi0'), { conditioning, horizon: H, dimension: D, rng: new Rng(1) });
      assert.equal(m.calls.length, steps);
    }
    assert.deepEqual(flowStepTime('pi0', 2, 4), { t: 0.5, dt: -0.25 });
    assert.deepEqual(flowStepTime('rectified', 2, 4), { t: 0.5, dt: 0.25 });
  });

  it('starts from the RNG noise and integrates v = x − target in closed form (both signs of dt)', async () => {
    for (const [conv, steps] of [
      ['pi0', 10],
      ['rectified', 10],
      ['pi0', 3],
    ] as const) {
      const m = field((x, _t, i) => x - target[i]);
      const r = await decodeFlow(m, contract(steps, conv), { conditioning, horizon: H, dimension: D, rng: new Rng(7) });
      const x0 = noise(7);
      assert.deepEqual(f32(m.calls[0], 'x_t'), x0);
      const dt = conv === 'pi0' ? -1 / steps : 1 / steps;
      const factor = (1 + dt) ** steps; // x_k+1 − target = (1 + dt)(x_k − target)
      const want = Float32Array.from(x0, (x, i) => target[i] + factor * (x - target[i]));
      assert.ok(maxAbsDiff(r.chunk, want) < 1e-5, `${conv}/${steps}: ${maxAbsDiff(r.chunk, want)}`);
    }
  });

  it('moves by ∓v for a constant field (pi0 integrates toward t = 0, rectified toward t = 1)', async () => {
    const c = 0.3;
    const pi0 = await decodeFlow(
      field(() => c),
      contract(10, 'pi0'),
      { conditioning, horizon: H, dimension: D, rng: new Rng(3) },
    );
    const rect = await decodeFlow(
      field(() => c),
      contract(10, 'rectified'),
      { conditioning, horizon: H, dimension: D, rng: new Rng(3) },
    );
    const x0 = noise(3);
    assert.ok(
      maxAbsDiff(
        pi0.chunk,
        Float32Array.from(x0, (x) => x - c),
      ) < 1e-6,
    );
    assert.ok(
      maxAbsDiff(
        rect.chunk,
        Float32Array.from(x0, (x) => x + c),
      ) < 1e-6,
    );
  });

  it('reaches the target exactly under the straight-line field of each convention', async () => {
    // pi0: x_t = t·noise + (1 − t)·target ⇒ v = (x − target)/t; rectified: v = (target − x)/(1 − t)
    const pi0 = await decodeFlow(
      field((x, t, i) => (x - target[i]) / t),
      contract(10, 'pi0'),
      { conditioning, horizon: H, dimension: D, rng: new Rng(5) },
    );
    const rect = await decodeFlow(
      field((x, t, i) => (target[i] - x) / (1 - t)),
      contract(10, 'rectified'),
      {
        conditioning,
        horizon: H,
        dimension: D,
        rng: new Rng(5),
      },
    );
    assert.ok(maxAbsDiff(pi0.chunk, target) < 1e-5);
    assert.ok(maxAbsDiff(rect.chunk, target) < 1e-5);
  });

  it('pools features over steps (mean), and leaves them undefined when the contract has none', async () => {
    const r = await decodeFlow(
      field(() => 0),
      contract(10, 'pi0'),
      { conditioning, horizon: H, dimension: D, rng: new Rng(1) },
    );
    assert.ok(r.features !== undefined);
    assert.ok(maxAbsDiff(r.features, [0.55, 1.1]) < 1e-6);
    const none = await decodeFlow(
      field(() => 0),
      contract(10, 'pi0', false),
      { conditioning, horizon: H, dimension: D, rng: new Rng(1) },
    );
    assert.equal(none.features, undefined);
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const run = (seed: number) =>
      decodeFlow(
        field((x, t) => x * t - 0.1),
        contract(10, 'pi0'),
        { conditioning, horizon: H, dimension: D, rng: new Rng(seed) },
      );
    assert.deepEqual((await run(11)).chunk, (await run(11)).chunk);
    assert.notDeepEqual((await run(11)).chunk, (await run(12)).chunk);
  });

  it('refuses a model whose outputs break the contract', async () => {
    const req = { conditioning, horizon: H, dimension: D, rng: new Rng(1) };
    const wrongSize = new FnModel(() => ({ velocity: float32Tensor([1, 5], new Float32Array(5)), features: float32Tensor([1, 1], [0]) }));
    await assert.rejects(
      decodeFlow(wrongSize, contract(2, 'pi0'), req),
      (e: Error) => e instanceof DecodeError && /velocity.*5 values.*expected 12/.test(e.message),
    );
    const missing = new FnModel(() => ({ v: float32Tensor([1, H, D]) }));
    await assert.rejects(decodeFlow(missing, contract(2, 'pi0'), req), /no output 'velocity'/);
    const noFeatures = new FnModel(() => ({ velocity: float32Tensor([1, H, D]) }));
    await assert.rejects(decodeFlow(noFeatures, contract(2, 'pi0'), req), /no output 'features'/);
    const noTime: ExpertContract<FlowDecoding> = { ...contract(2, 'pi0'), inputs: { actions: 'x_t' } };
    await assert.rejects(
      decodeFlow(
        field(() => 0),
        noTime,
        req,
      ),
      /expert.inputs.time/,
    );
  });
});

describe('decoders: Real-Time Chunking guidance', () => {
  it('builds the soft mask: 1 before d, exponential decay to H − s, 0 after', () => {
    const w = rtcSoftMask(16, 3, 5);
    const c = (i: number) => (16 - 5 - i) / (16 - 5 - 3 + 1);
    for (let i = 0; i < 16; i++) {
      const want = i < 3 ? 1 : i < 11 ? (c(i) * (Math.exp(c(i)) - 1)) / (Math.E - 1) : 0;
      assert.ok(Math.abs(w[i] - want) < 1e-6, `W_${i} = ${w[i]}, want ${want}`);
    }
    for (let i = 3; i < 11; i++) assert.ok(w[i] < w[i - 1] || i === 3);
    assert.ok(w[3] < 1 && w[10] > 0);
    assert.throws(() => rtcSoftMask(16, 5, 4), RangeError); // s < d
    assert.throws(() => rtcSoftMask(16, 3, 14), RangeError); // s > H − d
  });

  it('weights guidance by min(β, (τ² + (1 − τ)²)/(τ(1 − τ)))', () => {
    assert.equal(rtcGuidanceWeight(0, 5), 5);
    assert.ok(Math.abs(rtcGuidanceWeight(0.5, 100) - 2) < 1e-12);
    assert.equal(rtcGuidanceWeight(0.5, 1.5), 1.5);
  });

  it('pulls W = 1 steps onto the previous chunk, leaves W = 0 steps exactly unguided', async () => {
    const steps = 10;
    const weights = new Float32Array(H);
    weights[0] = 1;
    weights[1] = 1;
    const prev = Float32Array.from({ length: N }, (_, i) => 0.05 * i);
    for (const conv of ['pi0', 'rectified'] as const) {
      // zero velocity: the first step has τ = 0 and weight β = N, so x jumps onto the target
      const guided = await decodeFlow(
        field(() => 0),
        contract(steps, conv),
        { conditioning, horizon: H, dimension: D, rng: new Rng(4) },
        {
          guidance: { target: prev, weights, maxWeight: steps },
        },
      );
      const x0 = noise(4);
      for (let i = 0; i < N; i++) {
        const want = i < 2 * D ? prev[i] : x0[i];
        assert.ok(Math.abs(guided.chunk[i] - want) < 1e-6, `${conv} [${i}] ${guided.chunk[i]} vs ${want}`);
      }
      // a nonzero field: W = 0 rows identical to an unguided decode
      const v = (x: number, t: number) => 0.3 * x - t;
      const plain = await decodeFlow(field(v), contract(steps, conv), { conditioning, horizon: H, dimension: D, rng: new Rng(4) });
      const soft = await decodeFlow(
        field(v),
        contract(steps, conv),
        { conditioning, horizon: H, dimension: D, rng: new Rng(4) },
        {
          guidance: { target: prev, weights: Float32Array.from([1, 0.5, 0, 0]), maxWeight: 5 },
        },
      );
      assert.deepEqual(soft.chunk.subarray(2 * D), plain.chunk.subarray(2 * D));
      // guided rows end closer to the target than unguided ones (W = 1 per value, W = 0.5 per row)
      const gap = (x: Float32Array, i: number) => Math.abs(x[i] - prev[i]);
      for (let i = 0; i < D; i++) assert.ok(gap(soft.chunk, i) < gap(plain.chunk, i), `${conv} [${i}]`);
      let softRow = 0;
      let plainRow = 0;
      for (let i = D; i < 2 * D; i++) {
        softRow += gap(soft.chunk, i);
        plainRow += gap(plain.chunk, i);
      }
      assert.ok(softRow < plainRow, `${conv}: row 1 gap ${softRow} vs ${plainRow}`);
    }
  });

  it('rejects guidance of the wrong size', async () => {
    await assert.rejects(
      decodeFlow(
        field(() => 0),
        contract(2, 'pi0'),
        { conditioning, horizon: H, dimension: D, rng: new Rng(1) },
        {
          guidance: { target: new Float32Array(3), weights: new Float32Array(H), maxWeight: 5 },
        },
      ),
      DecodeError,
    );
  });
});
