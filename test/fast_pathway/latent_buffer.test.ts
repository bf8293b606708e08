import { strict as assert } from 'node:assert';
import { LatentBuffer, type LatentEntryData } from '../../nodes/fast_pathway/latent_buffer.js';

const entry = (version: number, instructionId: string, observationTime: number): LatentEntryData => ({
  version,
  instructionId,
  observationTime,
  readyTime: observationTime + 0.1,
  tensors: [{ name: 'latent', dims: [1, 2], data: Float32Array.from([version, version]) }],
});

describe('LatentBuffer', () => {
  it('hands out nothing before an instruction and a latent exist, saying why', () => {
    const b = new LatentBuffer(1);
    const none = b.read(10);
    assert.ok(!('entry' in none) && none.reason === 'no_instruction');
    b.setInstruction('a');
    const r = b.read(10);
    assert.ok(!('entry' in r) && r.reason === 'empty');
  });

  it('keeps the latest entry and reports its age from the observation time', () => {
    const b = new LatentBuffer(1);
    b.setInstruction('a');
    assert.deepEqual(b.write(entry(1, 'a', 10)), { accepted: true });
    assert.deepEqual(b.write(entry(2, 'a', 10.5)), { accepted: true });
    const r = b.read(10.75);
    assert.ok('entry' in r);
    assert.equal(r.entry.version, 2);
    assert.equal(r.age, 0.25);
  });

  it('refuses older or repeated versions and older observations', () => {
    const b = new LatentBuffer(1);
    b.setInstruction('a');
    b.write(entry(5, 'a', 10));
    assert.match((b.write(entry(5, 'a', 10)) as { reason: string }).reason, /not newer/);
    assert.match((b.write(entry(6, 'a', 9.5)) as { reason: string }).reason, /older than the current one/);
    // A restarted slow pathway counts from 1 again; its newer observation still wins.
    assert.deepEqual(b.write(entry(1, 'a', 11)), { accepted: true });
  });

  it('withholds an entry older than max_latent_age', () => {
    const b = new LatentBuffer(0.5);
    b.setInstruction('a');
    b.write(entry(1, 'a', 10));
    assert.ok('entry' in b.read(10.5));
    const r = b.read(10.6);
    assert.ok(!('entry' in r) && r.reason === 'too_old');
    assert.match(r.detail, /0\.600 s old > max_latent_age 0\.5 s/);
  });

  it('a new instruction invalidates latents of older ones, and refuses their late arrivals', () => {
    const b = new LatentBuffer(1);
    b.setInstruction('a');
    b.write(entry(1, 'a', 10));
    b.setInstruction('b');
    const r = b.read(10.1);
    assert.ok(!('entry' in r) && r.reason === 'empty');
    assert.match((b.write(entry(2, 'a', 10.05)) as { reason: string }).reason, /answers instruction 'a', current is 'b'/);
    assert.deepEqual(b.write(entry(3, 'b', 10.1)), { accepted: true });
    b.setInstruction('b');
    assert.ok('entry' in b.read(10.2), 'setting the same instruction again keeps the entry');
  });
});
