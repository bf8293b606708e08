// An rxjs scheduler on a node's clock, so that time operators inside nodes (interval,
// sampleTime, timeout, delay) follow ROS time: wall time on a robot, /clock under
// use_sim_time, and virtual time in tests and deterministic replay.
// rxjs measures scheduler time in milliseconds; our time bases use seconds.

import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Alarm, TimeBase } from './time_base.js';

class TimeBaseAction<T> extends Subscription implements SchedulerAction<T> {
  private alarm: Alarm | undefined;

  constructor(
    private readonly scheduler: TimeBaseScheduler,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
    this.add(() => this.alarm?.cancel());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.alarm?.cancel();
    const base = this.scheduler.base;
    this.alarm = base.at(base.now() + Math.max(0, delay) / 1000, () => {
      this.alarm = undefined;
      if (!this.closed) this.work.call(this, state);
    });
    return this;
  }
}

export class TimeBaseScheduler implements SchedulerLike {
  constructor(readonly base: TimeBase) {}

  now(): number {
    return this.base.now() * 1000;
  }

  schedule<T>(work: (this: SchedulerAction<T>, state: T) => void, delay?: number, state?: T): Subscription {
    const action = new TimeBaseAction<T>(this, work as (this: SchedulerAction<T>, state?: T) => void);
    return action.schedule(state, delay);
  }
}
