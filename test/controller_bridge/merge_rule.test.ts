// The merge rules on their own: the weighted mean against a plain reference (hemisphere-aligned
// quaternion sum, renormalised) over many rows, the parameter checks at their exact bounds, and
// each rule's merge/resolve on the cases the executor's timelines rarely reach (RTC's frozen
// window with no earlier plan, an ensemble of one).

import { strict as assert } from 'node:assert';
import { actionLayout, type ActionLayout } from '../../nodes/controller_bridge/action_decoder.js';
import { createMergeRule, weightedMean } from '../../nodes/controller_bridge/merge_rule.js';

/** Deterministic values in [-1, 1) (a fixed LCG: the cases are the same on every run). */
function sequence(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

function unitQuat(next: () => number): number[] {
  const q = [next(), next(), next(), next()];
  const n = Math.hypot(...q);
  return q.map((v) => v / n);
}

/** Σ wᵢ·vᵢ / Σ wᵢ with every quaternion flipped into the first one's hemisphere, then renormalised. */
function reference(values: Float64Array[], weights: number[], layout: ActionLayout): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Array<number>(layout.size).fill(0);
  const qo = layout.quatOffset;
  values.forEach((v, k) => {
    let sign = 1;
    if (qo >= 0) {
      let dot = 0;
      for (let i = 0; i < 4; i++) dot += values[0][qo + i] * v[qo + i];
      sign = dot < 0 ? -1 : 1;
    }
    for (let i = 0; i < layout.size; i++) out[i] += (weights[k] / total) * (qo >= 0 && i >= qo && i < qo + 4 ? sign * v[i] : v[i]);
  });
  if (qo >= 0) {
    const n = Math.hypot(out[qo], out[qo + 1], out[qo + 2], out[qo + 3]);
    for (let i = qo; i < qo + 4; i++) out[i] /= n;
  }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) < 1e-12, `${what}[${i}]: ${actual[i]}, expected ${expected[i]}`);
  }
}

