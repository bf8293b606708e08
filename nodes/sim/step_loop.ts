// What drives the sim's physics steps while it is active: a timer at the physics rate that does
// the steps the pacer says are due (wall time at a real-time factor, or virtual time: one step
// per timestep), or, at real-time factor 0 on wall time, batches as fast as possible with the
// event loop getting a turn between batches (messages are handled, commands arrive).

import type { RosNode } from '../ros/node.js';
import type { Timer } from '../ros/timer.js';
import type { Pacer } from './pacing.js';

/** Physics steps per batch when running as fast as possible (then the event loop gets a turn). */
export const AFAP_BATCH = 20;

/** What the loop steps: the physics timestep [s] and the steps done so far. */
export interface Steppable {
  readonly timestep: number;
  readonly steps: number;
}

export class StepLoop {
  private timer: Timer | undefined;
  private afap: NodeJS.Immediate | undefined;
  private active = false;

  constructor(private readonly node: Pick<RosNode, 'clock' | 'createTimer'>) {}

  get running(): boolean {
    return this.active;
  }

  /** Starts stepping (no-op when running): `step` does one physics step and its outputs. */
  start(pacer: Pacer, sim: Steppable, step: () => void): void {
    if (this.active) return;
    this.active = true;
    const { clock } = this.node;
    pacer.start(clock.now(), sim.steps);
    if (!clock.deterministic && pacer.realTimeFactor === 0) {
      const loop = () => {
        this.afap = undefined;
        if (!this.active) return;
        for (let i = 0; i < AFAP_BATCH; i++) step();
        this.afap = setImmediate(loop);
      };
      this.afap = setImmediate(loop);
      return;
    }
    // Precise only where this thread sleeps between ticks (a timing thread wakes it; the port
    // knows); spinning would take the whole millisecond, and the pacing's catch-up absorbs
    // setTimeout's coarseness.
    this.timer = this.node.createTimer(
      sim.timestep,
      () => {
        const n = pacer.due(clock.now(), sim.steps);
        for (let i = 0; i < n; i++) step();
      },
      { precise: clock.preciseTimersSleep },
    );
  }

  /** Stops stepping (idempotent). */
  stop(): void {
    this.active = false;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.afap !== undefined) clearImmediate(this.afap);
    this.afap = undefined;
  }
}
