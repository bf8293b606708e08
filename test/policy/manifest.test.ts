import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { ManifestError, expectedActionDimension, parseManifest } from '../../nodes/policy/manifest.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { validManifest, validStats, writeBundle } from './manifest_fixture.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-return --
   these tests mutate untyped YAML structures on purpose, to make invalid manifests. */
type Patch = (m: Record<string, any>, s: Record<string, any>) => void;

function parseWith(patch: Patch) {
  const m = validManifest();
  const s = validStats();
  patch(m, s);
  return parseManifest(stringify(m), 'manifest.yaml', s, 'stats.json');
}

describe('policy manifest', () => {
  it('parses a valid manifest, with statistics from the stats file and defaults filled in', () => {
    const m = parseWith(() => {});
    assert.equal(m.name, 'fixture');
    assert.deepEqual(m.state, { jointNames: ['j1', 'j2', 'j3'], mean: [0, 0, 0], std: [1, 1, 1] });
    assert.deepEqual(m.action.mean, [0, 0, 0, 0.5]);
    assert.deepEqual(m.expert.decoding, { mode: 'flow', steps: 10, timeConvention: 'pi0' });
    assert.equal(m.cameras[1].channelOrder, 'bgr');
    assert.equal(m.failureMonitor, undefined);
  });

  it('computes the action dimension of each action space', () => {
    assert.equal(expectedActionDimension('ee_delta', 'euler_xyz', 'absolute_continuous', 7), 7);
    assert.equal(expectedActionDimension('ee_absolute', 'quaternion', 'none', 7), 7);
    assert.equal(expectedActionDimension('ee_delta', 'rotation_vector', 'relative_binary', 6), 7);
    assert.equal(expectedActionDimension('joint_position', 'none', 'absolute_binary', 6), 7);
  });

  const errors: Array<[string, Patch, RegExp]> = [
    ['wrong format', (m) => (m.format = 'v2'), /field 'format': expected 'vla-ros\/policy-bundle@1', found "v2"/],
    [
      'unknown resize mode',
      (m) => (m.cameras[0].resize = 'squash'),
      /field 'cameras\[0\]\.resize': expected one of stretch, crop, pad, found "squash"/,
    ],
    ['zero std', (m) => (m.cameras[1].std = [1, 0, 1]), /field 'cameras\[1\]\.std': expected a list of 3 positive numbers/],
    ['duplicate camera', (m) => (m.cameras[1].name = 'scene'), /unique camera names/],
    ['template without placeholder', (m) => (m.instruction.template = 'hello'), /field 'instruction\.template'.*'\{instruction\}'/],
    [
      'state stats of the wrong length',
      (_m, s) => (s.state.mean = [0, 0]),
      /stats\.json: field 'state\.mean': expected a list of 3 numbers/,
    ],
    [
      'VLM image for an unknown camera',
      (m) => (m.vlm.inputs.images.top = 'image_top'),
      /field 'vlm\.inputs\.images': expected camera names from 'cameras'/,
    ],
    [
      'expert latent not produced by the VLM',
      (m) => (m.expert.inputs.latent = { latent_tokens: 'prefix' }),
      /field 'expert\.inputs\.latent'.*latent_pooled/,
    ],
    [
      'flow without a time input',
      (m) => delete m.expert.inputs.time,
      /field 'expert\.inputs\.time': expected the time input for flow decoding/,
    ],
    ['steps of 0', (m) => (m.expert.decoding.steps = 0), /field 'expert\.decoding\.steps': expected an integer >= 1, found 0/],
    ['action names of the wrong count', (m) => m.action.names.pop(), /field 'action\.names': expected 4 names for joint_delta/],
    ['rotation for a joint space', (m) => (m.action.rotation = 'euler_xyz'), /field 'action\.rotation': expected 'none' for a joint space/],
    ['min above max', (m) => (m.action.min[0] = 0.2), /each min below its max \(dimension j1\)/],
    ['action std not positive', (_m, s) => (s.action.std[3] = -1), /stats\.json: field 'action\.std'/],
    [
      'failure monitor without expert features',
      (m) => {
        m.failure_monitor = { detector: 'd.onnx', detector_kind: 'mlp', calibration: 'c.yaml' };
        delete m.expert.outputs.features;
      },
      /field 'expert\.outputs\.features'/,
    ],
    ['NaN in bounds', (m) => (m.action.max[2] = '.nan'), /field 'action\.max'/],
  ];
  for (const [what, patch, expected] of errors) {
    it(`refuses ${what}, naming the field`, () => {
      assert.throws(
        () => parseWith(patch),
        (err: unknown) => {
          assert.ok(err instanceof ManifestError, String(err));
          assert.match(err.message, expected);
          return true;
        },
      );
    });
  }

  it('refuses text that is not YAML, and a missing statistics file', () => {
    assert.throws(() => parseManifest('a: [1, 2', 'bad.yaml', validStats(), 's'), /bad\.yaml: not valid YAML/);
    const dir = writeBundle();
    fs.rmSync(path.join(dir, 'stats.json'));
    assert.throws(() => loadPolicyBundle(dir), /field 'normalization': file .*stats\.json does not exist/);
  });

  it('loads a bundle folder and checks that every named file exists', () => {
    const dir = writeBundle();
    const bundle = loadPolicyBundle(dir);
    assert.equal(bundle.dir, dir);
    assert.equal(bundle.file('vlm.onnx'), path.join(dir, 'vlm.onnx'));
    fs.rmSync(path.join(dir, 'expert.onnx'));
    assert.throws(() => loadPolicyBundle(dir), /field 'expert\.model': file .*expert\.onnx does not exist/);
    assert.throws(() => loadPolicyBundle(path.join(dir, 'nope')), /policy bundle '.*nope' not found/);
  });
});
