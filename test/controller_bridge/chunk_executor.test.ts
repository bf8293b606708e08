// The chunk executor's bookkeeping on its own (one joint, dt = 0.1 s, step k due at 100 + 0.1·k):
// what it reports before and after the first chunk, which step counts as committed after a hold
// or an idle spell, when a chunk starts a new step grid, and the gripper target.

import { strict as assert } from 'node:assert';
import { decodeChunk, type ChunkInput, type DecodedChunk } from '../../nodes/controller_bridge/action_decoder.js';
import { ChunkExecutor } from '../../nodes/controller_bridge/chunk_executor.js';
import { createMergeRule } from '../../nodes/controller_bridge/merge_rule.js';
import { chunk } from './helpers.js';

const T0 = 100;

function decode(input: ChunkInput): DecodedChunk {
  const r = decodeChunk(input, { commandInterface: 'joint', jointNames: ['j'], baseFrame: 'base' });
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.chunk;
}

/** One-joint positions observed at `stamp` (action 0 at `start`). */
const positions = (values: number[], stamp: number, start = stamp, dt = 0.1) =>
  decode(
    chunk(
      values.map((v) => [v]),
      { stamp, startTime: start, dt },
    ),
  );

function executor(): ChunkExecutor {
  return new ChunkExecutor({
    kind: 'joint',
    targetSize: 1,
    rule: createMergeRule('latest_only'),
    clampWaypoint: () => {},
    gripperThreshold: 0.1,
  });
}

const at = (ex: ChunkExecutor, t: number) => ex.sample(t, new Float64Array(1))[0];

describe('chunk executor', () => {
  it('before the first hold: idle, no grid, no committed step, and it refuses chunks', () => {
    const ex = executor();
    assert.equal(ex.isIdle, true);
    assert.equal(ex.dt, undefined);
    assert.equal(ex.layout, undefined);
    assert.equal(ex.pending, 0);
    assert.equal(ex.committedStep, -Infinity);
    assert.equal(ex.stepAt(T0), -Infinity);
    assert.equal(ex.gripperTarget, undefined);
    assert.throws(
      () => ex.insert(positions([1, 2], T0), T0),
      (e: unknown) => e instanceof Error && e.message === 'ChunkExecutor.insert before hold(): the executor needs a starting target',
    );
  });

  it('the first chunk fixes the grid: dt, layout, pending steps and the committed step', () => {
    const ex = executor();
    ex.hold(T0, Float64Array.of(0));
    assert.equal(ex.committedStep, -Infinity, 'no grid yet');
    const c = positions([0, 1, 2, 3], T0);
    assert.deepEqual(ex.insert(c, T0), { used: 3, executed: 1, overlapped: 0, rebased: true, firstStep: 0, committed: 0 });
    assert.equal(ex.dt, 0.1);
    assert.equal(ex.layout, c.layout);
    assert.equal(ex.pending, 3);
    assert.equal(ex.isIdle, false);
    assert.equal(ex.stepAt(T0 + 0.25), 2);
    // The next chunk on the same grid does not start a new one.
    assert.equal(ex.insert(positions([1, 2, 3], T0 + 0.1), T0 + 0.1).rebased, false);
  });

  it('a hold keeps the grid and counts the steps passed; forgetGrid drops it', () => {
    const ex = executor();
    ex.hold(T0, Float64Array.of(0));
    ex.insert(positions([0, 1, 2, 3], T0), T0);
    at(ex, T0 + 0.25);
    assert.equal(ex.committedStep, 3, 'heading for step 3');
    ex.hold(T0 + 0.55, Float64Array.of(2.5));
    assert.equal(ex.committedStep, 5);
    assert.equal(ex.dt, 0.1);
    assert.equal(ex.pending, 0);
    assert.equal(ex.isIdle, true);
    // A chunk after the hold moves the target from where it was held, on the same grid.
    const r = ex.insert(positions([9, 9, 9, 9], T0 + 0.55), T0 + 0.55);
    assert.equal(r.rebased, false);
    assert.equal(at(ex, T0 + 0.55), 2.5);
    assert.ok(at(ex, T0 + 0.75) > 2.5, 'moving again');
    ex.hold(T0 + 1, Float64Array.of(0), true);
    assert.equal(ex.dt, undefined);
    assert.equal(ex.committedStep, -Infinity);
    assert.equal(ex.insert(positions([1, 2], T0 + 1), T0 + 1).rebased, true);
  });

  it('steps that pass while idle count as executed (sampled late, or a chunk arriving late)', () => {
    // Sampled once, long after the plan ran out: committed up to the step of that sample.
    const sampled = executor();
    sampled.hold(T0, Float64Array.of(0));
    sampled.insert(positions([0, 1, 2], T0), T0);
    assert.equal(at(sampled, T0 + 0.55), 2);
    assert.equal(sampled.committedStep, 5);
    assert.equal(sampled.isIdle, true);
    // Ran out at T0 + 0.2; the next chunk arrives at T0 + 0.55 with actions from step 3 on.
    const late = executor();
    late.hold(T0, Float64Array.of(0));
    late.insert(positions([0, 1, 2], T0), T0);
    at(late, T0 + 0.25);
    assert.equal(late.committedStep, 2);
    assert.deepEqual(late.insert(positions([3, 4, 5, 6, 7], T0 + 0.3), T0 + 0.55), {
      used: 2,
      executed: 3,
      overlapped: 0,
      rebased: false,
      firstStep: 3,
      committed: 5,
    });
  });

  it('a dt that differs by more than a relative 1e-9, or another layout, starts a new grid', () => {
    const grid = (second: DecodedChunk) => {
      const ex = executor();
      ex.hold(T0, Float64Array.of(0));
      ex.insert(positions([0, 1, 2, 3], T0), T0);
      return ex.insert(second, T0 + 0.1).rebased;
    };
    assert.equal(grid(positions([1, 2, 3], T0 + 0.1, T0 + 0.1, 0.1 * (1 + 1e-8))), true);
    assert.equal(grid(positions([1, 2, 3], T0 + 0.1, T0 + 0.1, 0.1 * (1 + 1e-10))), false);
    const deltas = decode(chunk([[0], [0.1], [0.1]], { actionSpace: 'joint_delta', stamp: T0 + 0.1, dt: 0.1 }));
    assert.equal(grid(deltas), true);
  });

  it('the gripper target: reset on demand, kept by chunks without a gripper column', () => {
    const ex = executor();
    ex.hold(T0, Float64Array.of(0));
    ex.resetGripper(0.5);
    assert.equal(ex.gripperTarget, 0.5);
    ex.insert(positions([0, 1, 2], T0), T0);
    at(ex, T0 + 0.25);
    assert.equal(ex.gripperTarget, 0.5);
    const withGripper = decode(
      chunk(
        [
          [0, 0],
          [1, 0.25],
        ],
        { stamp: T0 + 0.3, dt: 0.1, gripper: 'absolute_continuous', dimensionNames: ['j', 'gripper'] },
      ),
    );
    ex.insert(withGripper, T0 + 0.3);
    at(ex, T0 + 0.45);
    assert.equal(ex.gripperTarget, 0.25);
    ex.resetGripper();
    assert.equal(ex.gripperTarget, undefined);
  });
});
