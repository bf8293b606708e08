// The timing thread: a worker_threads thread that does nothing but wait for the next
// wall-clock deadline its owner sets and wake the owner at that instant, so precise alarms run
// within a fraction of a millisecond while the owner's event loop sleeps (it never spins or
// blocks). Waiting is Atomics.wait with a timeout, then a short spin: setTimeout is ~1 ms coarse
// and a thread that does anything else cannot keep time (docs/platform-notes.md, "Timers in
// Node.js"). The owner is woken with a postMessage, the fastest wake of an event loop measured.
//
// Owner and thread share one SharedArrayBuffer: a generation counter the owner bumps (and
// notifies) whenever the deadline changes or the thread must stop, and the deadline itself.

import { Worker } from 'node:worker_threads';
import { wallNow } from './wall_clock.js';
import { errorText } from '../error_text.js';

/** Int32 slots of the shared control block. */
const GENERATION = 0;
const STOP = 1;
/** Byte offset of the Float64 deadline [s, wall time]; Infinity: none. */
const DEADLINE_OFFSET = 8;
const SHARED_BYTES = 16;

/**
 * How early the thread stops sleeping and spins instead, to absorb its wake-up latency [s].
 * Fixed and short: a margin that grew with the recent oversleep spun a whole core at 1 kHz on a
 * loaded machine, and the scheduler then preempted the thread more (docs/platform-notes.md).
 */
const SPIN = 0.0001;

/** What the thread posts to its owner. */
export type TimingMessage = { wake: number } | { floor: FloorSample };

/**
 * Sleeps, then spins the last SPIN, until `deadline`; returns false as soon as the generation
 * moves on (a new deadline, or stop).
 */
function waitUntil(control: Int32Array, generation: number, deadline: number): boolean {
  const remaining = deadline - wallNow();
  if (remaining > SPIN && Atomics.wait(control, GENERATION, generation, (remaining - SPIN) * 1000) !== 'timed-out') {
    return Atomics.load(control, GENERATION) === generation;
  }
  while (wallNow() < deadline) {
    if (Atomics.load(control, GENERATION) !== generation) return false;
  }
  return Atomics.load(control, GENERATION) === generation;
}

/** The thread's loop: waits for each deadline the owner sets and posts `{wake: deadline}` once it has passed. */
export function serveDeadlines(shared: SharedArrayBuffer, post: (m: TimingMessage) => void): void {
  const control = new Int32Array(shared, 0, 2);
  const deadlineSlot = new Float64Array(shared, DEADLINE_OFFSET, 1);
  let fired = -1;
  for (;;) {
    const generation = Atomics.load(control, GENERATION);
    if (Atomics.load(control, STOP) !== 0) return;
    const deadline = deadlineSlot[0];
    if (generation === fired || !Number.isFinite(deadline)) {
      Atomics.wait(control, GENERATION, generation);
      continue;
    }
    if (!waitUntil(control, generation, deadline)) continue;
    fired = generation;
    post({ wake: deadline });
  }
}

/** The bare loop's timing at a rate: the floor a timer on the timing thread can reach here. */
export interface FloorSample {
  /** Wake-up − deadline of every tick [s]. */
  lateness: number[];
  /** |Δ wake-up − period| of consecutive ticks [s]. */
  periodError: number[];
  /** Ticks skipped because the loop woke a whole period or more late. */
  missed: number;
}

/** The bare timing loop keeping a periodic schedule on its own (no owner to wake): the bench's floor. */
export function measureFloor(rateHz: number, seconds: number): FloorSample {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const period = 1 / rateHz;
  const start = wallNow();
  const ticks = Math.round(seconds * rateHz);
  const sample: FloorSample = { lateness: [], periodError: [], missed: 0 };
  let previous = NaN;
  for (let k = 1; k <= ticks;) {
    const due = start + k * period;
    waitUntil(control, 0, due);
    const woke = wallNow();
    sample.lateness.push(woke - due);
    if (Number.isFinite(previous)) sample.periodError.push(Math.abs(woke - previous - period));
    previous = woke;
    // Ticks past the end of the run are not missed ones: the count stops at the schedule's end.
    const next = Math.min(ticks + 1, Math.max(k + 1, Math.floor((woke - start) / period) + 1));
    sample.missed += next - k - 1;
    k = next;
  }
  return sample;
}

export interface TimingThreadEvents {
  /** A deadline set with setDeadline has passed (the thread spun up to it). */
  wake(deadline: number): void;
  /** The thread could not start or died: one line saying why. Called at most once. */
  failed(reason: string): void;
}

/** The owner's handle on its timing thread. */
export class TimingThread {
  private readonly control: Int32Array;
  private readonly deadlineSlot: Float64Array;
  private readonly worker: Worker;
  /** The deadline the thread is waiting for; undefined once it fired or when none. */
  private pending: number | undefined;
  private stopped = false;
  private readonly exit: Promise<void>;

  /** Starts the thread; throws when a worker cannot be created at all. */
  constructor(private readonly events: TimingThreadEvents) {
    const shared = new SharedArrayBuffer(SHARED_BYTES);
    this.control = new Int32Array(shared, 0, 2);
    this.deadlineSlot = new Float64Array(shared, DEADLINE_OFFSET, 1);
    this.deadlineSlot[0] = Infinity;
    this.worker = new Worker(new URL('./timing_thread_worker.js', import.meta.url), {
      workerData: { mode: 'serve', shared },
      // The thread runs compiled JS only; the owner's flags (e.g. --input-type) may not apply to it.
      execArgv: [],
    });
    this.worker.on('message', (m: TimingMessage) => {
      if (!('wake' in m) || this.stopped) return;
      if (this.pending === m.wake) this.pending = undefined;
      this.events.wake(m.wake);
    });
    this.worker.on('error', (err) => this.fail(errorText(err)));
    this.exit = new Promise((resolve) =>
      this.worker.on('exit', (code) => {
        this.fail(`it exited (code ${code})`);
        resolve();
      }),
    );
    // Never keeps the process alive (the owner's own timeout for each alarm does, see
    // WallTimeBase); after the listeners, since adding a 'message' listener refs the port.
    this.worker.unref();
  }

  /** Wakes the owner at `time` [s, wall time] instead of any earlier deadline; undefined: none. */
  setDeadline(time: number | undefined): void {
    if (this.stopped || time === this.pending) return;
    this.pending = time;
    this.deadlineSlot[0] = time ?? Infinity;
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  /** Ends the thread's loop; the thread then exits by itself. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending = undefined;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  /** Resolves when the thread has exited (after stop()). */
  exited(): Promise<void> {
    return this.exit;
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending = undefined;
    this.events.failed(reason);
  }
}

/** Runs the bare timing loop on a thread of its own for `seconds` at `rateHz` (bench floor). */
export function floorOnThread(rateHz: number, seconds: number): Promise<FloorSample> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./timing_thread_worker.js', import.meta.url), {
      workerData: { mode: 'floor', rateHz, seconds },
      execArgv: [],
    });
    worker.once('message', (m: TimingMessage) => {
      if ('floor' in m) resolve(m.floor);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the floor thread exited (code ${code}) without a result`)));
  });
}
