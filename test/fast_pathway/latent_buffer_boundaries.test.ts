// The latent buffer at its edges: exactly at max_latent_age, equal versions or observation
// times, writes before any instruction, clear, and the text of every refusal (it goes to the
// node's status and log).
import { strict as assert } from 'node:assert';
import { LatentBuffer, type LatentEntryData, type LatentRead } from '../../nodes/fast_pathway/latent_buffer.js';

const entry = (version: number, instructionId: string, observationTime: number): LatentEntryData => ({
  version,
  instructionId,
  observationTime,
  readyTime: observationTime + 0.1,
  tensors: [{ name: 'latent', dims: [1, 1], data: Float32Array.of(version) }],
});

const version = (r: LatentRead) => ('entry' in r ? r.entry.version : r.reason);

describe('LatentBuffer boundaries', () => {
  it('hands out an entry of exactly max_latent_age, withholds it just past, with the age in the refusal', () => {
    const b = new LatentBuffer(0.25);
    b.setInstruction('a');
    b.write(entry(1, 'a', 2));
    const at = b.read(2.25);
    assert.ok('entry' in at);
    assert.equal(at.age, 0.25);
    const past = b.read(2.5);
    assert.deepEqual(past, { reason: 'too_old', age: 0.5, detail: 'latent is 0.500 s old > max_latent_age 0.25 s' });
  });

  it('says why it has nothing: no instruction yet, or no latent for the current one', () => {
    const b = new LatentBuffer(1);
    assert.deepEqual(b.read(0), { reason: 'no_instruction', detail: 'no instruction yet' });
    b.setInstruction('pick');
    assert.deepEqual(b.read(0), { reason: 'empty', detail: "no latent yet for instruction 'pick'" });
    assert.equal(b.instructionId, 'pick');
  });

  it('accepts a newer version with the same observation time, and a newer observation with the same version', () => {
    const b = new LatentBuffer(1);
    b.setInstruction('a');
    assert.deepEqual(b.write(entry(5, 'a', 10)), { accepted: true });
    assert.deepEqual(b.write(entry(6, 'a', 10)), { accepted: true });
    assert.equal(version(b.read(10)), 6);
    assert.deepEqual(b.write(entry(6, 'a', 10.1)), { accepted: true });
    assert.equal((b.read(10.1) as { age: number }).age, 0);
  });

  it('refusals name both versions, or both observation times, and keep the current entry', () => {
    const b = new LatentBuffer(1);
    b.setInstruction('a');
    b.write(entry(5, 'a', 10));
    assert.deepEqual(b.write(entry(4, 'a', 10)), { accepted: false, reason: 'latent version 4 is not newer than 5' });
    assert.deepEqual(b.write(entry(9, 'a', 9.5)), {
      accepted: false,
      reason: 'latent observed at 9.5 is older than the current one (10)',
    });
    assert.deepEqual(b.write(entry(9, 'b', 11)), { accepted: false, reason: "latent answers instruction 'b', current is 'a'" });
    assert.equal(version(b.read(10)), 5);
  });

  it('before any instruction a latent is kept; the first instruction keeps it only if it answers that one', () => {
    const b = new LatentBuffer(1);
    assert.deepEqual(b.write(entry(1, 'a', 1)), { accepted: true });
    assert.equal(b.instructionId, undefined);
    b.setInstruction('a');
    assert.equal(version(b.read(1)), 1);

    const c = new LatentBuffer(1);
    c.write(entry(1, 'a', 1));
    c.setInstruction('b');
    assert.equal(version(c.read(1)), 'empty');
  });

  it('clear forgets the entry but not the instruction; an older observation is then accepted again', () => {
    const b = new LatentBuffer(1);
    b.setInstruction('a');
    b.write(entry(3, 'a', 5));
    b.clear();
    assert.equal(version(b.read(5)), 'empty');
    assert.equal(b.instructionId, 'a');
    assert.deepEqual(b.write(entry(1, 'a', 1)), { accepted: true });
  });

  it('max_latent_age can change while running', () => {
    const b = new LatentBuffer(1);
    b.setInstruction('a');
    b.write(entry(1, 'a', 0));
    assert.equal(version(b.read(0.5)), 1);
    b.maxAge = 0.4;
    assert.equal(version(b.read(0.5)), 'too_old');
  });
});
