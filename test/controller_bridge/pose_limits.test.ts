// Pose targets through the kinematic model (FR3), beyond pose_joint_limiter.test: q_cmd converges
// onto the partial step for translations and rotations alike, IK that misses its tolerance is
// refused, a joint already past a limit may move back toward it, and the safety filter names
// exactly the limit that acted.

import { strict as assert } from 'node:assert';
import { JOINT_LIMIT_FLAGS, PoseJointLimiter, type PoseJointLimiterOptions } from '../../nodes/controller_bridge/pose_joint_limiter.js';
import { PoseSafetyFilter, limitNames } from '../../nodes/controller_bridge/safety_filter.js';
import { quatAngle, quatFromEulerXyz, quatMultiply } from '../../nodes/robots/rotation.js';
import { robotFixture } from './helpers.js';

const { chain, home } = robotFixture('fr3');
const WIDE = 100;
const J7 = 6;

function start(): Float64Array {
  const p = chain.pose(home);
  return Float64Array.of(...p.p, ...p.q);
}

/** The start pose moved by `dp` and turned by `angle` about the tool z axis. */
function moved(dp: [number, number, number], angle = 0): Float64Array {
  const s = start();
  const q = quatMultiply([s[3], s[4], s[5], s[6]], quatFromEulerXyz(0, 0, angle));
  return Float64Array.of(s[0] + dp[0], s[1] + dp[1], s[2] + dp[2], ...q);
}

function limiter(
  limits: { min?: (j: number) => number; max?: (j: number) => number; step?: (j: number) => number } = {},
  options: PoseJointLimiterOptions = {},
  seed: readonly number[] = home,
): PoseJointLimiter {
  const l = new PoseJointLimiter(
    chain,
    Float64Array.from(home, (_, j) => limits.min?.(j) ?? -WIDE),
    Float64Array.from(home, (_, j) => limits.max?.(j) ?? WIDE),
    Float64Array.from(home, (_, j) => limits.step?.(j) ?? WIDE),
    options,
  );
  l.reset(seed);
  return l;
}

/** How far FK(q_cmd) is from `pose`. */
function miss(l: PoseJointLimiter, pose: Float64Array): { position: number; rotation: number } {
  const fk = chain.pose(l.q);
  return {
    position: Math.hypot(fk.p[0] - pose[0], fk.p[1] - pose[1], fk.p[2] - pose[2]),
    rotation: quatAngle(fk.q, Array.from(pose.slice(3))),
  };
}

/** Joint 7's change for an unlimited turn by `angle`. */
function j7Change(angle: number): number {
  const l = limiter();
  assert.deepEqual(l.limit(start(), moved([0, 0, 0], angle), 1), { scale: 1, flags: 0 });
  return l.q[J7] - home[J7];
}

