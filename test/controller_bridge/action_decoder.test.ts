// Action spaces, rotation formats and gripper modes → canonical rows → targets; and every way a
// chunk can be refused.

import { strict as assert } from 'node:assert';
import { chunkInputFromMessage, decodeChunk, targetFromAction, type DecoderContext } from '../../nodes/controller_bridge/action_decoder.js';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { GripperCommander, gripperTarget } from '../../nodes/controller_bridge/gripper_command.js';
import { quatAngle, quatFromEulerXyz, quatFromRotationVector, quatMultiply, quatToRotationVector } from '../../nodes/robots/rotation.js';
import { chunk } from './helpers.js';

const POSE: DecoderContext = { commandInterface: 'pose', jointNames: ['j1', 'j2', 'j3'], baseFrame: 'base' };
const JOINT: DecoderContext = { ...POSE, commandInterface: 'joint' };
const close = (a: ArrayLike<number>, b: readonly number[], tol = 1e-6) =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) <= tol, `[${i}] ${a[i]} vs ${v}`));

function decoded(ctx: DecoderContext, rows: number[][], fields: Parameters<typeof chunk>[1]) {
  const r = decodeChunk(chunk(rows, fields), ctx);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.chunk;
}

describe('action decoder', () => {
  const start = Float64Array.of(0.4, 0, 0.3, ...quatFromEulerXyz(Math.PI, 0, 0));

  it('ee_absolute: euler_xyz, quaternion and rotation_vector give the same target', () => {
    const q = quatFromEulerXyz(0.1, -0.2, 0.3);
    const rv = quatToRotationVector(q);
    const forms = [
      decoded(POSE, [[0.5, 0.1, 0.2, 0.1, -0.2, 0.3, 1]], {
        actionSpace: 'ee_absolute',
        rotation: 'euler_xyz',
        gripper: 'absolute_continuous',
      }),
      decoded(POSE, [[0.5, 0.1, 0.2, ...q.map((v) => 2 * v), 1]], {
        actionSpace: 'ee_absolute',
        rotation: 'quaternion',
        gripper: 'absolute_continuous',
      }),
      decoded(POSE, [[0.5, 0.1, 0.2, ...rv, 1]], {
        actionSpace: 'ee_absolute',
        rotation: 'rotation_vector',
        gripper: 'absolute_continuous',
      }),
    ];
    for (const c of forms) {
      assert.equal(c.layout.key, forms[0].layout.key, 'one canonical layout, mergeable');
      const out = new Float64Array(7);
      targetFromAction(c.layout, c.rows[0], start, out);
      close(out.slice(0, 3), [0.5, 0.1, 0.2]);
      assert.ok(quatAngle(Array.from(out.slice(3)), q) < 1e-6);
      assert.equal(c.rows[0][c.layout.gripperIndex], 1);
    }
  });

  it('ee_delta: p = p_target + dp and R = R_delta · R_target (crisp_gym), any rotation format', () => {
    const dq = quatFromEulerXyz(0, 0, 0.1);
    for (const [rotation, rot] of [
      ['euler_xyz', [0, 0, 0.1]],
      ['quaternion', dq],
      ['rotation_vector', quatToRotationVector(dq)],
    ] as const) {
      const c = decoded(POSE, [[0.01, -0.02, 0.03, ...rot]], { actionSpace: 'ee_delta', rotation });
      const out = new Float64Array(7);
      targetFromAction(c.layout, c.rows[0], start, out);
      close(out.slice(0, 3), [0.41, -0.02, 0.33]);
      const expected = quatMultiply(dq, Array.from(start.slice(3)));
      assert.ok(quatAngle(Array.from(out.slice(3)), expected) < 1e-6, rotation);
      // Base-frame delta: left-multiplied, not the tool-frame R_target·R_delta.
      assert.ok(quatAngle(Array.from(out.slice(3)), quatMultiply(Array.from(start.slice(3)), dq)) > 0.1);
    }
  });

  it('joint_position / joint_delta: columns by name when the chunk names every joint, else in order', () => {
    const byName = decoded(JOINT, [[3, 1, 2, 0.5]], { dimensionNames: ['j3', 'j1', 'j2', 'gripper'], gripper: 'absolute_binary' });
    close(byName.rows[0], [1, 2, 3, 0.5]);
    const inOrder = decoded(JOINT, [[1, 2, 3]], {});
    close(inOrder.rows[0], [1, 2, 3]);
    const delta = decoded(JOINT, [[0.1, 0.2, 0.3]], { actionSpace: 'joint_delta' });
    const out = new Float64Array(3);
    targetFromAction(delta.layout, delta.rows[0], Float64Array.of(1, 1, 1), out);
    close(out, [1.1, 1.2, 1.3]);
  });

  const refusals: [string, DecoderContext, number[][], Parameters<typeof chunk>[1], string][] = [
    ['unknown space', POSE, [[0, 0, 0, 0, 0, 0]], { actionSpace: 'ee_velocity', rotation: 'euler_xyz' }, 'unknown_space'],
    ['joint chunk on the pose interface', POSE, [[1, 2, 3]], {}, 'space_mismatch'],
    [
      'pose chunk on the joint interface',
      JOINT,
      [[0, 0, 0, 0, 0, 0]],
      { actionSpace: 'ee_delta', rotation: 'euler_xyz' },
      'space_mismatch',
    ],
    ['unknown rotation', POSE, [[0, 0, 0, 0, 0, 0]], { actionSpace: 'ee_delta', rotation: 'axis_angle' }, 'unknown_rotation'],
    ['rotation for joints', JOINT, [[1, 2, 3]], { rotation: 'euler_xyz' }, 'unknown_rotation'],
    ['unknown gripper', JOINT, [[1, 2, 3, 1]], { gripper: 'absolute' }, 'unknown_gripper'],
    ['too few dimensions', JOINT, [[1, 2]], {}, 'wrong_dimension'],
    ['gripper column missing', JOINT, [[1, 2, 3]], { gripper: 'absolute_continuous' }, 'wrong_dimension'],
    ['quaternion with 3 values', POSE, [[0, 0, 0, 0, 0, 0]], { actionSpace: 'ee_absolute', rotation: 'quaternion' }, 'wrong_dimension'],
    ['data not horizon × names', JOINT, [[1, 2, 3]], { dimensionNames: ['a', 'b'] }, 'wrong_dimension'],
    ['NaN', JOINT, [[1, NaN, 3]], {}, 'non_finite'],
    ['Infinity', JOINT, [[1, 2, Infinity]], {}, 'non_finite'],
    ['zero quaternion', POSE, [[0, 0, 0, 0, 0, 0, 0]], { actionSpace: 'ee_absolute', rotation: 'quaternion' }, 'invalid_rotation'],
    ['other frame', POSE, [[0, 0, 0, 0, 0, 0]], { actionSpace: 'ee_delta', rotation: 'euler_xyz', frameId: 'world' }, 'frame_mismatch'],
    ['dt <= 0', JOINT, [[1, 2, 3]], { dt: 0 }, 'malformed'],
    ['horizon 0', JOINT, [], { horizon: 0 }, 'malformed'],
    ['non-finite stamp', JOINT, [[1, 2, 3]], { stamp: NaN }, 'malformed'],
  ];
  for (const [what, ctx, rows, fields, reason] of refusals) {
    it(`refuses: ${what} (${reason})`, () => {
      const r = decodeChunk(chunk(rows, fields), ctx);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.reason, reason);
        assert.ok(r.detail.length > 0);
      }
    });
  }

  it('rotation vectors near zero stay exact', () => {
    const q = quatFromRotationVector(1e-10, 0, 0);
    assert.ok(Math.abs(q[0] - 5e-11) < 1e-20 && q[3] === 1);
  });
});

