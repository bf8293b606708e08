// Chunk execution against hand-computed timelines: a one-joint arm, dt = 0.1 s, time from 100 s.
// Step k is due at 100 + 0.1·k. A chunk arriving while the target heads for waypoint k can
// only change steps > k (k is committed), so every expectation below is worked out by hand
// from that rule and the merge formulas.

import { strict as assert } from 'node:assert';
import { actionLayout, decodeChunk, type ChunkInput, type DecodedChunk } from '../../nodes/controller_bridge/action_decoder.js';
import { ChunkExecutor } from '../../nodes/controller_bridge/chunk_executor.js';
import { ChunkTimeline } from '../../nodes/controller_bridge/chunk_timeline.js';
import { createMergeRule, weightedMean, type MergeRuleName } from '../../nodes/controller_bridge/merge_rule.js';
import { RtcDelayEstimator } from '../../nodes/controller_bridge/rtc_delay_estimator.js';
import { quatAngle, quatFromEulerXyz } from '../../nodes/robots/rotation.js';
import { chunk } from './helpers.js';

const T0 = 100;
const DT = 0.1;

function decode(input: ChunkInput): DecodedChunk {
  const r = decodeChunk(input, { commandInterface: 'joint', jointNames: ['j'], baseFrame: 'base' });
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.chunk;
}

/** A chunk of one-joint positions observed at `stamp` (action 0 at `start`, default = stamp). */
function positions(values: number[], stamp: number, start = stamp, sequence = 0): DecodedChunk {
  return decode(
    chunk(
      values.map((v) => [v]),
      { stamp, startTime: start, dt: DT, sequence },
    ),
  );
}

function executor(rule: MergeRuleName, start = 0): ChunkExecutor {
  const ex = new ChunkExecutor({
    kind: 'joint',
    targetSize: 1,
    rule: createMergeRule(rule),
    clampWaypoint: () => {},
    gripperThreshold: 0.1,
  });
  ex.hold(T0, Float64Array.of(start), true);
  return ex;
}

const at = (ex: ChunkExecutor, t: number) => ex.sample(t, new Float64Array(1))[0];
const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);

/** Waypoint values at steps 1..n (sampled exactly at their due time). */
function waypoints(ex: ChunkExecutor, from: number, to: number): number[] {
  const out: number[] = [];
  for (let k = from; k <= to; k++) out.push(at(ex, T0 + k * DT));
  return out;
}

