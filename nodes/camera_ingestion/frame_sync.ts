// Approximate-time synchronisation of N cameras into observation sets. Pure; no ROS.
//
// Rule:
//   - Each camera keeps its newest unused frames (at most `history`; history 1 = the latest
//     frame only). Stamps of one camera must strictly increase.
//   - A set is emitted as soon as every camera has a frame and the frames' stamps span at most
//     max_skew (max(stamp) − min(stamp) ≤ max_skew). Of the feasible sets the freshest is taken
//     (largest oldest-stamp; per camera its newest frame in the window). The set's stamp — the
//     observation time — is its oldest frame's stamp.
//   - Every frame is used at most once: after a set is emitted each camera's chosen frame and
//     everything older are gone (older unused ones counted 'superseded').
//   - A frame older than the last emitted observation is 'late'; one not newer than its
//     camera's newest frame (duplicate, reordered) is 'out_of_order'. Both are dropped.
//   - A frame pushed out of a full history, or older than the max frame age when pruned, is
//     dropped ('superseded', 'stale').
// With one camera every accepted frame is a set of its own.
//
// Why a short history rather than only the latest frame: when one camera's frames reach the
// node later than another's (a network hop, a JPEG decode) by more than a frame period, the
// latest frames never line up and latest-only emits nothing; a history of a few frames still
// pairs them. Without such a delay the freshest set is the one of the latest frames, as
// latest-only would pick. Observation stamps strictly increase.

/**
 * Epoch stamps as float64 seconds carry ~0.25 µs of rounding, so a skew of exactly max_skew may
 * compute a hair above it: differences within 1 µs of the limit count as inside.
 */
const SKEW_TOLERANCE = 1e-6;

export type SyncDropReason = 'late' | 'out_of_order' | 'superseded' | 'stale';

export interface SyncDrop {
  camera: number;
  stamp: number;
  reason: SyncDropReason;
}

export interface SyncFrame<T> {
  stamp: number;
  payload: T;
}

export interface SyncedSet<T> {
  /** Observation time: the oldest frame's stamp [s]. */
  stamp: number;
  /** One frame per camera, in camera index order. */
  frames: SyncFrame<T>[];
}

export interface OfferResult<T> {
  set: SyncedSet<T> | undefined;
  drops: SyncDrop[];
}

export class ApproximateSync<T> {
  private readonly queues: SyncFrame<T>[][];
  private readonly newest: number[];
  private lastObservation = -Infinity;

  constructor(
    readonly cameras: number,
    readonly history = 1,
  ) {
    if (!Number.isInteger(cameras) || cameras < 1) throw new RangeError(`ApproximateSync needs at least one camera, got ${cameras}`);
    if (!Number.isInteger(history) || history < 1) throw new RangeError(`ApproximateSync history must be an integer >= 1, got ${history}`);
    this.queues = Array.from({ length: cameras }, () => []);
    this.newest = new Array<number>(cameras).fill(-Infinity);
  }

  /** Stamp of the last emitted observation (−Infinity before the first). */
  get lastObservationStamp(): number {
    return this.lastObservation;
  }

  /** Frames waiting, per camera. */
  pending(camera: number): number {
    return this.queues[camera].length;
  }

  /** Whether a frame with this stamp would be refused as late or out of order, without offering it. */
  precheck(camera: number, stamp: number): 'late' | 'out_of_order' | undefined {
    if (stamp < this.lastObservation) return 'late';
    if (stamp <= this.newest[camera]) return 'out_of_order';
    return undefined;
  }

  /** Offers a camera's frame; returns the set it completes, if any, and what was dropped. */
  offer(camera: number, stamp: number, payload: T, maxSkew: number): OfferResult<T> {
    if (!(camera >= 0 && camera < this.cameras)) throw new RangeError(`camera index ${camera} out of range [0, ${this.cameras})`);
    const refused = this.precheck(camera, stamp);
    if (refused !== undefined) return { set: undefined, drops: [{ camera, stamp, reason: refused }] };
    const drops: SyncDrop[] = [];
    const queue = this.queues[camera];
    queue.push({ stamp, payload });
    this.newest[camera] = stamp;
    while (queue.length > this.history) drops.push({ camera, stamp: queue.shift()!.stamp, reason: 'superseded' });
    const set = this.search(camera, stamp, maxSkew, drops);
    return { set, drops };
  }

  /** Drops waiting frames with stamp < `oldest` (frames too old to be part of an observation). */
  prune(oldest: number): SyncDrop[] {
    const drops: SyncDrop[] = [];
    this.queues.forEach((q, camera) => {
      while (q.length > 0 && q[0].stamp < oldest) drops.push({ camera, stamp: q.shift()!.stamp, reason: 'stale' });
    });
    return drops;
  }

  /** Forgets everything (e.g. time jumped back); returns the frames that were waiting as dropped. */
  reset(): SyncDrop[] {
    const drops = this.prune(Infinity);
    this.newest.fill(-Infinity);
    this.lastObservation = -Infinity;
    return drops;
  }

  /** The freshest feasible set containing the frame just added (other sets were checked before). */
  private search(camera: number, stamp: number, maxSkewSec: number, drops: SyncDrop[]): SyncedSet<T> | undefined {
    const maxSkew = maxSkewSec + SKEW_TOLERANCE;
    // Candidate oldest stamps m: stamps of waiting frames in [stamp − maxSkew, stamp].
    const candidates: number[] = [];
    for (const q of this.queues) for (const f of q) if (f.stamp <= stamp && f.stamp >= stamp - maxSkew) candidates.push(f.stamp);
    candidates.sort((a, b) => b - a);
    for (const m of candidates) {
      const chosen: number[] = [];
      for (let c = 0; c < this.cameras; c++) {
        const q = this.queues[c];
        let pick = -1;
        for (let i = q.length - 1; i >= 0; i--) {
          if (q[i].stamp <= m + maxSkew && q[i].stamp >= m) {
            pick = i;
            break;
          }
        }
        if (pick < 0) break;
        chosen.push(pick);
      }
      if (chosen.length < this.cameras) continue;
      // The window contains the new frame (m ≤ stamp ≤ m + maxSkew) and it is its camera's newest.
      if (this.queues[camera][chosen[camera]].stamp !== stamp) continue;
      const frames = chosen.map((i, c) => {
        const q = this.queues[c];
        for (const old of q.slice(0, i)) drops.push({ camera: c, stamp: old.stamp, reason: 'superseded' });
        const [frame] = q.splice(0, i + 1).slice(-1);
        return frame;
      });
      const observation = Math.min(...frames.map((f) => f.stamp));
      this.lastObservation = observation;
      return { stamp: observation, frames };
    }
    return undefined;
  }
}