describe('merge rules', () => {
  describe('weightedMean', () => {
    const pose = actionLayout('ee_absolute', 'quaternion', 'none', 7);
    const poseGripper = actionLayout('ee_absolute', 'quaternion', 'absolute_continuous', 7);
    const joints = actionLayout('joint_position', 'none', 'absolute_continuous', 6);

    for (const [name, layout] of [
      ['pose rows', pose],
      ['pose rows with a gripper column', poseGripper],
      ['joint rows', joints],
    ] as const) {
      it(`matches the reference on 200 random ${name} (2 and 3 values, both hemispheres)`, () => {
        const next = sequence(layout.size * 7919);
        for (let c = 0; c < 200; c++) {
          const count = 2 + (c % 2);
          const values = Array.from({ length: count }, (_, k) => {
            const row = Float64Array.from({ length: layout.size }, () => next() * 2);
            if (layout.quatOffset >= 0) {
              // Half the rows in the other hemisphere, so both signs of the dot product occur.
              const q = unitQuat(next).map((v) => (k > 0 && c % 4 < 2 ? -v : v));
              row.set(q, layout.quatOffset);
            }
            return row;
          });
          const weights = values.map(() => 0.1 + Math.abs(next()));
          assertClose(weightedMean(values, weights, layout), reference(values, weights, layout), `${name} case ${c}`);
        }
      });
    }

    it('flips each quaternion into the hemisphere of the first, whichever component decides the sign', () => {
      // Rows whose dot product with the first is negative through one component only (the
      // others are zero), and the same rows in the first one's hemisphere; positions negative so
      // reading a position instead of a quaternion component gives the other sign.
      for (let axis = 0; axis < 4; axis++) {
        for (const same of [true, false]) {
          const a = [0, 0, 0, 0];
          const b = [0, 0, 0, 0];
          a[axis] = 0.8;
          a[(axis + 1) % 4] = 0.6;
          b[axis] = same ? 0.6 : -0.6;
          b[(axis + 2) % 4] = 0.8;
          const first = Float64Array.of(-0.4, -0.3, -0.2, ...a);
          const second = Float64Array.of(-0.1, -0.5, -0.7, ...b);
          const m = weightedMean([first, second], [0.5, 0.5], pose);
          assertClose(m, reference([first, second], [0.5, 0.5], pose), `axis ${axis}, ${same ? 'same' : 'other'} hemisphere`);
        }
      }
    });

    it('keeps the sign of a gripper column (only the quaternion is sign-aligned)', () => {
      const q = [0, 0, 0, 1];
      const rows = [Float64Array.of(0, 0, 0, ...q, 0.2), Float64Array.of(0, 0, 0, ...q.map((v) => -v), 0.6)];
      const m = weightedMean(rows, [1, 1], poseGripper);
      assertClose(m, [0, 0, 0, 0, 0, 0, 1, 0.4], 'mean');
    });

    it('renormalises the mean quaternion', () => {
      const a = [0, 0, 0, 1];
      const b = [0.6, 0, 0, 0.8];
      const m = weightedMean([Float64Array.of(1, 2, 3, ...a), Float64Array.of(3, 2, 1, ...b)], [1, 1], pose);
      // (0.3, 0, 0, 0.9) / |(0.3, 0, 0, 0.9)|
      assertClose(m, [2, 2, 2, 0.3 / Math.sqrt(0.9), 0, 0, 0.9 / Math.sqrt(0.9)], 'mean of identity and a turn about x');
    });
  });

  describe('parameters', () => {
    it('weighted_average: the old weight may be exactly 0 or 1, nothing outside [0, 1]', () => {
      const layout = actionLayout('joint_position', 'none', 'none', 1);
      for (const w of [0, 1]) {
        const rule = createMergeRule('weighted_average', { oldWeight: w });
        const [merged] = rule.merge([Float64Array.of(10)], Float64Array.of(20), false, layout);
        assert.equal(merged[0], w === 0 ? 20 : 10, `old weight ${w}`);
      }
      for (const w of [-0.01, 1.01, NaN]) {
        assert.throws(
          () => createMergeRule('weighted_average', { oldWeight: w }),
          (e: unknown) => e instanceof RangeError && e.message === `old weight must be in [0, 1], got ${w}`,
        );
      }
    });

    it('temporal_ensemble: m may be exactly 0 (a plain mean), not negative, NaN or infinite', () => {
      const layout = actionLayout('joint_position', 'none', 'none', 1);
      const rule = createMergeRule('temporal_ensemble', { ensembleM: 0 });
      assert.equal(rule.resolve([Float64Array.of(1), Float64Array.of(2), Float64Array.of(6)], layout)[0], 3);
      for (const m of [-0.01, NaN, Infinity]) {
        assert.throws(
          () => createMergeRule('temporal_ensemble', { ensembleM: m }),
          (e: unknown) => e instanceof RangeError && e.message === `temporal ensemble m must be >= 0, got ${m}`,
        );
      }
    });
  });

  describe('merge and resolve', () => {
    const layout = actionLayout('joint_position', 'none', 'none', 1);

    it('rtc: a frozen step without an earlier plan takes the new action; with one, keeps it', () => {
      const rule = createMergeRule('rtc');
      const incoming = Float64Array.of(5);
      assert.deepEqual(rule.merge([], incoming, true, layout), [incoming]);
      const old = Float64Array.of(1);
      assert.deepEqual(rule.merge([old], incoming, true, layout), [old]);
      assert.deepEqual(rule.merge([old], incoming, false, layout), [incoming]);
    });

    it('temporal_ensemble weights the oldest prediction most (w_i = exp(−m·i))', () => {
      const rule = createMergeRule('temporal_ensemble', { ensembleM: Math.log(2) });
      // Weights 1, 1/2: (1·0 + 0.5·3) / 1.5 = 1.
      assert.ok(Math.abs(rule.resolve([Float64Array.of(0), Float64Array.of(3)], layout)[0] - 1) < 1e-12);
      assert.equal(rule.resolve([Float64Array.of(7)], layout)[0], 7);
    });
  });
});
