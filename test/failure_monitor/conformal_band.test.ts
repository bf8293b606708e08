import { strict as assert } from 'node:assert';
import {
  ConformalBand,
  ConformalError,
  calibrateBand,
  conformalQuantile,
  conformalRank,
  fitBand,
  kthSmallest,
  padCurves,
  splitCalibrationSet,
  SIGMA_EPSILON,
  type BandParameters,
} from '../../nodes/failure_monitor/conformal_band.js';
import { gaussian, seededRandom } from '../../nodes/random/seeded_random.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} is not within ${tol} of ${b}`);
const closeAll = (a: readonly number[], b: readonly number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => close(x, b[i], tol));
};

// A small example worked out by hand (T = 3 steps).
//   D1: a = [0,1,2], b = [0,3,4], c = [2,2,4], d = [6,2,6]         n1 = 4
//   μ = mean = [8/4, 8/4, 16/4] = [2, 2, 4]
//   |s − μ|: a [2,1,2] sup 2 · b [2,1,0] sup 2 · c [0,0,0] sup 0 · d [4,0,2] sup 4
//   D2: e = [2,3,4], f = [3,2.5,3], g = [0,0,10], k = [1,4,5]        n2 = 4
const D1 = [
  [0, 1, 2],
  [0, 3, 4],
  [2, 2, 4],
  [6, 2, 6],
];
const D2 = [
  [2, 3, 4],
  [3, 2.5, 3],
  [0, 0, 10],
  [1, 4, 5],
];

