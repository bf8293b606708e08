// The committed reference bundles end to end: manifest → ORT sessions whose names match it →
// tokenised instruction → VLM on zero images → expert through the decoder → de-normalised,
// bounds-checked chunk. Plus the tokenizer the bundles share.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as tokenizers from '@huggingface/tokenizers';
import { conditioningFeeds, expertTensorNames } from '../../../nodes/inference/decoders/contract.js';
import { decodeChunk } from '../../../nodes/inference/decoders/decode.js';
import { checkChunk, denormalizeChunk, normalizeState } from '../../../nodes/inference/decoders/normalization.js';
import { missingTensorNames, OnnxModel } from '../../../nodes/inference/onnx_model.js';
import { Rng } from '../../../nodes/inference/decoders/rng.js';
import { float32Tensor, int64Tensor, type TensorData } from '../../../nodes/inference/decoders/tensor.js';
import type { PolicyManifest } from '../../../nodes/policy/manifest.js';
import { loadPolicyBundle, type PolicyBundle } from '../../../nodes/policy/policy_bundle.js';

// @huggingface/tokenizers 0.2's .d.ts files import each other without extensions, which
// NodeNext resolution cannot follow: its Tokenizer type is unresolved. Type what we use.
interface Tokenizer {
  encode(text: string): { ids: number[]; tokens: string[] };
  token_to_id(token: string): number | undefined;
}
const { Tokenizer: TokenizerClass } = tokenizers as unknown as { Tokenizer: new (json: object, config: object) => Tokenizer };

const FR3_HOME = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785];

function loadTokenizer(bundle: PolicyBundle, withConfig = true): Tokenizer {
  const file = bundle.file(bundle.manifest.instruction.tokenizer);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as object;
  const config = withConfig
    ? (JSON.parse(fs.readFileSync(file.replace(/tokenizer\.json$/, 'tokenizer_config.json'), 'utf8')) as object)
    : {};
  return new TokenizerClass(json, config);
}

/** Template, tokenise, pad/truncate to max_tokens: the VLM's token_ids and attention_mask. */
function tokenInputs(tokenizer: Tokenizer, m: PolicyManifest, instruction: string): { ids: TensorData; mask: TensorData } {
  const ids = tokenizer.encode(m.instruction.template.replace('{instruction}', instruction)).ids;
  const n = m.instruction.maxTokens;
  const padded = Array.from({ length: n }, (_, i) => (i < ids.length ? ids[i] : m.instruction.padId));
  return {
    ids: int64Tensor([1, n], padded),
    mask: int64Tensor(
      [1, n],
      padded.map((_, i) => (i < ids.length ? 1 : 0)),
    ),
  };
}