describe('gripper commands (crisp_gym semantics)', () => {
  it('absolute/relative × continuous/binary', () => {
    assert.equal(gripperTarget('absolute_continuous', 1.4, undefined, 0.1), 1);
    assert.equal(gripperTarget('absolute_continuous', 0.3, undefined, 0.1), 0.3);
    assert.equal(gripperTarget('absolute_binary', 0.09, undefined, 0.1), 0, 'below the threshold closes');
    assert.equal(gripperTarget('absolute_binary', 0.1, undefined, 0.1), 1, 'at the threshold opens');
    assert.equal(gripperTarget('relative_continuous', -0.3, 0.5, 0.1), 0.2);
    assert.equal(gripperTarget('relative_continuous', 0.9, 0.5, 0.1), 1);
    assert.equal(gripperTarget('relative_binary', -0.01, 1, 0.1), 0);
    assert.equal(gripperTarget('relative_binary', 0.01, 0, 0.1), 1);
    assert.equal(gripperTarget('relative_binary', 0, 0.4, 0.1), 0.4, 'zero keeps');
    assert.equal(gripperTarget('none', 1, 0, 0.1), undefined);
  });

  it('steps at most max_step per command after the first one', () => {
    const g = new GripperCommander(0.1);
    assert.equal(g.next(), undefined, 'nothing before a target');
    g.setTarget(1);
    assert.equal(g.next(), 1, 'the first command is the target');
    g.setTarget(0);
    const seq = Array.from({ length: 12 }, () => g.next()!);
    seq.forEach((v, i) => assert.ok(Math.abs(v - Math.max(0, 0.9 - 0.1 * i)) < 1e-12, `${i}: ${v}`));
    g.setTarget(1);
    g.next();
    g.hold();
    assert.equal(g.next(), g.command, 'hold freezes');
  });

  it('ActionChunk → ChunkInput: observation_stamp as sent; when 0, stamp − latent_age; with no usable latent_age, NaN (refused as malformed, never fresh)', () => {
    const msg = (observation: number, latentAge: number): vla_ros_msgs.msg.ActionChunk => ({
      header: { stamp: toRosTime(10), frame_id: 'base' },
      start_time: toRosTime(10),
      dt: 0.05,
      horizon: 1,
      action_space: 'ee_absolute',
      rotation: 'euler_xyz',
      gripper: '',
      dimension_names: ['x', 'y', 'z', 'roll', 'pitch', 'yaw'],
      data: new Float32Array(6),
      sequence: 1,
      latent_version: 1,
      latent_age: latentAge,
      inference_latency: 0,
      observation_stamp: toRosTime(observation),
    });
    assert.equal(chunkInputFromMessage(msg(9.75, 0.3)).observationStamp, 9.75);
    assert.equal(chunkInputFromMessage(msg(0, 0.25)).observationStamp, 9.75);
    assert.equal(chunkInputFromMessage(msg(0, 0)).observationStamp, 10);
    for (const bad of [NaN, -1, Infinity])
      assert.ok(Number.isNaN(chunkInputFromMessage(msg(0, bad)).observationStamp), `latent_age ${bad}`);
  });
});
