// Time bases: what a clock's "now" is and how work gets run at a given time on it.
//
// - WallTimeBase: real time. One native timeout armed for the earliest ordinary alarm; alarms
//   that ask for precision are kept by a timing thread (timing_thread.ts) that wakes this
//   thread at their time, because setTimeout alone is ~1 ms coarse (docs/platform-notes.md,
//   "Timers in Node.js").
// - VirtualTimeBase: deterministic simulated time for tests and deterministic replay. Time
//   moves only when advanced; async work (inference) is awaited before time passes it.
// - SimTimeBase: time set from outside, i.e. from /clock messages under use_sim_time.
//
// All times are seconds (float64).

import { isMainThread } from 'node:worker_threads';
import { AlarmQueue, type Alarm, type AlarmEntry } from './alarm_queue.js';
import { TimingThread, type TimingThreadEvents } from './timing_thread.js';
import { wallNow } from './wall_clock.js';
import { errorText } from '../error_text.js';

export type { Alarm } from './alarm_queue.js';

export interface AlarmOptions {
  /** Run the callback within a fraction of a millisecond of its time (wall time only). */
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
   * Precise alarms cost this thread nothing until they are due (a timing thread wakes it, or
   * this is a worker thread that sleeps until just before): cheap enough for a 1 kHz timer.
   * Undefined: precise alarms are not special here.
   */
  readonly preciseAlarmsSleep?: boolean;
}

export { wallNow } from './wall_clock.js';

function busyWaitUntil(time: number): void {
  while (wallNow() < time) {
    /* spin: only for the last stretch before a precise alarm */
  }
}

/** Blocks this thread until `time` [s] without spinning (worker threads only). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Without a timing thread: how close to a precise alarm the time base stops trusting setTimeout [s]. */
const NEAR_WINDOW = 0.003;
/** How much before the alarm Atomics.wait returns, to absorb wake-up latency [s]. */
const SPIN_AFTER_SLEEP = 0.0001;
/**
 * With a timing thread: how long after a precise alarm's time this thread's own timeout runs it
 * anyway [s] — while the thread boots, or when it is descheduled. The timeout also keeps the
 * process alive while an alarm is pending (the thread does not).
 */
const BACKSTOP = 0.002;

/** Who waits for precise alarms: a timing thread, or (without one) this thread. */
export type PreciseWaiter = 'timing thread' | 'this thread';

export interface WallTimeOptions {
  /** Without a timing thread on the main thread: how early a precise alarm wakes to spin [s]. */
  spinMargin?: number;
  /** Keep precise alarms on a timing thread (default true); false: this thread waits for them. */
  timingThread?: boolean;
  /** Where the one line goes when the timing thread cannot start or dies (default console.warn). */
  warn?: (line: string) => void;
  /** Starts the timing thread (tests inject failures here). */
  startTimingThread?: (events: TimingThreadEvents) => Pick<TimingThread, 'setDeadline' | 'stop'>;
}

/**
 * Real time. Ordinary alarms use one native timeout for the earliest alarm. Precise alarms
 * (control loops) are kept by a timing thread, started on the first one: it sleeps with
 * Atomics.wait, spins the last stretch and wakes this thread with a message at the alarm's
 * time, so this thread's event loop keeps handling messages until then and never spins. A
 * native timeout BACKSTOP after the alarm runs it if the thread has not (booting, descheduled).
 *
 * Without a timing thread (it could not start, or `timingThread: false`) this thread waits
 * itself: within NEAR_WINDOW of the alarm a worker thread sleeps with Atomics.wait and spins
 * only the last stretch; the main thread, which must not block in Atomics.wait, spins the last
 * `spinMargin`. The near-alarm wait is entered from setImmediate, after the poll phase, so
 * messages are still handled between ticks.
 */
export class WallTimeBase implements TimeBase {
  private readonly queue = new AlarmQueue();
  /** The pending precise alarms, by time: the earliest is the timing thread's deadline. */
  private readonly preciseQueue = new AlarmQueue();
  private readonly preciseEntry = new WeakMap<AlarmEntry, AlarmEntry>();
  private armed: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private immediate: NodeJS.Immediate | undefined;
  private readonly canSleep = !isMainThread;
  private readonly spinMargin: number;
  private timing: Pick<TimingThread, 'setDeadline' | 'stop'> | undefined;
  /** The timing thread is not to be used (disabled, failed or closed). */
  private timingOff: boolean;
  private firing = false;

  constructor(private readonly options: WallTimeOptions = {}) {
    this.spinMargin = options.spinMargin ?? 0.0015;
    this.timingOff = options.timingThread === false;
  }

