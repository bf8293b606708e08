// The onnxruntime-node adapter against the committed reference models: names and metadata,
// and outputs equal to torch's (golden fixture written by tools/policy/make_reference_bundle.py,
// checked only while the models are the ones the fixture was made from).
import { strict as assert } from 'node:assert';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { missingTensorNames, OnnxModel } from '../../nodes/inference/onnx_model.js';
import { float32Tensor, int64Tensor, type TensorData } from '../../nodes/inference/decoders/tensor.js';
import { packagePath } from '../../nodes/package_paths.js';
import { maxAbsDiff } from './decoders/helpers.js';

interface GoldenModel {
  sha256: string;
  [output: string]: number[] | number | string;
}
interface Golden {
  /** prefix / latent: the experts' latent inputs (the untrained VLM's outputs on the pattern images). */
  inputs: {
    token_ids: number[];
    attention_mask: number[];
    state: number[];
    latent_age: number[];
    x_t: number[];
    t: number[];
    tokens: number[];
    prefix: number[];
    latent: number[];
  };
  models: Record<string, GoldenModel>;
}

const golden = JSON.parse(
  fs.readFileSync(packagePath('test', 'inference', 'decoders', 'fixtures', 'reference_bundle_io.json'), 'utf8'),
) as Golden;
const modelPath = (rel: string) => packagePath('config', 'policies', ...rel.split('/'));

/** The fixture's images: value at flat index i is ((a·i) mod m)/((m − 1)/2) − 1. */
function patternImage(a: number, m: number): TensorData {
  const n = 3 * 224 * 224;
  const half = (m - 1) / 2;
  return float32Tensor(
    [1, 3, 224, 224],
    Float32Array.from({ length: n }, (_, i) => ((a * i) % m) / half - 1),
  );
}

function sameModel(rel: string, ctx: Mocha.Context): void {
  const sha = crypto
    .createHash('sha256')
    .update(fs.readFileSync(modelPath(rel)))
    .digest('hex');
  if (sha !== golden.models[rel].sha256) {
    console.log(
      `      (skipped: ${rel} is not the model the fixture was made from; rerun tools/policy/make_reference_bundle.py to refresh it)`,
    );
    ctx.skip();
  }
}

function numbers(m: GoldenModel, key: string): number[] {
  const v = m[key];
  if (!Array.isArray(v)) throw new Error(`fixture has no ${key}`);
  return v;
}

