// VLM-shaped ONNX models for the runtime benchmark's scaling rows: the reference VLM's I/O
// (one [1,3,224,224] image per camera, token ids/mask [1,16] → latent_tokens [1,8,64] and
// latent_pooled [1,128]) with a chosen camera set and width, random weights. Built with
// onnx-proto (the ONNX protobuf schema), so the benchmark needs no Python.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { mulberry32 } from '../nodes/random/seeded_random.js';

const { onnx } = onnxProto;

export interface VlmShape {
  cameras: string[];
  /** Conv channels per camera stage. */
  channels: [number, number, number];
  /** Width of the fusion MLP. */
  hidden: number;
  vocab: number;
  embedding: number;
}

/** About the reference VLM's parameter count (~0.2 M). */
export const REFERENCE_SIZE: Omit<VlmShape, 'cameras'> = { channels: [16, 32, 64], hidden: 256, vocab: 512, embedding: 64 };
/** About 10× the reference's parameters (~2.2 M). */
export const TEN_TIMES: Omit<VlmShape, 'cameras'> = { channels: [32, 64, 128], hidden: 2048, vocab: 512, embedding: 128 };
/** Wide convolutions: ~60× the reference's compute, a slow pathway that takes tens of ms on a CPU. */
export const HEAVY: Omit<VlmShape, 'cameras'> = { channels: [64, 256, 512], hidden: 4096, vocab: 512, embedding: 128 };

/** Deterministic uniform weights in ±scale (mulberry32), so every run builds the same model. */
function weights(count: number, scale: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export function parameterCount(shape: VlmShape): number {
  const [c1, c2, c3] = shape.channels;
  const perCamera = 3 * c1 * 16 + c1 + c1 * c2 * 4 + c2 + c2 * c3 * 4 + c3;
  const fusionIn = shape.cameras.length * c3 + shape.embedding;
  return (
    shape.cameras.length * perCamera + shape.vocab * shape.embedding + fusionIn * shape.hidden + shape.hidden + shape.hidden * 640 + 640
  );
}

/** Builds the model and writes it to a temporary .onnx file; returns its path. */
export function buildVlm(shape: VlmShape): string {
  const initializer: InstanceType<typeof onnx.TensorProto>[] = [];
  const node: InstanceType<typeof onnx.NodeProto>[] = [];
  let seed = 1;
  const tensor = (name: string, dims: number[], data: Float32Array | BigInt64Array) => {
    initializer.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: data instanceof Float32Array ? FLOAT : INT64,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      }),
    );
    return name;
  };
  const param = (name: string, dims: number[]) => {
    const fanIn = dims.length > 1 ? dims.slice(1).reduce((a, b) => a * b, 1) : dims[0];
    return tensor(
      name,
      dims,
      weights(
        dims.reduce((a, b) => a * b, 1),
        1 / Math.sqrt(fanIn),
        seed++,
      ),
    );
  };
  const op = (opType: string, inputs: string[], output: string, attrs: Record<string, number | number[]> = {}) => {
    node.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [output],
        attribute: Object.entries(attrs).map(([name, v]) =>
          Array.isArray(v)
            ? onnx.AttributeProto.create({ name, ints: v, type: onnx.AttributeProto.AttributeType.INTS })
            : onnx.AttributeProto.create({ name, i: v, type: onnx.AttributeProto.AttributeType.INT }),
        ),
      }),
    );
    return output;
  };
  const [c1, c2, c3] = shape.channels;
  const features: string[] = [];
  for (const cam of shape.cameras) {
    let x = `image_${cam}`;
    for (const [i, [cin, cout, k]] of (
      [
        [3, c1, 4],
        [c1, c2, 2],
        [c2, c3, 2],
      ] as const
    ).entries()) {
      x = op('Conv', [x, param(`${cam}_w${i}`, [cout, cin, k, k]), param(`${cam}_b${i}`, [cout])], `${cam}_conv${i}`, {
        kernel_shape: [k, k],
        strides: [k, k],
      });
      x = op('Relu', [x], `${cam}_relu${i}`);
    }
    x = op('GlobalAveragePool', [x], `${cam}_pool`);
    features.push(op('Flatten', [x], `${cam}_feat`, { axis: 1 }));
  }
  const embedded = op('Gather', [param('embedding', [shape.vocab, shape.embedding]), 'token_ids'], 'embedded', { axis: 0 });
  features.push(op('ReduceMean', [embedded], 'text', { axes: [1], keepdims: 0 }));
  const fusionIn = shape.cameras.length * c3 + shape.embedding;
  let h = op('Concat', features, 'fused', { axis: 1 });
  h = op('Gemm', [h, param('w1', [fusionIn, shape.hidden]), param('b1', [shape.hidden])], 'hidden');
  h = op('Relu', [h], 'hidden_relu');
  h = op('Gemm', [h, param('w2', [shape.hidden, 640]), param('b2', [640])], 'head');
  const scalars = new Map<number, string>();
  const starts = (v: number) => {
    if (!scalars.has(v)) scalars.set(v, tensor(`s${v}`, [1], BigInt64Array.from([BigInt(v)])));
    return scalars.get(v)!;
  };
  const tokens = op('Slice', [h, starts(0), starts(512), starts(1)], 'tokens_flat');
  op('Reshape', [tokens, tensor('tokens_shape', [3], BigInt64Array.from([1n, 8n, 64n]))], 'latent_tokens');
  op('Slice', [h, starts(512), starts(640), starts(1)], 'latent_pooled');

  const valueInfo = (name: string, elemType: number, dims: number[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: onnx.TypeProto.create({
        tensorType: onnx.TypeProto.Tensor.create({
          elemType,
          shape: onnx.TensorShapeProto.create({ dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create({ dimValue: d })) }),
        }),
      }),
    });
  const graph = onnx.GraphProto.create({
    name: 'bench_vlm',
    node,
    initializer,
    input: [
      ...shape.cameras.map((c) => valueInfo(`image_${c}`, FLOAT, [1, 3, 224, 224])),
      valueInfo('token_ids', INT64, [1, 16]),
      valueInfo('attention_mask', INT64, [1, 16]),
    ],
    output: [valueInfo('latent_tokens', FLOAT, [1, 8, 64]), valueInfo('latent_pooled', FLOAT, [1, 128])],
  });
  const model = onnx.ModelProto.create({ irVersion: 7, producerName: 'vla-ros bench', opsetImport: [{ domain: '', version: 13 }], graph });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vla_bench_vlm_')), 'vlm.onnx');
  fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());
  return file;
}
