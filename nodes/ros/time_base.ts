// Time bases: what a clock's "now" is and how work gets run at a given time on it.
//
// - WallTimeBase: real time. One native timeout armed for the earliest alarm; alarms that
//   ask for precision wake early and spin the last stretch, because setTimeout alone is
//   ~1 ms coarse (docs/platform-notes.md, "Timers in Node.js").
// - VirtualTimeBase: deterministic simulated time for tests and deterministic replay. Time
//   moves only when advanced; async work (inference) is awaited before time passes it.
// - SimTimeBase: time set from outside, i.e. from /clock messages under use_sim_time.
//
// All times are seconds (float64).

import { isMainThread } from 'node:worker_threads';
import { AlarmQueue, type Alarm } from './alarm_queue.js';

export type { Alarm } from './alarm_queue.js';

export interface AlarmOptions {
  /** Wake up early and spin so the callback runs within ~50 µs of its time (wall time only). */
  precise?: boolean;
}

export interface TimeJump {
  /** Time before the jump [s]. */
  before: number;
  /** Time after the jump [s]. */
  after: number;
}

export interface TimeBase {
  now(): number;
  /** Runs `fn` as soon as possible once now() >= time. */
  at(time: number, fn: () => void, options?: AlarmOptions): Alarm;
  /** Subscribes to discontinuities (time going backwards). Returns an unsubscribe function. */
  onJump(listener: (jump: TimeJump) => void): () => void;
  /**
   * Precise alarms sleep until just before they are due (a worker thread) instead of spinning:
   * cheap enough for a 1 kHz timer. Undefined: precise alarms are not special here.
   */
  readonly preciseAlarmsSleep?: boolean;
}

/** Seconds since the epoch with sub-millisecond resolution, monotonic within the process. */
export function wallNow(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

function busyWaitUntil(time: number): void {
  while (wallNow() < time) {
    /* spin: only for the last ~0.1 ms before a precise alarm (1.5 ms on the main thread) */
  }
}

/** Blocks this thread until `time` [s] without spinning (worker threads only). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** How close to a precise alarm the time base stops trusting setTimeout [s]. */
const NEAR_WINDOW = 0.003;
/** How much before the alarm Atomics.wait returns, to absorb wake-up latency [s]. */
const SPIN_AFTER_SLEEP = 0.0001;

/**
 * Real time. Ordinary alarms use one native timeout for the earliest alarm. Precise alarms
 * (control loops): setTimeout is ~1 ms coarse and cannot run 1 kHz, so within NEAR_WINDOW of
 * the alarm a worker thread sleeps with Atomics.wait and spins only the last stretch
 * (docs/platform-notes.md, "Timers in Node.js"); the main thread, which must not block in
 * Atomics.wait, spins the last `spinMargin`. Between ticks the event loop still runs (messages are handled),
 * because the near-alarm wait is entered from setImmediate, after the poll phase.
 */
export class WallTimeBase implements TimeBase {
  private readonly queue = new AlarmQueue();
  private readonly precise = new WeakSet<object>();
  private armed: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private immediate: NodeJS.Immediate | undefined;
  private readonly canSleep = !isMainThread;
  readonly preciseAlarmsSleep = this.canSleep;

  /** How early a precise alarm on the main thread wakes before spinning [s]. */
  constructor(private readonly spinMargin = 0.0015) {}

  now(): number {
    return wallNow();
  }

  at(time: number, fn: () => void, options?: AlarmOptions): Alarm {
    const entry = this.queue.push(time, fn);
    if (options?.precise === true) this.precise.add(entry);
    this.arm();
    return {
      cancel: () => {
        entry.cancel();
        // Re-arm for what is now earliest, so a cancelled far alarm does not keep the process alive.
        this.arm();
      },
    };
  }

  onJump(): () => void {
    return () => {};
  }

  private arm(): void {
    const next = this.queue.peek();
    if (next === undefined) {
      this.disarm();
      return;
    }
    const isPrecise = this.precise.has(next);
    const remaining = next.time - wallNow();
    if (isPrecise && remaining <= (this.canSleep ? NEAR_WINDOW : this.spinMargin)) {
      // Close to a precise alarm: finish the wait from the check phase (see fire()).
      if (this.armed !== undefined) clearTimeout(this.armed);
      this.armed = undefined;
      this.armedFor = Infinity;
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.fire();
      });
      return;
    }
    const wake = isPrecise ? next.time - (this.canSleep ? NEAR_WINDOW : this.spinMargin) : next.time;
    if (this.armed !== undefined && this.armedFor === wake) return;
    if (this.armed !== undefined) clearTimeout(this.armed);
    this.armedFor = wake;
    this.armed = setTimeout(
      () => {
        this.armed = undefined;
        this.armedFor = Infinity;
        this.fire();
      },
      Math.max(0, (wake - wallNow()) * 1000),
    );
  }

  private disarm(): void {
    if (this.armed !== undefined) clearTimeout(this.armed);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.armed = undefined;
    this.immediate = undefined;
    this.armedFor = Infinity;
  }

  private fire(): void {
    const next = this.queue.peek();
    if (next !== undefined && this.precise.has(next)) {
      const remaining = next.time - wallNow();
      if (remaining <= (this.canSleep ? NEAR_WINDOW : this.spinMargin)) {
        if (this.canSleep && remaining > SPIN_AFTER_SLEEP) {
          Atomics.wait(sleeper, 0, 0, (remaining - SPIN_AFTER_SLEEP) * 1000);
        }
        busyWaitUntil(next.time);
      }
    }
    // Run everything due now; alarms scheduled by callbacks for "now" run in this pass too.
    for (let entry = this.queue.popDue(wallNow()); entry; entry = this.queue.popDue(wallNow())) {
      entry.fn();
    }
    this.arm();
  }
}