describe('conformal band (SAFE functional conformal prediction)', () => {
  it('matches a hand-computed example at alpha = 0.5: gamma drops the outlier curve from sigma', () => {
    // γ rank ⌈(4+1)(1−0.5)⌉ = ⌈2.5⌉ = 3 → 3rd smallest of {0,2,2,4} = 2: curves a, b, c are kept (d has 4 > 2).
    // σ = max over a,b,c of |s − μ| = [max(2,2,0), max(1,1,0), max(2,0,0)] = [2, 1, 2] (+1e-8).
    // R = max_t (s − μ)/σ: e [0,1,0] → 1 · f [0.5,0.5,−0.5] → 0.5 · g [−1,−2,3] → 3 · k [−0.5,2,0.5] → 2
    // h rank ⌈5·0.5⌉ = 3 → 3rd smallest of {0.5,1,2,3} = 2;  δ = μ + 2σ = [6, 4, 8].
    const b = fitBand(D1, D2, 0.5);
    closeAll(b.mu, [2, 2, 4]);
    assert.equal(b.gamma, 2);
    closeAll(b.sigma, [2, 1, 2]);
    closeAll(b.sigma, [2 + SIGMA_EPSILON, 1 + SIGMA_EPSILON, 2 + SIGMA_EPSILON], 1e-12);
    close(b.h, 2);
    assert.deepEqual([b.n1, b.n2, b.horizon], [4, 4, 3]);
    const band = new ConformalBand(b);
    closeAll(band.thresholds(), [6, 4, 8]);
    closeAll(band.thresholds(5), [6, 4, 8, 8, 8], 1e-6); // beyond T: the last value
  });

  it('matches the same example at alpha = 0.25, where every D1 curve shapes sigma', () => {
    // γ rank ⌈5·0.75⌉ = 4 → 4th smallest = 4: all curves kept; σ = [4, 1, 2].
    // R: e [0,1,0] → 1 · f [0.25,0.5,−0.5] → 0.5 · g [−0.5,−2,3] → 3 · k [−0.25,2,0.5] → 2
    // h rank ⌈5·0.75⌉ = 4 → the largest, 3;  δ = [2+12, 2+3, 4+6] = [14, 5, 10].
    const b = fitBand(D1, D2, 0.25);
    assert.equal(b.gamma, 4);
    closeAll(b.sigma, [4, 1, 2]);
    close(b.h, 3);
    closeAll(new ConformalBand(b).thresholds(), [14, 5, 10]);
  });

  it('gives h = +infinity when D2 is too small for alpha (the band never fires)', () => {
    // ⌈5·0.9⌉ = 5 > n2 = 4.
    const b = fitBand(D1, D2, 0.1);
    assert.equal(b.h, Infinity);
    const band = new ConformalBand(b);
    assert.equal(band.threshold(0), Infinity);
    assert.equal(band.firstCrossing([1e9, 1e9]), -1);
  });

  it('uses the conformal rank ⌈(n+1)(1−α)⌉ without float noise', () => {
    assert.equal(conformalRank(9, 0.1), 9); // (9+1)·0.9 = 9.000000000000002 in floats
    assert.equal(conformalRank(4, 0.5), 3);
    assert.equal(conformalRank(99, 0.2), 80);
    assert.equal(conformalQuantile([5, 1, 4, 2, 3], 0.5), 3); // rank ⌈6·0.5⌉ = 3
    assert.equal(conformalQuantile([5, 1, 4, 2, 3], 0.1), Infinity); // rank ⌈6·0.9⌉ = 6 > 5
  });

  it('pads curves by repeating their last value', () => {
    assert.deepEqual(padCurves([[1, 2], [3], [4, 5, 6]]), [
      [1, 2, 2],
      [3, 3, 3],
      [4, 5, 6],
    ]);
    assert.throws(() => padCurves([[1, NaN]]), /non-finite value at step 1/);
    assert.throws(() => padCurves([[]]), /score curve 0 is empty/);
  });

  it('splits 30/70 deterministically from the seed', () => {
    const a = splitCalibrationSet(10, 3);
    assert.equal(a.d1.length, 3);
    assert.equal(a.d2.length, 7);
    assert.deepEqual(
      [...a.d1, ...a.d2].sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(splitCalibrationSet(10, 3), a);
    assert.notDeepEqual(splitCalibrationSet(10, 4), a);
    assert.deepEqual([splitCalibrationSet(2, 0).d1.length, splitCalibrationSet(2, 0).d2.length], [1, 1]);
    assert.throws(() => splitCalibrationSet(1, 0), /at least 2 successful calibration rollouts/);
  });

  it('threshold() and firstCrossing() follow the band, extended beyond the horizon', () => {
    const band = new ConformalBand({ alpha: 0.2, horizon: 3, mu: [0, 1, 2], sigma: [1, 1, 1], h: 1, gamma: 0, n1: 1, n2: 1 });
    assert.deepEqual(band.thresholds(4), [1, 2, 3, 3]);
    assert.equal(band.firstCrossing([0.5, 1.5, 2.5, 3]), 3);
    assert.equal(band.firstCrossing([0.5, 2]), 1);
    assert.equal(band.firstCrossing([0, 0, 0, 2.99]), -1);
    assert.throws(() => new ConformalBand({ ...band.params, sigma: [1, 0, 1] }), ConformalError);
    assert.throws(() => new ConformalBand({ ...band.params, mu: [0, 1] }), /horizon = 3 values/);
  });

  it('indexes the band by whole steps, clamped to [0, horizon − 1], and crosses at s_t = δ_t exactly', () => {
    const band = new ConformalBand({ alpha: 0.2, horizon: 3, mu: [0, 1, 2], sigma: [1, 2, 4], h: 0.5, gamma: 0, n1: 1, n2: 1 });
    assert.deepEqual(
      [band.threshold(-2), band.threshold(0), band.threshold(1.9), band.threshold(2), band.threshold(50)],
      [0.5, 0.5, 2, 4, 4],
    );
    assert.deepEqual([band.mean(-1), band.mean(1.5), band.mean(2), band.mean(9)], [0, 1, 2, 2]);
    assert.deepEqual(band.thresholds(), [0.5, 2, 4]);
    assert.equal(band.horizon, 3);
    assert.equal(band.firstCrossing([0.5]), 0, 'equal to the threshold is a crossing');
    assert.equal(band.firstCrossing([0.49, 1.99, 3.99, 3.99]), -1);
    // R = max_t (s_t − μ_t)/σ_t, with the last μ, σ beyond the horizon.
    assert.equal(band.normalisedScore([1, 1, 2, 10]), 2);
    assert.equal(band.normalisedScore([-1, -3]), -1);
    assert.equal(band.normalisedScore([]), -Infinity);
  });

  it('k-th smallest is numeric and 1-based; the rank is never below 1', () => {
    assert.equal(kthSmallest([10, 9, 100], 1), 9);
    assert.equal(kthSmallest([10, 9, 100], 3), 100);
    assert.equal(kthSmallest([10, 9, 100], 4), Infinity);
    assert.equal(conformalRank(0, 1), 1);
    assert.equal(conformalRank(3, 0.5), 2);
    assert.equal(conformalRank(4, 0.2), 4);
  });

  it('refuses band parameters that could not give a finite, positive-width threshold', () => {
    const ok = { alpha: 0.2, horizon: 2, mu: [0, 1], sigma: [1, 1], h: 1, gamma: 0, n1: 1, n2: 1 };
    assert.equal(new ConformalBand({ ...ok, h: Infinity }).threshold(0), Infinity);
    const cases: [Partial<BandParameters>, RegExp][] = [
      [{ alpha: 0 }, /alpha must be in \(0, 1\), got 0/],
      [{ alpha: 1 }, /alpha must be in \(0, 1\), got 1/],
      [{ horizon: 0, mu: [], sigma: [] }, /horizon must be a positive integer, got 0/],
      [{ horizon: 1.5 }, /horizon must be a positive integer, got 1.5/],
      [{ sigma: [1] }, /mu and sigma must have horizon = 2 values, got 2 and 1/],
      [{ mu: [0, NaN] }, /mu has a non-finite value/],
      [{ sigma: [1, Infinity] }, /sigma must be finite and > 0/],
      [{ sigma: [1, -1] }, /sigma must be finite and > 0/],
      [{ h: NaN }, /h must be a number or \+Infinity, got NaN/],
      [{ h: -Infinity }, /h must be a number or \+Infinity, got -Infinity/],
    ];
    for (const [bad, message] of cases) {
      assert.throws(() => new ConformalBand({ ...ok, ...bad }), message);
    }
    // The band keeps its own copy: changing the caller's arrays later changes nothing.
    const mu = [0, 1];
    const band = new ConformalBand({ ...ok, mu });
    mu[0] = 100;
    assert.equal(band.threshold(0), 1);
    assert.ok(Object.isFrozen(band.params));
  });

  it('split and padding bounds: n1 in [1, n − 1], fractions in (0, 1), explicit lengths', () => {
    assert.deepEqual(splitCalibrationSet(2, 0, 0.01).d1.length, 1);
    assert.deepEqual(splitCalibrationSet(10, 0, 0.99).d2.length, 1);
    assert.equal(splitCalibrationSet(10, 0, 0.5).d1.length, 5);
    for (const f of [0, 1]) assert.throws(() => splitCalibrationSet(10, 0, f), /the D1 fraction must be in \(0, 1\), got/);
    assert.throws(() => splitCalibrationSet(2.5, 0), /at least 2 successful calibration rollouts/);
    assert.deepEqual(padCurves([[1], [2, 3]], 3), [
      [1, 1, 1],
      [2, 3, 3],
    ]);
    assert.throws(() => padCurves([[1, 2, 3]], 2), /cannot pad to 2 steps: a curve has 3/);
    assert.throws(() => fitBand([], [[1]], 0.2), /D1 and D2 must be non-empty \(got 0 and 1 curves\)/);
    assert.throws(() => fitBand([[1]], [], 0.2), /D1 and D2 must be non-empty \(got 1 and 0 curves\)/);
    assert.throws(() => fitBand([[]], [[]], 0.2), /score curves are empty/);
    assert.throws(() => fitBand([[1, 2]], [[1]], 0.2), /padded to the same length/);
    assert.throws(() => fitBand([[1]], [[1]], 1), /alpha must be in/);
  });

  describe('coverage guarantee on synthetic success curves', () => {
    /** SAFE-MLP-like success curves: cumulative sums of per-step probabilities with a per-rollout level. */
    function successCurve(random: () => number, length: number): number[] {
      const level = -2 + 0.8 * gaussian(random);
      let s = 0;
      return Array.from({ length }, () => (s += 1 / (1 + Math.exp(-(level + 0.7 * gaussian(random))))));
    }

    function falseAlarmRates(alpha: number, fixedLength: boolean, seeds: number, nCal: number, nTest: number) {
      const rates: number[] = [];
      for (let seed = 0; seed < seeds; seed++) {
        const random = seededRandom(1000 + seed);
        const len = () => (fixedLength ? 60 : 40 + Math.floor(random() * 41));
        const cal = Array.from({ length: nCal }, () => successCurve(random, len()));
        const band = calibrateBand(cal, { alpha, seed });
        let alarms = 0;
        for (let i = 0; i < nTest; i++) if (band.firstCrossing(successCurve(random, len())) >= 0) alarms++;
        rates.push(alarms / nTest);
      }
      const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
      const sd = Math.sqrt(rates.reduce((a, b) => a + (b - mean) ** 2, 0) / (rates.length - 1));
      return { mean, se: sd / Math.sqrt(rates.length) };
    }

    for (const alpha of [0.1, 0.2]) {
      it(`keeps the false-alarm rate on held-out successes at alpha = ${alpha} (exact between α − 1/(n2+1) and α for equal lengths)`, () => {
        const nCal = 60; // D1 18, D2 42
        const { mean, se } = falseAlarmRates(alpha, true, 120, nCal, 300);
        const n2 = 42;
        assert.ok(mean <= alpha + 3 * se, `false-alarm rate ${mean.toFixed(4)} > alpha ${alpha} + 3·SE (${se.toFixed(4)})`);
        assert.ok(
          mean >= alpha - 1 / (n2 + 1) - 3 * se,
          `false-alarm rate ${mean.toFixed(4)} is far below alpha: the band is needlessly conservative`,
        );
      });
    }

    it('stays at or below alpha when episodes have different lengths (padding is conservative online)', () => {
      const { mean, se } = falseAlarmRates(0.2, false, 120, 60, 300);
      assert.ok(mean <= 0.2 + 3 * se, `false-alarm rate ${mean.toFixed(4)} > 0.2 + 3·SE (${se.toFixed(4)})`);
    });
  });
});
