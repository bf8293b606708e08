import { strict as assert } from 'node:assert';
import { conditioningFeeds, expertTensorNames, type ExpertContract } from '../../../nodes/inference/decoders/contract.js';
import { decodeChunk } from '../../../nodes/inference/decoders/decode.js';
import { checkChunk, denormalizeChunk, normalizeState } from '../../../nodes/inference/decoders/normalization.js';
import { decodeRegression } from '../../../nodes/inference/decoders/regression.js';
import { Rng } from '../../../nodes/inference/decoders/rng.js';
import { DecodeError, float32Tensor, int64Tensor } from '../../../nodes/inference/decoders/tensor.js';
import type { ExpertSpec, RegressionDecoding } from '../../../nodes/policy/manifest.js';
import { f32, FnModel } from './helpers.js';

const regression: ExpertContract<RegressionDecoding> = {
  decoding: { mode: 'regression' },
  inputs: {},
  outputs: { actions: 'actions', features: 'features' },
};

describe('decoders: regression', () => {
  it('passes the one forward pass through, without touching the RNG', async () => {
    const actions = Float32Array.from({ length: 6 }, (_, i) => i / 10 - 0.2);
    const m = new FnModel(() => ({ actions: float32Tensor([1, 2, 3], actions), features: float32Tensor([1, 3], [1, 2, 3]) }));
    const rng = new Rng(1);
    const before = rng.getState();
    const conditioning = { state: float32Tensor([1, 2], [0.5, 0.25]) };
    const r = await decodeRegression(m, regression, { conditioning, horizon: 2, dimension: 3, rng });
    assert.deepEqual(r.chunk, actions);
    assert.notEqual(r.chunk, actions); // a copy, not the model's buffer
    assert.deepEqual(Array.from(r.features ?? []), [1, 2, 3]);
    assert.equal(r.calls, 1);
    assert.deepEqual(Object.keys(m.calls[0]), ['state']);
    assert.deepEqual(f32(m.calls[0], 'state'), conditioning.state.data);
    assert.deepEqual(rng.getState(), before);
    await assert.rejects(decodeRegression(m, regression, { conditioning, horizon: 3, dimension: 3, rng }), DecodeError);
  });

  it('is reached through decodeChunk for every mode', async () => {
    const m = new FnModel(() => ({ actions: float32Tensor([1, 1, 2], [0.5, -0.5]), features: float32Tensor([1, 1], [7]) }));
    const r = await decodeChunk(m, regression, { conditioning: {}, horizon: 1, dimension: 2, rng: new Rng(0) });
    assert.deepEqual(Array.from(r.chunk), [0.5, -0.5]);
    const flow = new FnModel(() => ({ v: float32Tensor([1, 1, 2]) }));
    const f = await decodeChunk(
      flow,
      { decoding: { mode: 'flow', steps: 4, timeConvention: 'pi0' }, inputs: { actions: 'x', time: 't' }, outputs: { actions: 'v' } },
      { conditioning: {}, horizon: 1, dimension: 2, rng: new Rng(0) },
    );
    assert.equal(f.calls, 4);
    assert.equal(f.features, undefined);
  });
});

