// The joint limits of pose targets on their own (FR3 model): a step inside every limit passes
// unscaled, a joint velocity or position limit scales the Cartesian step so the binding joint
// lands exactly on it (from above and from below), and an unreachable target holds.

import { strict as assert } from 'node:assert';
import { JOINT_LIMIT_FLAGS, PoseJointLimiter } from '../../nodes/controller_bridge/pose_joint_limiter.js';
import { quatFromEulerXyz, quatMultiply } from '../../nodes/robots/rotation.js';
import { robotFixture } from './helpers.js';

const { chain, home } = robotFixture('fr3');
const WIDE = 100;
const J7 = 6;

function start(): Float64Array {
  const p = chain.pose(home);
  return Float64Array.of(...p.p, ...p.q);
}

/** The start pose turned by `angle` about the tool z axis (moves mostly joint 7). */
function turned(angle: number): Float64Array {
  const s = start();
  return Float64Array.of(s[0], s[1], s[2], ...quatMultiply([s[3], s[4], s[5], s[6]], quatFromEulerXyz(0, 0, angle)));
}

function limiter(min: number[], max: number[], maxStep: number[]): PoseJointLimiter {
  const l = new PoseJointLimiter(chain, Float64Array.from(min), Float64Array.from(max), Float64Array.from(maxStep));
  l.reset(home);
  return l;
}

const wide = () =>
  limiter(
    home.map(() => -WIDE),
    home.map(() => WIDE),
    home.map(() => WIDE),
  );

/** Joint 7's change for an unlimited step to `to`. */
function freeStep(to: Float64Array): number {
  const l = wide();
  assert.deepEqual(l.limit(start(), to, 1), { scale: 1, flags: 0 });
  return l.q[J7] - home[J7];
}

describe('pose joint limiter', () => {
  it('a step inside every limit passes unscaled and q_cmd reaches the target pose', () => {
    const l = wide();
    const to = turned(0.1);
    assert.deepEqual(l.limit(start(), to, 0.5), { scale: 0.5, flags: 0 });
    const reached = chain.pose(l.q);
    const mid = turned(0.05);
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(reached.p[i] - mid[i]) < 1e-4, `p${i}`);
    assert.ok(Math.abs(Math.abs(reached.q[0] * mid[3] + reached.q[1] * mid[4] + reached.q[2] * mid[5] + reached.q[3] * mid[6]) - 1) < 1e-6);
  });

  it('a zero or negative scale holds without moving q_cmd', () => {
    const l = wide();
    for (const s of [0, -0.5]) assert.deepEqual(l.limit(start(), turned(0.1), s), { scale: 0, flags: 0 });
    assert.deepEqual(Array.from(l.q), home);
  });

  it('velocity: the step is scaled so the fastest joint moves exactly its max step', () => {
    const dq = freeStep(turned(0.1));
    const step = Math.abs(dq) / 4;
    const l = limiter(
      home.map(() => -WIDE),
      home.map(() => WIDE),
      home.map((_, j) => (j === J7 ? step : WIDE)),
    );
    const r = l.limit(start(), turned(0.1), 1);
    assert.equal(r.flags, JOINT_LIMIT_FLAGS.velocity);
    assert.ok(Math.abs(r.scale - 0.25) < 1e-9, `scale ${r.scale}`);
    assert.ok(Math.abs(Math.abs(l.q[J7] - home[J7]) - step) < 1e-12);
  });

  for (const side of ['upper', 'lower'] as const) {
    it(`position, ${side} limit: the binding joint stops exactly on it`, () => {
      // Turn the way that pushes joint 7 toward this limit, 4× past it.
      const up = freeStep(turned(0.1)) > 0;
      const angle = (side === 'upper') === up ? 0.1 : -0.1;
      const dq = freeStep(turned(angle));
      const limitAt = home[J7] + dq / 4;
      const min = home.map((_, j) => (j === J7 && side === 'lower' ? limitAt : -WIDE));
      const max = home.map((_, j) => (j === J7 && side === 'upper' ? limitAt : WIDE));
      const l = limiter(
        min,
        max,
        home.map(() => WIDE),
      );
      const r = l.limit(start(), turned(angle), 1);
      assert.equal(r.flags, JOINT_LIMIT_FLAGS.position);
      assert.ok(Math.abs(r.scale - 0.25) < 1e-9, `scale ${r.scale}`);
      assert.ok(Math.abs(l.q[J7] - limitAt) < 1e-12, `q7 ${l.q[J7]} vs limit ${limitAt}`);
      // Already on the limit: a further push is held (scale 0), the other way is free.
      assert.deepEqual(l.limit(turned(angle / 4), turned(angle), 1).scale, 0);
      assert.equal(l.limit(turned(angle / 4), start(), 1).scale, 1);
    });
  }

  it('a target out of reach is refused: scale 0, unreachable, q_cmd unchanged', () => {
    const l = wide();
    const far = start();
    far[0] += 5;
    assert.deepEqual(l.limit(start(), far, 1), { scale: 0, flags: JOINT_LIMIT_FLAGS.unreachable });
    assert.deepEqual(Array.from(l.q), home);
  });
});
