// JointStateMapper: sensor_msgs/JointState → positions in the controller's joint order, by
// name. Several drivers publish joint_states in their own order (not the URDF's, not the
// controller's), and CRISP reads target_joint by index, so order is never assumed.

export type MappedJoints = { ok: true; positions: Float64Array } | { ok: false; error: string };

export class JointStateMapper {
  /** Index into the message for each controller joint, cached per name order seen. */
  private cachedKey = '';
  private cachedIndex: number[] = [];

  constructor(readonly jointNames: readonly string[]) {}

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
}
