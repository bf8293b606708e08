// Time bases: VirtualTimeBase (deterministic, advanced by the test, tracked async work awaited
// before time passes it), SimTimeBase (/clock) and WallTimeBase (real time; only loose bounds
// are asserted, since a CI machine may be slow).
import { strict as assert } from 'node:assert';
import { SimTimeBase, VirtualTimeBase, WallTimeBase, wallNow, type TimeJump } from '../../nodes/ros/time_base.js';
import { errorText } from '../../nodes/error_text.js';
import type { TimingThreadEvents } from '../../nodes/ros/timing_thread.js';

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nextMacrotask = () => new Promise<void>((r) => setImmediate(r));

/** A promise resolved after `ms` real milliseconds with `value`. */
function slowly<T>(ms: number, value: T): Promise<T> {
  return new Promise<T>((r) => setTimeout(() => r(value), ms));
}

describe('VirtualTimeBase', () => {
  it('starts at the given time and only moves when advanced', async () => {
    assert.equal(new VirtualTimeBase().now(), 100);
    const t = new VirtualTimeBase(5);
    assert.equal(t.now(), 5);
    await realSleep(5);
    assert.equal(t.now(), 5);
    await t.advanceBy(2.5);
    assert.equal(t.now(), 7.5);
    await t.advanceTo(7); // never backwards
    assert.equal(t.now(), 7.5);
  });

  it('advanceTo runs alarms in (time, insertion) order with now() at each alarm time', async () => {
    const t = new VirtualTimeBase(100);
    const seen: [string, number][] = [];
    const note = (label: string) => () => seen.push([label, t.now()]);
    t.at(105, note('a'));
    t.at(102, note('b'));
    t.at(102, note('c'));
    t.at(103.5, note('d'));
    t.at(110.5, note('late'));
    assert.equal(t.pendingAlarms, 5);
    await t.advanceTo(110);
    assert.deepEqual(seen, [
      ['b', 102],
      ['c', 102],
      ['d', 103.5],
      ['a', 105],
    ]);
    assert.equal(t.now(), 110);
    assert.equal(t.pendingAlarms, 1);
    await t.advanceBy(0.5);
    assert.deepEqual(seen.at(-1), ['late', 110.5]);
    assert.equal(t.pendingAlarms, 0);
  });

  it('runs an alarm scheduled in the past at the current time', async () => {
    const t = new VirtualTimeBase(100);
    const seen: number[] = [];
    t.at(50, () => seen.push(t.now()));
    assert.equal(seen.length, 0, 'never synchronously inside at()');
    await t.flush();
    assert.deepEqual(seen, [100]);
  });

  it('runs alarms that callbacks schedule for the same instant in the same advance, after queued ones', async () => {
    const t = new VirtualTimeBase(100);
    const seen: string[] = [];
    t.at(101, () => {
      seen.push('first');
      t.at(101, () => seen.push(`chained@${t.now()}`));
    });
    t.at(101, () => seen.push('second'));
    t.at(102, () => seen.push('later'));
    await t.advanceTo(101);
    assert.deepEqual(seen, ['first', 'second', 'chained@101']);
  });

  it('post() work runs at the current instant without an explicit advance', async () => {
    const t = new VirtualTimeBase(100);
    const seen: string[] = [];
    t.post(() => seen.push(`a@${t.now()}`));
    t.post(() => {
      seen.push(`b@${t.now()}`);
      t.post(() => seen.push(`c@${t.now()}`));
    });
    assert.equal(seen.length, 0);
    await nextMacrotask();
    await nextMacrotask();
    assert.deepEqual(seen, ['a@100', 'b@100', 'c@100']);
    assert.equal(t.now(), 100);
    assert.equal(t.pendingAlarms, 0);
  });

  it('a cancelled post() does not run', async () => {
    const t = new VirtualTimeBase(100);
    const seen: string[] = [];
    t.post(() => seen.push('cancelled')).cancel();
    t.post(() => seen.push('kept'));
    await nextMacrotask();
    assert.deepEqual(seen, ['kept']);
  });

  it('waits for tracked async work before letting time pass it', async () => {
    const t = new VirtualTimeBase(100);
    const seen: string[] = [];
    void t.track(slowly(25, 'x').then(() => seen.push(`work done @${t.now()}`)));
    t.at(100.001, () => seen.push(`alarm @${t.now()}`));
    await t.advanceTo(200);
    assert.deepEqual(seen, ['work done @100', 'alarm @100.001']);
  });

  it('track() returns the work itself and a rejected work does not stall time', async () => {
    const t = new VirtualTimeBase(100);
    const failing = t.track(Promise.reject(new Error('nope')));
    await assert.rejects(failing, /nope/);
    await t.advanceBy(1);
    assert.equal(t.now(), 101);
  });

  it('deliverAt delivers a result at the modelled virtual time, however long the real work takes', async () => {
    const t = new VirtualTimeBase(100);
    const seen: string[] = [];
    const started = wallNow();
    t.at(100.25, () => seen.push(`alarm@${t.now()}`));
    void t.deliverAt(100.5, slowly(30, 'latent')).then((v) => seen.push(`${v}@${t.now()}`));
    t.at(100.75, () => seen.push(`alarm@${t.now()}`));
    await t.advanceTo(101);
    assert.deepEqual(seen, ['alarm@100.25', 'latent@100.5', 'alarm@100.75']);
    assert.ok(wallNow() - started >= 0.025, 'the real work really took real time');
  });

  it('deliverAt resolves immediately-settled work no earlier than its time', async () => {
    const t = new VirtualTimeBase(100);
    let got: [string, number] | undefined;
    void t.deliverAt(100.5, Promise.resolve('ready')).then((v) => (got = [v, t.now()]));
    await t.advanceTo(100.4);
    assert.equal(got, undefined);
    await t.advanceTo(100.6);
    assert.deepEqual(got, ['ready', 100.5]);
  });

  it('deliverAt delivers two results due at the same instant in request order', async () => {
    const t = new VirtualTimeBase(100);
    const seen: string[] = [];
    // The first request finishes last in real time; it must still be delivered first.
    void t.deliverAt(101, slowly(30, 'first')).then((v) => seen.push(`${v}@${t.now()}`));
    void t.deliverAt(101, slowly(1, 'second')).then((v) => seen.push(`${v}@${t.now()}`));
    void t.deliverAt(100.5, slowly(10, 'earlier')).then((v) => seen.push(`${v}@${t.now()}`));
    await t.advanceTo(102);
    assert.deepEqual(seen, ['earlier@100.5', 'first@101', 'second@101']);
  });

  it('deliverAt rejects at the modelled time when the work fails', async () => {
    const t = new VirtualTimeBase(100);
    let failure: [string, number] | undefined;
    const work = slowly(5, 0).then(() => Promise.reject(new Error('inference failed')));
    t.deliverAt(100.5, work).catch((err: unknown) => {
      failure = [errorText(err), t.now()];
    });
    await t.advanceTo(100.4);
    assert.equal(failure, undefined);
    await t.advanceTo(101);
    assert.deepEqual(failure, ['inference failed', 100.5]);
  });

  it('advanceTo is not re-entrant', async () => {
    const t = new VirtualTimeBase(100);
    let inner: Promise<string> | undefined;
    t.at(101, () => {
      inner = t.advanceTo(150).then(
        () => 'resolved',
        (err: Error) => err.message,
      );
    });
    const outer = t.advanceTo(200);
    await assert.rejects(t.advanceTo(300), /not re-entrant/);
    await outer;
    assert.match((await inner) ?? 'no inner call', /not re-entrant/);
    assert.equal(t.now(), 200);
    await t.advanceTo(250); // usable again afterwards
    assert.equal(t.now(), 250);
  });

  it('jumpTo shifts pending alarms, moves now() and notifies listeners', async () => {
    const t = new VirtualTimeBase(100);
    const jumps: TimeJump[] = [];
    const stop = t.onJump((j) => jumps.push(j));
    const seen: number[] = [];
    t.at(110, () => seen.push(t.now()));
    t.jumpTo(40);
    assert.equal(t.now(), 40);
    assert.deepEqual(jumps, [{ before: 100, after: 40 }]);
    await t.advanceTo(49.5);
    assert.equal(seen.length, 0, 'the alarm kept its remaining 10 s');
    await t.advanceTo(50);
    assert.deepEqual(seen, [50]);

    t.at(60, () => seen.push(t.now()));
    t.jumpTo(70); // forward: the alarm keeps its remaining 10 s too
    assert.deepEqual(jumps.at(-1), { before: 50, after: 70 });
    await t.advanceTo(79.5);
    assert.deepEqual(seen, [50]);
    await t.advanceTo(80);
    assert.deepEqual(seen, [50, 80]);

    stop();
    t.jumpTo(0);
    assert.equal(jumps.length, 2, 'an unsubscribed listener hears nothing');
  });
});