describe('pose limits through the kinematic model', () => {
  it('q_cmd converges onto the partial step: a translation, a rotation, both', () => {
    for (const [what, to] of [
      ['translation', moved([0.02, -0.01, 0.01])],
      ['rotation', moved([0, 0, 0], 0.1)],
      ['both', moved([-0.01, 0.02, 0], -0.08)],
    ] as const) {
      const l = limiter();
      assert.deepEqual(l.limit(start(), to, 0.5), { scale: 0.5, flags: 0 }, what);
      const s = start();
      const half = Float64Array.from(s, (v, i) => (i < 3 ? v + 0.5 * (to[i] - v) : v));
      half.set(quatMultiply(Array.from(s.slice(3)), quatFromEulerXyz(0, 0, what === 'rotation' ? 0.05 : what === 'both' ? -0.04 : 0)), 3);
      const m = miss(l, half);
      assert.ok(m.position < 1e-6, `${what}: ${m.position} m from the halfway pose`);
      assert.ok(m.rotation < 1e-5, `${what}: ${m.rotation} rad from the halfway pose`);
    }
  });

  it('IK that does not reach its tolerance within the iterations is refused (position and rotation)', () => {
    const tight = { iterations: 1, positionTolerance: 1e-12, rotationTolerance: 1e-12 };
    for (const to of [moved([0.02, 0, 0]), moved([0, 0, 0], 0.1)]) {
      const l = limiter({}, tight);
      assert.deepEqual(l.limit(start(), to, 1), { scale: 0, flags: JOINT_LIMIT_FLAGS.unreachable });
      assert.deepEqual(Array.from(l.q), home, 'q_cmd unchanged');
    }
    assert.deepEqual(limiter({}, { iterations: 1, rotationTolerance: 1e-12 }).limit(start(), moved([0, 0, 0], 0.1), 1).scale, 0);
  });

  for (const side of ['upper', 'lower'] as const) {
    it(`a joint already past its ${side} limit may move back toward it, not further away`, () => {
      const up = j7Change(0.1) > 0;
      // The turn that moves joint 7 back inside, and the one that moves it further out.
      const back = (side === 'upper') === up ? -0.1 : 0.1;
      const limits =
        side === 'upper'
          ? { max: (j: number) => (j === J7 ? home[J7] - 0.2 : WIDE) }
          : { min: (j: number) => (j === J7 ? home[J7] + 0.2 : -WIDE) };
      assert.deepEqual(limiter(limits).limit(start(), moved([0, 0, 0], back), 1), { scale: 1, flags: 0 });
      assert.deepEqual(limiter(limits).limit(start(), moved([0, 0, 0], -back), 1), { scale: 0, flags: JOINT_LIMIT_FLAGS.position });
    });
  }

  describe('the safety filter names the limit that acted', () => {
    const filter = (l: PoseJointLimiter) => {
      const f = new PoseSafetyFilter(
        { workspace: { min: [-1.5, -1.5, 0], max: [1.5, 1.5, 1.5] }, maxTranslationPerTick: 10, maxRotationPerTick: 10 },
        l,
      );
      f.reset(start());
      return f;
    };
    const apply = (f: PoseSafetyFilter, to: Float64Array) => {
      const out = new Float64Array(7);
      return { names: limitNames(f.apply(to, out)), out: Array.from(out) };
    };

    it('a reachable step inside every limit: none', () => {
      assert.deepEqual(apply(filter(limiter()), moved([0.01, 0, 0], 0.05)).names, []);
    });

    it('joint velocity only', () => {
      const step = Math.abs(j7Change(0.1)) / 4;
      assert.deepEqual(apply(filter(limiter({ step: (j) => (j === J7 ? step : WIDE) })), moved([0, 0, 0], 0.1)).names, ['jointVelocity']);
    });

    it('joint position only', () => {
      const dq = j7Change(0.1);
      const edge = home[J7] + dq / 4;
      const limits = dq > 0 ? { max: (j: number) => (j === J7 ? edge : WIDE) } : { min: (j: number) => (j === J7 ? edge : -WIDE) };
      assert.deepEqual(apply(filter(limiter(limits)), moved([0, 0, 0], 0.1)).names, ['jointPosition']);
    });

    it('out of reach only, and the last safe target is held', () => {
      const r = apply(filter(limiter()), moved([0.9, 0, 0]));
      assert.deepEqual(r.names, ['unreachable']);
      assert.deepEqual(r.out, Array.from(start()));
    });
  });

  it('reset() seeds the model’s joints when there is a model, and needs none', () => {
    const l = limiter();
    const f = new PoseSafetyFilter({ workspace: { min: [-1, -1, 0], max: [1, 1, 1] }, maxTranslationPerTick: 1, maxRotationPerTick: 1 }, l);
    const seed = home.map((v, j) => (j === J7 ? v + 0.125 : v));
    f.reset(start(), seed);
    assert.deepEqual(Array.from(l.q), seed);
    const plain = new PoseSafetyFilter({
      workspace: { min: [-1, -1, 0], max: [1, 1, 1] },
      maxTranslationPerTick: 1,
      maxRotationPerTick: 1,
    });
    plain.reset(start(), seed);
    assert.deepEqual(Array.from(plain.last), Array.from(start()));
  });
});
