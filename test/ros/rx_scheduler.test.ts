// TimeBaseScheduler: rxjs time operators on a node's clock. rxjs speaks milliseconds, the port
// seconds; on virtual time every value must appear at an exact virtual instant.
import { strict as assert } from 'node:assert';
import { Subject, TimeoutError, debounceTime, delay, interval, sampleTime, take, timeout, timer } from 'rxjs';
import { TimeBaseScheduler } from '../../nodes/ros/rx_scheduler.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';

const START = 100;

function setup() {
  const time = new VirtualTimeBase(START);
  return { time, scheduler: new TimeBaseScheduler(time) };
}

/** Offsets from START, rounded to 1 ns so that float noise does not obscure the comparison. */
const rel = (t: number) => Math.round((t - START) * 1e9) / 1e9;

describe('TimeBaseScheduler', () => {
  it('reports the time base in milliseconds', async () => {
    const { time, scheduler } = setup();
    assert.equal(scheduler.now(), 100_000);
    await time.advanceBy(0.25);
    assert.equal(scheduler.now(), 100_250);
  });

  it('schedule() runs work after `delay` ms of virtual time, with its state; delay 0 or less means now', async () => {
    const { time, scheduler } = setup();
    const seen: [string, number][] = [];
    scheduler.schedule<string>((state) => seen.push([state, rel(time.now())]), 1500, 'later');
    scheduler.schedule<string>((state) => seen.push([state, rel(time.now())]), 0, 'now');
    scheduler.schedule<string>((state) => seen.push([state, rel(time.now())]), -20, 'negative');
    await time.advanceTo(START + 1.499);
    assert.deepEqual(seen, [
      ['now', 0],
      ['negative', 0],
    ]);
    await time.advanceTo(START + 2);
    assert.deepEqual(seen.at(-1), ['later', 1.5]);
  });

  it('interval emits at exact multiples of the period', async () => {
    const { time, scheduler } = setup();
    const seen: [number, number][] = [];
    let completedAt: number | undefined;
    interval(250, scheduler)
      .pipe(take(4))
      .subscribe({ next: (v) => seen.push([v, time.now()]), complete: () => (completedAt = time.now()) });
    await time.advanceTo(START + 5);
    assert.deepEqual(seen, [
      [0, 100.25],
      [1, 100.5],
      [2, 100.75],
      [3, 101],
    ]);
    assert.equal(completedAt, 101);
    assert.equal(time.pendingAlarms, 0);
  });

  it('interval keeps a single pending alarm while it runs (each reschedule replaces the last)', async () => {
    const { time, scheduler } = setup();
    let n = 0;
    const sub = interval(100, scheduler).subscribe(() => n++);
    for (let i = 0; i < 5; i++) {
      await time.advanceBy(0.1);
      assert.equal(time.pendingAlarms, 1);
    }
    assert.equal(n, 5);
    sub.unsubscribe();
  });

  it('timer(due, period) emits first at `due`, then every `period`', async () => {
    const { time, scheduler } = setup();
    const seen: [number, number][] = [];
    timer(500, 250, scheduler)
      .pipe(take(3))
      .subscribe((v) => seen.push([v, rel(time.now())]));
    await time.advanceTo(START + 10);
    assert.deepEqual(seen, [
      [0, 0.5],
      [1, 0.75],
      [2, 1],
    ]);
  });

  it('timer(due) emits once and completes', async () => {
    const { time, scheduler } = setup();
    const events: string[] = [];
    timer(1200, scheduler).subscribe({
      next: (v) => events.push(`next ${v} @${rel(time.now())}`),
      complete: () => events.push(`complete @${rel(time.now())}`),
    });
    await time.advanceTo(START + 1.19);
    assert.equal(events.length, 0);
    await time.advanceTo(START + 3);
    assert.deepEqual(events, ['next 0 @1.2', 'complete @1.2']);
  });

  it('sampleTime emits the latest value at each sampling instant that saw a new value', async () => {
    const { time, scheduler } = setup();
    const source = new Subject<string>();
    const seen: [string, number][] = [];
    source.pipe(sampleTime(500, scheduler)).subscribe((v) => seen.push([v, rel(time.now())]));
    const feed: [number, string][] = [
      [0.1, 'a'],
      [0.2, 'b'],
      [0.6, 'c'],
      [1.7, 'd'],
      [1.8, 'e'],
    ];
    for (const [at, v] of feed) {
      await time.advanceTo(START + at);
      source.next(v);
    }
    await time.advanceTo(START + 3);
    // samples at 0.5 (b), 1.0 (c), 1.5 (nothing new), 2.0 (e)
    assert.deepEqual(seen, [
      ['b', 0.5],
      ['c', 1],
      ['e', 2],
    ]);
  });

  it('debounceTime emits a value once the source has been quiet for the debounce time', async () => {
    const { time, scheduler } = setup();
    const source = new Subject<string>();
    const seen: [string, number][] = [];
    source.pipe(debounceTime(300, scheduler)).subscribe((v) => seen.push([v, rel(time.now())]));
    for (const [at, v] of [
      [0.1, 'a'],
      [0.3, 'b'],
      [0.7, 'c'],
      [1.3, 'd'],
    ] as const) {
      await time.advanceTo(START + at);
      source.next(v);
    }
    await time.advanceTo(START + 3);
    assert.deepEqual(seen, [
      ['b', 0.6],
      ['c', 1],
      ['d', 1.6],
    ]);
  });

  it('timeout errors when no value arrives within `each` ms of the last one', async () => {
    const { time, scheduler } = setup();
    const source = new Subject<number>();
    const values: [number, number][] = [];
    let failure: [string, number] | undefined;
    source.pipe(timeout({ each: 400, scheduler })).subscribe({
      next: (v) => values.push([v, rel(time.now())]),
      error: (err: unknown) => (failure = [err instanceof TimeoutError ? 'TimeoutError' : String(err), rel(time.now())]),
    });
    await time.advanceTo(START + 0.25);
    source.next(1);
    await time.advanceTo(START + 0.5);
    source.next(2);
    await time.advanceTo(START + 0.89);
    assert.equal(failure, undefined);
    await time.advanceTo(START + 2);
    assert.deepEqual(values, [
      [1, 0.25],
      [2, 0.5],
    ]);
    assert.deepEqual(failure, ['TimeoutError', 0.9]);
    assert.equal(time.pendingAlarms, 0);
  });

  it('delay shifts each value by exactly the delay', async () => {
    const { time, scheduler } = setup();
    const source = new Subject<string>();
    const seen: [string, number][] = [];
    source.pipe(delay(250, scheduler)).subscribe((v) => seen.push([v, rel(time.now())]));
    await time.advanceTo(START + 0.5);
    source.next('x');
    await time.advanceTo(START + 0.625);
    source.next('y');
    await time.advanceTo(START + 2);
    assert.deepEqual(seen, [
      ['x', 0.75],
      ['y', 0.875],
    ]);
  });

  it('unsubscribing cancels pending work', async () => {
    const { time, scheduler } = setup();
    const seen: string[] = [];
    const a = interval(1000, scheduler).subscribe((v) => seen.push(`interval ${v}`));
    const b = timer(5000, scheduler).subscribe(() => seen.push('timer'));
    const c = scheduler.schedule(() => seen.push('action'), 2000);
    assert.equal(time.pendingAlarms, 3);
    await time.advanceTo(START + 1);
    assert.deepEqual(seen, ['interval 0']);
    a.unsubscribe();
    b.unsubscribe();
    c.unsubscribe();
    assert.equal(time.pendingAlarms, 0);
    await time.advanceTo(START + 10);
    assert.deepEqual(seen, ['interval 0']);
    assert.equal(c.closed, true);
  });
});
