// ChunkProducer beyond the happy path: experts that take images, the camera stamp behind a
// chunk, every field of the published ActionChunk, the chunk check at the bounds, joint-state
// rejections and what clear() forgets.
import { strict as assert } from 'node:assert';
import { ChunkProducer, type ChunkRequest, type NoRequest } from '../../nodes/fast_pathway/chunk_producer.js';
import type { LatentEntryData } from '../../nodes/fast_pathway/latent_buffer.js';
import type { TensorData } from '../../nodes/inference/tensor.js';
import type { PolicyManifest } from '../../nodes/policy/manifest.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { fromRosTime } from '../../nodes/ros/time.js';

const base = loadPolicyBundle('reference').manifest;
const joints = base.state.jointNames;
const H = base.action.horizon;
const D = base.action.names.length;

const latent = (version: number, observationTime: number, tensors = ['latent_tokens', 'latent_pooled']): LatentEntryData => ({
  version,
  instructionId: 'a',
  observationTime,
  readyTime: observationTime + 0.002,
  tensors: tensors.map((name) => ({ name, dims: [1, 1], data: new Float32Array(1) })),
});

/** A producer with an instruction, a latent observed at `latentAt` and joint state heard at `stateAt`. */
function ready(manifest: PolicyManifest = base, latentAt = 0.9, stateAt = 0.95): ChunkProducer {
  const p = new ChunkProducer(manifest, { maxLatentAge: 1, stateTimeout: 0.1, seed: 7, frameId: 'fr3_link0' });
  p.setInstruction('a');
  p.writeLatent(latent(1, latentAt));
  p.updateJoints(
    joints,
    joints.map(() => 0),
    stateAt,
  );
  return p;
}

const withImages: PolicyManifest = {
  ...base,
  expert: { ...base.expert, inputs: { ...base.expert.inputs, images: { scene: 'image_scene' } } },
};
const image: Record<string, TensorData> = { scene: { type: 'float32', dims: [1, 3, 1, 1], data: new Float32Array(3) } };
const zeros = () => new Float32Array(H * D);

