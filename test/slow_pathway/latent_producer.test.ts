// The slow pathway's per-tick core (slow_pathway/latent_producer.ts), which the node and
// `vla-ros sim eval` both drive: which observation the VLM runs on, when at once, and which
// results become latents.

import { strict as assert } from 'node:assert';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { InstructionEncoder } from '../../nodes/policy/instruction_encoder.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { LatentProducer, observationRef, type ObservationRef, type VlmJob } from '../../nodes/slow_pathway/latent_producer.js';

describe('slow pathway core: LatentProducer', () => {
  const bundle = loadPolicyBundle('reference');
  const m = bundle.manifest;
  const encoder = new InstructionEncoder(m.instruction, bundle.file(m.instruction.tokenizer));
  const instruction = (id: string, text = 'touch the red block', given = 0): vla_ros_msgs.msg.Instruction => ({
    header: { stamp: toRosTime(given), frame_id: '' },
    id,
    text,
  });
  let built = 0;
  const observation = (sequence: number, stamp: number): ObservationRef => ({
    stamp: toRosTime(stamp),
    sequence,
    message: () => {
      built++;
      return {
        header: { stamp: toRosTime(stamp), frame_id: '' },
        sequence,
        camera_names: m.cameras.map((c) => c.name),
        camera_stamps: m.cameras.map(() => toRosTime(stamp)),
        images: m.cameras.map((c) => ({
          name: c.name,
          dtype: 1,
          shape: Uint32Array.of(3, c.height, c.width),
          data: new Uint8Array(4 * 3 * c.height * c.width),
        })),
      };
    },
  });
  const reasonOf = (r: ReturnType<LatentProducer['pick']>) => ('observation' in r ? 'job' : r.reason);
  const outputs = () =>
    Object.fromEntries(m.vlm.latentOutputs.map((n) => [n, { type: 'float32' as const, dims: [1, 2], data: Float32Array.of(1, 2) }]));

  it('runs at once on the first observation of a new instruction, never on a stale one or the same one twice', () => {
    const p = new LatentProducer(m, encoder, 0.25);
    assert.equal(reasonOf(p.pick(1)), 'idle', 'no instruction: nothing to do');
    assert.equal(p.setInstruction(instruction('a')), true);
    assert.equal(p.setInstruction(instruction('a')), false, 'the same instruction again is not new');
    const none = p.pick(1);
    assert.ok(!('observation' in none) && none.reason === 'no_observation');
    assert.equal(p.observe(observation(1, 0.9)), true, 'first observation for an unanswered instruction: run now');
    const stale = p.pick(1.2);
    assert.ok(!('observation' in stale) && stale.reason === 'stale');
    const job = p.pick(1) as VlmJob;
    assert.equal(job.observation.sequence, 1);
    assert.equal(job.requestedAt, 1);
    const before = built;
    const { feeds } = p.start(job);
    assert.equal(built, before + 1, 'the observation message is built when the VLM runs on it');
    assert.ok(feeds[m.vlm.inputs.tokenIds] !== undefined);
    assert.equal(reasonOf(p.pick(1.01)), 'idle', 'the same observation is not used twice for an instruction');
    assert.equal(p.observe(observation(2, 1.03)), false, 'already running for this instruction: wait for the period');
    assert.equal((p.pick(1.05) as VlmJob).observation.sequence, 2);
  });

  it('answers an instruction from a frame seen after it was given: the frame before a reset shows the old scene', () => {
    const p = new LatentProducer(m, encoder, 0.25);
    p.setInstruction(instruction('episode-1', 'touch the red block', 1));
    p.observe(observation(1, 1.2));
    p.start(p.pick(1.2) as VlmJob);
    // Episode 2 starts at 2.002 s; the latest frame (2.0 s) was taken before.
    assert.equal(p.observe(observation(2, 2.0)), false);
    assert.equal(p.setInstruction(instruction('episode-2', 'lift the blue block', 2.002)), true);
    assert.equal(reasonOf(p.pick(2.002)), 'idle', 'no frame of the new scene yet: nothing to run');
    assert.equal(p.observe(observation(3, 2.002)), false, 'a frame stamped at the instant the instruction was given: not after it');
    assert.equal(p.observe(observation(4, 2.033)), true, 'the next frame: run at once');
    const job = p.pick(2.033) as VlmJob;
    assert.equal(job.observation.sequence, 4);
    assert.equal(job.instruction.id, 'episode-2');
    // Unknown (0) stamps: any frame will do; so does a stamp from a clock ahead of ours.
    const q = new LatentProducer(m, encoder, 0.25);
    q.setInstruction(instruction('a', 'touch the red block', 0));
    assert.equal(q.observe(observation(1, 0.5)), true);
    q.setInstruction(instruction('b', 'touch the red block', 9));
    assert.equal(reasonOf(q.pick(0.6)), 'job', 'instruction stamped 9 s at 0.6 s: not trusted, the frame of 0.5 s is used');
  });

  it('a result becomes the latent stamped with its observation; a result for a replaced instruction is dropped', () => {
    const p = new LatentProducer(m, encoder, 0.25);
    p.setInstruction(instruction('a'));
    p.observe(observation(1, 2));
    const job = p.pick(2.01) as VlmJob;
    p.start(job);
    const r = p.finish(job, outputs(), 2.013, 0.0004);
    assert.ok(r.ok);
    assert.deepEqual(r.latent.header.stamp, toRosTime(2));
    assert.deepEqual(r.latent.ready_time, toRosTime(2.013));
    assert.equal(r.latent.version, 1);
    assert.equal(r.latent.instruction_id, 'a');
    assert.deepEqual(
      r.latent.tensors.map((t) => t.name),
      m.vlm.latentOutputs,
    );
    // Answered: a new observation no longer runs at once.
    assert.equal(p.observe(observation(2, 2.03)), false);
    const next = p.pick(2.2) as VlmJob;
    p.start(next);
    p.setInstruction(instruction('b', 'push the blue block to the left'));
    const dropped = p.finish(next, outputs(), 2.203, 0.0004);
    assert.ok(!dropped.ok && /replaced/.test(dropped.reason));
    assert.equal(p.observe(observation(3, 2.23)), true, 'the new instruction is unanswered: run now');
  });

  it('observationRef wraps a received message without copying it', () => {
    const msg = observation(7, 3).message();
    const ref = observationRef(msg);
    assert.equal(ref.sequence, 7);
    assert.equal(ref.message(), msg);
    assert.deepEqual(ref.stamp, msg.header.stamp);
  });
});
