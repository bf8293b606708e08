// tools/policy/rollout_id.ts: the fault's kind and onset go into a rollout's episode id and come
// back out of it unchanged; ids without an onset (older rollouts, synthetic ones) still give their kind.

import { strict as assert } from 'node:assert';
import { onsetStep, rolloutFault, rolloutId } from '../../tools/policy/rollout_id.js';

describe('tools/policy/rollout_id', () => {
  it('writes nominal and injected ids and reads kind and onset back', () => {
    assert.equal(rolloutId('train', 7), 'train-0007-nominal');
    assert.equal(rolloutId('train', 21, { kind: 'instruction_switched', onset: 54 }), 'train-0021-t54-instruction_switched');
    assert.deepEqual(rolloutFault('train-0021-t54-instruction_switched'), { kind: 'instruction_switched', onset: 54 });
    assert.deepEqual(rolloutFault('train-0007-nominal'), { kind: '', onset: -1 });
    assert.deepEqual(rolloutFault('s3-0002-frozen_camera'), { kind: 'frozen_camera', onset: -1 });
    assert.deepEqual(rolloutFault('episode 12'), { kind: '', onset: -1 });
  });

  it('the onset is the first feature step at or after the start, within the episode', () => {
    assert.equal(onsetStep(1.0, 15, 450), 30);
    assert.equal(onsetStep(1.01, 15, 450), 31);
    assert.equal(onsetStep(0, 15, 450), 0);
    assert.equal(onsetStep(2.5, 2, 60), 60, 'a fault due after the episode ended: no step of it is faulty');
  });
});
