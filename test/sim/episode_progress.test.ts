// The console progress of `vla-ros sim run`: per-episode lines and the summary.

import { strict as assert } from 'node:assert';
import { EpisodeProgress, formatEpisodeLine } from '../../nodes/sim/run/episode_progress.js';

describe('episode progress (sim run console)', () => {
  it('counts chunks, latent age and the highest SAFE score of the running episode; END closes it', () => {
    const p = new EpisodeProgress();
    p.start('sim-0-0000', 'push the red cube to the left', 10);
    for (let i = 0; i < 60; i++) p.chunk(0.25 + (i % 2) * 0.1);
    p.score('sim-0-0000', 0.4, false, 10.5);
    p.score('sim-0-0000', 0.7, true, 11.25);
    p.hold('sim-0-0000');
    p.score('other-episode', 0.99, true); // not this episode: ignored
    p.score('sim-0-0000', NaN, false); // not a score: ignored
    assert.match(p.status(11)!, /1\.0 s, 60 chunks \(60\.0\/s\), latent age 0\.300 s, SAFE 0\.700 ALARM, arm held/);
    assert.equal(p.end('another-id', true, 12), undefined);
    const line = p.end('sim-0-0000', true, 12)!;
    assert.equal(line.index, 0);
    assert.equal(line.duration, 2);
    assert.equal(line.chunkRate, 30);
    assert.ok(Math.abs(line.latentAgeMean - 0.3) < 1e-12);
    assert.equal(line.maxScore, 0.7);
    assert.equal(line.alarm, true);
    assert.equal(
      formatEpisodeLine(line),
      'episode 0 "push the red cube to the left": SUCCESS after 2.0 s · 30.0 chunks/s · latent age 0.300 s · SAFE max 0.700 (alarm at 1.3 s, arm held for the rest of the episode)',
    );
    assert.equal(p.status(12), undefined);
    p.chunk(0.1); // between episodes: nothing to count
  });

  it('summarises successes, time to success, chunk rate, latent age and alarms', () => {
    const p = new EpisodeProgress();
    p.start('a', 'touch the blue block', 0);
    p.chunk(0.2);
    p.end('a', false, 4);
    p.start('b', 'touch the blue block', 5);
    p.chunk(0.4);
    p.chunk(0.4);
    p.end('b', true, 7);
    assert.equal(
      p.summary(),
      '2 episode(s), 1 success(es) (50%), mean time to success 2.00 s, chunk rate 0.6/s, latent age 0.300 s, SAFE alarms 0',
    );
    assert.match(formatEpisodeLine(p.finished[0]), /failed after 4\.0 s · 0\.3 chunks\/s · latent age 0\.200 s · SAFE max n\/a$/);
    // Nothing measured: n/a without a unit.
    const none = new EpisodeProgress();
    none.start('c', 'touch the blue block', 0);
    none.end('c', false, 4);
    assert.equal(
      none.summary(),
      '1 episode(s), 0 success(es) (0%), mean time to success n/a, chunk rate 0.0/s, latent age n/a, SAFE alarms 0',
    );
    assert.match(formatEpisodeLine(none.finished[0]), /latent age n\/a · SAFE max n\/a$/);
    const unmonitored = new EpisodeProgress(false);
    unmonitored.start('d', 'touch the blue block', 0);
    unmonitored.end('d', true, 3);
    assert.match(unmonitored.summary(), /, SAFE alarms n\/a \(no failure monitor\)$/);
  });

  it('Ctrl-C: the episode in progress gets its line (INTERRUPTED, with its alarm) and counts in the summary, not in the success rate', () => {
    const p = new EpisodeProgress();
    p.start('a', 'touch the blue block', 0);
    p.chunk(0.2);
    p.end('a', true, 3);
    p.start('b', 'push the red cube', 4);
    p.chunk(0.2);
    p.score('b', 0.9, true, 5);
    p.hold('b');
    const line = p.interrupt(6.5)!;
    assert.equal(line.interrupted, true);
    assert.equal(line.duration, 2.5);
    assert.equal(
      formatEpisodeLine(line),
      'episode 1 "push the red cube": INTERRUPTED after 2.5 s · 0.4 chunks/s · latent age 0.200 s · SAFE max 0.900 (alarm at 1.0 s, arm held for the rest of the episode)',
    );
    assert.equal(p.interrupt(7), undefined, 'nothing left in progress');
    assert.equal(
      p.summary(),
      '2 episode(s) (1 complete, 1 interrupted), 1 success(es) (100% of the complete ones), mean time to success 3.00 s, chunk rate 0.4/s, latent age 0.200 s, SAFE alarms 1 (1 held the arm)',
    );
  });
});
