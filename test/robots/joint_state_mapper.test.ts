// JointStateMapper (nodes/robots): joint_states → our joint order by name, one message alone
// (`map`, the controller bridge) or merged over messages with per-joint stamps (`latest`, the fast
// pathway).

import { strict as assert } from 'node:assert';
import { JointStateMapper } from '../../nodes/robots/joint_state_mapper.js';

describe('JointStateMapper', () => {
  describe('map: one message alone', () => {
    it('maps by name whatever the driver order, and names what is missing', () => {
      const m = new JointStateMapper(['a', 'b', 'c']);
      const r = m.map(['c', 'x', 'a', 'b'], [3, 9, 1, 2]);
      assert.ok(r.ok);
      if (r.ok) assert.deepEqual(Array.from(r.positions), [1, 2, 3]);
      const missing = m.map(['a', 'b'], [1, 2]);
      assert.ok(!missing.ok && /'c'/.test(missing.error));
      const nan = m.map(['a', 'b', 'c'], [1, NaN, 3]);
      assert.ok(!nan.ok && /'b'/.test(nan.error));
    });
  });

  describe('update + latest: merged within a timeout', () => {
    it('maps joints by name whatever the driver order, ignoring other joints', () => {
      const m = new JointStateMapper(['j1', 'j2', 'j3']);
      assert.equal(m.update(['finger', 'j3', 'j1', 'j2'], [0.04, 3, 1, 2], 10), 3);
      const s = m.latest(10.01, 0.1);
      assert.ok('positions' in s);
      assert.deepEqual([...s.positions], [1, 2, 3]);
      assert.equal(s.stamp, 10);
    });

    it('merges joints split over several messages; the stamp is the oldest joint', () => {
      const m = new JointStateMapper(['j1', 'j2']);
      m.update(['j1'], [1], 10);
      assert.deepEqual(m.latest(10, 1), { missing: "no joint_states for 'j2' yet" });
      m.update(['j2'], [2], 10.05);
      const s = m.latest(10.06, 0.1);
      assert.ok('positions' in s);
      assert.equal(s.stamp, 10);
    });

    it('reports stale joints and ignores non-finite readings', () => {
      const m = new JointStateMapper(['j1']);
      m.update(['j1'], [1], 10);
      m.update(['j1'], [NaN], 11);
      const s = m.latest(10.5, 1);
      assert.ok('positions' in s && s.positions[0] === 1 && s.stamp === 10, 'NaN reading did not replace the value or stamp');
      assert.deepEqual(m.latest(11.5, 1), { missing: "joint 'j1' is 1.500 s old > state_timeout 1 s" });
    });
  });
});
