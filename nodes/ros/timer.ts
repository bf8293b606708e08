// A periodic timer on a time base, scheduled drift-free: tick k is due at start + k·period,
// computed from the tick index (repeated float additions would drift by ~70 µs per second at
// epoch-sized times), whatever the callbacks cost. When callbacks overrun or time leaps
// ahead, missed ticks are skipped (counted, never replayed in a burst), as rcl timers do.

import type { Alarm, TimeBase } from './time_base.js';

export interface Timer {
  readonly period: number;
  readonly canceled: boolean;
  /** Ticks skipped because the previous callback overran or time leapt forward. */
  readonly missedTicks: number;
  cancel(): void;
  /** Restarts the period from now. */
  reset(): void;
}

export interface TimerOptions {
  /** Spin before the due time for sub-millisecond accuracy (wall time only). */
  precise?: boolean;
}

export class PeriodicTimer implements Timer {
  private alarm: Alarm | undefined;
  /** Time of tick 0; tick k is due at start + k·period. */
  private start = 0;
  private tickIndex = 0;
  private stopped = false;
  private missed = 0;
  /** Bumped by every (re)schedule, so a tick knows whether reset() ran inside its callback. */
  private generation = 0;
  private readonly stopJumpListener: () => void;

  constructor(
    private readonly base: TimeBase,
    readonly period: number,
    private readonly callback: () => void,
    private readonly options: TimerOptions = {},
  ) {
    if (!(period > 0) || !Number.isFinite(period)) {
      throw new RangeError(`timer period must be a positive number of seconds, got ${period}`);
    }
    this.stopJumpListener = base.onJump((jump) => {
      // Keep the remaining delay when time jumps (the alarm itself is shifted by the base).
      this.start += jump.after - jump.before;
    });
    this.restart();
  }

  get canceled(): boolean {
    return this.stopped;
  }

  get missedTicks(): number {
    return this.missed;
  }

  cancel(): void {
    this.stopped = true;
    this.alarm?.cancel();
    this.alarm = undefined;
    this.stopJumpListener();
  }

  reset(): void {
    if (this.stopped) return;
    this.alarm?.cancel();
    this.restart();
  }

  private restart(): void {
    this.start = this.base.now();
    this.tickIndex = 1;
    this.schedule();
  }

  private dueTime(): number {
    return this.start + this.tickIndex * this.period;
  }

  private schedule(): void {
    this.generation++;
    this.alarm = this.base.at(this.dueTime(), () => this.tick(), { precise: this.options.precise === true });
  }

  private tick(): void {
    if (this.stopped) return;
    const generation = this.generation;
    this.callback();
    // cancel() or reset() inside the callback already decided what comes next.
    if (this.stopped || generation !== this.generation) return;
    this.tickIndex++;
    const now = this.base.now();
    if (this.dueTime() <= now) {
      const skipped = Math.floor((now - this.dueTime()) / this.period) + 1;
      this.missed += skipped;
      this.tickIndex += skipped;
    }
    this.schedule();
  }
}
