// A transformer VLM of realistic size for the benchmark, with the reference VLM's I/O (vlmIo):
// a ViT image encoder shared by the cameras (16×16 patch Conv, class token, position
// embeddings, pre-norm blocks), a transformer over the instruction's token embeddings with the
// attention mask, and projections of the cameras' class tokens and the masked mean of the text
// to latent_tokens [1,8,64] and latent_pooled [1,128]. Random seeded weights; ONNX opset 17
// (LayerNormalization; GELU as its erf form, which onnxruntime fuses).

import { OnnxGraph } from './onnx_graph.js';
import { vlmIo } from './vlm_builder.js';

export interface EncoderShape {
  width: number;
  depth: number;
  heads: number;
  /** Hidden width of each block's MLP. */
  mlp: number;
}

export interface TransformerVlmShape {
  cameras: string[];
  image: EncoderShape & { patch: number };
  text: EncoderShape & { vocab: number };
}

const IMAGE_SIZE = 224;
const TOKENS = 16;
const LATENT_TOKENS = [8, 64] as const;
const LATENT_POOLED = 128;

/** ViT-B/16 over the cameras (shared) + a 4-layer, 512-wide text encoder: ~104 M parameters with 2 cameras. */
export const VIT_B16_VLM: Omit<TransformerVlmShape, 'cameras'> = {
  image: { patch: 16, width: 768, depth: 12, heads: 12, mlp: 3072 },
  text: { vocab: 8192, width: 512, depth: 4, heads: 8, mlp: 2048 },
};

function blockParameters(e: EncoderShape): number {
  const d = e.width;
  // two LayerNorms, fused QKV, output projection, two MLP layers (weights + biases)
  return 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * e.mlp + e.mlp) + (e.mlp * d + d);
}

export function transformerParameterCount(shape: TransformerVlmShape): number {
  const { image, text } = shape;
  const patches = (IMAGE_SIZE / image.patch) ** 2;
  const imageEncoder =
    image.width * 3 * image.patch ** 2 +
    image.width +
    image.width +
    (patches + 1) * image.width +
    image.depth * blockParameters(image) +
    2 * image.width;
  const textEncoder = text.vocab * text.width + TOKENS * text.width + text.depth * blockParameters(text) + 2 * text.width;
  const fused = shape.cameras.length * image.width + text.width;
  const heads = fused * LATENT_TOKENS[0] * LATENT_TOKENS[1] + LATENT_TOKENS[0] * LATENT_TOKENS[1] + fused * LATENT_POOLED + LATENT_POOLED;
  return imageEncoder + textEncoder + heads;
}

/** One pre-norm transformer block on x [B,T,D]; `bias` [B or 1,1,1,T] is added to the attention scores. */
function block(g: OnnxGraph, x: string, e: EncoderShape, batch: number, tokens: number, prefix: string, bias?: string): string {
  const d = e.width;
  const dh = d / e.heads;
  const linear = (input: string, name: string, inDim: number, outDim: number) =>
    g.op(
      'Add',
      [
        g.op('MatMul', [input, g.paramScaled(`${name}.weight`, [inDim, outDim], 1 / Math.sqrt(inDim))], `${name}.mm#`),
        g.paramScaled(`${name}.bias`, [outDim], 0.02),
      ],
      `${name}#`,
    );
  const norm = (input: string, name: string) =>
    g.op('LayerNormalization', [input, g.paramScaled(`${name}.weight`, [d], 1), g.paramScaled(`${name}.bias`, [d], 0.02)], `${name}#`, {
      axis: -1,
    });

  const qkv = linear(norm(x, `${prefix}.norm1`), `${prefix}.qkv`, d, 3 * d);
  const heads = g.op(
    'Transpose',
    [g.op('Reshape', [qkv, g.ints([batch, tokens, 3, e.heads, dh])], `${prefix}.qkv_heads#`)],
    `${prefix}.qkv_t#`,
    {
      perm: [2, 0, 3, 1, 4],
    },
  );
  const [q, k, v] = [0, 1, 2].map((i) =>
    g.op('Gather', [heads, g.constant([], BigInt64Array.of(BigInt(i)))], `${prefix}.qkv${i}#`, { axis: 0 }),
  );
  const kT = g.op('Transpose', [k], `${prefix}.kT#`, { perm: [0, 1, 3, 2] });
  let scores = g.op('Mul', [g.op('MatMul', [q, kT], `${prefix}.qk#`), g.scalar(1 / Math.sqrt(dh))], `${prefix}.scores#`);
  if (bias !== undefined) scores = g.op('Add', [scores, bias], `${prefix}.masked#`);
  const attention = g.op('Softmax', [scores], `${prefix}.softmax#`, { axis: -1 });
  const context = g.op(
    'Reshape',
    [
      g.op('Transpose', [g.op('MatMul', [attention, v], `${prefix}.ctx#`)], `${prefix}.ctx_t#`, { perm: [0, 2, 1, 3] }),
      g.ints([batch, tokens, d]),
    ],
    `${prefix}.ctx_merged#`,
  );
  const h = g.op('Add', [x, linear(context, `${prefix}.proj`, d, d)], `${prefix}.res1#`);

  const up = linear(norm(h, `${prefix}.norm2`), `${prefix}.fc1`, d, e.mlp);
  // GELU: 0.5·x·(1 + erf(x/√2))
  const erf = g.op('Erf', [g.op('Mul', [up, g.scalar(Math.SQRT1_2)], `${prefix}.gelu_in#`)], `${prefix}.erf#`);
  const gelu = g.op(
    'Mul',
    [g.op('Mul', [up, g.scalar(0.5)], `${prefix}.half#`), g.op('Add', [erf, g.scalar(1)], `${prefix}.erf1#`)],
    `${prefix}.gelu#`,
  );
  return g.op('Add', [h, linear(gelu, `${prefix}.fc2`, e.mlp, d)], `${prefix}.res2#`);
}

