// Edges of the failure monitor's pure core that the main tests pass by: calls on a monitor
// without an episode, ending another episode than the running one, the calibration seed, a
// one-step band, and scorers given the wrong detector or one that loses the LSTM state.

import { strict as assert } from 'node:assert';
import {
  calibrateBand,
  ConformalBand,
  ConformalError,
  fitBand,
  padCurves,
  splitCalibrationSet,
} from '../../nodes/failure_monitor/conformal_band.js';
import type { DetectorModel, DetectorOutput } from '../../nodes/failure_monitor/detector.js';
import { EpisodeMonitor } from '../../nodes/failure_monitor/episode_monitor.js';
import { LstmScorer, MlpScorer } from '../../nodes/failure_monitor/scorer.js';

const band = new ConformalBand({ alpha: 0.2, horizon: 3, mu: [0, 1, 2], sigma: [1, 1, 1], h: 1, gamma: 0, n1: 1, n2: 1 });

/** A detector with a fixed logit; `returns` says which parts of the LSTM state its output has. */
function detector(kind: 'mlp' | 'lstm', returns: 'h and c' | 'h' | 'c' | 'none' = 'h and c'): DetectorModel {
  return {
    kind,
    featureSize: 2,
    hiddenSize: kind === 'lstm' ? 3 : 0,
    run: (_features, s): Promise<DetectorOutput> =>
      Promise.resolve(
        kind === 'mlp' || returns === 'none'
          ? { logit: 0 }
          : { logit: 0, ...(returns !== 'c' ? { h: s!.h } : {}), ...(returns !== 'h' ? { c: s!.c } : {}) },
      ),
  };
}

describe('failure monitor: edge cases of the pure core', () => {
  it('a monitor without an episode: end, rearm and checkTimeout do nothing; scored is a usage error', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 1 });
    assert.throws(() => m.scored(0, 1, 0), /^Error: scored\(\) without a running episode$/);
    assert.equal(m.end('a'), false);
    m.rearm(10);
    assert.equal(m.checkTimeout(100), undefined);
    assert.equal(m.episode, undefined);
  });

  it('ending another episode than the running one leaves the running one alone', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 0 });
    m.begin('a', 0);
    assert.equal(m.end('b'), false);
    assert.equal(m.episode?.running, true);
    assert.equal(m.route('a'), 'current');
    assert.equal(m.end('a'), true);
    assert.equal(m.route('a'), 'stale');
  });

  it('the calibration seed chooses the D1/D2 split', () => {
    const curves = Array.from({ length: 10 }, (_, i) => [0.1 * i, 0.3 * ((i * 7) % 10), 0.05 * i * i]);
    const fitted = (seed: number) => {
      const { d1, d2 } = splitCalibrationSet(curves.length, seed);
      const padded = padCurves(curves);
      return fitBand(
        d1.map((i) => padded[i]),
        d2.map((i) => padded[i]),
        0.2,
      );
    };
    assert.notDeepEqual(fitted(7), fitted(0), 'the test needs two seeds that give different bands');
    assert.deepEqual(calibrateBand(curves, { alpha: 0.2, seed: 7 }).params, fitted(7));
    assert.deepEqual(calibrateBand(curves, { alpha: 0.2 }).params, fitted(0));
  });

  it('a band of one step is valid; a band of none is a ConformalError', () => {
    const one = new ConformalBand({ alpha: 0.2, horizon: 1, mu: [0.5], sigma: [1], h: 1, gamma: 0, n1: 1, n2: 1 });
    assert.equal(one.threshold(5), 1.5);
    assert.throws(
      () => new ConformalBand({ alpha: 0.2, horizon: 0, mu: [], sigma: [], h: 1, gamma: 0, n1: 1, n2: 1 }),
      (err: unknown) =>
        err instanceof ConformalError && err.name === 'ConformalError' && /horizon must be a positive integer/.test(err.message),
    );
  });

  it('each scorer refuses the other kind of detector, by name', () => {
    assert.throws(() => new MlpScorer(detector('lstm')), /^Error: MlpScorer needs a SAFE-MLP detector, got lstm$/);
    assert.throws(() => new LstmScorer(detector('mlp')), /^Error: LstmScorer needs a SAFE-LSTM detector, got mlp$/);
  });

  it('the LSTM scorer counts its steps and refuses a detector output without state', async () => {
    const scorer = new LstmScorer(detector('lstm'));
    assert.equal(scorer.steps, 0);
    await scorer.step(new Float32Array(2));
    const second = await scorer.step(new Float32Array(2));
    assert.deepEqual([scorer.steps, second.score, second.stepScore], [2, 0.5, 0.5]);
    scorer.reset();
    assert.equal(scorer.steps, 0);
    for (const returns of ['none', 'h', 'c'] as const) {
      await assert.rejects(
        new LstmScorer(detector('lstm', returns)).step(new Float32Array(2)),
        /^Error: SAFE-LSTM detector returned no state$/,
      );
    }
  });
});