describe('chunk execution: hand-computed timelines', () => {
  it('executes one chunk: drops the action for the current step, interpolates linearly between waypoints', () => {
    const ex = executor('latest_only');
    // Arrives at its own observation time: step 0 is "now" (executed), steps 1..5 = 2..6.
    const r = ex.insert(positions([1, 2, 3, 4, 5, 6], T0), T0);
    assert.deepEqual([r.used, r.executed, r.firstStep, r.committed], [5, 1, 0, 0]);
    near(at(ex, T0 + 0.05), 1, 'halfway from the start (0) to waypoint 1 (2)');
    near(at(ex, T0 + 0.1), 2, 'waypoint 1');
    near(at(ex, T0 + 0.15), 2.5, 'halfway to waypoint 2');
    assert.deepEqual(waypoints(ex, 3, 5), [4, 5, 6]);
  });

  it('gap: after the last action the target holds the last waypoint', () => {
    const ex = executor('latest_only');
    ex.insert(positions([1, 2, 3], T0), T0);
    near(at(ex, T0 + 0.2), 3, 'last waypoint');
    near(at(ex, T0 + 0.25), 3, 'holds');
    near(at(ex, T0 + 5), 3, 'still holds');
    assert.equal(ex.isIdle, true);
  });

  // Chunk A observed at 100.0 (steps 0..5 = 1..6), chunk B observed at 100.1 (steps 1..6 =
  // 10..60) arriving at 100.15: the target heads for waypoint 2 then, so B's steps 1, 2 are
  // dropped; steps 3, 4, 5 overlap A's 4, 5, 6; step 6 is B's alone.
  const overlap: Record<Exclude<MergeRuleName, 'rtc'>, number[]> = {
    latest_only: [30, 40, 50, 60],
    weighted_average: [0.3 * 4 + 0.7 * 30, 0.3 * 5 + 0.7 * 40, 0.3 * 6 + 0.7 * 50, 60],
    average: [17, 22.5, 28, 60],
    conservative: [0.7 * 4 + 0.3 * 30, 0.7 * 5 + 0.3 * 40, 0.7 * 6 + 0.3 * 50, 60],
    temporal_ensemble: [4, 5, 6].map((old, i) => (old + Math.exp(-0.01) * [30, 40, 50][i]) / (1 + Math.exp(-0.01))).concat([60]),
  };
  for (const [rule, expected] of Object.entries(overlap) as [MergeRuleName, number[]][]) {
    it(`overlap, ${rule}: steps 3..6 = ${expected.map((v) => +v.toFixed(3)).join(', ')}`, () => {
      const ex = executor(rule);
      ex.insert(positions([1, 2, 3, 4, 5, 6], T0), T0);
      near(at(ex, T0 + 0.15), 2.5, 'before B');
      const r = ex.insert(positions([10, 20, 30, 40, 50, 60], T0 + 0.1), T0 + 0.15);
      assert.deepEqual([r.executed, r.overlapped, r.used, r.committed], [2, 3, 4, 2]);
      near(at(ex, T0 + 0.15), 2.5, 'no jump when B arrives');
      near(at(ex, T0 + 0.2), 3, 'committed waypoint 2 is A’s');
      waypoints(ex, 3, 6).forEach((v, i) => near(v, expected[i], `step ${3 + i}`));
    });
  }

  it('temporal_ensemble: w_i = exp(−m·i) with i = 0 the oldest of three predictions', () => {
    const ex = executor('temporal_ensemble');
    ex.insert(positions([0, 0, 0, 0, 3], T0), T0);
    ex.insert(positions([0, 0, 0, 6], T0 + 0.1), T0 + 0.1);
    ex.insert(positions([0, 0, 9], T0 + 0.2), T0 + 0.2);
    const w = [1, Math.exp(-0.01), Math.exp(-0.02)];
    near(waypoints(ex, 4, 4)[0], (3 * w[0] + 6 * w[1] + 9 * w[2]) / (w[0] + w[1] + w[2]), 'step 4');
  });

  it('rtc: the first d steps of a new chunk keep the committed plan, d from the slowest recent delay', () => {
    const estimator = new RtcDelayEstimator(10);
    const ex = executor('rtc');
    // A slow chunk (observed 100.0, arrives 100.25: δ = 0.25 → d = 3), then a fast one.
    estimator.observe(0.25);
    assert.equal(estimator.steps(DT), 3);
    ex.insert(positions([1, 2, 3, 4, 5, 6, 7, 8], T0), T0 + 0.25, estimator.steps(DT));
    // B observed at 100.3, arrives 100.35 (δ = 0.05, but d stays 3: max over the window).
    estimator.observe(0.05);
    const d = estimator.steps(DT);
    assert.equal(d, 3);
    near(at(ex, T0 + 0.35), 4.5, 'heading for waypoint 4');
    const r = ex.insert(positions([10, 20, 30, 40, 50], T0 + 0.3), T0 + 0.35, d);
    // B's steps 3, 4 are executed/committed; step 5 is inside B's frozen window [3, 6) and keeps
    // A's 6; from step 6 on, B: 40, 50; A's step 7 (8) lies beyond B's last step and is dropped.
    assert.deepEqual([r.executed, r.used], [2, 3]);
    assert.deepEqual(waypoints(ex, 5, 8), [6, 40, 50, 50]);
  });

  it('rtc with d = 0 is latest_only', () => {
    const ex = executor('rtc');
    ex.insert(positions([1, 2, 3, 4, 5, 6], T0), T0);
    ex.insert(positions([10, 20, 30, 40, 50, 60], T0 + 0.1), T0 + 0.15, 0);
    assert.deepEqual(waypoints(ex, 3, 6), overlap.latest_only);
  });

  it('late chunk: every action already executed → nothing changes', () => {
    const ex = executor('latest_only');
    ex.insert(positions([1, 2, 3, 4, 5, 6], T0), T0);
    at(ex, T0 + 0.35);
    const r = ex.insert(positions([10, 20, 30], T0 + 0.1), T0 + 0.35);
    assert.deepEqual([r.used, r.executed], [0, 3]);
    assert.deepEqual(waypoints(ex, 4, 5), [5, 6]);
  });

  it('early chunk: actions that start in the future leave the old plan running until then', () => {
    const ex = executor('latest_only');
    ex.insert(positions([1, 2, 3, 4, 5, 6], T0), T0);
    // Observed at 100.1 but its action 0 is meant for 100.4 (step 4).
    const r = ex.insert(positions([40, 50, 60, 70], T0 + 0.1, T0 + 0.4), T0 + 0.15);
    assert.equal(r.firstStep, 4);
    assert.deepEqual(waypoints(ex, 2, 7), [3, 4, 40, 50, 60, 70]);
  });

  it('early chunk after the old plan ran out: gap steps hold, then the new chunk moves on', () => {
    const ex = executor('latest_only');
    ex.insert(positions([1, 2, 3], T0), T0);
    // Steps 1, 2 from the first chunk; the next one starts at step 5 (100.5).
    ex.insert(positions([7, 8], T0 + 0.15, T0 + 0.5), T0 + 0.15);
    assert.deepEqual(waypoints(ex, 1, 6), [2, 3, 3, 3, 7, 8]);
  });

  it('a chunk after a pause starts from the current target now, over at least dt/2', () => {
    const ex = executor('latest_only');
    // Idle until 100.78; the chunk (observed at 100.7) sets the grid: its step 1 (100.8) is
    // the first usable one, only 20 ms away.
    const r = ex.insert(positions([1, 2, 3], T0 + 0.7), T0 + 0.78);
    assert.deepEqual([r.rebased, r.committed, r.used], [true, 0, 2]);
    near(at(ex, T0 + 0.78), 0, 'starts where it stands');
    // Waypoint 1 (= 2) is reached at 100.78 + 0.05, not at 100.8.
    near(at(ex, T0 + 0.805), 1, 'halfway after 25 ms');
    near(at(ex, T0 + 0.83), 2, 'waypoint 1');
    near(at(ex, T0 + 0.9), 3, 'waypoint 2 back on the grid');
  });

  it('deltas integrate on the previous waypoint, every step even when sampled rarely', () => {
    const ex = new ChunkExecutor({
      kind: 'joint',
      targetSize: 1,
      rule: createMergeRule('latest_only'),
      clampWaypoint: (w) => (w[0] = Math.min(w[0], 0.35)),
      gripperThreshold: 0.1,
    });
    ex.hold(T0, Float64Array.of(0), true);
    const deltas = decode(chunk([[0], [0.125], [0.125], [0.125], [0.125], [0.125]], { actionSpace: 'joint_delta', stamp: T0, dt: DT }));
    ex.insert(deltas, T0);
    // One sample after every step has passed: 5 deltas of 0.125, clamped at 0.35 by the waypoint clamp.
    near(at(ex, T0 + 1), 0.35, 'integrated and clamped');
    const ex2 = new ChunkExecutor({
      kind: 'joint',
      targetSize: 1,
      rule: createMergeRule('latest_only'),
      clampWaypoint: () => {},
      gripperThreshold: 0.1,
    });
    ex2.hold(T0, Float64Array.of(0), true);
    ex2.insert(deltas, T0);
    near(at(ex2, T0 + 1), 0.625, 'no delta skipped');
  });

  it('a chunk with another dt starts a new step grid from the current target', () => {
    const ex = executor('latest_only');
    ex.insert(positions([1, 2, 3, 4], T0), T0);
    near(at(ex, T0 + 0.15), 2.5, 'first grid');
    const other = decode(chunk([[9], [10], [11]], { stamp: T0 + 0.15, dt: 0.05 }));
    const r = ex.insert(other, T0 + 0.15);
    assert.equal(r.rebased, true);
    near(at(ex, T0 + 0.15), 2.5, 'no jump at the switch');
    near(at(ex, T0 + 0.2), 10, 'new grid: step 1 at 100.2');
  });
});

