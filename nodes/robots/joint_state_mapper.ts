// JointStateMapper: sensor_msgs/JointState → positions in a consumer's joint order (the policy's,
// the controller's), by name. joint_states arrive in whatever order the driver chose (often not
// URDF order, not the controller's, and sometimes split over several messages), and CRISP reads
// target_joint by index, so order is never assumed. Two ways to read them:
// - `map(names, positions)`: this one message alone, which must hold every joint (the bridge);
// - `update(...)` + `latest(now, timeout)`: the latest value per joint merged over messages, each
//   with its stamp (the fast pathway).

/** The result of `map`: every joint from one message, or why not. */
export type MappedJoints = { ok: true; positions: Float64Array } | { ok: false; error: string };
/** The result of `latest`: every joint merged over messages with the oldest joint's stamp, or why not. */
export type MappedState = { positions: Float64Array; stamp: number } | { missing: string };

export class JointStateMapper {
  /** Our index for each joint name (for `update`). */
  private readonly index = new Map<string, number>();
  /** Latest value and stamp per joint, merged by `update`. */
  private readonly positions: Float64Array;
  private readonly stamps: Float64Array;
  /** Index into the message for each of our joints, cached per name order seen (for `map`). */
  private cachedKey = '';
  private cachedIndex: number[] = [];

  constructor(readonly jointNames: readonly string[]) {
    jointNames.forEach((n, i) => this.index.set(n, i));
    this.positions = new Float64Array(jointNames.length).fill(NaN);
    this.stamps = new Float64Array(jointNames.length).fill(-Infinity);
  }

  /** This message alone → every joint in our order; refused if it lacks one or has a non-finite one. */
  map(names: readonly string[], positions: ArrayLike<number>): MappedJoints {
    const key = names.join('\u0000');
    if (key !== this.cachedKey) {
      this.cachedIndex = this.jointNames.map((j) => names.indexOf(j));
      this.cachedKey = key;
    }
    const out = new Float64Array(this.jointNames.length);
    for (let i = 0; i < out.length; i++) {
      const k = this.cachedIndex[i];
      if (k < 0) return { ok: false, error: `joint_states has no joint '${this.jointNames[i]}' (it names: ${names.join(', ') || 'none'})` };
      if (k >= positions.length) return { ok: false, error: `joint_states names '${this.jointNames[i]}' but has only ${positions.length} positions` };
      const v = positions[k];
      if (!Number.isFinite(v)) return { ok: false, error: `joint_states position of '${this.jointNames[i]}' is ${v}` };
      out[i] = v;
    }
    return { ok: true, positions: out };
  }

  /** Takes one sensor_msgs/JointState into the merged state; returns how many of our joints it updated. */
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

  /** All joints merged by `update`, if each was heard within `timeout` of `now`; stamp = the oldest joint's. */
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

  /** Forgets the merged state (`map` keeps nothing). */
  clear(): void {
    this.positions.fill(NaN);
    this.stamps.fill(-Infinity);
  }
}
