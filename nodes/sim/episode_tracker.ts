// The sim node's episode bookkeeping (ROS-free): the id of the running episode, its index in the
// seed's sequence, whether it has ended, and when the automatic reset is due.

export class EpisodeTracker {
  /** `sim-<seed>-<index>`, '' before the first episode. */
  id = '';
  private nextIndex = 0;
  private done = false;
  private resetAt = Infinity;

  /** The episode has ended (success or timeout); false again once the next one starts. */
  get ended(): boolean {
    return this.done;
  }

  /** Index of the episode to start next; a new seed starts its sequence from 0. */
  takeIndex(seedChanged: boolean): number {
    if (seedChanged) this.nextIndex = 0;
    return this.nextIndex++;
  }

  started(seed: number, index: number): void {
    this.id = `sim-${seed}-${String(index).padStart(4, '0')}`;
    this.done = false;
    this.resetAt = Infinity;
  }

  /** Ends the episode once (false if it had already ended); `resetAt`: when to start the next one. */
  finish(resetAt = Infinity): boolean {
    if (this.done) return false;
    this.done = true;
    this.resetAt = resetAt;
    return true;
  }

  /** A running episode past `timeout` s (0: no timeout) that has not ended; `timestep`: see `reached`. */
  timedOut(episodeTime: number, timeout: number, timestep: number): boolean {
    return !this.done && timeout > 0 && reached(episodeTime, timeout, timestep);
  }

  resetDue(simTime: number, timestep: number): boolean {
    return reached(simTime, this.resetAt, timestep);
  }
}

/**
 * Simulated time is a running sum of physics steps (`timestep` [s]), off by a rounding error that
 * grows with the run: a time within half a step of a deadline has reached it. A 5.5 s timeout
 * thus ends an episode after exactly 5500 steps of 1 ms, however long the simulator has run.
 */
function reached(t: number, deadline: number, timestep: number): boolean {
  return t >= deadline - timestep / 2;
}
