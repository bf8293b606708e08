// The clock a node reads: ROS time (wall time, or /clock under use_sim_time) — the time
// all stamps, timers and ages in the suite use.

import type { TimeBase, TimeJump } from './time_base.js';
import { toRosTime, type RosTime } from './time.js';

export type ClockSource = 'system' | 'sim' | 'virtual';

export class Clock {
  constructor(
    readonly base: TimeBase,
    readonly source: ClockSource,
  ) {}

  /** Seconds (float64) on this clock. */
  now(): number {
    return this.base.now();
  }

  /** now() as builtin_interfaces/Time, for message stamps. */
  stamp(): RosTime {
    return toRosTime(this.base.now());
  }

  /** True when the clock follows /clock (use_sim_time). */
  get isSimTime(): boolean {
    return this.source === 'sim';
  }

  /** Called when time jumps backwards, e.g. a replayed bag loops. Returns an unsubscribe function. */
  onJump(listener: (jump: TimeJump) => void): () => void {
    return this.base.onJump(listener);
  }
}
