// VLM-shaped ONNX models for the runtime benchmark's scaling rows: the reference VLM's I/O
// (one [1,3,224,224] image per camera, token ids/mask [1,16] → latent_tokens [1,8,64] and
// latent_pooled [1,128]) with a chosen camera set and width, random weights. Built with
// OnnxGraph (onnx_graph.ts, on onnx-proto), so the benchmark needs no Python.

import { FLOAT, INT64, OnnxGraph, valueInfo } from './onnx_graph.js';

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
  const g = new OnnxGraph(13);
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
      x = g.op('Conv', [x, g.param(`${cam}_w${i}`, [cout, cin, k, k]), g.param(`${cam}_b${i}`, [cout])], `${cam}_conv${i}`, {
        kernel_shape: [k, k],
        strides: [k, k],
      });
      x = g.op('Relu', [x], `${cam}_relu${i}`);
    }
    x = g.op('GlobalAveragePool', [x], `${cam}_pool`);
    features.push(g.op('Flatten', [x], `${cam}_feat`, { axis: 1 }));
  }
  const embedded = g.op('Gather', [g.param('embedding', [shape.vocab, shape.embedding]), 'token_ids'], 'embedded', { axis: 0 });
  features.push(g.op('ReduceMean', [embedded], 'text', { axes: [1], keepdims: 0 }));
  const fusionIn = shape.cameras.length * c3 + shape.embedding;
  let h = g.op('Concat', features, 'fused', { axis: 1 });
  h = g.op('Gemm', [h, g.param('w1', [fusionIn, shape.hidden]), g.param('b1', [shape.hidden])], 'hidden');
  h = g.op('Relu', [h], 'hidden_relu');
  h = g.op('Gemm', [h, g.param('w2', [shape.hidden, 640]), g.param('b2', [640])], 'head');
  const tokens = g.op('Slice', [h, g.ints([0]), g.ints([512]), g.ints([1])], 'tokens_flat');
  g.op('Reshape', [tokens, g.ints([1, 8, 64])], 'latent_tokens');
  g.op('Slice', [h, g.ints([512]), g.ints([640]), g.ints([1])], 'latent_pooled');
  return g.write('bench_vlm', vlmIo(shape.cameras));
}

/** The reference VLM's inputs and outputs (docs/policy-bundles.md) for a camera set. */
export function vlmIo(cameras: readonly string[]): Parameters<OnnxGraph['write']>[1] {
  return {
    inputs: [
      ...cameras.map((c) => valueInfo(`image_${c}`, FLOAT, [1, 3, 224, 224])),
      valueInfo('token_ids', INT64, [1, 16]),
      valueInfo('attention_mask', INT64, [1, 16]),
    ],
    outputs: [valueInfo('latent_tokens', FLOAT, [1, 8, 64]), valueInfo('latent_pooled', FLOAT, [1, 128])],
  };
}
