// Robot state in the policy's joint order. joint_states arrive in whatever order the driver
// chose (often not URDF order, and sometimes split over several messages), so joints are
// matched by name and the latest value per joint is kept with its stamp.

export type MappedState = { positions: Float64Array; stamp: number } | { missing: string };

export class JointStateMapper {
  private readonly index = new Map<string, number>();
  private readonly positions: Float64Array;
  private readonly stamps: Float64Array;

  constructor(readonly jointNames: readonly string[]) {
    jointNames.forEach((n, i) => this.index.set(n, i));
    this.positions = new Float64Array(jointNames.length).fill(NaN);
    this.stamps = new Float64Array(jointNames.length).fill(-Infinity);
  }

  /** Takes one sensor_msgs/JointState; returns how many of our joints it updated. */
  update(names: readonly string[], positions: ArrayLike<number>, stamp: number): number {
    let updated = 0;
    const n = Math.min(names.length, positions.length);
    for (let k = 0; k < n; k++) {
      const i = this.index.get(names[k]);
      if (i === undefined) continue;
      const p = positions[k];
      // A non-finite reading is no reading: the joint keeps its previous, older value.
      if (!Number.isFinite(p)) continue;
      this.positions[i] = p;
      this.stamps[i] = stamp;
      updated++;
    }
    return updated;
  }

  /** All joints, if each was heard within `timeout` of `now`; stamp = the oldest joint's. */
  latest(now: number, timeout: number): MappedState {
    let oldest = Infinity;
    for (let i = 0; i < this.jointNames.length; i++) {
      const s = this.stamps[i];
      if (s === -Infinity) return { missing: `no joint_states for '${this.jointNames[i]}' yet` };
      if (now - s > timeout) return { missing: `joint '${this.jointNames[i]}' is ${(now - s).toFixed(3)} s old > state_timeout ${timeout} s` };
      oldest = Math.min(oldest, s);
    }
    return { positions: Float64Array.from(this.positions), stamp: oldest };
  }

  clear(): void {
    this.positions.fill(NaN);
    this.stamps.fill(-Infinity);
  }
}
