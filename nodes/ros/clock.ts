// The clock a node reads: ROS time (wall time, or /clock under use_sim_time) — the time
// all stamps, timers and ages in the suite use.

import type { ParameterDescriptor } from './parameter.js';
import { param } from './parameter_schema.js';
import type { TimeBase, TimeJump, VirtualTimeBase } from './time_base.js';
import { toRosTime, type RosTime } from './time.js';

export type ClockSource = 'system' | 'sim' | 'virtual';

/** The use_sim_time parameter every node declares, on both backends (read-only: the clock is chosen at start). */
export const CLOCK_PARAMETERS = {
  use_sim_time: param.bool(false, 'Follow /clock (rosgraph_msgs/Clock) instead of the system clock.'),
};

export const USE_SIM_TIME_DESCRIPTOR: Readonly<Pick<ParameterDescriptor, 'type' | 'description' | 'readOnly'>> = Object.freeze({
  type: 'bool',
  description: CLOCK_PARAMETERS.use_sim_time.description,
  readOnly: CLOCK_PARAMETERS.use_sim_time.readOnly,
});

export class Clock {
  /**
   * `virtual`: the virtual time base of a deterministic run (the domain's), also when this
   * clock follows /clock published inside that run.
   */
  constructor(
    readonly base: TimeBase,
    readonly source: ClockSource,
    private readonly virtual?: VirtualTimeBase,
  ) {}

  /** True in deterministic (virtual-time) runs: results must not depend on machine speed. */
  get deterministic(): boolean {
    return this.virtual !== undefined;
  }

  /** In a deterministic run, virtual time does not move past now until `work` has settled. */
  track(work: Promise<unknown>): void {
    if (this.virtual !== undefined) void this.virtual.track(work);
  }

  /**
   * How long work takes is part of the result in a deterministic run: there, `work`'s result
   * is delivered exactly at `time` on this clock (a modelled latency), and virtual time waits
   * for the real computation. In real time it is delivered as soon as it settles.
   */
  deliverAt<T>(time: number, work: Promise<T>): Promise<T> {
    const virtual = this.virtual;
    if (virtual === undefined) return work;
    if (this.base === virtual) return virtual.deliverAt(time, work);
    void virtual.track(work);
    return new Promise<T>((resolve, reject) => {
      this.base.at(time, () => {
        work.then(resolve, reject);
      });
    });
  }

  /** Seconds (float64) on this clock. */
  now(): number {
    return this.base.now();
  }

  /** now() as builtin_interfaces/Time, for message stamps. */
  stamp(): RosTime {
    return toRosTime(this.base.now());
  }

  /**
   * A precise timer (TimerOptions.precise) costs this thread no CPU between its ticks here: real
   * time, where a timing thread wakes it at each tick (or, without one, a worker thread sleeps
   * until just before). Without a timing thread the main thread spins the last ~1.5 ms of each
   * period, too much for a 1 kHz timer.
   */
  get preciseTimersSleep(): boolean {
    return this.virtual === undefined && this.base.preciseAlarmsSleep === true;
  }

  /** True when the clock follows /clock (use_sim_time). */
  get isSimTime(): boolean {
    return this.source === 'sim';
  }

  /**
   * False on simulated time until the first /clock (the clock reads 0 until then): a time-out
   * must start when this turns true, or a simulator whose clock starts late (or far from 0)
   * looks like one at once.
   */
  get isValid(): boolean {
    return !this.isSimTime || this.base.now() > 0;
  }

  /** Called when time jumps backwards, e.g. a replayed bag loops. Returns an unsubscribe function. */
  onJump(listener: (jump: TimeJump) => void): () => void {
    return this.base.onJump(listener);
  }
}
