import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { checkBundle } from '../../nodes/cli/bundle_check.js';
import { validateExpert, validateVlm } from '../../nodes/policy/bundle_validation.js';
import type { ModelIO } from '../../nodes/policy/model_io.js';

interface Signature {
  inputs: ModelIO[];
  outputs: ModelIO[];
}
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { packagePath } from '../../nodes/package_paths.js';

const vlmSig = (): Signature => ({
  inputs: [
    { name: 'image_scene', type: 'float32', shape: [1, 3, 224, 224] },
    { name: 'image_wrist', type: 'float32', shape: ['batch', 3, 224, 224] },
    { name: 'token_ids', type: 'int64', shape: [1, 16] },
    { name: 'attention_mask', type: 'int64', shape: [1, 16] },
  ],
  outputs: [
    { name: 'latent_tokens', type: 'float32', shape: [1, 8, 64] },
    { name: 'latent_pooled', type: 'float32', shape: [1, 128] },
  ],
});

const flowSig = (): Signature => ({
  inputs: [
    { name: 'x_t', type: 'float32', shape: [1, 16, 7] },
    { name: 't', type: 'float32', shape: [1] },
    { name: 'state', type: 'float32', shape: [1, 7] },
    { name: 'latent_age', type: 'float32', shape: [1] },
    { name: 'prefix', type: 'float32', shape: [1, 8, 64] },
    { name: 'latent', type: 'float32', shape: [1, 128] },
  ],
  outputs: [
    { name: 'velocity', type: 'float32', shape: [1, 16, 7] },
    { name: 'features', type: 'float32', shape: [1, 64] },
  ],
});

describe('bundle validation against ONNX signatures', () => {
  const m = loadPolicyBundle('reference').manifest;

  it('accepts the reference bundle (symbolic batch dimensions too)', () => {
    assert.deepEqual(validateVlm(m, vlmSig()), []);
    assert.deepEqual(validateExpert(m, flowSig(), vlmSig()), []);
  });

  it('names the field, the expected and the found value', () => {
    const vlm = vlmSig();
    vlm.inputs[0] = { name: 'image_scene', type: 'float32', shape: [1, 3, 256, 256] };
    vlm.inputs[2] = { name: 'token_ids', type: 'int32', shape: [1, 16] };
    vlm.outputs.pop();
    assert.deepEqual(validateVlm(m, vlm, 'vlm.onnx'), [
      "vlm.inputs.images.scene: input 'image_scene' of vlm.onnx: expected shape [any,3,224,224], found [1,3,256,256]",
      "vlm.inputs.token_ids: input 'token_ids' of vlm.onnx: expected int64, found int32",
      "vlm.latent_outputs: vlm.onnx has no output 'latent_pooled' (its outputs: latent_tokens)",
    ]);
    const expert = flowSig();
    expert.inputs[0] = { name: 'x_t', type: 'float32', shape: [1, 50, 7] };
    expert.inputs[4] = { name: 'prefix', type: 'float32', shape: [1, 16, 64] };
    expert.outputs[0] = { name: 'velocity', type: 'float32', shape: [1, 50, 7] };
    assert.deepEqual(validateExpert(m, expert, vlmSig(), 'expert.onnx'), [
      "expert.inputs.latent.latent_tokens: input 'prefix' of expert.onnx: expected shape [1,8,64], found [1,16,64]",
      "expert.inputs.actions: input 'x_t' of expert.onnx: expected shape [any,16,7], found [1,50,7]",
      "expert.outputs.actions: output 'velocity' of expert.onnx: expected 112 values, found shape [1,50,7]",
    ]);
  });

  it('checks the real shipped models, and reports a bundle that does not fit', async () => {
    assert.deepEqual((await checkBundle('reference')).problems, []);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_bad_bundle_'));
    const ref = packagePath('config', 'policies', 'reference');
    for (const f of fs.readdirSync(ref)) fs.copyFileSync(path.join(ref, f), path.join(dir, f));
    const manifest = parse(fs.readFileSync(path.join(dir, 'manifest.yaml'), 'utf8')) as { action: { horizon: number } };
    manifest.action.horizon = 50;
    fs.writeFileSync(path.join(dir, 'manifest.yaml'), stringify(manifest));
    const { problems } = await checkBundle(dir);
    assert.deepEqual(problems, [
      "expert.inputs.actions: input 'x_t' of expert_flow.onnx: expected shape [any,50,7], found [1,16,7]",
      "expert.outputs.actions: output 'velocity' of expert_flow.onnx: expected 350 values, found shape [1,16,7]",
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