describe('merge rule details', () => {
  it('averages quaternions in one hemisphere (q and −q are the same rotation)', () => {
    const layout = actionLayout('ee_absolute', 'quaternion', 'none', 7);
    const a = quatFromEulerXyz(0, 0, 0.2);
    const b = quatFromEulerXyz(0, 0, 0.4).map((v) => -v);
    const m = weightedMean([Float64Array.of(0, 0, 0, ...a), Float64Array.of(1, 2, 3, ...b)], [0.5, 0.5], layout);
    assert.deepEqual(Array.from(m.slice(0, 3)), [0.5, 1, 1.5]);
    assert.ok(quatAngle(Array.from(m.slice(3)), quatFromEulerXyz(0, 0, 0.3)) < 1e-12);
  });

  it('the timeline drops a superseded plan beyond the new chunk and never touches committed steps', () => {
    const layout = actionLayout('joint_position', 'none', 'none', 1);
    const t = new ChunkTimeline(createMergeRule('latest_only'), layout);
    t.insert(
      0,
      [1, 2, 3, 4, 5].map((v) => Float64Array.of(v)),
      -1,
    );
    t.insert(
      1,
      [20, 30].map((v) => Float64Array.of(v)),
      1,
    );
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((k) => t.predictions(k).map((p) => p[0])),
      [[1], [2], [30], [], []],
    );
    assert.equal(t.take(1)?.[0], 2);
    assert.equal(t.size, 1);
  });

  it('the RTC delay estimator takes the max over its window, in whole steps', () => {
    const e = new RtcDelayEstimator(3);
    assert.equal(e.steps(0.1), 0);
    e.observe(0.2);
    assert.equal(e.steps(0.1), 2, 'exact multiple does not round up');
    e.observe(0.21);
    assert.equal(e.steps(0.1), 3);
    e.observe(0.05);
    e.observe(0.05);
    e.observe(0.05);
    assert.equal(e.steps(0.1), 1, 'slow chunks leave the window');
    e.observe(NaN);
    e.observe(-1);
    assert.equal(e.steps(0.1), 1);
  });
});
