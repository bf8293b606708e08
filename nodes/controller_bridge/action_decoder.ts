// ActionDecoder: an action chunk as it arrives (any action space, rotation format and gripper
// mode the bundle may declare) → validated rows in one canonical form per space, and a merged
// row → the absolute target it commands. Canonical forms (what merge rules average):
//   ee_absolute    [x y z qx qy qz qw (g)]   rotations as unit quaternions (no Euler wrap-around)
//   ee_delta       [dx dy dz rx ry rz (g)]   rotation increments as rotation vectors
//   joint_position [q1 … qn (g)]             controller joint order
//   joint_delta    [dq1 … dqn (g)]
// g = the raw gripper action, decoded later (gripper_command.ts) because relative modes depend
// on the previous gripper target.
// Targets: pose = [x y z qx qy qz qw] in the controller's base frame; joints = [q1 … qn].

import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { fromRosTime } from '../ros/time.js';
import type { ActionSpaceKind, GripperMode, RotationFormat } from '../policy/manifest.js';
import { quatFromEulerXyz, quatFromRotationVector, quatMultiply, quatNormalize, quatToRotationVector } from '../robots/rotation.js';

/** A chunk as the node hands it over: the ActionChunk fields, times in seconds. */
export interface ChunkInput {
  /** Time of the robot state the chunk answers [s]. */
  stamp: number;
  /** Capture time of the newest camera image the chunk depends on [s] (undefined: `stamp`). */
  observationStamp?: number;
  /** Time of action 0 [s]. */
  startTime: number;
  dt: number;
  horizon: number;
  actionSpace: string;
  rotation: string;
  gripper: string;
  dimensionNames: readonly string[];
  /** Row-major horizon × D. */
  data: ArrayLike<number>;
  sequence: number;
  /** header.frame_id: the frame of pose actions ('' = the controller's base frame). */
  frameId: string;
}

/** The chunk an ActionChunk message carries (as the bridge node receives it, and as eval offers it). */
export function chunkInputFromMessage(m: vla_ros_msgs.msg.ActionChunk): ChunkInput {
  const stamp = fromRosTime(m.header.stamp);
  const observed = fromRosTime(m.observation_stamp);
  return {
    stamp,
    // 0 = a publisher that does not fill observation_stamp: its latent's image, from latent_age;
    // with no usable latent_age either, NaN, which the loop refuses as malformed (never "fresh").
    observationStamp: observed !== 0 ? observed : Number.isFinite(m.latent_age) && m.latent_age >= 0 ? stamp - m.latent_age : NaN,
    startTime: fromRosTime(m.start_time),
    dt: m.dt,
    horizon: m.horizon,
    actionSpace: m.action_space,
    rotation: m.rotation,
    gripper: m.gripper,
    dimensionNames: m.dimension_names,
    data: m.data,
    sequence: m.sequence,
    frameId: m.header.frame_id,
  };
}

export type CommandInterface = 'pose' | 'joint';

export interface ActionLayout {
  readonly space: ActionSpaceKind;
  readonly rotation: RotationFormat;
  readonly gripper: GripperMode;
  /** Length of a canonical row. */
  readonly size: number;
  /** Index of the quaternion (4 values) in a canonical row; −1 when there is none. */
  readonly quatOffset: number;
  /** Index of the raw gripper action in a canonical row; −1 when there is none. */
  readonly gripperIndex: number;
  /** Rows of two chunks can be merged only when their layouts have the same key. */
  readonly key: string;
}

export interface DecodedChunk {
  readonly layout: ActionLayout;
  readonly stamp: number;
  readonly startTime: number;
  readonly dt: number;
  readonly sequence: number;
  /** One canonical row per action, in time order. */
  readonly rows: Float64Array[];
}

export type DropReason =
  | 'malformed'
  | 'unknown_space'
  | 'unknown_rotation'
  | 'unknown_gripper'
  | 'wrong_dimension'
  | 'non_finite'
  | 'invalid_rotation'
  | 'space_mismatch'
  | 'frame_mismatch'
  | 'duplicate'
  | 'out_of_order'
  | 'stale'
  | 'stale_observation'
  | 'from_future'
  | 'late'
  | 'held'
  | 'inactive';