describe('fast pathway core: ChunkProducer contract', () => {
  it('an expert without image inputs decodes without observations; one with them waits for the first', () => {
    const plain = ready();
    assert.equal(plain.takesImages, false);
    assert.ok('job' in plain.request(1));

    const p = ready(withImages);
    assert.equal(p.takesImages, true);
    assert.deepEqual(p.request(1), { reason: 'images', detail: 'no observation yet' });
    p.setImages(image, 0.97);
    const r = p.request(1) as ChunkRequest;
    assert.ok('job' in r);
    assert.equal(r.job.conditioning.image_scene, image.scene);
  });

  it('the decode job names the expert model, its decoding and tensor names, and feeds the latent as float32', () => {
    const r = ready().request(1) as ChunkRequest;
    const e = base.expert;
    assert.equal(r.job.model, 'expert');
    assert.equal(r.job.decoding, e.decoding);
    assert.equal(r.job.actionsInput, e.inputs.actions);
    assert.equal(r.job.timeInput, e.inputs.time);
    assert.equal(r.job.actionsOutput, e.outputs.actions);
    assert.equal(r.job.featuresOutput, e.outputs.features);
    const prefix = r.job.conditioning[e.inputs.latent.latent_tokens];
    assert.deepEqual(prefix, { type: 'float32', dims: [1, 1], data: new Float32Array(1) });
    assert.deepEqual(r.job.conditioning[e.inputs.state].dims, [1, joints.length]);
  });

  it('a chunk is stamped with the newest camera capture behind it: the latent, or a later observation, never an older one', () => {
    const p = ready(base, 0.9);
    assert.equal((p.request(1) as ChunkRequest).observedAt, 0.9);
    p.observeCameras(0.8);
    assert.equal((p.request(1) as ChunkRequest).observedAt, 0.9, 'an observation older than the latent');
    p.observeCameras(0.96);
    p.observeCameras(0.93);
    const r = p.request(1) as ChunkRequest;
    assert.equal(r.observedAt, 0.96, 'cameras heard since the latent (an older one later does not move it back)');
    const done = p.finish(r, zeros(), undefined, 0.004);
    assert.ok(done.ok);
    assert.equal(fromRosTime(done.chunk.observation_stamp), 0.96);

    const q = ready(withImages, 0.9);
    q.setImages(image, 0.98);
    assert.equal((q.request(1) as ChunkRequest).observedAt, 0.98);
  });

  it('publishes every field of the ActionChunk from the manifest, the request and the decode', () => {
    const p = ready();
    const r = p.request(1) as ChunkRequest;
    const features = Float32Array.of(1, 2);
    const done = p.finish(r, zeros(), features, 0.0042);
    assert.ok(done.ok);
    assert.equal(done.features, features);
    const c = done.chunk;
    assert.equal(c.header.frame_id, 'fr3_link0');
    assert.equal(fromRosTime(c.start_time), 1);
    assert.equal(c.dt, base.action.dt);
    assert.equal(c.horizon, H);
    assert.equal(c.rotation, base.action.rotation);
    assert.equal(c.gripper, 'absolute_continuous');
    assert.deepEqual(c.dimension_names, base.action.names);
    assert.equal(c.data.length, H * D);
    assert.equal(c.latent_age, r.latentAge);
    assert.ok(Math.abs(c.latent_age - 0.1) < 1e-12);
    assert.equal(c.inference_latency, 0.0042);
    assert.equal(c.sequence, 1);
    assert.equal(p.finish(r, zeros(), undefined, 0).ok && p.sequence, 2);
  });

  it("a manifest without a gripper publishes gripper ''", () => {
    const names = base.action.names.slice(0, -1);
    const noGripper: PolicyManifest = {
      ...base,
      action: {
        ...base.action,
        gripper: 'none',
        names,
        mean: base.action.mean.slice(0, -1),
        std: base.action.std.slice(0, -1),
        min: base.action.min.slice(0, -1),
        max: base.action.max.slice(0, -1),
      },
    };
    const p = ready(noGripper);
    const done = p.finish(p.request(1) as ChunkRequest, new Float32Array(H * names.length), undefined, 0);
    assert.ok(done.ok);
    assert.equal(done.chunk.gripper, '');
  });

  it('de-normalises before checking: a chunk just inside a bound is published, one past it is refused with the step and dimension', () => {
    const p = ready();
    const r = p.request(1) as ChunkRequest;
    const { mean, std, max, min } = base.action;
    // Dimension 0 of step 3 just below its max (in normalised units), the rest at the mean.
    const at = zeros();
    at[3 * D] = (max[0] - 1e-6 - mean[0]) / std[0];
    const published = p.finish(r, at, undefined, 0);
    assert.ok(published.ok, published.ok ? '' : published.reason);
    assert.ok(Math.abs(published.chunk.data[3 * D] - max[0]) < 2e-6);

    const below = zeros();
    below[5 * D + 6] = (min[6] - mean[6]) / std[6] - 0.01;
    const refused = p.finish(r, below, undefined, 0);
    assert.ok(!refused.ok);
    assert.match(refused.reason, new RegExp(`^step 5, dimension 'gripper' \\(6\\) = -?[\\d.e-]+ is below its min ${min[6]}$`));
    const nan = zeros();
    nan[0] = Number.NaN;
    assert.deepEqual(p.finish(r, nan, undefined, 0), {
      ok: false,
      kind: 'refused',
      reason: "step 0, dimension 'x' (0) is NaN (not finite)",
    });
    assert.equal(p.sequence, 1, 'only the chunk inside the bounds was published');
    assert.throws(() => p.finish(r, new Float32Array(D), undefined, 0), /expected 16×7/);
  });

  it('a too-old latent reports its age; a latent missing an expert tensor is an error, not an exception', () => {
    const p = ready(base, 0.9, 2.95);
    const old = p.request(3) as NoRequest;
    assert.deepEqual(old, {
      reason: 'latent',
      latent: 'too_old',
      detail: 'latent is 2.100 s old > max_latent_age 1 s',
      latentAge: 3 - 0.9,
    });
    p.maxLatentAge = 3;
    assert.ok('job' in p.request(3), 'max_latent_age is read at each tick');

    const q = new ChunkProducer(base, { maxLatentAge: 1, stateTimeout: 0.1, seed: 0, frameId: '' });
    q.setInstruction('a');
    q.writeLatent(latent(1, 0.9, ['latent_tokens']));
    q.updateJoints(
      joints,
      joints.map(() => 0),
      0.95,
    );
    const err = q.request(1) as NoRequest;
    assert.equal(err.reason, 'error');
    assert.match(err.detail, /no tensor 'latent_pooled'/);
  });

  it('joint states: names the state problem, counts rejections by reason, checks joint limits when given', () => {
    const p = new ChunkProducer(base, {
      maxLatentAge: 1,
      stateTimeout: 0.1,
      seed: 0,
      frameId: '',
      jointLimits: { min: joints.map(() => -1), max: joints.map(() => 1), tolerance: 0.1 },
    });
    p.setInstruction('a');
    p.writeLatent(latent(1, 0.9));
    assert.deepEqual(p.request(1), { reason: 'state', detail: "no joint_states for 'fr3_joint1' yet" });
    assert.equal(p.concernsJoints(['gripper_finger']), false);
    assert.equal(p.concernsJoints(['gripper_finger', joints[2]]), true);
    assert.equal(p.jointRejections('out_of_limits'), 0);
    const r = p.updateJoints(
      joints,
      joints.map((_, i) => (i === 3 ? 1.2 : 0)),
      0.95,
    );
    assert.equal(r.ok, false);
    assert.equal(p.jointRejections('out_of_limits'), 1);
    assert.equal(p.jointRejections('non_finite'), 0);
    assert.ok(
      p.updateJoints(
        joints,
        joints.map(() => 1.05),
        0.95,
      ).ok,
    );
    assert.ok('job' in p.request(1));
  });

  it('clear forgets latent, joint state, images and the camera stamp', () => {
    const p = ready(withImages);
    p.setImages(image, 0.99);
    assert.equal((p.request(1) as ChunkRequest).observedAt, 0.99);
    p.clear();
    assert.deepEqual(p.request(1), { reason: 'latent', latent: 'empty', detail: "no latent yet for instruction 'a'" });
    p.writeLatent(latent(2, 0.5));
    assert.deepEqual(p.request(0.55), { reason: 'state', detail: "no joint_states for 'fr3_joint1' yet" });
    p.updateJoints(
      joints,
      joints.map(() => 0),
      0.55,
    );
    assert.deepEqual(p.request(0.55), { reason: 'images', detail: 'no observation yet' });
    p.setImages(image, 0.52);
    assert.equal((p.request(0.55) as ChunkRequest).observedAt, 0.52, 'the stamp before clear() is gone');
  });
});
