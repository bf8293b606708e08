// PeriodicTimer: drift-free due times (start + k·period), missed ticks skipped and counted
// (never replayed in a burst), cancel / reset semantics, and behaviour across time jumps.
import { strict as assert } from 'node:assert';
import { AlarmQueue } from '../../nodes/ros/alarm_queue.js';
import { SimTimeBase, VirtualTimeBase, type Alarm, type TimeBase } from '../../nodes/ros/time_base.js';
import { PeriodicTimer } from '../../nodes/ros/timer.js';

/**
 * A time base whose callbacks can take time: `spend(s)` moves now() on while a callback runs,
 * as a slow callback does on a real machine. `runUntil` runs alarms in order, never moving
 * time backwards, so an alarm whose time was overrun by an earlier callback runs late.
 */
class SteppedTimeBase implements TimeBase {
  private readonly queue = new AlarmQueue();
  private current: number;
  constructor(start: number) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  at(time: number, fn: () => void): Alarm {
    return this.queue.push(time, fn);
  }
  onJump(): () => void {
    return () => {};
  }
  spend(seconds: number): void {
    this.current += seconds;
  }
  runUntil(target: number): void {
    for (let next = this.queue.peek(); next !== undefined && next.time <= target; next = this.queue.peek()) {
      const e = this.queue.popDue(next.time)!;
      this.current = Math.max(this.current, e.time);
      e.fn();
    }
    this.current = Math.max(this.current, target);
  }
  get pending(): number {
    return this.queue.size;
  }
}

