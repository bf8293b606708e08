// The decoders' contract checks at their edges: chunk shapes, input names, model outputs of the
// wrong name/type/size, feature pooling, conditioning without optional inputs, RTC parameter
// ranges, and decodeChunk's dispatch (every mode, flow's guidance passed through).
import { strict as assert } from 'node:assert';
import {
  checkShape,
  conditioningFeeds,
  expertTensorNames,
  FeaturePool,
  requireInputName,
} from '../../../nodes/inference/decoders/contract.js';
import { decodeChunk } from '../../../nodes/inference/decoders/decode.js';
import { decodeFlow, flowStepTime } from '../../../nodes/inference/decoders/flow.js';
import { Rng } from '../../../nodes/inference/decoders/rng.js';
import { rtcGuidanceWeight, rtcSoftMask } from '../../../nodes/inference/decoders/rtc.js';
import { DecodeError, float32Tensor, int64Tensor, requireFloat32 } from '../../../nodes/inference/decoders/tensor.js';
import type { ExpertSpec } from '../../../nodes/policy/manifest.js';
import { FnModel } from './helpers.js';

const rng = () => new Rng(3);
const decodeError = (message: string) => (e: unknown) => e instanceof DecodeError && e.message === message;

describe('decoders: contract checks', () => {
  it('checkShape takes H, D >= 1 integers and names both in its refusal', () => {
    checkShape({ conditioning: {}, horizon: 1, dimension: 1, rng: rng() });
    for (const [horizon, dimension] of [
      [0, 3],
      [1.5, 3],
      [2, 0],
      [2, 2.5],
    ]) {
      assert.throws(
        () => checkShape({ conditioning: {}, horizon, dimension, rng: rng() }),
        decodeError(`chunk shape must be positive integers, got H=${horizon} D=${dimension}`),
      );
    }
  });

  it('requireInputName returns the name, or says which manifest field is missing', () => {
    assert.equal(requireInputName('x_t', 'actions', 'flow'), 'x_t');
    assert.throws(
      () => requireInputName(undefined, 'time', 'flow'),
      decodeError("flow decoding needs the expert's time input name (expert.inputs.time)"),
    );
  });

  it('requireFloat32 names the missing output and the outputs there are', () => {
    assert.throws(
      () => requireFloat32({}, 'v', 2, 'flow velocity'),
      decodeError("flow velocity: the model has no output 'v' (outputs: none)"),
    );
    assert.throws(
      () => requireFloat32({ a: float32Tensor([1], [0]), b: float32Tensor([1], [0]) }, 'v', 2, 'w'),
      decodeError("w: the model has no output 'v' (outputs: a, b)"),
    );
  });

  it('requireFloat32 refuses another type, a float32 tag over other data, and the wrong size; any dims of the right size pass', () => {
    assert.throws(
      () => requireFloat32({ v: int64Tensor([2], [1, 2]) }, 'v', 2, 'w'),
      decodeError("w: output 'v' is int64, expected float32"),
    );
    assert.throws(
      () => requireFloat32({ v: { type: 'float32', dims: [2], data: new Float64Array(2) } }, 'v', 2, 'w'),
      decodeError("w: output 'v' is float32, expected float32"),
    );
    assert.throws(
      () => requireFloat32({ v: float32Tensor([1, 3], [1, 2, 3]) }, 'v', 2, 'w'),
      decodeError("w: output 'v' has 3 values (dims [1,3]), expected 2"),
    );
    assert.throws(
      () => requireFloat32({ v: { type: 'int32', dims: [2], data: new Float32Array(2) } }, 'v', 2, 'w'),
      decodeError("w: output 'v' is int32, expected float32"),
    );
    const data = Float32Array.of(1, 2, 3, 4);
    assert.equal(requireFloat32({ v: float32Tensor([1, 2, 2], data) }, 'v', 4, 'w'), data);
    assert.equal(requireFloat32({ v: float32Tensor([4], data) }, 'v', undefined, 'w'), data);
  });

  it('FeaturePool averages each element over calls, holds the size of the first call, and refuses empty features', () => {
    const pool = new FeaturePool('f');
    assert.equal(pool.mean(), undefined);
    pool.add({ f: float32Tensor([1, 2], [1, 10]) });
    pool.add({ f: float32Tensor([1, 2], [2, 30]) });
    pool.add({ f: float32Tensor([1, 2], [6, -10]) });
    assert.deepEqual(Array.from(pool.mean()!), [3, 10]);
    assert.throws(
      () => pool.add({ f: float32Tensor([1, 3], [1, 2, 3]) }),
      decodeError("features: output 'f' has 3 values (dims [1,3]), expected 2"),
    );
    assert.throws(() => new FeaturePool('f').add({ f: float32Tensor([0], []) }), decodeError("features: output 'f' is empty"));

    const none = new FeaturePool(undefined);
    none.add({ f: float32Tensor([1], [1]) });
    assert.equal(none.mean(), undefined);
  });

  it('conditioningFeeds without latent-age or image inputs feeds only latent and state', () => {
    const inputs: ExpertSpec['inputs'] = { latent: { pooled: 'latent' }, state: 's' };
    const pooled = float32Tensor([1, 1], [4]);
    const feeds = conditioningFeeds(
      { inputs },
      { latent: { pooled }, state: Float32Array.of(1, 2, 3), latentAge: 0.5, images: { scene: float32Tensor([1], [0]) } },
    );
    assert.deepEqual(Object.keys(feeds).sort(), ['latent', 's']);
    assert.deepEqual(feeds.s, float32Tensor([1, 3], [1, 2, 3]));
    assert.throws(
      () => conditioningFeeds({ inputs }, { latent: {}, state: new Float32Array(1), latentAge: 0 }),
      decodeError("conditioning: the latent has no tensor 'pooled' (for expert input 'latent')"),
    );
    assert.throws(
      () =>
        conditioningFeeds(
          { inputs: { ...inputs, images: { wrist: 'wrist_rgb' } } },
          { latent: { pooled }, state: new Float32Array(1), latentAge: 0, images: {} },
        ),
      decodeError("conditioning: no image for camera 'wrist' (expert input 'wrist_rgb')"),
    );
  });
});