export type DecodeResult = { ok: true; chunk: DecodedChunk } | { ok: false; reason: DropReason; detail: string };

export interface DecoderContext {
  commandInterface: CommandInterface;
  /** Controller joint order (robot.joint_names). */
  jointNames: readonly string[];
  /** robot.base_frame. */
  baseFrame: string;
}

/** Sanity bounds: a chunk beyond them is a bug upstream, and would only cost memory here. */
const MAX_HORIZON = 10_000;
const MAX_DT = 10;

const SPACES: readonly ActionSpaceKind[] = ['ee_delta', 'ee_absolute', 'joint_position', 'joint_delta'];
const GRIPPERS: readonly GripperMode[] = ['absolute_continuous', 'absolute_binary', 'relative_continuous', 'relative_binary'];
const EE_ROTATIONS: readonly RotationFormat[] = ['euler_xyz', 'quaternion', 'rotation_vector'];
const ROTATION_DIM: Record<RotationFormat, number> = { euler_xyz: 3, quaternion: 4, rotation_vector: 3, none: 0 };

export function isJointSpace(space: ActionSpaceKind): boolean {
  return space === 'joint_position' || space === 'joint_delta';
}

export function actionLayout(space: ActionSpaceKind, rotation: RotationFormat, gripper: GripperMode, joints: number): ActionLayout {
  const base = isJointSpace(space) ? joints : space === 'ee_absolute' ? 7 : 6;
  const hasGripper = gripper !== 'none';
  return {
    space,
    rotation,
    gripper,
    size: base + (hasGripper ? 1 : 0),
    quatOffset: space === 'ee_absolute' ? 3 : -1,
    gripperIndex: hasGripper ? base : -1,
    // The input rotation format does not change the canonical row, so it is not part of the key.
    key: `${space}/${gripper}/${base}`,
  };
}

