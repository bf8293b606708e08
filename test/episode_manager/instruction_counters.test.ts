import { strict as assert } from 'node:assert';
import { InstructionCounters } from '../../nodes/episode_manager/instruction_counters.js';
import { NodeStatus } from '../../nodes/runtime/node_status.js';

describe('episode_manager instruction counters', () => {
  const values = (status: NodeStatus) => status.snapshot(0).values;

  it('puts every counter in the status at 0 from the start', () => {
    const status = new NodeStatus();
    new InstructionCounters(status);
    assert.deepEqual(values(status), { instructions_empty: '0', instructions_too_long: '0', instructions_before_active: '0' });
  });

  it('counts each refusal under its own name', () => {
    const status = new NodeStatus();
    const counters = new InstructionCounters(status);
    counters.rejected('empty');
    counters.rejected('too_long');
    counters.rejected('too_long');
    counters.count('instructions_before_active');
    assert.deepEqual(values(status), { instructions_empty: '1', instructions_too_long: '2', instructions_before_active: '1' });
  });
});
