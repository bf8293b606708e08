// The timing thread (nodes/ros/timing_thread.ts): wakes its owner once a deadline has passed
// (never before, once per deadline), a new deadline replaces the old one, it stops cleanly,
// and the bare loop the bench uses as its floor reports every tick. Only loose bounds on
// lateness: a CI machine may be slow (speed is measured by `npm run bench`).
import { strict as assert } from 'node:assert';
import { floorOnThread, TimingThread } from '../../nodes/ros/timing_thread.js';
import { wallNow } from '../../nodes/ros/wall_clock.js';

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `done()` holds (the thread may take long to boot on a loaded machine). */
async function until(done: () => boolean, what: string): Promise<void> {
  const give = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > give) throw new Error(`timed out waiting for ${what}`);
    await realSleep(5);
  }
}

interface Woken {
  deadline: number;
  at: number;
}

function startThread(): { thread: TimingThread; woken: Woken[]; failures: string[] } {
  const woken: Woken[] = [];
  const failures: string[] = [];
  const thread = new TimingThread({
    wake: (deadline) => woken.push({ deadline, at: wallNow() }),
    failed: (reason) => failures.push(reason),
  });
  return { thread, woken, failures };
}

describe('TimingThread', () => {
  const running: TimingThread[] = [];
  afterEach(async () => {
    for (const t of running.splice(0)) {
      t.stop();
      await t.exited();
    }
  });

  it('wakes its owner once a deadline has passed, never before it, and once per deadline', async () => {
    const { thread, woken, failures } = startThread();
    running.push(thread);
    const deadline = wallNow() + 0.03;
    thread.setDeadline(deadline);
    await until(() => woken.length > 0, 'the wake');
    await realSleep(50);
    assert.equal(woken.length, 1, `woken ${woken.length} times`);
    assert.equal(woken[0].deadline, deadline);
    assert.ok(woken[0].at >= deadline, `woken ${((deadline - woken[0].at) * 1e6).toFixed(1)} µs early`);
    assert.deepEqual(failures, []);
    // The next deadline is served as well.
    const next = wallNow() + 0.01;
    thread.setDeadline(next);
    await until(() => woken.length > 1, 'the second wake');
    assert.deepEqual(
      woken.map((w) => w.deadline),
      [deadline, next],
    );
  });

  it('a new deadline replaces the pending one, and no deadline means no wake', async () => {
    const { thread, woken } = startThread();
    running.push(thread);
    const later = wallNow() + 0.04;
    const sooner = wallNow() + 0.02;
    thread.setDeadline(later);
    thread.setDeadline(sooner);
    await until(() => woken.length > 0 && wallNow() > later + 0.05, 'the wake');
    assert.deepEqual(
      woken.map((w) => w.deadline),
      [sooner],
    );
    thread.setDeadline(wallNow() + 0.02);
    thread.setDeadline(undefined);
    await realSleep(80);
    assert.equal(woken.length, 1);
  });

  it('stops cleanly: the thread exits by itself and reports no failure', async () => {
    const { thread, woken, failures } = startThread();
    thread.setDeadline(wallNow() + 0.05);
    thread.stop();
    await thread.exited();
    await realSleep(80);
    assert.deepEqual(woken, []);
    assert.deepEqual(failures, []);
  });

  it('the bare loop (the bench floor) accounts for every tick and is never early', async () => {
    const rateHz = 500;
    const seconds = 0.1;
    const floor = await floorOnThread(rateHz, seconds);
    const ticks = Math.round(rateHz * seconds);
    assert.equal(floor.lateness.length + floor.missed, ticks);
    assert.equal(floor.periodError.length, floor.lateness.length - 1);
    assert.ok(
      floor.lateness.every((l) => l >= 0),
      'a tick woke before its deadline',
    );
  });
});