describe('decoders: tensor names of a contract', () => {
  it('lists no features output when the expert has none', () => {
    const expert: ExpertSpec = {
      model: 'e.onnx',
      decoding: { mode: 'regression' },
      inputs: { latent: { pooled: 'latent' }, state: 'state' },
      outputs: { actions: 'actions' },
      modelledLatency: 0.01,
    };
    assert.deepEqual(expertTensorNames(expert), { inputs: ['latent', 'state'], outputs: ['actions'] });
  });
});

describe('decoders: RTC parameters', () => {
  it('the guidance weight is β at and beyond both ends of the flow', () => {
    for (const tau of [-0.5, 0, 1, 1.5]) assert.equal(rtcGuidanceWeight(tau, 7), 7, `τ = ${tau}`);
    assert.ok(Math.abs(rtcGuidanceWeight(0.25, 100) - (0.0625 + 0.5625) / 0.1875) < 1e-12);
    assert.equal(rtcGuidanceWeight(0.25, 0), 0);
  });

  it('the soft mask takes d = s and s = H − d at the limits, d = 0, and refuses everything outside', () => {
    assert.deepEqual(Array.from(rtcSoftMask(4, 2, 2)), [1, 1, 0, 0]); // d = s = H − d: no decay region
    // d = 0: no step is fully committed; c_i = (3 − i)/4 decays from the first step
    const decay = (c: number) => Math.fround((c * Math.expm1(c)) / Math.expm1(1));
    assert.deepEqual(Array.from(rtcSoftMask(4, 0, 1)), [decay(0.75), decay(0.5), decay(0.25), 0]);
    assert.deepEqual(Array.from(rtcSoftMask(1, 0, 0)), [decay(0.5)]);
    for (const [h, d, s] of [
      [0, 0, 0],
      [4, -1, 1],
      [4, 1.5, 2],
      [4.5, 1, 2],
      [4, 1, 2.5],
      [4, 2, 1],
      [4, 1, 4],
    ]) {
      assert.throws(
        () => rtcSoftMask(h, d, s),
        (e: unknown) =>
          e instanceof RangeError && e.message === `rtcSoftMask: need integers with 0 <= d <= s <= H - d, got H=${h} d=${d} s=${s}`,
      );
    }
  });
});

describe('decoders: flow guidance checks and dispatch', () => {
  const contract = {
    decoding: { mode: 'flow', steps: 2, timeConvention: 'pi0' },
    inputs: { actions: 'x', time: 't' },
    outputs: { actions: 'v' },
  } as const;
  const zero = () => new FnModel(() => ({ v: float32Tensor([1, 2, 1]) }));
  const req = () => ({ conditioning: {}, horizon: 2, dimension: 1, rng: new Rng(5) });
  const message = 'flow: RTC guidance needs a target of 2 values, 2 weights and β >= 0';

  it('refuses guidance with the wrong number of weights or β < 0 / NaN; takes β = 0', async () => {
    const target = new Float32Array(2);
    for (const guidance of [
      { target, weights: new Float32Array(3), maxWeight: 1 },
      { target, weights: new Float32Array(2), maxWeight: -1 },
      { target, weights: new Float32Array(2), maxWeight: Number.NaN },
    ]) {
      await assert.rejects(decodeFlow(zero(), contract, req(), { guidance }), decodeError(message));
    }
    const plain = await decodeFlow(zero(), contract, req());
    const beta0 = await decodeFlow(zero(), contract, req(), {
      guidance: { target: Float32Array.of(9, 9), weights: Float32Array.of(1, 1), maxWeight: 0 },
    });
    assert.deepEqual(beta0.chunk, plain.chunk, 'β = 0: no pull toward the target');
  });

  it('step times and dt of both conventions', () => {
    assert.deepEqual(flowStepTime('pi0', 1, 4), { t: 0.75, dt: -0.25 });
    assert.deepEqual(flowStepTime('rectified', 1, 4), { t: 0.25, dt: 0.25 });
  });

  it('decodeChunk passes flow guidance through, and runs discrete diffusion', async () => {
    const guided = await decodeChunk(zero(), contract, req(), {
      guidance: { target: Float32Array.of(0.5, -0.5), weights: Float32Array.of(1, 1), maxWeight: 2 },
    });
    // zero field, β·dτ = 1 at the first step: the chunk lands on the guidance target
    assert.ok(Math.abs(guided.chunk[0] - 0.5) < 1e-6 && Math.abs(guided.chunk[1] + 0.5) < 1e-6, Array.from(guided.chunk).join(','));

    const model = new FnModel(() => ({ logits: float32Tensor([1, 2, 2], [0, 30, 30, 0]) }));
    const r = await decodeChunk(
      model,
      {
        decoding: {
          mode: 'discrete_diffusion',
          bins: 2,
          maskId: 2,
          rounds: 2,
          schedule: 'linear',
          temperature: 0,
          secondaryRemaskFactor: 1,
        },
        inputs: { actions: 'tokens' },
        outputs: { actions: 'logits' },
      },
      req(),
    );
    assert.deepEqual(Array.from(r.chunk), [0.5, -0.5]);
    assert.equal(r.calls, 2);
  });
});