  /** Starts the timing thread when precise alarms will be used, so this reports where they wait. */
  get preciseAlarmsSleep(): boolean {
    return this.timingThread() !== undefined || this.canSleep;
  }

  /** Who waits for precise alarms now. */
  get preciseWaiter(): PreciseWaiter {
    return this.timing !== undefined ? 'timing thread' : 'this thread';
  }

  now(): number {
    return wallNow();
  }

  at(time: number, fn: () => void, options?: AlarmOptions): Alarm {
    const entry = this.queue.push(time, fn);
    if (options?.precise === true) {
      this.timingThread();
      this.preciseEntry.set(entry, this.preciseQueue.push(time, fn));
    }
    this.arm();
    return {
      cancel: () => {
        entry.cancel();
        this.preciseEntry.get(entry)?.cancel();
        // Re-arm for what is now earliest, so a cancelled far alarm does not keep the process alive.
        this.arm();
      },
    };
  }

  onJump(): () => void {
    return () => {};
  }

  /** Stops the timing thread (it exits by itself); precise alarms from now on wait on this thread. */
  close(): void {
    this.timingOff = true;
    this.timing?.stop();
    this.timing = undefined;
    this.arm();
  }

  private timingThread(): Pick<TimingThread, 'setDeadline' | 'stop'> | undefined {
    if (this.timing !== undefined || this.timingOff) return this.timing;
    const events: TimingThreadEvents = {
      wake: () => this.fire(),
      failed: (reason) => this.fallBack(reason),
    };
    try {
      this.timing = (this.options.startTimingThread ?? ((e) => new TimingThread(e)))(events);
    } catch (err) {
      this.fallBack(errorText(err));
    }
    return this.timing;
  }

  private fallBack(reason: string): void {
    if (this.timingOff) return;
    this.timingOff = true;
    this.timing?.stop();
    this.timing = undefined;
    (this.options.warn ?? console.warn)(`precise timers: the timing thread is unavailable (${reason}); precise alarms wait on this thread`);
    this.arm();
  }

  private arm(): void {
    if (this.firing) return; // fire() arms once when it is done
    const next = this.queue.peek();
    if (next === undefined) {
      this.disarm();
      return;
    }
    if (this.timing !== undefined) {
      this.timing.setDeadline(this.preciseQueue.peek()?.time);
      this.armTimeout(this.preciseEntry.has(next) ? next.time + BACKSTOP : next.time);
      return;
    }
    const isPrecise = this.preciseEntry.has(next);
    const remaining = next.time - wallNow();
    if (isPrecise && remaining <= (this.canSleep ? NEAR_WINDOW : this.spinMargin)) {
      // Close to a precise alarm: finish the wait from the check phase (see fire()).
      this.clearTimeout();
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.fire();
      });
      return;
    }
    this.armTimeout(isPrecise ? next.time - (this.canSleep ? NEAR_WINDOW : this.spinMargin) : next.time);
  }

  private armTimeout(wake: number): void {
    if (this.armed !== undefined && this.armedFor === wake) return;
    this.clearTimeout();
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

  private clearTimeout(): void {
    if (this.armed !== undefined) clearTimeout(this.armed);
    this.armed = undefined;
    this.armedFor = Infinity;
  }

  private disarm(): void {
    this.clearTimeout();
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.timing?.setDeadline(undefined);
  }

  private fire(): void {
    const next = this.queue.peek();
    if (next !== undefined && this.preciseEntry.has(next)) {
      const remaining = next.time - wallNow();
      if (this.timing !== undefined) {
        // Woken at the alarm's time by the timing thread, whose clock may differ from this
        // thread's by a few µs: never run a precise alarm early.
        if (remaining <= SPIN_AFTER_SLEEP) busyWaitUntil(next.time);
      } else if (remaining <= (this.canSleep ? NEAR_WINDOW : this.spinMargin)) {
        if (this.canSleep && remaining > SPIN_AFTER_SLEEP) {
          Atomics.wait(sleeper, 0, 0, (remaining - SPIN_AFTER_SLEEP) * 1000);
        }
        busyWaitUntil(next.time);
      }
    }
    // Run everything due now; alarms scheduled by callbacks for "now" run in this pass too.
    this.firing = true;
    try {
      for (let entry = this.queue.popDue(wallNow()); entry; entry = this.queue.popDue(wallNow())) {
        this.preciseEntry.get(entry)?.cancel();
        entry.fn();
      }
    } finally {
      this.firing = false;
      this.arm();
    }
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