describe('SimTimeBase', () => {
  it('is 0 and not started until the first time is set', () => {
    const s = new SimTimeBase();
    assert.equal(s.now(), 0);
    assert.equal(s.started, false);
    s.setTime(12.5);
    assert.equal(s.now(), 12.5);
    assert.equal(s.started, true);
  });

  it('ignores non-finite times', () => {
    const s = new SimTimeBase();
    s.setTime(3);
    s.setTime(NaN);
    s.setTime(Infinity);
    s.setTime(-Infinity);
    assert.equal(s.now(), 3);
  });

  it('fires alarms in (time, insertion) order when time passes them', () => {
    const s = new SimTimeBase();
    const seen: [string, number][] = [];
    const note = (label: string) => () => seen.push([label, s.now()]);
    s.setTime(5);
    s.at(10, note('a'));
    s.at(12, note('b'));
    s.at(12, note('c'));
    s.at(13, note('d'));
    s.setTime(9.5);
    assert.equal(seen.length, 0);
    s.setTime(10);
    assert.deepEqual(seen, [['a', 10]]);
    s.setTime(12.5);
    assert.deepEqual(seen, [
      ['a', 10],
      ['b', 12.5],
      ['c', 12.5],
    ]);
  });

  it('runs an alarm at or before the current time on the next time update, not inside at()', () => {
    const s = new SimTimeBase();
    s.setTime(20);
    const seen: number[] = [];
    s.at(15, () => seen.push(s.now()));
    assert.equal(seen.length, 0);
    s.setTime(20);
    assert.deepEqual(seen, [20]);
  });

  it('keeps an alarm’s remaining delay across a backward jump and notifies listeners', () => {
    const s = new SimTimeBase();
    const jumps: TimeJump[] = [];
    const stop = s.onJump((j) => jumps.push(j));
    const seen: number[] = [];
    s.setTime(10);
    s.at(13, () => seen.push(s.now())); // 3 s to go
    s.setTime(10.5); // 2.5 s to go
    s.setTime(4); // bag looped: still 2.5 s to go → due at 6.5
    assert.deepEqual(jumps, [{ before: 10.5, after: 4 }]);
    s.setTime(6.25);
    assert.equal(seen.length, 0);
    s.setTime(6.5);
    assert.deepEqual(seen, [6.5]);
    s.setTime(100); // forward moves are not jumps
    assert.equal(jumps.length, 1);
    stop();
    s.setTime(1);
    assert.equal(jumps.length, 1);
  });

  it('does not run cancelled alarms', () => {
    const s = new SimTimeBase();
    const seen: string[] = [];
    s.at(1, () => seen.push('cancelled')).cancel();
    s.at(1, () => seen.push('kept'));
    s.setTime(2);
    assert.deepEqual(seen, ['kept']);
  });
});

