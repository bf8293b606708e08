import { strict as assert } from 'node:assert';
import { ConformalBand } from '../../nodes/failure_monitor/conformal_band.js';
import { EpisodeMonitor } from '../../nodes/failure_monitor/episode_monitor.js';

// δ = [1, 2, 3], then 3.
const band = new ConformalBand({ alpha: 0.2, horizon: 3, mu: [0, 1, 2], sigma: [1, 1, 1], h: 1, gamma: 0, n1: 1, n2: 1 });

describe('episode monitor (alarm and timeout decisions)', () => {
  it('compares s_t with δ_t by step index and raises the alarm once, at the first crossing', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 0 });
    assert.equal(m.begin('a', 10), true);
    const d0 = m.scored(100, 0.9, 10.1);
    assert.deepEqual([d0.index, d0.threshold, d0.exceeds, d0.alarm], [0, 1, false, undefined]);
    const d1 = m.scored(101, 2.0, 10.2);
    assert.deepEqual([d1.index, d1.threshold, d1.exceeds], [1, 2, true]);
    assert.deepEqual(d1.alarm, {
      reason: 'score',
      episodeId: 'a',
      index: 1,
      step: 101,
      score: 2,
      threshold: 2,
      detail: 'SAFE score 2.0000 >= conformal threshold 2.0000 at step 1 (alpha 0.2)',
    });
    // Still above the band: published as exceeding, but no second alarm.
    const d2 = m.scored(102, 5, 10.3);
    assert.deepEqual([d2.exceeds, d2.alarm], [true, undefined]);
    const d3 = m.scored(103, 3.5, 10.4);
    assert.deepEqual([d3.index, d3.threshold], [3, 3]); // beyond the horizon: the last value
  });

  it('a new episode gets its own alarm; the same id again is not a new episode', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 0 });
    m.begin('a', 0);
    assert.ok(m.scored(0, 9, 0).alarm);
    assert.equal(m.begin('a', 1), false);
    assert.equal(m.scored(1, 9, 1).alarm, undefined);
    assert.equal(m.begin('b', 2), true);
    const d = m.scored(0, 9, 2);
    assert.equal(d.index, 0);
    assert.equal(d.alarm?.episodeId, 'b');
    // An explicit restart (RESET) of the running episode clears its alarm and step count.
    assert.equal(m.begin('b', 3, true), true);
    assert.equal(m.scored(0, 9, 3).alarm?.index, 0);
  });

  it('routes features: current, new episode, or stale (ended or superseded)', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 0 });
    assert.equal(m.route(''), 'new_episode');
    assert.equal(m.route('a'), 'new_episode');
    m.begin('a', 0);
    assert.equal(m.route('a'), 'current');
    assert.equal(m.route(''), 'current');
    m.begin('b', 1);
    assert.equal(m.route('a'), 'stale');
    assert.equal(m.end('b'), true);
    assert.equal(m.end('b'), false);
    assert.equal(m.route('b'), 'stale');
    assert.equal(m.route(''), 'stale');
    assert.equal(m.route('c'), 'new_episode');
    assert.throws(() => m.scored(0, 1, 2), /without a running episode/);
  });

  it('raises a feature timeout once per episode, measured from the last features', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 2 });
    m.begin('a', 100);
    m.scored(7, 0.5, 100.2);
    assert.equal(m.checkTimeout(100.7), undefined); // exactly 0.5 s: not yet
    const alarm = m.checkTimeout(100.75);
    assert.equal(alarm?.reason, 'feature_timeout');
    assert.equal(alarm?.index, 1);
    assert.equal(alarm?.step, 7);
    assert.equal(alarm?.score, 0.5);
    assert.equal(alarm?.threshold, 1);
    assert.match(alarm.detail, /no policy features for 0\.550 s \(feature_timeout 0\.5 s\) after step 1/);
    assert.equal(m.checkTimeout(200), undefined); // once
    // A score crossing after a timeout does not raise a second alarm either.
    assert.equal(m.scored(8, 99, 200).alarm, undefined);
  });

  it('applies the startup timeout before the first features, and none when it is 0 or the episode ended', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 2 });
    m.begin('a', 100);
    assert.equal(m.checkTimeout(101.9), undefined);
    const a = m.checkTimeout(102.5);
    assert.match(a!.detail, /no policy features 2\.500 s after the episode started \(startup_timeout 2 s\)/);

    const wait = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 0 });
    wait.begin('a', 0);
    assert.equal(wait.checkTimeout(1000), undefined);
    wait.scored(0, 0, 1000);
    assert.ok(wait.checkTimeout(1000.6));

    const ended = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 1 });
    ended.begin('a', 0);
    ended.scored(0, 0, 0.1);
    ended.end('a');
    assert.equal(ended.checkTimeout(50), undefined);
  });

  it('rearm() restarts the timeout (after activation)', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 1 });
    m.begin('a', 0);
    m.rearm(10);
    assert.equal(m.checkTimeout(10.9), undefined);
    assert.ok(m.checkTimeout(11.1));
  });

  it('an episode begun before the clock is valid (now = NaN) is armed at the first check, not from time 0', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 5 });
    m.begin('early', NaN);
    const T = 1_700_000_000;
    assert.equal(m.checkTimeout(T), undefined, 'the first valid time arms it');
    assert.equal(m.checkTimeout(T + 4.9), undefined);
    const a = m.checkTimeout(T + 5.25);
    assert.ok(a);
    assert.match(a.detail, /no policy features 5\.250 s after the episode started/);
    const r = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 1 });
    r.begin('b', 0);
    r.rearm(NaN);
    assert.equal(r.checkTimeout(T), undefined, 'rearm before a valid clock: armed at the first check too');
    assert.ok(r.checkTimeout(T + 1.1));
  });

  it('startup timeout: exactly at the limit is not yet; the first timeout alarm carries step 0 and δ_0', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 2 });
    m.begin('a', 100);
    assert.equal(m.checkTimeout(102), undefined);
    const a = m.checkTimeout(102.25);
    assert.deepEqual(
      { ...a, detail: undefined },
      { reason: 'feature_timeout', episodeId: 'a', index: 0, step: 0, score: 0, threshold: 1, detail: undefined },
    );
    assert.equal(m.episode?.alarmed, true);
  });

  it('refuses a feature timeout that is not > 0 or a negative startup timeout', () => {
    assert.throws(() => new EpisodeMonitor(band, { featureTimeout: 0, startupTimeout: 0 }), /featureTimeout must be > 0, got 0/);
    assert.throws(() => new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: -1 }), /startupTimeout must be >= 0, got -1/);
    assert.equal(new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 0 }).thresholdBand, band);
  });

  it('rearm() after features restarts the feature timeout from now; nothing to rearm without an episode', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 0 });
    m.rearm(5);
    assert.equal(m.episode === undefined, true);
    m.begin('a', 0);
    m.scored(0, 0, 1);
    m.rearm(10);
    assert.deepEqual([m.episode?.armedAt, m.episode?.lastFeaturesAt], [10, 10]);
    assert.equal(m.checkTimeout(10.5), undefined);
    assert.ok(m.checkTimeout(10.6));
  });

  it('remembers the last 64 finished episodes: older late features count as a new episode', () => {
    const m = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 0 });
    for (let i = 0; i <= 64; i++) {
      m.begin(`e${i}`, i);
      m.end(`e${i}`);
    }
    assert.equal(m.route('e0'), 'new_episode');
    assert.equal(m.route('e1'), 'stale');
    assert.equal(m.route('e64'), 'stale');
    assert.equal(m.end('e64'), false, 'already ended');
    assert.equal(m.end('e3'), false, 'not the current episode');
    assert.equal(m.begin('e64', 100), true, 'an ended episode can start again');
    assert.equal(m.route('e64'), 'current');
  });
});
