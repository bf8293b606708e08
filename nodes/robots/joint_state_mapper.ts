// JointStateMapper: sensor_msgs/JointState → positions in a consumer's joint order (the policy's,
// the controller's), by name, after one shared validation. joint_states arrive in whatever order
// the driver chose (often not URDF order, not the controller's, and sometimes split over several
// messages), and CRISP reads target_joint by index, so order is never assumed. Two ways to read:
// - `map(names, positions)`: this one message alone, which must hold every joint (the bridge);
// - `update(...)` + `latest(now, timeout)`: the latest value per joint merged over messages, each
//   with its stamp (the fast pathway).
// A message that fails validation is rejected whole (nothing of it is used) and counted per
// reason in `rejected`; docs/input-validation.md lists the reasons.

/** Why a joint_states message was rejected. */
export type JointStateRejection = 'malformed' | 'duplicate_name' | 'missing_joint' | 'non_finite' | 'out_of_limits';

export const JOINT_STATE_REJECTIONS: readonly JointStateRejection[] = [
  'malformed',
  'duplicate_name',
  'missing_joint',
  'non_finite',
  'out_of_limits',
];

/** Default of the nodes' joint_state_limit_tolerance [rad]. */
export const JOINT_STATE_LIMIT_TOLERANCE = 0.1;

/** Position limits in the mapper's joint order [rad]; ±Infinity (or NaN) = not checked. */
export interface JointStateLimits {
  min: ArrayLike<number>;
  max: ArrayLike<number>;
  /** A reading further than this outside [min, max] is not a real joint position [rad]. */
  tolerance: number;
}

export type JointStateReject = { ok: false; reason: JointStateRejection; error: string };
/** The result of `map`: every joint from one message, or why not. */
export type MappedJoints = { ok: true; positions: Float64Array } | JointStateReject;
/** The result of `update`: how many of our joints it updated, or why the message was rejected. */
export type UpdateResult = { ok: true; updated: number } | JointStateReject;
/** The result of `latest`: every joint merged over messages with the oldest joint's stamp, or why not. */
export type MappedState = { positions: Float64Array; stamp: number } | { missing: string };

/**
 * Limits for `jointNames` from a robot's facts (robot.joint_names / joint_position_min / _max),
 * matched by name; a joint the robot facts do not name is not checked.
 */
export function limitsByName(
  jointNames: readonly string[],
  robot: { jointNames: readonly string[]; positionMin: readonly number[]; positionMax: readonly number[] },
  tolerance: number,
): JointStateLimits {
  const at = jointNames.map((n) => robot.jointNames.indexOf(n));
  return {
    min: at.map((k) => (k >= 0 && k < robot.positionMin.length ? robot.positionMin[k] : -Infinity)),
    max: at.map((k) => (k >= 0 && k < robot.positionMax.length ? robot.positionMax[k] : Infinity)),
    tolerance,
  };
}

export class JointStateMapper {
  /** Our index for each joint name. */
  private readonly index = new Map<string, number>();
  /** Latest value and stamp per joint, merged by `update`. */
  private readonly positions: Float64Array;
  private readonly stamps: Float64Array;
  /** Where each of our joints is in the message being checked (−1: absent). */
  private readonly found: Int32Array;
  /** Rejected messages by reason. */
  readonly rejected = new Map<JointStateRejection, number>();

  constructor(
    readonly jointNames: readonly string[],
    private readonly limits?: JointStateLimits,
  ) {
    jointNames.forEach((n, i) => this.index.set(n, i));
    this.positions = new Float64Array(jointNames.length).fill(NaN);
    this.stamps = new Float64Array(jointNames.length).fill(-Infinity);
    this.found = new Int32Array(jointNames.length);
  }

  /** True when the message names none of our joints (e.g. a gripper's own joint_states): not ours, not an error. */
  concerns(names: readonly string[]): boolean {
    return names.some((n) => this.index.has(n));
  }

  /** This message alone → every joint in our order; rejected if it lacks one or fails validation. */
  map(names: readonly string[], positions: ArrayLike<number>): MappedJoints {
    const bad = this.check(names, positions, true);
    if (bad !== undefined) return bad;
    return { ok: true, positions: Float64Array.from(this.found, (k) => positions[k]) };
  }

  /** Takes one sensor_msgs/JointState into the merged state (our joints it names), or rejects it whole. */
  update(names: readonly string[], positions: ArrayLike<number>, stamp: number): UpdateResult {
    const bad = this.check(names, positions, false);
    if (bad !== undefined) return bad;
    let updated = 0;
    for (let i = 0; i < this.found.length; i++) {
      const k = this.found[i];
      if (k < 0) continue;
      this.positions[i] = positions[k];
      this.stamps[i] = stamp;
      updated++;
    }
    return { ok: true, updated };
  }

  /** All joints merged by `update`, if each was heard within `timeout` of `now`; stamp = the oldest joint's. */
  latest(now: number, timeout: number): MappedState {
    let oldest = Infinity;
    for (let i = 0; i < this.jointNames.length; i++) {
      const s = this.stamps[i];
      if (s === -Infinity) return { missing: `no joint_states for '${this.jointNames[i]}' yet` };
      if (now - s > timeout)
        return { missing: `joint '${this.jointNames[i]}' is ${(now - s).toFixed(3)} s old > state_timeout ${timeout} s` };
      oldest = Math.min(oldest, s);
    }
    return { positions: Float64Array.from(this.positions), stamp: oldest };
  }

  /** Forgets the merged state (`map` keeps nothing). */
  clear(): void {
    this.positions.fill(NaN);
    this.stamps.fill(-Infinity);
  }

  /** Fills `found` for this message; the rejection (counted) when it is not usable. */
  private check(names: readonly string[], positions: ArrayLike<number>, needAll: boolean): JointStateReject | undefined {
    if (names.length !== positions.length) {
      return this.reject('malformed', `joint_states has ${names.length} names but ${positions.length} positions`);
    }
    // A repeated name makes the message ambiguous (which value is the joint's?), wherever it is.
    if (new Set(names).size !== names.length) {
      const dup = names.find((n, k) => names.indexOf(n) !== k);
      return this.reject('duplicate_name', `joint_states names '${dup}' more than once`);
    }
    this.found.fill(-1);
    for (let k = 0; k < names.length; k++) {
      const i = this.index.get(names[k]);
      if (i !== undefined) this.found[i] = k;
    }
    for (let i = 0; i < this.found.length; i++) {
      const k = this.found[i];
      const name = this.jointNames[i];
      if (k < 0) {
        if (needAll) return this.reject('missing_joint', `joint_states has no joint '${name}' (it names: ${names.join(', ') || 'none'})`);
        continue;
      }
      const v = positions[k];
      if (!Number.isFinite(v)) return this.reject('non_finite', `joint_states position of '${name}' is ${v}`);
      const l = this.limits;
      if (l !== undefined && (v < l.min[i] - l.tolerance || v > l.max[i] + l.tolerance)) {
        return this.reject(
          'out_of_limits',
          `joint_states position of '${name}' is ${v.toFixed(4)} rad, more than ${l.tolerance} rad outside its limits [${l.min[i]}, ${l.max[i]}]`,
        );
      }
    }
    return undefined;
  }

  private reject(reason: JointStateRejection, error: string): JointStateReject {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
    return { ok: false, reason, error };
  }
}