describe('reference policy bundles', function () {
  this.timeout(60_000);

  describe('tokenizer.json', () => {
    const bundle = loadPolicyBundle('reference');

    it('is a WordLevel model with a lowercase normaliser, Whitespace pre-tokenizer, [PAD]=0 and [UNK]=1', () => {
      const json = JSON.parse(fs.readFileSync(bundle.file('tokenizer.json'), 'utf8')) as {
        model: { type: string; vocab: Record<string, number>; unk_token: string };
        normalizer: { type: string };
        pre_tokenizer: { type: string };
      };
      assert.equal(json.model.type, 'WordLevel');
      assert.equal(json.model.unk_token, '[UNK]');
      assert.equal(json.normalizer.type, 'Lowercase');
      assert.equal(json.pre_tokenizer.type, 'Whitespace');
      const ids = Object.values(json.model.vocab).sort((a, b) => a - b);
      assert.deepEqual(
        ids,
        Array.from({ length: ids.length }, (_, i) => i),
      ); // dense, unique
      const tok = loadTokenizer(bundle);
      assert.equal(tok.token_to_id('[PAD]'), 0);
      assert.equal(tok.token_to_id('[UNK]'), 1);
      for (const w of [
        'red',
        'green',
        'blue',
        'cube',
        'block',
        'ball',
        'drawer',
        'push',
        'touch',
        'pick',
        'place',
        'move',
        'open',
        'close',
        'lift',
      ]) {
        assert.ok((tok.token_to_id(w) ?? 0) > 1, w);
      }
      for (const w of ['left', 'right', 'forward', 'back', 'up', 'down', 'the', 'to', 'on', 'into'])
        assert.ok((tok.token_to_id(w) ?? 0) > 1, w);
    });

    it('tokenises instructions to the expected ids with @huggingface/tokenizers', () => {
      const tok = loadTokenizer(bundle);
      const e = tok.encode('Touch the BLUE block.');
      assert.deepEqual(e.tokens, ['touch', 'the', 'blue', 'block', '.']);
      assert.deepEqual(e.ids, [121, 8, 66, 80, 2]);
      assert.deepEqual(tok.encode('push the red cube to the left').ids, [120, 8, 64, 78, 11, 8, 160]);
      assert.deepEqual(tok.encode('pick up the ball, place it in the bowl').ids, [122, 167, 8, 82, 3, 123, 37, 14, 8, 86]);
      assert.deepEqual(tok.encode('open the zebra drawer').ids, [126, 8, 1, 84]); // unknown word → [UNK]
      // tokenizers.js takes a WordLevel model's unknown token from tokenizer_config.json only:
      // without it, an unknown word has no id at all (hence the config file in the bundle)
      assert.equal(loadTokenizer(bundle, false).encode('zebra').ids[0], undefined);
      const { ids, mask } = tokenInputs(tok, bundle.manifest, 'touch the blue block');
      assert.deepEqual(Array.from(ids.data as BigInt64Array, Number), [121, 8, 66, 80, ...new Array<number>(12).fill(0)]);
      assert.deepEqual(Array.from(mask.data as BigInt64Array, Number), [1, 1, 1, 1, ...new Array<number>(12).fill(0)]);
    });
  });

  for (const name of ['reference', 'reference_regression', 'reference_discrete_diffusion']) {
    describe(name, () => {
      let bundle: PolicyBundle;
      let vlm: OnnxModel;
      let expert: OnnxModel;
      let conditioning: Record<string, TensorData>;

      before(async () => {
        bundle = loadPolicyBundle(name);
        vlm = await OnnxModel.load(bundle.file(bundle.manifest.vlm.model));
        expert = await OnnxModel.load(bundle.file(bundle.manifest.expert.model));
      });

      after(async () => {
        await Promise.all([vlm?.release(), expert?.release()]);
      });

      it('has a manifest of the documented shape (each trained in the simulator, the variants over the reference VLM)', () => {
        const m = bundle.manifest;
        assert.equal(m.name, name);
        assert.equal(m.trained, true);
        assert.match(m.description, /TRAINED in the built-in simulator/);
        if (name !== 'reference')
          assert.equal(path.relative(bundle.dir, bundle.file(m.vlm.model)), path.join('..', 'reference', 'vlm.onnx'));
        assert.deepEqual(
          m.cameras.map((c) => [c.name, c.width, c.height, c.resize, c.channelOrder]),
          [
            ['scene', 224, 224, 'crop', 'rgb'],
            ['wrist', 224, 224, 'stretch', 'rgb'],
          ],
        );
        assert.deepEqual(m.state.jointNames, [
          'fr3_joint1',
          'fr3_joint2',
          'fr3_joint3',
          'fr3_joint4',
          'fr3_joint5',
          'fr3_joint6',
          'fr3_joint7',
        ]);
        assert.deepEqual(m.action.names, ['x', 'y', 'z', 'roll', 'pitch', 'yaw', 'gripper']);
        assert.equal(m.action.horizon, 16);
        assert.equal(m.action.space, 'ee_delta');
        assert.ok(Math.abs(m.action.dt - 1 / 30) < 1e-9);
        assert.equal(m.vlm.rateHz, 2);
        const expected = { reference: 'flow', reference_regression: 'regression', reference_discrete_diffusion: 'discrete_diffusion' }[
          name
        ];
        assert.equal(m.expert.decoding.mode, expected);
        if (m.expert.decoding.mode === 'flow') assert.deepEqual(m.expert.decoding, { mode: 'flow', steps: 10, timeConvention: 'pi0' });
        if (m.expert.decoding.mode === 'discrete_diffusion') {
          assert.deepEqual(m.expert.decoding, {
            mode: 'discrete_diffusion',
            bins: 256,
            maskId: 256,
            rounds: 12,
            schedule: 'cosine',
            temperature: 1,
            secondaryRemaskFactor: 1,
          });
        }
      });

      it('declares every tensor name the manifest uses, with the documented shapes', () => {
        const m = bundle.manifest;
        const vlmNames = {
          inputs: [...Object.values(m.vlm.inputs.images), m.vlm.inputs.tokenIds, m.vlm.inputs.attentionMask],
          outputs: m.vlm.latentOutputs,
        };
        assert.deepEqual(missingTensorNames(vlm, vlmNames, 'vlm'), []);
        assert.deepEqual(missingTensorNames(expert, expertTensorNames(m.expert), 'expert'), []);
        const shape = (model: OnnxModel, n: string) => [
          ...(model.inputs.find((i) => i.name === n) ?? model.outputs.find((o) => o.name === n))!.shape,
        ];
        assert.deepEqual(shape(vlm, 'image_scene'), [1, 3, 224, 224]);
        assert.deepEqual(shape(vlm, 'token_ids'), [1, 16]);
        assert.deepEqual(shape(vlm, 'latent_tokens'), [1, 8, 64]);
        assert.deepEqual(shape(vlm, 'latent_pooled'), [1, 128]);
        assert.deepEqual(shape(expert, m.expert.outputs.features!), [1, 64]);
        const H = m.action.horizon;
        const D = m.action.names.length;
        const out = shape(expert, m.expert.outputs.actions);
        if (m.expert.decoding.mode === 'discrete_diffusion') {
          assert.deepEqual(shape(expert, m.expert.inputs.actions!), [1, H * D]);
          assert.equal(expert.inputs.find((i) => i.name === m.expert.inputs.actions)?.type, 'int64');
          assert.deepEqual(out, [1, H * D, m.expert.decoding.bins]);
        } else assert.deepEqual(out, [1, H, D]);
      });

      it('runs the VLM on zero images and a tokenised instruction, then decodes a finite, in-bounds chunk', async () => {
        const m = bundle.manifest;
        const { ids, mask } = tokenInputs(loadTokenizer(bundle), m, 'touch the blue block');
        const feeds: Record<string, TensorData> = { [m.vlm.inputs.tokenIds]: ids, [m.vlm.inputs.attentionMask]: mask };
        for (const cam of m.cameras) feeds[m.vlm.inputs.images[cam.name]] = float32Tensor([1, 3, cam.height, cam.width]);
        const latentOut = await vlm.run(feeds);
        const latent: Record<string, TensorData> = {};
        for (const n of m.vlm.latentOutputs) {
          const t = latentOut[n];
          assert.ok(t.type === 'float32' && t.data.every(Number.isFinite), n);
          latent[n] = t;
        }
        conditioning = conditioningFeeds(m.expert, { latent, state: normalizeState(FR3_HOME, m.state.mean, m.state.std), latentAge: 0.2 });

        const H = m.action.horizon;
        const D = m.action.names.length;
        const r = await decodeChunk(expert, m.expert, { conditioning, horizon: H, dimension: D, rng: new Rng(42, 0) });
        assert.equal(r.chunk.length, H * D);
        assert.ok(r.chunk.every(Number.isFinite));
        assert.equal(r.features?.length, 64);
        assert.ok(r.features?.every(Number.isFinite));
        const expectedCalls = m.expert.decoding.mode === 'flow' ? 10 : m.expert.decoding.mode === 'discrete_diffusion' ? 12 : 1;
        assert.equal(r.calls, expectedCalls);
        const actions = denormalizeChunk(r.chunk, m.action.mean, m.action.std);
        const check = checkChunk(actions, m.action, H);
        assert.ok(check.ok, check.ok ? '' : check.message);
      });

      it('decodes deterministically for a fixed seed', async () => {
        const m = bundle.manifest;
        const req = (stream: number) => ({
          conditioning,
          horizon: m.action.horizon,
          dimension: m.action.names.length,
          rng: new Rng(42, stream),
        });
        const a = await decodeChunk(expert, m.expert, req(0));
        const b = await decodeChunk(expert, m.expert, req(0));
        assert.deepEqual(a.chunk, b.chunk);
        assert.deepEqual(a.features, b.features);
        const c = await decodeChunk(expert, m.expert, req(1));
        if (m.expert.decoding.mode === 'regression') assert.deepEqual(c.chunk, a.chunk);
        else assert.notDeepEqual(c.chunk, a.chunk);
        // in bounds over a few more seeds
        for (let s = 2; s < 6; s++) {
          const r = await decodeChunk(expert, m.expert, req(s));
          const check = checkChunk(denormalizeChunk(r.chunk, m.action.mean, m.action.std), m.action, m.action.horizon);
          assert.ok(check.ok, check.ok ? '' : `stream ${s}: ${check.message}`);
        }
      });
    });
  }
});