describe('decoders: normalisation and the chunk check', () => {
  it('normalises state and de-normalises chunks per dimension', () => {
    assert.deepEqual(Array.from(normalizeState([1, 2], [0, 1], [2, 4])), [0.5, 0.25]);
    assert.throws(() => normalizeState([1], [0, 1], [1, 1]), RangeError);
    const a = denormalizeChunk(Float32Array.from([1, -1, 0.5, 0]), [0, 0.5], [0.01, 0.5]);
    assert.ok(a instanceof Float64Array);
    assert.deepEqual(Array.from(a), [0.01, 0, 0.005, 0.5]);
    assert.throws(() => denormalizeChunk(new Float32Array(3), [0, 0], [1, 1]), RangeError);
  });

  const bounds = { names: ['x', 'y', 'gripper'], min: [-0.05, -0.05, 0], max: [0.05, 0.05, 1] };

  it('accepts values inside the bounds, bounds included', () => {
    assert.deepEqual(checkChunk([0, 0.05, 1, -0.05, -0.05, 0], bounds, 2), { ok: true });
  });

  it('names the step and dimension of the first violation and counts the rest', () => {
    const nan = checkChunk([0, 0, 0.5, 0, 0, 0.5, 0, Number.NaN, 0.5], bounds, 3);
    assert.equal(nan.ok, false);
    if (nan.ok) return;
    assert.deepEqual(
      { ...nan.first, value: String(nan.first.value) },
      { step: 2, dimension: 1, name: 'y', value: 'NaN', min: -0.05, max: 0.05, reason: 'non_finite' },
    );
    assert.equal(nan.count, 1);
    assert.match(nan.message, /step 2, dimension 'y' \(1\) is NaN \(not finite\)/);

    const many = checkChunk([0, 0, 1.2, 0.06, 0, 0.5, -0.1, 0, Infinity], bounds);
    assert.equal(many.ok, false);
    if (many.ok) return;
    assert.equal(many.first.reason, 'above_max');
    assert.equal(many.first.name, 'gripper');
    assert.equal(many.first.step, 0);
    assert.equal(many.count, 4);
    assert.match(many.message, /step 0, dimension 'gripper' \(2\) = 1.2 is above its max 1 \(3 more values out of bounds\)/);

    const low = checkChunk([0, -0.0500001, 0.5], bounds);
    assert.ok(!low.ok && low.first.reason === 'below_min' && low.first.dimension === 1);
  });

  it('refuses a chunk of the wrong length', () => {
    assert.throws(() => checkChunk([0, 0, 0], bounds, 2), /expected 2×3 = 6/);
    assert.throws(() => checkChunk([0, 0], bounds), /multiple of 3/);
  });
});

describe('decoders: conditioning feeds', () => {
  const expert: ExpertSpec = {
    model: 'e.onnx',
    decoding: { mode: 'flow', steps: 10, timeConvention: 'pi0' },
    inputs: {
      latent: { latent_tokens: 'prefix', latent_pooled: 'latent' },
      state: 'state',
      latentAge: 'latent_age',
      actions: 'x_t',
      time: 't',
      images: { wrist: 'wrist_rgb' },
    },
    outputs: { actions: 'velocity', features: 'features' },
    modelledLatency: 0.01,
  };

  it('maps latent, state, latent age and images onto the expert input names', () => {
    const prefix = float32Tensor([1, 2, 2], [1, 2, 3, 4]);
    const pooled = float32Tensor([1, 2], [5, 6]);
    const wrist = float32Tensor([1, 3, 1, 1], [0, 0, 0]);
    const feeds = conditioningFeeds(expert, {
      latent: { latent_tokens: prefix, latent_pooled: pooled, unused: int64Tensor([1], [1]) },
      state: Float32Array.from([0.1, 0.2]),
      latentAge: 0.25,
      images: { wrist },
    });
    assert.deepEqual(Object.keys(feeds).sort(), ['latent', 'latent_age', 'prefix', 'state', 'wrist_rgb']);
    assert.equal(feeds.prefix, prefix);
    assert.equal(feeds.latent, pooled);
    assert.deepEqual(feeds.state.dims, [1, 2]);
    assert.deepEqual(feeds.latent_age, float32Tensor([1], [0.25]));
    assert.equal(feeds.wrist_rgb, wrist);
    assert.throws(
      () => conditioningFeeds(expert, { latent: { latent_tokens: prefix }, state: new Float32Array(2), latentAge: 0, images: { wrist } }),
      /no tensor 'latent_pooled'/,
    );
    assert.throws(
      () =>
        conditioningFeeds(expert, { latent: { latent_tokens: prefix, latent_pooled: pooled }, state: new Float32Array(2), latentAge: 0 }),
      /camera 'wrist'/,
    );
  });

  it('lists every tensor name the manifest promises', () => {
    assert.deepEqual(expertTensorNames(expert), {
      inputs: ['prefix', 'latent', 'state', 'latent_age', 'x_t', 't', 'wrist_rgb'],
      outputs: ['velocity', 'features'],
    });
  });
});