describe('PeriodicTimer', () => {
  it('rejects periods that are not positive finite numbers', () => {
    const t = new VirtualTimeBase(100);
    for (const period of [0, -0, -0.1, NaN, Infinity, -Infinity]) {
      assert.throws(
        () => new PeriodicTimer(t, period, () => {}),
        (err: unknown) => err instanceof RangeError && /positive number of seconds/.test(err.message),
        `period ${period}`,
      );
    }
    assert.equal(t.pendingAlarms, 0, 'a rejected timer schedules nothing');
  });

  it('ticks at exactly start + k·period over 1000 ticks (dyadic period, bit-exact)', async () => {
    const t = new VirtualTimeBase(100);
    const stamps: number[] = [];
    const timer = new PeriodicTimer(t, 0.125, () => stamps.push(t.now()));
    assert.equal(timer.period, 0.125);
    await t.advanceTo(100 + 1000 * 0.125 + 0.0625);
    assert.equal(stamps.length, 1000);
    stamps.forEach((s, i) => assert.equal(s, 100 + (i + 1) * 0.125, `tick ${i + 1}`));
    assert.equal(timer.missedTicks, 0);
    assert.equal(t.pendingAlarms, 1, 'exactly one alarm pending for the next tick');
  });

  it('does not drift over 1000 ticks of a 0.1 s period', async () => {
    const t = new VirtualTimeBase(100);
    const stamps: number[] = [];
    const timer = new PeriodicTimer(t, 0.1, () => stamps.push(t.now()));
    await t.advanceTo(200.05);
    assert.equal(stamps.length, 1000);
    const worst = Math.max(...stamps.map((s, i) => Math.abs(s - (100 + (i + 1) * 0.1))));
    assert.ok(worst < 1e-9, `worst deviation from start + k·period: ${worst} s`);
    assert.equal(timer.missedTicks, 0);
  });

  it('keeps its schedule whatever the callbacks cost (drift-free, not now + period)', () => {
    const t = new SteppedTimeBase(0);
    const stamps: number[] = [];
    const timer = new PeriodicTimer(t, 0.25, () => {
      stamps.push(t.now());
      t.spend(0.1); // each callback takes 100 ms of a 250 ms period
    });
    t.runUntil(2);
    assert.deepEqual(stamps, [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
    assert.equal(timer.missedTicks, 0);
  });

  it('skips and counts ticks missed by an overrunning callback, without a catch-up burst', () => {
    const t = new SteppedTimeBase(0);
    const stamps: number[] = [];
    const timer = new PeriodicTimer(t, 0.125, () => {
      stamps.push(t.now());
      if (stamps.length === 2) t.spend(0.4); // the tick due at 0.25 ends at 0.65
    });
    t.runUntil(1);
    // 0.375, 0.5 and 0.625 were overrun: counted, not replayed; the schedule resumes on its grid.
    assert.deepEqual(stamps, [0.125, 0.25, 0.75, 0.875, 1]);
    assert.equal(timer.missedTicks, 3);
    assert.equal(t.pending, 1);
  });

  it('runs late once, then skips, when another long-running alarm delays it', () => {
    const t = new SteppedTimeBase(0);
    const stamps: number[] = [];
    const timer = new PeriodicTimer(t, 0.125, () => stamps.push(t.now()));
    t.at(0.3, () => t.spend(0.5)); // something else hogs the thread from 0.3 to 0.8
    t.runUntil(1.2);
    // tick due 0.375 runs late at 0.8; 0.5, 0.625, 0.75 are missed; back on the grid at 0.875.
    assert.deepEqual(stamps, [0.125, 0.25, 0.8, 0.875, 1, 1.125]);
    assert.equal(timer.missedTicks, 3);
  });

  it('counts missed ticks when simulated time leaps ahead in one big step', () => {
    const s = new SimTimeBase();
    s.setTime(10);
    const stamps: number[] = [];
    const timer = new PeriodicTimer(s, 0.25, () => stamps.push(s.now()));
    s.setTime(11.1); // due 10.25 runs once, late; 10.5, 10.75, 11.0 are missed
    assert.deepEqual(stamps, [11.1]);
    assert.equal(timer.missedTicks, 3);
    s.setTime(11.2);
    assert.equal(stamps.length, 1);
    s.setTime(11.25);
    assert.deepEqual(stamps, [11.1, 11.25]);
    s.setTime(15.1); // due 11.5 runs at 15.1; the 14 ticks 11.75 .. 15.0 are missed
    assert.deepEqual(stamps, [11.1, 11.25, 15.1]);
    assert.equal(timer.missedTicks, 3 + 14);
  });

  it('stops at once when cancelled inside its callback', async () => {
    const t = new VirtualTimeBase(100);
    const stamps: number[] = [];
    const timer: PeriodicTimer = new PeriodicTimer(t, 0.5, () => {
      stamps.push(t.now());
      if (stamps.length === 3) timer.cancel();
    });
    await t.advanceTo(110);
    assert.deepEqual(stamps, [100.5, 101, 101.5]);
    assert.equal(timer.canceled, true);
    assert.equal(t.pendingAlarms, 0);
  });

  it('never ticks when cancelled before its first tick; cancel is idempotent and reset is then a no-op', async () => {
    const t = new VirtualTimeBase(100);
    let calls = 0;
    const timer = new PeriodicTimer(t, 0.5, () => calls++);
    assert.equal(timer.canceled, false);
    timer.cancel();
    timer.cancel();
    timer.reset();
    assert.equal(t.pendingAlarms, 0);
    await t.advanceTo(105);
    assert.equal(calls, 0);
    assert.equal(timer.canceled, true);
  });

  it('reset() restarts the period from now', async () => {
    const t = new VirtualTimeBase(100);
    const stamps: number[] = [];
    const timer = new PeriodicTimer(t, 1, () => stamps.push(t.now()));
    await t.advanceTo(100.5);
    timer.reset(); // next tick 101.5 instead of 101
    assert.equal(t.pendingAlarms, 1, 'the old alarm is cancelled');
    await t.advanceTo(101.25);
    assert.equal(stamps.length, 0);
    await t.advanceTo(103.5);
    assert.deepEqual(stamps, [101.5, 102.5, 103.5]);
    await t.advanceTo(104);
    timer.reset(); // at 104: next 105
    await t.advanceTo(105.75);
    assert.deepEqual(stamps, [101.5, 102.5, 103.5, 105]);
    assert.equal(timer.missedTicks, 0);
  });

  it('keeps the remaining delay when simulated time jumps backwards', () => {
    const s = new SimTimeBase();
    s.setTime(10);
    const stamps: number[] = [];
    const timer = new PeriodicTimer(s, 1, () => stamps.push(s.now()));
    s.setTime(10.25); // 0.75 s to the first tick
    s.setTime(4); // bag loop
    s.setTime(4.5);
    assert.equal(stamps.length, 0);
    s.setTime(4.75);
    assert.deepEqual(stamps, [4.75]);
    s.setTime(5.5);
    assert.deepEqual(stamps, [4.75]);
    s.setTime(5.75);
    assert.deepEqual(stamps, [4.75, 5.75]);
    assert.equal(timer.missedTicks, 0);
  });

  it('keeps its grid across a virtual-time jump', async () => {
    const t = new VirtualTimeBase(100);
    const stamps: number[] = [];
    new PeriodicTimer(t, 0.5, () => stamps.push(t.now()));
    await t.advanceTo(100.25);
    t.jumpTo(50); // 0.25 s to go
    await t.advanceTo(51);
    assert.deepEqual(stamps, [50.25, 50.75]);
  });

  it('stops listening for jumps once cancelled', () => {
    const s = new SimTimeBase();
    s.setTime(10);
    let calls = 0;
    const timer = new PeriodicTimer(s, 1, () => calls++);
    timer.cancel();
    s.setTime(2);
    s.setTime(20);
    assert.equal(calls, 0);
  });
});