function fail(reason: DropReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/** Validates a chunk against the robot and the command interface and converts its rows. */
export function decodeChunk(input: ChunkInput, ctx: DecoderContext): DecodeResult {
  const { horizon, dt, data } = input;
  if (!Number.isFinite(input.stamp) || !Number.isFinite(input.startTime)) return fail('malformed', 'non-finite stamp or start_time');
  if (!(dt > 0 && dt <= MAX_DT)) return fail('malformed', `dt must be in (0, ${MAX_DT}] s, got ${dt}`);
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON)
    return fail('malformed', `horizon must be in [1, ${MAX_HORIZON}], got ${horizon}`);
  if (!(SPACES as readonly string[]).includes(input.actionSpace)) {
    return fail('unknown_space', `unknown action_space '${input.actionSpace}' (expected one of ${SPACES.join(', ')})`);
  }
  const space = input.actionSpace as ActionSpaceKind;
  const jointSpace = isJointSpace(space);
  if (jointSpace !== (ctx.commandInterface === 'joint')) {
    return fail(
      'space_mismatch',
      `action_space '${space}' needs command_interface '${jointSpace ? 'joint' : 'pose'}', this bridge commands '${ctx.commandInterface}'`,
    );
  }
  let rotation: RotationFormat;
  if (jointSpace) {
    if (input.rotation !== '' && input.rotation !== 'none')
      return fail('unknown_rotation', `rotation '${input.rotation}' given for joint space '${space}'`);
    rotation = 'none';
  } else {
    if (!(EE_ROTATIONS as readonly string[]).includes(input.rotation)) {
      return fail('unknown_rotation', `rotation '${input.rotation}' (expected one of ${EE_ROTATIONS.join(', ')})`);
    }
    rotation = input.rotation as RotationFormat;
    if (input.frameId !== '' && input.frameId !== ctx.baseFrame) {
      return fail('frame_mismatch', `pose actions in frame '${input.frameId}', the controller's base frame is '${ctx.baseFrame}'`);
    }
  }
  let gripper: GripperMode;
  if (input.gripper === '' || input.gripper === 'none') gripper = 'none';
  else if ((GRIPPERS as readonly string[]).includes(input.gripper)) gripper = input.gripper as GripperMode;
  else return fail('unknown_gripper', `gripper '${input.gripper}' (expected '', none or one of ${GRIPPERS.join(', ')})`);

  const n = ctx.jointNames.length;
  const expected = (jointSpace ? n : 3 + ROTATION_DIM[rotation]) + (gripper === 'none' ? 0 : 1);
  const names = input.dimensionNames;
  const d = names.length > 0 ? names.length : data.length / horizon;
  if (data.length !== horizon * d)
    return fail('wrong_dimension', `data has ${data.length} values, horizon ${horizon} × ${d} dimensions expected`);
  if (d !== expected) {
    return fail('wrong_dimension', `${d} dimensions, ${space} + ${rotation} + gripper ${gripper} needs ${expected}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) return fail('non_finite', `non-finite value at step ${Math.floor(i / d)}, dimension ${i % d}`);
  }

  const layout = actionLayout(space, rotation, gripper, n);
  // Columns: joints by name when the chunk names every controller joint (drivers and datasets
  // do not always keep the controller's order), else in order; the gripper is the column named
  // 'gripper', else the last.
  const named = names.indexOf('gripper');
  const gripperColumn = gripper === 'none' ? -1 : named >= 0 ? named : d - 1;
  let jointColumns: number[] | undefined;
  if (jointSpace) {
    const byName = ctx.jointNames.map((j) => names.indexOf(j));
    jointColumns = byName.every((c) => c >= 0)
      ? byName
      : ctx.jointNames.map((_, i) => (i >= gripperColumn && gripperColumn >= 0 ? i + 1 : i));
  }

  const rows: Float64Array[] = [];
  for (let step = 0; step < horizon; step++) {
    const at = (j: number) => data[step * d + j];
    const row = new Float64Array(layout.size);
    if (jointColumns !== undefined) {
      for (let i = 0; i < n; i++) row[i] = at(jointColumns[i]);
    } else {
      row[0] = at(0);
      row[1] = at(1);
      row[2] = at(2);
      let q: number[] | undefined;
      if (rotation === 'quaternion') q = quatNormalize([at(3), at(4), at(5), at(6)]);
      else if (rotation === 'euler_xyz') q = quatFromEulerXyz(at(3), at(4), at(5));
      else q = quatFromRotationVector(at(3), at(4), at(5));
      if (q === undefined) return fail('invalid_rotation', `zero-length quaternion at step ${step}`);
      if (space === 'ee_absolute') row.set(q, 3);
      else row.set(rotation === 'rotation_vector' ? [at(3), at(4), at(5)] : quatToRotationVector(q), 3);
    }
    if (gripperColumn >= 0) row[layout.gripperIndex] = at(gripperColumn);
    rows.push(row);
  }
  return { ok: true, chunk: { layout, stamp: input.stamp, startTime: input.startTime, dt, sequence: input.sequence, rows } };
}

/**
 * The absolute target a canonical row commands, given the previous target (deltas are relative
 * to the previous *target*, as crisp_gym does: p = p_prev + dp, R = R_delta · R_prev).
 * Writes `out` (length 7 for poses, n for joints; may alias `previous`).
 */
export function targetFromAction(layout: ActionLayout, action: Float64Array, previous: Float64Array, out: Float64Array): void {
  switch (layout.space) {
    case 'ee_absolute':
      for (let i = 0; i < 7; i++) out[i] = action[i];
      normalizeQuatAt(out, 3);
      return;
    case 'ee_delta': {
      const q = quatMultiply(quatFromRotationVector(action[3], action[4], action[5]), [previous[3], previous[4], previous[5], previous[6]]);
      out[0] = previous[0] + action[0];
      out[1] = previous[1] + action[1];
      out[2] = previous[2] + action[2];
      out.set(q, 3);
      normalizeQuatAt(out, 3);
      return;
    }
    case 'joint_position':
      for (let i = 0; i < out.length; i++) out[i] = action[i];
      return;
    case 'joint_delta':
      for (let i = 0; i < out.length; i++) out[i] = previous[i] + action[i];
      return;
  }
}

function normalizeQuatAt(v: Float64Array, at: number): void {
  const n = Math.hypot(v[at], v[at + 1], v[at + 2], v[at + 3]);
  // A zero quaternion cannot come out of decodeChunk; NaN propagates to the safety filter's guard.
  for (let i = 0; i < 4; i++) v[at + i] /= n;
}
