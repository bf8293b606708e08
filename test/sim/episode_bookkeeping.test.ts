// The sim node's ROS-free pieces: episode bookkeeping, calls to the episode manager, output
// schedules and the ~/episode record.

import { strict as assert } from 'node:assert';
import { EM_RETRIES, EpisodeManagerLink, type ManagerClient } from '../../nodes/sim/episode_manager_link.js';
import { EpisodeTracker } from '../../nodes/sim/episode_tracker.js';
import { rateSchedules } from '../../nodes/sim/pacing.js';
import { episodeMessage } from '../../nodes/sim/sim_messages.js';
import type { EpisodeSetup } from '../../nodes/sim/tasks.js';

describe('sim episode tracker', () => {
  it('ids follow the seed sequence; a new seed starts it again', () => {
    const t = new EpisodeTracker();
    t.started(7, t.takeIndex(false));
    assert.equal(t.id, 'sim-7-0000');
    t.started(7, t.takeIndex(false));
    assert.equal(t.id, 'sim-7-0001');
    t.started(9, t.takeIndex(true));
    assert.equal(t.id, 'sim-9-0000');
  });

  it('an episode ends once; its reset is due from the time given; a new episode clears both', () => {
    const t = new EpisodeTracker();
    t.started(1, 0);
    assert.equal(t.timedOut(5, 5, 0.001), true);
    assert.equal(t.timedOut(4.9, 5, 0.001), false);
    assert.equal(t.timedOut(100, 0, 0.001), false, 'timeout 0: none');
    assert.equal(t.resetDue(1e9, 0.001), false, 'no reset before the end');
    assert.equal(t.ended, false);
    assert.equal(t.finish(3), true);
    assert.equal(t.ended, true);
    assert.equal(t.finish(1), false, 'already ended');
    assert.equal(t.timedOut(10, 5, 0.001), false, 'an ended episode does not time out');
    assert.equal(t.resetDue(2.9, 0.001), false);
    assert.equal(t.resetDue(3, 0.001), true);
    t.started(1, 1);
    assert.equal(t.ended, false, 'a new episode runs');
    assert.equal(t.resetDue(1e9, 0.001), false);
    assert.equal(t.timedOut(5, 5, 0.001), true);
  });

  it('deadlines are reached at the step nearest to them, whatever the rounding of the summed steps', () => {
    const dt = 0.001;
    // 1 ms steps summed from 6.5 s: the sum drifts off the exact multiples.
    let time = 6.5;
    let steps = 0;
    const t = new EpisodeTracker();
    t.started(1, 0);
    while (!t.timedOut(time - 6.5, 5.5, dt)) {
      time += dt;
      steps++;
    }
    assert.equal(steps, 5500, 'a 5.5 s timeout after 5500 steps');
    assert.notEqual(time - 6.5, 5.5, 'the summed time is off 5.5 (else this test shows nothing)');
    t.finish(time + 1);
    let more = 0;
    while (!t.resetDue(time, dt)) {
      time += dt;
      more++;
    }
    assert.equal(more, 1000, 'the reset 1 s later, after 1000 steps');
    assert.equal(t.timedOut(5.4994, 5.5, dt), false, 'an ended episode');
    t.started(1, 1);
    assert.equal(t.timedOut(5.4994, 5.5, dt), false, 'more than half a step before the deadline');
    assert.equal(t.timedOut(5.4996, 5.5, dt), true, 'less than half a step before it');
  });
});

describe('sim episode manager link', () => {
  function client<Req>(name: string, replies: boolean[], log: string[]): ManagerClient<Req> {
    return {
      name,
      isServiceReady: () => true,
      waitForService: () => Promise.resolve(true),
      call: (req: Req) => {
        log.push(`${name} ${JSON.stringify(req)}`);
        const ok = replies.shift() ?? true;
        return Promise.resolve({ success: ok, message: ok ? '' : 'inactive' });
      },
    };
  }

  it('calls go out in order; a refused set_instruction is retried, an END is not', async () => {
    const log: string[] = [];
    const warnings: string[] = [];
    let slept = 0;
    const link = new EpisodeManagerLink(
      client('set', [false, false, true], log),
      client('end', [false], log),
      () => {
        slept++;
        return Promise.resolve();
      },
      (w) => warnings.push(w),
    );
    link.announce('push', 'a');
    link.end(true);
    link.announce('pull', 'b');
    await link.settled();
    assert.deepEqual(log, [
      'set {"text":"push","id":"a"}',
      'set {"text":"push","id":"a"}',
      'set {"text":"push","id":"a"}',
      'end {"data":true}',
      'set {"text":"pull","id":"b"}',
    ]);
    assert.equal(slept, 2);
    assert.deepEqual(warnings, ['episode manager refused end_episode: inactive']);
  });

  it('gives up after its retries with one warning; a missing service is one warning too', async () => {
    const log: string[] = [];
    const warnings: string[] = [];
    const missing: ManagerClient<{ data: boolean }> = {
      name: '/em/end_episode',
      isServiceReady: () => false,
      waitForService: () => Promise.resolve(false),
      call: () => Promise.reject(new Error('unreachable')),
    };
    const link = new EpisodeManagerLink(
      client('set', new Array<boolean>(EM_RETRIES + 1).fill(false), log),
      missing,
      () => Promise.resolve(),
      (w) => warnings.push(w),
    );
    link.announce('push', 'a');
    link.end(false);
    await link.settled();
    assert.equal(log.length, EM_RETRIES + 1);
    assert.deepEqual(warnings, [
      'episode manager refused set_instruction "push": inactive',
      'episode manager: end_episode failed: /em/end_episode is not available',
    ]);
  });
});

describe('sim output schedules and records', () => {
  it('one schedule per output at its rate, from the given step', () => {
    const s = rateSchedules({ fast: 250, slow: 50 }, 0.001, 10);
    const due = (r: (typeof s)['fast']) => Array.from({ length: 40 }, (_, i) => 11 + i).filter((k) => r.due(k));
    assert.deepEqual(due(s.fast), [14, 18, 22, 26, 30, 34, 38, 42, 46, 50]);
    assert.deepEqual(due(s.slow), [30, 50]);
  });

  it('~/episode: the setup, the failure with a never-ending end as null', () => {
    const setup = {
      index: 3,
      seed: 42,
      kind: 'push',
      colour: 'red',
      instruction: 'push the red cube',
      placements: [],
    } as unknown as EpisodeSetup;
    const failure = { kind: 'freeze', start: 1, end: Infinity } as unknown as Parameters<typeof episodeMessage>[3];
    const rec = JSON.parse(episodeMessage('sim-1-0003', setup, 1, failure, 2.5).data) as Record<string, unknown>;
    assert.deepEqual(rec, {
      id: 'sim-1-0003',
      index: 3,
      seed: 42,
      sequence_seed: 1,
      task: 'push',
      object: 'red',
      instruction: 'push the red cube',
      layout: [],
      failure: { kind: 'freeze', start: 1, end: null },
      start_time: 2.5,
    });
    assert.equal((JSON.parse(episodeMessage('x', setup, 1, undefined, 0).data) as { failure: unknown }).failure, null);
  });
});
