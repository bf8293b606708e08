import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { buildTransformerVlm, transformerParameterCount, type TransformerVlmShape } from '../../bench/transformer_vlm.js';

const { onnx } = onnxProto;

// The bench's graph at a tiny size: same ops, same I/O, a few thousand parameters.
const TINY: TransformerVlmShape = {
  cameras: ['scene', 'wrist'],
  image: { patch: 56, width: 16, depth: 2, heads: 2, mlp: 32 },
  text: { vocab: 300, width: 8, depth: 1, heads: 2, mlp: 16 },
};

function feeds(cameras: readonly string[], ids: number[], mask: number[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  cameras.forEach((c, k) => {
    const img = new Float32Array(3 * 224 * 224);
    for (let i = 0; i < img.length; i++) img[i] = Math.sin(i * 0.001 + k);
    out[`image_${c}`] = new ort.Tensor('float32', img, [1, 3, 224, 224]);
  });
  out.token_ids = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, 16]);
  out.attention_mask = new ort.Tensor('int64', BigInt64Array.from(mask.map(BigInt)), [1, 16]);
  return out;
}

describe('bench transformer VLM builder', () => {
  const files: string[] = [];
  after(() => {
    for (const f of files) fs.rmSync(path.dirname(f), { recursive: true, force: true });
  });

  it('builds a model onnxruntime loads, with the reference VLM I/O and finite outputs', async () => {
    const file = buildTransformerVlm(TINY);
    files.push(file);
    const session = await ort.InferenceSession.create(file);
    try {
      assert.deepEqual([...session.inputNames].sort(), ['attention_mask', 'image_scene', 'image_wrist', 'token_ids']);
      const ids = [5, 17, 42, 299, ...Array<number>(12).fill(0)];
      const mask = [1, 1, 1, 1, ...Array<number>(12).fill(0)];
      const out = await session.run(feeds(TINY.cameras, ids, mask));
      assert.deepEqual(out.latent_tokens.dims, [1, 8, 64]);
      assert.deepEqual(out.latent_pooled.dims, [1, 128]);
      for (const name of ['latent_tokens', 'latent_pooled']) {
        const data = out[name].data as Float32Array;
        assert.ok(data.every(Number.isFinite), `${name} is finite`);
        assert.ok(
          data.some((v) => v !== 0),
          `${name} is not all zero`,
        );
      }
      // Padding is masked: what sits under mask 0 does not change the latent.
      const other = await session.run(feeds(TINY.cameras, [5, 17, 42, 299, ...Array<number>(12).fill(7)], mask));
      assert.deepEqual([...(other.latent_pooled.data as Float32Array)], [...(out.latent_pooled.data as Float32Array)]);
      // ...while a real token does.
      const changed = await session.run(feeds(TINY.cameras, [6, 17, 42, 299, ...Array<number>(12).fill(0)], mask));
      assert.notDeepEqual([...(changed.latent_pooled.data as Float32Array)], [...(out.latent_pooled.data as Float32Array)]);
    } finally {
      await session.release();
    }
  });

  it('counts its parameters: the formula equals the weights in the file, for one and two cameras', () => {
    for (const cameras of [['scene'], ['scene', 'wrist']]) {
      const file = buildTransformerVlm({ ...TINY, cameras });
      files.push(file);
      const model = onnx.ModelProto.decode(fs.readFileSync(file));
      const weights = (model.graph?.initializer ?? []).filter((t) => !(t.name ?? '').startsWith('const_'));
      const elements = (t: (typeof weights)[number]) => (t.dims ?? []).reduce((a: number, b) => a * Number(b), 1);
      assert.equal(
        transformerParameterCount({ ...TINY, cameras }),
        weights.map(elements).reduce((a, b) => a + b, 0),
      );
      // every parameter is a float tensor written once, back to back in the external data file
      assert.equal(new Set(weights.map((t) => t.name)).size, weights.length);
      let offset = 0;
      for (const t of weights) {
        const entry: Record<string, string> = Object.fromEntries((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
        assert.deepEqual(entry, { location: 'vlm.onnx.data', offset: `${offset}`, length: `${4 * elements(t)}` });
        offset += 4 * elements(t);
      }
      assert.equal(fs.statSync(`${file}.data`).size, offset);
    }
  });

  it('is deterministic: the same shape gives the same bytes', () => {
    const a = buildTransformerVlm(TINY);
    const b = buildTransformerVlm(TINY);
    files.push(a, b);
    assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
    assert.ok(fs.readFileSync(`${a}.data`).equals(fs.readFileSync(`${b}.data`)));
  });
});
