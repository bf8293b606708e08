// The safety layer on its own: each limit, their order, and the single scale that keeps the
// path's direction.

import { strict as assert } from 'node:assert';
import { PoseJointLimiter } from '../../nodes/controller_bridge/pose_joint_limiter.js';
import { JointSafetyFilter, LIMIT_FLAGS, PoseSafetyFilter, limitNames } from '../../nodes/controller_bridge/safety_filter.js';
import { quatAngle, quatFromEulerXyz, quatMultiply } from '../../nodes/robots/rotation.js';
import { robotFixture } from './helpers.js';

const LIMITS = { workspace: { min: [0, -0.5, 0], max: [1, 0.5, 1] } as const, maxTranslationPerTick: 0.01, maxRotationPerTick: 0.05 };
const pose = (x: number, y: number, z: number, yaw = 0) => Float64Array.of(x, y, z, ...quatFromEulerXyz(Math.PI, 0, yaw));

describe('safety filter', () => {
  it('pose: NaN, Inf or a zero quaternion hold the last safe target', () => {
    const f = new PoseSafetyFilter(LIMITS);
    f.reset(pose(0.5, 0, 0.5));
    const out = new Float64Array(7);
    for (const bad of [
      Float64Array.of(NaN, 0, 0, 0, 0, 0, 1),
      Float64Array.of(0.5, Infinity, 0.5, 0, 0, 0, 1),
      Float64Array.of(0.5, 0, 0.5, 0, 0, 0, 0),
    ]) {
      assert.equal(f.apply(bad, out), LIMIT_FLAGS.nonFinite);
      assert.deepEqual(Array.from(out), Array.from(pose(0.5, 0, 0.5)));
    }
  });

  it('pose: clamps to the box first, then limits the step along the same direction', () => {
    const f = new PoseSafetyFilter(LIMITS);
    f.reset(pose(0.5, 0, 0.005));
    const out = new Float64Array(7);
    // Below the table and far away: clamped to z = 0 first, then 10 mm toward (0.6, 0, 0).
    const flags = f.apply(pose(0.6, 0, -0.3), out);
    assert.deepEqual(limitNames(flags), ['workspace', 'translation']);
    const d = [out[0] - 0.5, out[1], out[2] - 0.005];
    assert.ok(Math.abs(Math.hypot(...d) - 0.01) < 1e-12);
    assert.ok(out[2] >= 0 && Math.abs(d[2] / d[0] - -0.005 / 0.1) < 1e-9, 'towards the clamped point');
  });

  it('pose: one scale for translation and rotation, so both arrive together', () => {
    const f = new PoseSafetyFilter(LIMITS);
    const start = pose(0.5, 0, 0.5);
    f.reset(start);
    const out = new Float64Array(7);
    // 5 mm (half the limit) and 0.5 rad (10× the limit): both scaled by 0.1.
    const flags = f.apply(pose(0.505, 0, 0.5, 0.5), out);
    assert.deepEqual(limitNames(flags), ['rotation']);
    assert.ok(Math.abs(out[0] - 0.5005) < 1e-12);
    assert.ok(Math.abs(quatAngle(Array.from(start.slice(3)), Array.from(out.slice(3))) - 0.05) < 1e-12);
  });

  it('joints: clamps to limits, then scales the whole step to the slowest joint', () => {
    const f = new JointSafetyFilter({
      min: Float64Array.of(-1, -1),
      max: Float64Array.of(1, 1),
      maxStepPerTick: Float64Array.of(0.1, 0.01),
    });
    f.reset([0, 0]);
    const out = new Float64Array(2);
    const flags = f.apply(Float64Array.of(5, 0.5), out);
    assert.deepEqual(limitNames(flags), ['jointPosition', 'jointVelocity']);
    // Clamped to (1, 0.5); joint 2 allows 0.01 of its 0.5 → scale 0.02.
    assert.ok(Math.abs(out[0] - 0.02) < 1e-12 && Math.abs(out[1] - 0.01) < 1e-12);
    assert.equal(f.outsideLimits([0, 1.5]), 1);
  });

  it('joints: both sides of every clamp, in apply and clampStatic; exactly at a limit is not clamped', () => {
    const limits = { min: Float64Array.of(-1, -2), max: Float64Array.of(1, 2), maxStepPerTick: Float64Array.of(10, 10) };
    const f = new JointSafetyFilter(limits);
    f.reset([0, 0]);
    const out = new Float64Array(2);
    assert.deepEqual(limitNames(f.apply(Float64Array.of(-5, 7), out)), ['jointPosition']);
    assert.deepEqual(Array.from(out), [-1, 2]);
    assert.deepEqual(Array.from(f.last), [-1, 2], 'the clamped target is the new last safe target');
    assert.equal(f.apply(Float64Array.of(1, -2), out), 0, 'at the limits: no flag');
    assert.deepEqual(Array.from(out), [1, -2]);
    const w = Float64Array.of(-3, 3);
    f.clampStatic(w);
    assert.deepEqual(Array.from(w), [-1, 2]);
    const w2 = Float64Array.of(4, -4);
    f.clampStatic(w2);
    assert.deepEqual(Array.from(w2), [1, -2]);
    const inside = Float64Array.of(0.25, -0.5);
    f.clampStatic(inside);
    assert.deepEqual(Array.from(inside), [0.25, -0.5]);
    assert.equal(f.outsideLimits([-1, 2]), -1);
    assert.equal(f.outsideLimits([-1.001, 0]), 0);
    assert.equal(f.outsideLimits([0, -2.001]), 1);
    assert.equal(f.outsideLimits([1.001, 0]), 0);
  });

  it('joints: a step exactly at the per-tick limit passes unscaled; a NaN or Inf holds', () => {
    const f = new JointSafetyFilter({
      min: Float64Array.of(-4, -4),
      max: Float64Array.of(4, 4),
      maxStepPerTick: Float64Array.of(0.5, 0.25),
    });
    f.reset([1, 1]);
    const out = new Float64Array(2);
    assert.equal(f.apply(Float64Array.of(0.5, 1.25), out), 0);
    assert.deepEqual(Array.from(out), [0.5, 1.25]);
    // Downwards past the limit on joint 1: scale 0.5 / 1 for both joints.
    assert.deepEqual(limitNames(f.apply(Float64Array.of(-0.5, 1.25), out)), ['jointVelocity']);
    assert.deepEqual(Array.from(out), [0, 1.25]);
    for (const bad of [Float64Array.of(NaN, 0), Float64Array.of(0, -Infinity)]) {
      assert.equal(f.apply(bad, out), LIMIT_FLAGS.nonFinite);
      assert.deepEqual(Array.from(out), [0, 1.25]);
    }
  });

  it('pose: a non-unit quaternion is normalised before it is published', () => {
    const f = new PoseSafetyFilter({ ...LIMITS, maxTranslationPerTick: 10, maxRotationPerTick: 10 });
    const start = pose(0.5, 0, 0.5);
    f.reset(start);
    const out = new Float64Array(7);
    const doubled = Float64Array.from(start, (v, i) => (i >= 3 ? 2 * v : v));
    assert.equal(f.apply(doubled, out), 0);
    for (let i = 3; i < 7; i++) assert.ok(Math.abs(out[i] - start[i]) < 1e-12, `q${i - 3}: ${out[i]} vs ${start[i]}`);
  });

  it('pose: both sides of the workspace box, in apply and clampStatic; its faces are inside', () => {
    const f = new PoseSafetyFilter({ ...LIMITS, maxTranslationPerTick: 10, maxRotationPerTick: 10 });
    f.reset(pose(0.5, 0, 0.5));
    const out = new Float64Array(7);
    assert.deepEqual(limitNames(f.apply(pose(-1, -2, -3), out)), ['workspace']);
    assert.deepEqual(Array.from(out.slice(0, 3)), [0, -0.5, 0]);
    assert.deepEqual(limitNames(f.apply(pose(2, 3, 4), out)), ['workspace']);
    assert.deepEqual(Array.from(out.slice(0, 3)), [1, 0.5, 1]);
    assert.equal(f.apply(pose(0, 0.5, 1), out), 0);
    const low = pose(-1, -2, -3);
    f.clampStatic(low);
    assert.deepEqual(Array.from(low.slice(0, 3)), [0, -0.5, 0]);
    const high = pose(2, 3, 4);
    f.clampStatic(high);
    assert.deepEqual(Array.from(high.slice(0, 3)), [1, 0.5, 1]);
    assert.deepEqual(Array.from(high.slice(3)), Array.from(pose(0, 0, 0).slice(3)), 'orientation untouched');
    assert.ok(f.inWorkspace([0, -0.5, 0]) && f.inWorkspace([1, 0.5, 1]));
    for (const p of [
      [-0.001, 0, 0.5],
      [1.001, 0, 0.5],
      [0.5, -0.501, 0.5],
      [0.5, 0.501, 0.5],
      [0.5, 0, -0.001],
      [0.5, 0, 1.001],
    ]) {
      assert.equal(f.inWorkspace(p), false, p.join(', '));
    }
  });

  it('pose + model: a turn past joint 7’s limit stops at the (shrunk) limit', () => {
    const { chain, facts, home } = robotFixture('fr3');
    const margin = 0.05;
    const limiter = new PoseJointLimiter(
      chain,
      Float64Array.from(facts.positionMin, (v) => v + margin),
      Float64Array.from(facts.positionMax, (v) => v - margin),
      Float64Array.from(facts.velocityMax, (v) => v * 0.02),
    );
    const f = new PoseSafetyFilter({ ...LIMITS, workspace: { min: [-1, -1, 0], max: [1, 1, 1] }, maxRotationPerTick: 0.2 }, limiter);
    const start = chain.pose(home);
    f.reset([...start.p, ...start.q], home);
    const out = new Float64Array(7);
    let hit = 0;
    out.set([...start.p, ...start.q]);
    for (let k = 1; k <= 80; k++) {
      // Always ask for 0.2 rad more about the tool axis than the last safe target.
      const target = quatMultiply([out[3], out[4], out[5], out[6]], quatFromEulerXyz(0, 0, -0.2));
      hit |= f.apply(Float64Array.of(...start.p, ...target), out);
    }
    assert.ok(hit & LIMIT_FLAGS.jointPosition);
    assert.ok(
      Math.abs(limiter.q[6] - (facts.positionMax[6] - margin)) < 1e-6 || Math.abs(limiter.q[6] - (facts.positionMin[6] + margin)) < 1e-6,
      `q7 = ${limiter.q[6]}`,
    );
    const fk = chain.pose(limiter.q);
    assert.ok(quatAngle(fk.q, Array.from(out.slice(3))) < 1e-2, 'the published pose is the reachable one');
  });
});
