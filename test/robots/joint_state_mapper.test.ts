// JointStateMapper (nodes/robots): joint_states → our joint order by name, one message alone
// (`map`, the controller bridge) or merged over messages with per-joint stamps (`latest`, the fast
// pathway).

import { strict as assert } from 'node:assert';
import { JointStateMapper, limitsByName } from '../../nodes/robots/joint_state_mapper.js';

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
      assert.deepEqual(m.update(['finger', 'j3', 'j1', 'j2'], [0.04, 3, 1, 2], 10), { ok: true, updated: 3 });
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

    it('reports stale joints and rejects (counts) non-finite readings', () => {
      const m = new JointStateMapper(['j1']);
      m.update(['j1'], [1], 10);
      const r = m.update(['j1'], [NaN], 11);
      assert.ok(!r.ok && r.reason === 'non_finite');
      const s = m.latest(10.5, 1);
      assert.ok('positions' in s && s.positions[0] === 1 && s.stamp === 10, 'NaN reading did not replace the value or stamp');
      assert.deepEqual(m.latest(11.5, 1), { missing: "joint 'j1' is 1.500 s old > state_timeout 1 s" });
      assert.equal(m.rejected.get('non_finite'), 1);
    });
  });

  describe('validation (shared by the controller bridge and the fast pathway)', () => {
    const limits = { min: [-1, -2], max: [1, 2], tolerance: 0.1 };
    it('rejects a whole message with NaN, a duplicated name or a position far outside the limits, counted per reason', () => {
      const m = new JointStateMapper(['a', 'b'], limits);
      const cases: Array<[string[], number[], string]> = [
        [['a', 'b'], [0, Infinity], 'non_finite'],
        [['a', 'b', 'a'], [0, 1, 0.5], 'duplicate_name'],
        [['a', 'b'], [0, 52], 'out_of_limits'],
        [['a', 'b'], [-1.2, 0], 'out_of_limits'],
        [['a', 'b'], [0], 'malformed'],
      ];
      for (const [names, pos, reason] of cases) {
        const merged = m.update(names, pos, 1);
        assert.ok(!merged.ok && merged.reason === reason, `update ${JSON.stringify([names, pos])}: ${JSON.stringify(merged)}`);
        const alone = m.map(names, pos);
        assert.ok(!alone.ok && alone.reason === reason, `map ${JSON.stringify([names, pos])}: ${JSON.stringify(alone)}`);
      }
      assert.ok('missing' in m.latest(1, 1), 'nothing of a rejected message was used');
      assert.deepEqual(Object.fromEntries(m.rejected), { non_finite: 2, duplicate_name: 2, out_of_limits: 4, malformed: 2 });
      // Within the tolerance outside the limits: a real reading (encoders overshoot a little).
      assert.ok(m.update(['b', 'a'], [2.05, -1.05], 2).ok);
      const ok = m.map(['b', 'a'], [2.05, -1.05]);
      assert.ok(ok.ok && ok.positions[0] === -1.05);
    });

    it('map: a message missing one of our joints is rejected as missing_joint; limitsByName matches robot facts by name', () => {
      const robot = { jointNames: ['b', 'x', 'a'], positionMin: [-2, -9, -1], positionMax: [2, 9, 1] };
      const l = limitsByName(['a', 'b', 'c'], robot, 0.1);
      assert.deepEqual(
        [Array.from(l.min), Array.from(l.max)],
        [
          [-1, -2, -Infinity],
          [1, 2, Infinity],
        ],
      );
      const m = new JointStateMapper(['a', 'b', 'c'], l);
      const r = m.map(['a', 'b'], [0, 0]);
      assert.ok(!r.ok && r.reason === 'missing_joint' && /'c'/.test(r.error));
      assert.equal(m.rejected.get('missing_joint'), 1);
      assert.ok(m.map(['c', 'a', 'b'], [100, 0, 0]).ok, 'a joint without limits is not limit-checked');
    });
  });
});