/**
 * Deterministic simulated time. `advanceTo` runs every alarm in (time, order) sequence and,
 * before each one, waits for tracked asynchronous work (e.g. an inference running in a
 * worker) to settle, so the outcome never depends on how fast the machine is.
 */
export class VirtualTimeBase implements TimeBase {
  private readonly queue = new AlarmQueue();
  private current: number;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly jumpListeners = new Set<(j: TimeJump) => void>();
  private advancing = false;

  constructor(startTime = 100) {
    this.current = startTime;
  }

  now(): number {
    return this.current;
  }

  at(time: number, fn: () => void): Alarm {
    return this.queue.push(Math.max(time, this.current), fn);
  }

  /**
   * Runs `fn` at the current virtual time, after work already queued for this instant.
   * Work at the current instant also runs without an explicit advance (an infinitely fast
   * machine): a test can publish and then await a reply; only the passage of time needs
   * advanceTo/advanceBy.
   */
  post(fn: () => void): Alarm {
    const alarm = this.queue.push(this.current, fn);
    this.scheduleDrain();
    return alarm;
  }

  private drainScheduled = false;

  private scheduleDrain(): void {
    if (this.drainScheduled || this.advancing) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      if (this.advancing) return;
      for (let e = this.queue.popDue(this.current); e; e = this.queue.popDue(this.current)) e.fn();
    });
  }

  onJump(listener: (j: TimeJump) => void): () => void {
    this.jumpListeners.add(listener);
    return () => this.jumpListeners.delete(listener);
  }

  /** Number of alarms waiting to run. */
  get pendingAlarms(): number {
    return this.queue.size;
  }

  /** Registers asynchronous work that must finish before virtual time moves on. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return work;
  }

  /**
   * Resolves with `work`'s result exactly at virtual time `time`. The slot in the queue is
   * taken now, so two results due at the same instant are delivered in request order.
   */
  deliverAt<T>(time: number, work: Promise<T>): Promise<T> {
    void this.track(work);
    return new Promise<T>((resolve, reject) => {
      this.at(time, () => {
        work.then(resolve, reject);
      });
    });
  }

  async advanceBy(seconds: number): Promise<void> {
    await this.advanceTo(this.current + seconds);
  }

  async advanceTo(target: number): Promise<void> {
    if (this.advancing) throw new Error('VirtualTimeBase.advanceTo is not re-entrant');
    this.advancing = true;
    try {
      for (;;) {
        await this.settle();
        const next = this.queue.peek();
        if (next === undefined || next.time > target) break;
        const entry = this.queue.popDue(next.time)!;
        this.current = Math.max(this.current, entry.time);
        entry.fn();
      }
      this.current = Math.max(this.current, target);
      await this.settle();
    } finally {
      this.advancing = false;
    }
  }

  /** Runs everything due at the current instant (message deliveries, zero-delay work). */
  async flush(): Promise<void> {
    await this.advanceTo(this.current);
  }

  /** Moves time backwards (or forwards) discontinuously, as a bag loop or seek does. */
  jumpTo(time: number): void {
    const before = this.current;
    this.queue.shiftAll(time - before);
    this.current = time;
    for (const l of this.jumpListeners) l({ before, after: time });
  }

  private async settle(): Promise<void> {
    // Let promise chains started by the last alarm run, then wait for tracked work.
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (this.pending.size === 0) return;
      await Promise.all([...this.pending]);
    }
  }
}

/**
 * Simulated time from /clock (use_sim_time). Time is 0 until the first clock message and
 * then only moves when set; alarms run as it passes them. When time jumps backwards (a bag
 * restarts, a simulator resets) pending alarms keep their remaining delay, as rcl timers do.
 */
export class SimTimeBase implements TimeBase {
  private readonly queue = new AlarmQueue();
  private current = 0;
  private readonly jumpListeners = new Set<(j: TimeJump) => void>();

  now(): number {
    return this.current;
  }

  get started(): boolean {
    return this.current > 0;
  }

  at(time: number, fn: () => void): Alarm {
    return this.queue.push(time, fn);
  }

  onJump(listener: (j: TimeJump) => void): () => void {
    this.jumpListeners.add(listener);
    return () => this.jumpListeners.delete(listener);
  }

  /** Sets the time from a /clock message and runs what became due. */
  setTime(time: number): void {
    if (!Number.isFinite(time)) return;
    const before = this.current;
    if (time < before) {
      this.queue.shiftAll(time - before);
      this.current = time;
      for (const l of this.jumpListeners) l({ before, after: time });
    } else {
      this.current = time;
    }
    for (let e = this.queue.popDue(this.current); e; e = this.queue.popDue(this.current)) e.fn();
  }
}
