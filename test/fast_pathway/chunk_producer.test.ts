// The fast pathway's per-tick core (fast_pathway/chunk_producer.ts), which the node and
// `vla-ros sim eval` both drive: when a tick decodes, with what, and what it publishes.

import { strict as assert } from 'node:assert';
import { ChunkProducer, latentEntryFromMessage, type ChunkRequest } from '../../nodes/fast_pathway/chunk_producer.js';
import type { LatentEntryData } from '../../nodes/fast_pathway/latent_buffer.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { fromRosTime } from '../../nodes/ros/time.js';

describe('fast pathway core: ChunkProducer', () => {
  const manifest = loadPolicyBundle('reference').manifest;
  const joints = manifest.state.jointNames;
  const horizon = manifest.action.horizon;
  const dims = manifest.action.names.length;
  const latent = (version: number, observationTime: number, instructionId = 'a'): LatentEntryData => ({
    version,
    instructionId,
    observationTime,
    readyTime: observationTime + 0.002,
    tensors: [
      { name: 'latent_tokens', dims: [1, 2, 4], data: new Float32Array(8) },
      { name: 'latent_pooled', dims: [1, 4], data: new Float32Array(4) },
    ],
  });
  const producer = () => new ChunkProducer(manifest, { maxLatentAge: 1, stateTimeout: 0.1, seed: 40, frameId: 'base' });

  it('a tick decodes only with a current latent and fresh joint state, and says what is missing', () => {
    const p = producer();
    const why = (now: number) => {
      const r = p.request(now);
      return 'job' in r ? 'decode' : r.reason;
    };
    assert.equal(why(1), 'latent');
    p.setInstruction('a');
    p.writeLatent(latent(1, 0.9));
    assert.equal(why(1), 'state');
    p.updateJoints(
      [...joints].reverse(),
      joints.map((_, i) => joints.length - 1 - i),
      0.95,
    );
    assert.equal(why(1), 'decode');
    // Joint state older than state_timeout, latent older than max_latent_age.
    assert.equal(why(1.06), 'state');
    p.updateJoints(
      joints,
      joints.map(() => 0),
      2,
    );
    const old = p.request(2);
    assert.ok(!('job' in old) && old.reason === 'latent' && Math.abs(old.latentAge! - 1.1) < 1e-9);
    // A new instruction discards the latent of the old one.
    p.writeLatent(latent(2, 1.95));
    p.setInstruction('b');
    assert.equal(why(2), 'latent');
  });

  it('the decode job carries the latent, its age, the state by joint name and seed + chunks published', () => {
    const p = producer();
    p.setInstruction('a');
    p.writeLatent(latent(3, 0.7));
    p.updateJoints(
      [...joints].reverse(),
      joints.map((_, i) => joints.length - 1 - i),
      0.95,
    );
    const r = p.request(1) as ChunkRequest;
    assert.ok('job' in r);
    assert.equal(r.sampledAt, 1);
    assert.ok(Math.abs(r.latentAge - 0.3) < 1e-12);
    assert.equal(r.latent.version, 3);
    assert.equal(r.job.seed, 40);
    assert.equal(r.job.horizon, horizon);
    assert.equal(r.job.dimension, dims);
    assert.deepEqual(Array.from(r.job.conditioning[manifest.expert.inputs.latentAge!].data as Float32Array), [Math.fround(0.3)]);
  });

  it('publishes de-normalised chunks stamped for the tick that sampled them; refuses out-of-bounds ones without using a sequence number', () => {
    const p = producer();
    p.setInstruction('a');
    p.writeLatent(latent(5, 0.8));
    p.updateJoints(
      joints,
      joints.map(() => 0),
      0.99,
    );
    const r = p.request(1.0333) as ChunkRequest;
    // Normalised 0 = the action mean: within bounds.
    const ok = p.finish(r, new Float32Array(horizon * dims), undefined, 0.001);
    assert.ok(ok.ok);
    const m = ok.chunk;
    assert.equal(fromRosTime(m.header.stamp), 1.0333);
    assert.deepEqual(m.start_time, m.header.stamp);
    assert.equal(m.header.frame_id, 'base');
    assert.equal(m.sequence, 1);
    assert.equal(m.latent_version, 5);
    assert.equal(m.action_space, manifest.action.space);
    assert.deepEqual(
      Array.from(m.data.slice(0, dims)),
      manifest.action.mean.map((v) => Math.fround(v)),
    );
    assert.equal(p.sequence, 1);
    const next = p.request(1.0666) as ChunkRequest;
    assert.equal(next.job.seed, 41, 'chunk n uses seed + n');
    const refused = p.finish(next, new Float32Array(horizon * dims).fill(1e6), undefined, 0.001);
    assert.ok(!refused.ok && refused.kind === 'refused' && /bound|range|max/i.test(refused.reason), refused.ok ? '' : refused.reason);
    assert.equal(p.sequence, 1, 'a refused chunk publishes nothing');
    assert.equal((p.request(1.08) as ChunkRequest).job.seed, 41);
  });

  it('drops a chunk whose instruction was replaced while the expert ran (an episode boundary): it answers the old one', () => {
    const p = producer();
    p.setInstruction('episode-1');
    p.writeLatent(latent(5, 0.8, 'episode-1'));
    p.updateJoints(
      joints,
      joints.map(() => 0),
      0.99,
    );
    const before = p.request(1) as ChunkRequest;
    p.setInstruction('episode-1'); // the same instruction again: nothing replaced
    assert.ok(p.finish(before, new Float32Array(horizon * dims), undefined, 0.001).ok);
    const inFlight = p.request(1.0333) as ChunkRequest;
    p.setInstruction('episode-2');
    const r = p.finish(inFlight, new Float32Array(horizon * dims), undefined, 0.001);
    assert.ok(!r.ok && r.kind === 'superseded', r.ok ? 'published' : r.reason);
    assert.equal(r.reason, "instruction 'episode-1' was replaced by 'episode-2' while the expert ran");
    assert.equal(p.sequence, 1, 'nothing published, no sequence number used');
    // The new instruction's latent decodes and publishes again.
    p.writeLatent(latent(6, 1.02, 'episode-2'));
    const next = p.request(1.0666) as ChunkRequest;
    const ok = p.finish(next, new Float32Array(horizon * dims), undefined, 0.001);
    assert.ok(ok.ok && ok.chunk.sequence === 2 && ok.chunk.latent_version === 6);
  });

  it('reads a LatentEntry message as the buffer holds it', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const e = latentEntryFromMessage({
      header: { stamp: { sec: 3, nanosec: 500_000_000 }, frame_id: '' },
      ready_time: { sec: 3, nanosec: 600_000_000 },
      version: 9,
      instruction_id: 'x',
      instruction: 'touch it',
      inference_latency: 0.001,
      tensors: [{ name: 'latent_pooled', dtype: 1, shape: Uint32Array.of(1, 4), data: new Uint8Array(data.buffer) }],
    });
    assert.equal(e.observationTime, 3.5);
    assert.equal(e.readyTime, 3.6);
    assert.deepEqual(Array.from(e.tensors[0].data), [1, 2, 3, 4]);
    assert.deepEqual(e.tensors[0].dims, [1, 4]);
  });
});
