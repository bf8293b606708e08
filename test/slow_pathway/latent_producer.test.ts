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
  const instruction = (id: string, text = 'touch the red block'): vla_ros_msgs.msg.Instruction => ({
    header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
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
