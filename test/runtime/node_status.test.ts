import { strict as assert } from 'node:assert';
import { NodeStatus, percentile } from '../../nodes/runtime/node_status.js';

describe('NodeStatus', () => {
  it('nearest-rank percentiles', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.equal(percentile([5], 99), 5);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 99), 4);
    assert.equal(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
      99,
    );
  });

  it('reports rate and latency percentiles over its window, and counters since start', () => {
    const s = new NodeStatus(1);
    for (let i = 0; i <= 30; i++) s.output(100 + i / 30, i === 30 ? 0.01 : 0.002);
    s.drop(3);
    s.overrun();
    s.set('running');
    const snap = s.snapshot(101);
    assert.ok(Math.abs(snap.rate - 30) < 1e-9, `rate ${snap.rate}`);
    assert.equal(snap.latencyP50, 0.002);
    assert.equal(snap.latencyP99, 0.01);
    assert.deepEqual([snap.drops, snap.overruns, snap.state], [3, 1, 'running']);
    // Two seconds later the window is empty: no rate, no latency, counters stay.
    const later = s.snapshot(103);
    assert.equal(later.rate, 0);
    assert.ok(Number.isNaN(later.latencyP50));
    assert.equal(later.drops, 3);
  });

  it('counts a rejected input as a drop and as <input>_rejected_<reason>', () => {
    const s = new NodeStatus();
    s.rejected('joint_states', 'non_finite', 1);
    s.rejected('joint_states', 'non_finite', 2);
    s.rejected('current_pose', 'non_finite', 1);
    const snap = s.snapshot(0);
    assert.equal(snap.drops, 3);
    assert.deepEqual(snap.values, { joint_states_rejected_non_finite: '2', current_pose_rejected_non_finite: '1' });
  });
});
