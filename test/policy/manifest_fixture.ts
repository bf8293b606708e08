// A complete, valid manifest + statistics for tests, which tests then break one field at a time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

export function validManifest(): Record<string, unknown> {
  return {
    format: 'vla-ros/policy-bundle@1',
    name: 'fixture',
    description: 'test fixture',
    trained: false,
    normalization: 'stats.json',
    cameras: [
      { name: 'scene', width: 8, height: 6, resize: 'crop', channel_order: 'rgb', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      { name: 'wrist', width: 4, height: 4, resize: 'stretch', channel_order: 'bgr', mean: [0, 0, 0], std: [1, 1, 1] },
    ],
    instruction: { template: 'what should the robot do to {instruction}?', tokenizer: 'tokenizer.json', max_tokens: 8, pad_id: 0 },
    state: { joint_names: ['j1', 'j2', 'j3'] },
    vlm: {
      model: 'vlm.onnx',
      rate_hz: 2,
      modelled_latency: 0.05,
      inputs: { images: { scene: 'image_scene', wrist: 'image_wrist' }, token_ids: 'token_ids', attention_mask: 'attention_mask' },
      latent_outputs: ['latent_pooled'],
    },
    expert: {
      model: 'expert.onnx',
      modelled_latency: 0.004,
      decoding: { mode: 'flow', steps: 10, time_convention: 'pi0' },
      inputs: { latent: { latent_pooled: 'latent' }, state: 'state', latent_age: 'latent_age', actions: 'x_t', time: 't' },
      outputs: { actions: 'velocity', features: 'features' },
    },
    action: {
      space: 'joint_delta',
      rotation: 'none',
      gripper: 'absolute_continuous',
      names: ['j1', 'j2', 'j3', 'gripper'],
      horizon: 4,
      dt: 0.1,
      min: [-0.1, -0.1, -0.1, 0],
      max: [0.1, 0.1, 0.1, 1],
    },
  };
}

export function validStats(): Record<string, unknown> {
  return {
    state: { mean: [0, 0, 0], std: [1, 1, 1] },
    action: { mean: [0, 0, 0, 0.5], std: [0.05, 0.05, 0.05, 0.5] },
  };
}

/** A tokenizer.json (WordLevel, whitespace, lowercase) over a few words. */
export function tinyTokenizer(words: string[]): Record<string, unknown> {
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1 };
  words.forEach((w, i) => (vocab[w] = i + 2));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  };
}

/** Writes a bundle folder (manifest, stats, tokenizer, empty model files) to a temp dir. */
export function writeBundle(manifest = validManifest(), stats = validStats()): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_bundle_'));
  fs.writeFileSync(path.join(dir, 'manifest.yaml'), stringify(manifest));
  fs.writeFileSync(path.join(dir, 'stats.json'), JSON.stringify(stats));
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify(tinyTokenizer(['what', 'should', 'the', 'robot', 'do', 'to', 'push', 'cube'])),
  );
  fs.writeFileSync(path.join(dir, 'vlm.onnx'), '');
  fs.writeFileSync(path.join(dir, 'expert.onnx'), '');
  return dir;
}