/** Builds the model and writes it to `vlm.onnx` in a new temporary folder; returns its path. */
export function buildTransformerVlm(shape: TransformerVlmShape): string {
  const g = new OnnxGraph(17);
  const { image, text, cameras } = shape;
  const finalNorm = (x: string, name: string, d: number) =>
    g.op('LayerNormalization', [x, g.paramScaled(`${name}.weight`, [d], 1), g.paramScaled(`${name}.bias`, [d], 0.02)], `${name}#`, {
      axis: -1,
    });

  // Image encoder: the cameras go through it as one batch.
  const b = cameras.length;
  const grid = IMAGE_SIZE / image.patch;
  const patches = grid * grid;
  const d = image.width;
  const images =
    cameras.length === 1
      ? `image_${cameras[0]}`
      : g.op(
          'Concat',
          cameras.map((c) => `image_${c}`),
          'images',
          { axis: 0 },
        );
  const conv = g.op(
    'Conv',
    [images, g.param('vit.patch.weight', [d, 3, image.patch, image.patch]), g.param('vit.patch.bias', [d])],
    'vit.patches',
    {
      kernel_shape: [image.patch, image.patch],
      strides: [image.patch, image.patch],
    },
  );
  const patchTokens = g.op('Transpose', [g.op('Reshape', [conv, g.ints([b, d, patches])], 'vit.patches_flat')], 'vit.patch_tokens', {
    perm: [0, 2, 1],
  });
  const cls = g.op('Expand', [g.paramScaled('vit.cls', [1, 1, d], 0.02), g.ints([b, 1, d])], 'vit.cls_tokens');
  let x = g.op(
    'Add',
    [g.op('Concat', [cls, patchTokens], 'vit.tokens', { axis: 1 }), g.paramScaled('vit.pos', [1, patches + 1, d], 0.02)],
    'vit.x0',
  );
  for (let i = 0; i < image.depth; i++) x = block(g, x, image, b, patches + 1, `vit.block${i}`);
  x = finalNorm(x, 'vit.norm', d);
  const imageFeatures = g.op(
    'Reshape',
    [g.op('Gather', [x, g.constant([], BigInt64Array.of(0n))], 'vit.cls_out', { axis: 1 }), g.ints([1, b * d])],
    'vit.features',
  );

  // Text encoder over the instruction; padding (mask 0) is kept out of attention and pooling.
  const dt = text.width;
  const embedded = g.op('Gather', [g.paramScaled('text.embedding', [text.vocab, dt], 0.02), 'token_ids'], 'text.embedded', { axis: 0 });
  let t = g.op('Add', [embedded, g.paramScaled('text.pos', [1, TOKENS, dt], 0.02)], 'text.x0');
  const mask = g.op('Cast', ['attention_mask'], 'text.mask', { to: 1 });
  const bias = g.op(
    'Reshape',
    [g.op('Mul', [g.op('Sub', [g.scalar(1), mask], 'text.unmasked'), g.scalar(-1e4)], 'text.mask_bias'), g.ints([1, 1, 1, TOKENS])],
    'text.attention_bias',
  );
  for (let i = 0; i < text.depth; i++) t = block(g, t, text, 1, TOKENS, `text.block${i}`, bias);
  t = finalNorm(t, 'text.norm', dt);
  const weight = g.op('Unsqueeze', [mask, g.ints([2])], 'text.mask3');
  const summed = g.op('ReduceSum', [g.op('Mul', [t, weight], 'text.masked'), g.ints([1])], 'text.sum', { keepdims: 0 });
  const count = g.op('Max', [g.op('ReduceSum', [weight, g.ints([1])], 'text.count_raw', { keepdims: 0 }), g.scalar(1)], 'text.count');
  const textFeatures = g.op('Div', [summed, count], 'text.features');

  // Latent heads
  const fused = g.op('Concat', [imageFeatures, textFeatures], 'fused', { axis: 1 });
  const fusedWidth = b * d + dt;
  const flatTokens = LATENT_TOKENS[0] * LATENT_TOKENS[1];
  const tokens = g.op(
    'Add',
    [
      g.op(
        'MatMul',
        [fused, g.paramScaled('latent_tokens.weight', [fusedWidth, flatTokens], 1 / Math.sqrt(fusedWidth))],
        'latent_tokens.mm',
      ),
      g.param('latent_tokens.bias', [flatTokens]),
    ],
    'latent_tokens.flat',
  );
  g.op('Reshape', [tokens, g.ints([1, ...LATENT_TOKENS])], 'latent_tokens');
  g.op(
    'Add',
    [
      g.op(
        'MatMul',
        [fused, g.paramScaled('latent_pooled.weight', [fusedWidth, LATENT_POOLED], 1 / Math.sqrt(fusedWidth))],
        'latent_pooled.mm',
      ),
      g.param('latent_pooled.bias', [LATENT_POOLED]),
    ],
    'latent_pooled',
  );
  return g.write('bench_transformer_vlm', vlmIo(cameras));
}
