// The timeline of pending actions on its own: late chunks change nothing (not even the old
// plan's tail), RTC's frozen window only where asked for, lookups and clearing.

import { strict as assert } from 'node:assert';
import { actionLayout } from '../../nodes/controller_bridge/action_decoder.js';
import { ChunkTimeline } from '../../nodes/controller_bridge/chunk_timeline.js';
import { createMergeRule } from '../../nodes/controller_bridge/merge_rule.js';

const layout = actionLayout('joint_position', 'none', 'none', 1);
const values = (...v: number[]) => v.map((x) => Float64Array.of(x));
const plan = (t: ChunkTimeline, steps: number[]) => steps.map((k) => t.predictions(k).map((p) => p[0]));

describe('chunk timeline', () => {
  it('a chunk whose last action is for the committed step is late: the old plan stays whole', () => {
    const t = new ChunkTimeline(createMergeRule('latest_only'), layout);
    t.insert(1, values(1, 2, 3, 4, 5), 0);
    assert.deepEqual(t.insert(0, values(10, 20, 30), 2), { used: 0, executed: 3, overlapped: 0 });
    assert.deepEqual(plan(t, [1, 2, 3, 4, 5]), [[1], [2], [3], [4], [5]]);
    // One step more and it is not late: its last step supersedes the tail.
    assert.deepEqual(t.insert(1, values(10, 20, 30), 2), { used: 1, executed: 2, overlapped: 1 });
    assert.deepEqual(plan(t, [1, 2, 3, 4, 5]), [[1], [2], [30], [], []]);
  });

  it('without a frozen window every step takes the new action, also under RTC', () => {
    const t = new ChunkTimeline(createMergeRule('rtc'), layout);
    t.insert(1, values(1, 2, 3), 0);
    t.insert(1, values(10, 20, 30), 0);
    assert.deepEqual(plan(t, [1, 2, 3]), [[10], [20], [30]]);
    t.insert(1, values(100, 200, 300), 0, 3);
    assert.deepEqual(plan(t, [1, 2, 3]), [[10], [20], [300]], 'steps 1, 2 frozen');
  });

  it('has() and clear()', () => {
    const t = new ChunkTimeline(createMergeRule('latest_only'), layout);
    t.insert(1, values(1, 2), 0);
    assert.equal(t.has(1), true);
    assert.equal(t.has(3), false);
    t.clear();
    assert.equal(t.size, 0);
    assert.equal(t.has(1), false);
  });
});
