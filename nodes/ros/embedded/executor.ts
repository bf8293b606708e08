// Where the embedded backend runs message and service callbacks: never inside publish()
// itself (as in ROS), but right after the current callback (wall time) or at the current
// instant of virtual time (tests, deterministic replay).

import type { VirtualTimeBase } from '../time_base.js';

export interface Executor {
  post(fn: () => void): void;
}

export const microtaskExecutor: Executor = {
  post(fn) {
    queueMicrotask(fn);
  },
};

export class VirtualExecutor implements Executor {
  constructor(private readonly base: VirtualTimeBase) {}
  post(fn: () => void): void {
    this.base.post(fn);
  }
}
