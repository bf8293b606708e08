// Which episode the bridge is in, from EpisodeEvent STARTs. Episodes own their holds: a SAFE
// alarm holds the arm for the rest of its episode; the next START re-anchors at the robot's
// current state (after a simulator reset the arm is elsewhere) and releases that hold. The
// restart waits for robot state received after the START. A hold for an episode that has ended
// is a late alarm and is ignored.

import type { LatestRobotState, StateCounts } from './latest_robot_state.js';

/** Enough to recognise a late alarm; a long-running robot must not grow the set without bound. */
const MAX_PAST_EPISODES = 1000;

export class EpisodeTracker {
  private episode: string | undefined;
  private readonly past = new Set<string>();
  private pending: { id: string; counts: StateCounts } | undefined;

  /** The episode of the last START (undefined before the first). */
  get current(): string | undefined {
    return this.episode;
  }

  /** Whether `id` is an episode that has ended (a later START replaced it). */
  hasEnded(id: string): boolean {
    return this.past.has(id);
  }

  /** A START for `id` with the state counts at its arrival; false when it repeats the current episode. */
  start(id: string, counts: StateCounts): boolean {
    if (id === this.episode) return false;
    if (this.episode !== undefined) this.past.add(this.episode);
    // An id used again (a caller-chosen id, a sim seed run again) is a live episode again.
    this.past.delete(id);
    if (this.past.size > MAX_PAST_EPISODES) this.past.delete(this.past.values().next().value!);
    this.episode = id;
    this.pending = { id, counts };
    return true;
  }

  /** The started episode to restart now, once the state it needs has arrived after its START (then forgotten). */
  takeReady(state: LatestRobotState): string | undefined {
    const p = this.pending;
    if (p === undefined || !state.receivedSince(p.counts)) return undefined;
    this.pending = undefined;
    return p.id;
  }
}