describe('decoders: OnnxModel (onnxruntime-node adapter)', function () {
  this.timeout(60_000);
  const g = golden.inputs;
  const vlmOut = golden.models['reference/vlm.onnx'];
  const conditioning = (): Record<string, TensorData> => ({
    state: float32Tensor([1, 7], g.state),
    latent_age: float32Tensor([1], g.latent_age),
    prefix: float32Tensor([1, 8, 64], g.prefix),
    latent: float32Tensor([1, 128], g.latent),
  });

  it('exposes the session names and declared types and shapes', async () => {
    const m = await OnnxModel.load(modelPath('reference/expert_flow.onnx'));
    try {
      assert.deepEqual(
        m.inputs.map((i) => i.name),
        ['x_t', 't', 'state', 'latent_age', 'prefix', 'latent'],
      );
      assert.deepEqual(
        m.outputs.map((o) => o.name),
        ['velocity', 'features'],
      );
      assert.deepEqual(m.inputs[0], { name: 'x_t', type: 'float32', shape: [1, 16, 7] });
      assert.deepEqual(m.outputs[1], { name: 'features', type: 'float32', shape: [1, 64] });
      assert.deepEqual(missingTensorNames(m, { inputs: ['x_t', 'time'], outputs: ['velocity', 'feats'] }, 'expert'), [
        "expert: no input 'time' (inputs: x_t, t, state, latent_age, prefix, latent)",
        "expert: no output 'feats' (outputs: velocity, features)",
      ]);
    } finally {
      await m.release();
    }
  });

  it('refuses a missing feed by name', async () => {
    const m = await OnnxModel.load(modelPath('reference/expert_flow.onnx'));
    try {
      await assert.rejects(m.run(conditioning()), /no feed for input 'x_t'/);
    } finally {
      await m.release();
    }
  });

  it('accepts camera tensors over a SharedArrayBuffer (as camera_ingestion shares them)', async () => {
    const m = await OnnxModel.load(modelPath('reference/vlm.onnx'));
    try {
      const shared = (t: TensorData): TensorData => {
        const copy = new Float32Array(new SharedArrayBuffer(t.data.byteLength));
        copy.set(t.data as Float32Array);
        return { type: 'float32', dims: t.dims, data: copy };
      };
      const feeds = {
        image_scene: patternImage(7, 251),
        image_wrist: patternImage(13, 241),
        token_ids: int64Tensor([1, 16], g.token_ids),
        attention_mask: int64Tensor([1, 16], g.attention_mask),
      };
      const plain = await m.run(feeds);
      const viaShared = await m.run({ ...feeds, image_scene: shared(feeds.image_scene), image_wrist: shared(feeds.image_wrist) });
      assert.deepEqual([...(viaShared.latent_pooled.data as Float32Array)], [...(plain.latent_pooled.data as Float32Array)]);
    } finally {
      await m.release();
    }
  });

  it('matches torch on the VLM (float32 images, int64 tokens)', async function () {
    sameModel('reference/vlm.onnx', this);
    const m = await OnnxModel.load(modelPath('reference/vlm.onnx'));
    try {
      const out = await m.run({
        image_scene: patternImage(7, 251),
        image_wrist: patternImage(13, 241),
        token_ids: int64Tensor([1, 16], g.token_ids),
        attention_mask: int64Tensor([1, 16], g.attention_mask),
      });
      assert.deepEqual(out.latent_tokens.dims, [1, 8, 64]);
      assert.deepEqual(out.latent_pooled.dims, [1, 128]);
      assert.ok(maxAbsDiff(out.latent_tokens.data as Float32Array, numbers(vlmOut, 'latent_tokens')) < 1e-4);
      assert.ok(maxAbsDiff(out.latent_pooled.data as Float32Array, numbers(vlmOut, 'latent_pooled')) < 1e-4);
    } finally {
      await m.release();
    }
  });

  it('matches torch on the flow, regression and discrete-diffusion experts', async function () {
    for (const rel of [
      'reference/expert_flow.onnx',
      'reference_regression/expert_regression.onnx',
      'reference_discrete_diffusion/expert_dd.onnx',
    ]) {
      sameModel(rel, this);
    }
    const flow = await OnnxModel.load(modelPath('reference/expert_flow.onnx'));
    const reg = await OnnxModel.load(modelPath('reference_regression/expert_regression.onnx'));
    const dd = await OnnxModel.load(modelPath('reference_discrete_diffusion/expert_dd.onnx'));
    try {
      const f = await flow.run({ ...conditioning(), x_t: float32Tensor([1, 16, 7], g.x_t), t: float32Tensor([1], g.t) });
      const fg = golden.models['reference/expert_flow.onnx'];
      assert.ok(maxAbsDiff(f.velocity.data as Float32Array, numbers(fg, 'velocity')) < 1e-4);
      assert.ok(maxAbsDiff(f.features.data as Float32Array, numbers(fg, 'features')) < 1e-4);

      const r = await reg.run(conditioning());
      const rg = golden.models['reference_regression/expert_regression.onnx'];
      assert.deepEqual(r.actions.dims, [1, 16, 7]);
      assert.ok(maxAbsDiff(r.actions.data as Float32Array, numbers(rg, 'actions')) < 1e-4);
      assert.ok(maxAbsDiff(r.features.data as Float32Array, numbers(rg, 'features')) < 1e-4);

      const d = await dd.run({ ...conditioning(), tokens: int64Tensor([1, 112], g.tokens) });
      const dg = golden.models['reference_discrete_diffusion/expert_dd.onnx'];
      const logits = d.logits.data as Float32Array;
      assert.deepEqual(d.logits.dims, [1, 112, 256]);
      assert.ok(
        maxAbsDiff(
          logits.filter((_, i) => i % 97 === 0),
          numbers(dg, 'logits_every_97'),
        ) < 1e-3,
      );
      const sum = logits.reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - (dg.logits_sum as number)) < 1e-3 * Math.max(1, Math.abs(sum)));
      assert.ok(maxAbsDiff(d.features.data as Float32Array, numbers(dg, 'features')) < 1e-4);
    } finally {
      await Promise.all([flow.release(), reg.release(), dd.release()]);
    }
  });
});
