// The monitor's verdict on a recorded episode (what `sim eval` counts as the node's alarms).

import { strict as assert } from 'node:assert';
import { ConformalBand } from '../../nodes/failure_monitor/conformal_band.js';
import { MONITOR_TIMEOUT_DEFAULTS, timeoutCheckPeriod } from '../../nodes/failure_monitor/episode_monitor.js';
import { episodeVerdict } from '../../nodes/failure_monitor/episode_verdict.js';

// δ = [1, 2, 3], then 3.
const band = new ConformalBand({ alpha: 0.2, horizon: 3, mu: [0, 1, 2], sigma: [1, 1, 1], h: 1, gamma: 0, n1: 1, n2: 1 });
const config = { featureTimeout: 0.5, startupTimeout: 2 };
/** n features 1/30 s apart from `start`. */
const times = (n: number, start = 0.35) => Array.from({ length: n }, (_, i) => start + i / 30);

describe('episode verdict (the failure monitor over a recorded episode)', () => {
  it('checks the timeout on the node timer: a fifth of it within [5 ms, 100 ms]; the node defaults', () => {
    assert.equal(timeoutCheckPeriod(0.5), 0.1);
    assert.equal(timeoutCheckPeriod(0.2), 0.04);
    assert.equal(timeoutCheckPeriod(0.01), 0.005);
    assert.deepEqual(MONITOR_TIMEOUT_DEFAULTS, { featureTimeout: 0.5, startupTimeout: 5 });
  });

  it('no alarm while the scores stay below the band and the features keep coming to the end', () => {
    assert.equal(episodeVerdict(band, config, [0.5, 1.5, 2.9, 2.9, 2.9], times(5), 0.5), undefined);
  });

  it('a score alarm at the first crossing, at the time its features came', () => {
    const t = times(5);
    assert.deepEqual(episodeVerdict(band, config, [0.5, 1.5, 3, 0, 9], t, 2), { reason: 'score', index: 2, time: t[2] });
  });

  it('a feature timeout when the features stop for longer than feature_timeout, at the first check past it', () => {
    const t = times(20); // the last at 0.983 s
    const v = episodeVerdict(band, config, new Array<number>(20).fill(0), t, 15);
    // checks every 0.1 s: at 1.4 the gap is 0.417 s, at 1.5 0.517 s
    assert.deepEqual(v && { ...v, time: +v.time.toFixed(9) }, { reason: 'feature_timeout', index: 20, time: 1.5 });
    // an episode that ends before the timeout has none; one that ends at a check gets that check
    assert.equal(episodeVerdict(band, config, new Array<number>(20).fill(0), t, 1.45), undefined);
    assert.deepEqual(episodeVerdict(band, config, [0], [1.45], 2), { reason: 'feature_timeout', index: 1, time: 2 });
    assert.equal(episodeVerdict(band, config, [0], [1.45], 1.99), undefined);
    // a gap within the episode counts too, and comes before a later crossing
    const gap = [...times(10), ...times(5, 2)];
    const late = episodeVerdict(band, config, [...new Array<number>(14).fill(0), 9], gap, 3);
    assert.deepEqual(late && { ...late, time: +late.time.toFixed(9) }, { reason: 'feature_timeout', index: 10, time: 1.2 });
  });

  it('the startup timeout before the first features; none when it is 0', () => {
    const v = episodeVerdict(band, config, [], [], 8);
    assert.deepEqual(v && { ...v, time: +v.time.toFixed(9) }, { reason: 'feature_timeout', index: 0, time: 2.1 });
    assert.equal(episodeVerdict(band, { ...config, startupTimeout: 0 }, [], [], 8), undefined);
    assert.equal(episodeVerdict(band, config, [0], [1.9], 1.95), undefined);
  });

  it('one alarm per episode: a crossing before the features stop is the verdict', () => {
    const t = times(3);
    assert.deepEqual(episodeVerdict(band, config, [0, 5, 0], t, 15), { reason: 'score', index: 1, time: t[1] });
  });

  it('refuses scores and times of different lengths', () => {
    assert.throws(() => episodeVerdict(band, config, [0, 0], [0.1], 1), /2 scores but 1 times/);
  });
});