describe('WallTimeBase', () => {
  it('reads wall time in seconds', () => {
    const w = new WallTimeBase();
    assert.ok(Math.abs(w.now() - Date.now() / 1000) < 0.05);
    assert.equal(typeof w.onJump(), 'function');
  });

  it('fires an alarm soon after its time, never before it', async () => {
    const w = new WallTimeBase();
    const due = w.now() + 0.01;
    const ranAt = await new Promise<number>((r) => w.at(due, () => r(w.now())));
    assert.ok(ranAt >= due, `ran ${((due - ranAt) * 1e3).toFixed(3)} ms early`);
    assert.ok(ranAt - due < 0.05, `ran ${((ranAt - due) * 1e3).toFixed(1)} ms late`);
  });

  it('fires alarms in time order whatever the scheduling order, and an overdue one at once', async () => {
    const w = new WallTimeBase();
    const seen: string[] = [];
    const now = w.now();
    const done = new Promise<void>((r) => w.at(now + 0.02, () => r()));
    w.at(now + 0.015, () => seen.push('c'));
    w.at(now + 0.005, () => seen.push('a'));
    w.at(now + 0.01, () => seen.push('b'));
    w.at(now - 1, () => seen.push('overdue'));
    await done;
    assert.deepEqual(seen, ['overdue', 'a', 'b', 'c']);
  });

  it('does not run a cancelled alarm', async () => {
    const w = new WallTimeBase();
    const seen: string[] = [];
    const now = w.now();
    const cancelled = w.at(now + 0.005, () => seen.push('cancelled'));
    w.at(now + 0.01, () => seen.push('kept'));
    cancelled.cancel();
    await realSleep(40);
    assert.deepEqual(seen, ['kept']);
  });

  it('never runs a precise alarm before its time', async () => {
    const w = new WallTimeBase();
    const start = w.now() + 0.005;
    const results: { due: number; ran: number }[] = [];
    const all: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      const due = start + i * 0.0023;
      all.push(
        new Promise<void>((r) =>
          w.at(
            due,
            () => {
              results.push({ due, ran: w.now() });
              r();
            },
            { precise: true },
          ),
        ),
      );
    }
    await Promise.all(all);
    assert.equal(results.length, 10);
    for (const { due, ran } of results) {
      assert.ok(ran >= due, `precise alarm ran ${((due - ran) * 1e6).toFixed(1)} µs early`);
      assert.ok(ran - due < 0.05, `precise alarm ran ${((ran - due) * 1e3).toFixed(1)} ms late`);
    }
    assert.deepEqual(
      results.map((r) => r.due),
      [...results.map((r) => r.due)].sort((a, b) => a - b),
    );
  });

  it('keeps precise alarms on the timing thread, also on the main thread: they cost it nothing until due', () => {
    const w = new WallTimeBase();
    try {
      assert.equal(w.preciseAlarmsSleep, true);
      assert.equal(w.preciseWaiter, 'timing thread');
    } finally {
      w.close();
    }
    assert.equal(w.preciseWaiter, 'this thread');
  });

  it('runs a precise alarm when the timing thread wakes it, without waiting for it itself', () => {
    const deadlines: Array<number | undefined> = [];
    let events: TimingThreadEvents | undefined;
    const w = new WallTimeBase({
      startTimingThread: (e) => {
        events = e;
        return { setDeadline: (t) => deadlines.push(t), stop: () => {} };
      },
    });
    const due = w.now() + 0.005;
    let ran = NaN;
    w.at(due, () => (ran = w.now()), { precise: true });
    assert.deepEqual(deadlines, [due]);
    while (w.now() < due) {
      /* the timing thread's job */
    }
    assert.ok(Number.isNaN(ran));
    events!.wake(due);
    assert.ok(ran >= due, 'the wake did not run the due precise alarm');
    // Nothing pending: the timing thread is told so.
    assert.deepEqual(deadlines, [due, undefined]);
  });

  it('runs a precise alarm anyway, a little late, when the timing thread does not wake it', async () => {
    const w = new WallTimeBase({ startTimingThread: () => ({ setDeadline: () => {}, stop: () => {} }) });
    const due = w.now() + 0.005;
    const ran = await new Promise<number>((r) => w.at(due, () => r(w.now()), { precise: true }));
    assert.ok(ran >= due);
    assert.ok(ran - due < 0.1, `ran ${((ran - due) * 1e3).toFixed(1)} ms late`);
  });

  it('falls back to waiting on this thread, with one logged line, when the timing thread cannot start', async () => {
    const lines: string[] = [];
    const w = new WallTimeBase({
      warn: (line) => lines.push(line),
      startTimingThread: () => {
        throw new Error('no threads here');
      },
    });
    const now = w.now();
    const ran = await Promise.all(
      [0.005, 0.01].map((dt) => new Promise<number>((r) => w.at(now + dt, () => r(w.now()), { precise: true }))),
    );
    assert.ok(ran[0] >= now + 0.005 && ran[1] >= now + 0.01);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /timing thread is unavailable \(no threads here\); precise alarms wait on this thread/);
    assert.equal(w.preciseWaiter, 'this thread');
  });

  it('when the timing thread dies, the pending precise alarm still runs and one line says why', async () => {
    const lines: string[] = [];
    let events: TimingThreadEvents | undefined;
    let stopped = false;
    const w = new WallTimeBase({
      warn: (line) => lines.push(line),
      startTimingThread: (e) => {
        events = e;
        return { setDeadline: () => {}, stop: () => (stopped = true) };
      },
    });
    const due = w.now() + 0.02;
    const ran = new Promise<number>((r) => w.at(due, () => r(w.now()), { precise: true }));
    events!.failed('it exited (code 1)');
    events!.failed('it exited (code 1)');
    assert.ok((await ran) >= due);
    assert.deepEqual(lines, ['precise timers: the timing thread is unavailable (it exited (code 1)); precise alarms wait on this thread']);
    assert.ok(stopped);
  });
});
