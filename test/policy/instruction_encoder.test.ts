import { strict as assert } from 'node:assert';
import path from 'node:path';
import { InstructionEncoder } from '../../nodes/policy/instruction_encoder.js';
import { writeBundle } from './manifest_fixture.js';

describe('InstructionEncoder', () => {
  const dir = writeBundle();
  const spec = { template: 'what should the robot do to {instruction}?', tokenizer: 'tokenizer.json', maxTokens: 10, padId: 0 };

  it('fills the template, tokenises with the bundle tokenizer and pads to max_tokens', () => {
    const enc = new InstructionEncoder(spec, path.join(dir, 'tokenizer.json'));
    assert.equal(enc.prompt('  Push the cube '), 'what should the robot do to Push the cube?');
    const e = enc.encode('Push the cube');
    // what should the robot do to push the cube ? → ids 2,3,4,5,6,7,8,4,9 and '?' unknown (1)
    assert.deepEqual([...e.ids], [2n, 3n, 4n, 5n, 6n, 7n, 8n, 4n, 9n, 1n]);
    assert.deepEqual([...e.attentionMask], [1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n]);
    assert.equal(e.truncated, false);
    const short = new InstructionEncoder({ ...spec, template: '{instruction}' }, path.join(dir, 'tokenizer.json')).encode('push');
    assert.deepEqual([...short.ids], [8n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n]);
    assert.deepEqual([...short.attentionMask], [1n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n]);
  });

  it('truncates and says so', () => {
    const e = new InstructionEncoder({ ...spec, maxTokens: 3 }, path.join(dir, 'tokenizer.json')).encode('push the cube');
    assert.deepEqual([...e.ids], [2n, 3n, 4n]);
    assert.equal(e.truncated, true);
  });

  it('fails clearly on a missing tokenizer file', () => {
    assert.throws(() => new InstructionEncoder(spec, path.join(dir, 'nope.json')), /cannot read tokenizer .*nope\.json/);
  });
});
