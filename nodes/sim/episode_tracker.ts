// The sim node's episode bookkeeping (ROS-free): the id of the running episode, its index in the
// seed's sequence, whether it has ended, and when the automatic reset is due.

export class EpisodeTracker {
  /** `sim-<seed>-<index>`, '' before the first episode. */
  id = '';
  private nextIndex = 0;
  private ended = false;
  private resetAt = Infinity;

  /** Index of the episode to start next; a new seed starts its sequence from 0. */
  takeIndex(seedChanged: boolean): number {
    if (seedChanged) this.nextIndex = 0;
    return this.nextIndex++;
  }

  started(seed: number, index: number): void {
    this.id = `sim-${seed}-${String(index).padStart(4, '0')}`;
    this.ended = false;
    this.resetAt = Infinity;
  }

  /** Ends the episode once (false if it had already ended); `resetAt`: when to start the next one. */
  finish(resetAt = Infinity): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.resetAt = resetAt;
    return true;
  }

  /** A running episode past `timeout` s (0: no timeout) that has not ended. */
  timedOut(episodeTime: number, timeout: number): boolean {
    return !this.ended && timeout > 0 && episodeTime >= timeout;
  }

  resetDue(simTime: number): boolean {
    return simTime >= this.resetAt;
  }
}
