import { strict as assert } from 'node:assert';
import { detectionMetrics, rocAuc, rolloutScore } from '../../nodes/failure_monitor/metrics.js';
import { niceTicks, renderScorePlot } from '../../nodes/failure_monitor/plot.js';
import { ConformalBand } from '../../nodes/failure_monitor/conformal_band.js';
import { evaluateScored, formatEvaluation, type ScoredEpisode } from '../../nodes/failure_monitor/safe_tools.js';

describe('failure detection metrics', () => {
  it('ROC-AUC counts the failure-over-success pairs, ties one half', () => {
    // failures {0.9, 0.4, 0.6}, successes {0.3, 0.6, 0.1, 0.5}
    // pairs won: 0.9 → 4; 0.4 → 2 (0.3, 0.1); 0.6 → 3 (0.3, 0.1, 0.5) + ½ (tie 0.6) = 3.5;  total 9.5 / 12
    const scores = [0.9, 0.3, 0.4, 0.6, 0.6, 0.1, 0.5];
    const failure = [true, false, true, false, true, false, false];
    assert.equal(rocAuc(scores, failure), 9.5 / 12);
    assert.equal(rocAuc([1, 2], [false, true]), 1);
    assert.equal(rocAuc([1, 2], [true, false]), 0);
    assert.ok(Number.isNaN(rocAuc([1, 2], [true, true])));
    assert.throws(() => rocAuc([1], [true, false]), /1 scores but 2 labels/);
  });

  it('rollout score is max_t s_t', () => {
    assert.equal(rolloutScore([0.2, 0.9, 0.4]), 0.9);
    assert.equal(rolloutScore([]), -Infinity);
  });

  it('TPR, TNR, balanced accuracy and T-det by hand', () => {
    // failures: alarm at step 4 of 10 → 5/10; at step 0 of 4 → 1/4; never → 1;   TPR 2/3, T-det (0.5 + 0.25 + 1)/3
    // successes: one false alarm of three → TNR 2/3
    const m = detectionMetrics([4, 0, -1, -1, 7, -1], [10, 4, 8, 5, 9, 12], [true, true, true, false, false, false]);
    assert.equal(m.tpr, 2 / 3);
    assert.equal(m.tnr, 2 / 3);
    assert.equal(m.balancedAccuracy, 2 / 3);
    assert.equal(m.tDet, (0.5 + 0.25 + 1) / 3);
    // lead: 10 − 5 = 5 and 4 − 1 = 3 steps from the alarm to the end; the unflagged failure and the false alarm do not count
    assert.equal(m.lead, 4);
    // with step durations: 5 steps of 0.1 s and 3 of 0.5 s → (0.5 + 1.5) / 2 s
    const timed = detectionMetrics(
      [4, 0, -1, -1, 7, -1],
      [10, 4, 8, 5, 9, 12],
      [true, true, true, false, false, false],
      [0.1, 0.5, 1, 1, 1, 1],
    );
    assert.ok(Math.abs(timed.lead - 1) < 1e-12, String(timed.lead));
    assert.throws(() => detectionMetrics([-1], [5], [true], []), /stepSeconds and labels differ in length/);
    assert.deepEqual([m.failures, m.successes], [3, 3]);
    const none = detectionMetrics([-1], [5], [false]);
    assert.ok(Number.isNaN(none.tpr) && Number.isNaN(none.tDet) && Number.isNaN(none.lead));
    assert.ok(Number.isNaN(detectionMetrics([-1], [5], [true]).lead), 'no flagged failure: no lead');
    assert.equal(none.tnr, 1);
  });

  it('the evaluation protocol separates clearly separable rollouts at every alpha', () => {
    const scored: ScoredEpisode[] = [];
    for (let i = 0; i < 20; i++)
      scored.push({ bag: 'b', id: `s${i}`, success: true, scores: Array.from({ length: 10 }, (_, t) => (t + 1) * (0.1 + 0.002 * i)) });
    for (let i = 0; i < 6; i++)
      scored.push({ bag: 'b', id: `f${i}`, success: false, scores: Array.from({ length: 10 }, (_, t) => (t + 1) * (0.5 + 0.01 * i)) });
    const res = evaluateScored(scored, { alphas: [0.1, 0.5], repeats: 3, seed: 1 });
    assert.equal(res.rocAuc, 1);
    assert.equal(res.calibrationSuccesses, 10);
    assert.equal(res.testSuccesses, 10);
    const [a10, a50] = res.rows;
    // α = 0.1: 10 calibration successes → n2 = 7, ⌈8·0.9⌉ = 8 > 7: h = ∞, the band never fires.
    assert.deepEqual([a10.tpr, a10.tnr, a10.tDet, a10.neverFires], [0, 1, 1, 3]);
    assert.equal(a50.tpr, 1);
    assert.ok(a50.tDet < 0.3, `failures are flagged early (T-det ${a50.tDet})`);
    const text = formatEvaluation({ ...res, kind: 'mlp' }, 'd.onnx');
    assert.match(text, /ROC-AUC \(rollout score max_t s_t\): 1\.000 ± 0\.000/);
    assert.match(text, /\| {2}0\.10 \| 0\.000 \| 1\.000 \| {2}0\.500 {2}\| 1\.000 \| h = ∞ in 3\/3 splits/);
    assert.throws(() => evaluateScored(scored.filter((e) => e.success)), /needs failed episodes too/);
    assert.throws(() => evaluateScored(scored.slice(0, 2).concat(scored.slice(20))), /needs at least 2 successful episodes to calibrate/);
  });
});

describe('score plot (SVG)', () => {
  it('draws every curve, the band and the mean, with a legend', () => {
    const band = new ConformalBand({ alpha: 0.2, horizon: 3, mu: [0, 1, 2], sigma: [1, 1, 1], h: 1, gamma: 0, n1: 1, n2: 1 });
    const svg = renderScorePlot({
      title: 'scores <test>',
      curves: [
        { scores: [0, 0.5, 1, 1.5], failure: false },
        { scores: [0, 2, 4], failure: true },
      ],
      threshold: band.thresholds(4),
      mean: [0, 1, 2, 2],
      horizon: 2,
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /scores &lt;test&gt;/);
    assert.equal((svg.match(/<path /g) ?? []).length, 4);
    assert.match(svg, /successes \(1\)/);
    assert.match(svg, /failures \(1\)/);
    assert.match(svg, /δ_t = μ_t \+ h·σ_t/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
  });

  it('picks round ticks', () => {
    assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(0, 1, 4), [0, 0.5, 1]);
  });
});
