// The pure control loop: activation, hold/resume, watchdog, chunk refusals, clock jumps, the
// safety layer's limits, the gripper — without ROS.

import { strict as assert } from 'node:assert';
import type { BridgeConfig } from '../../nodes/controller_bridge/bridge_config.js';
import { ControlLoop } from '../../nodes/controller_bridge/control_loop.js';
import { quatAngle, quatFromEulerXyz, quatMultiply, quatToEulerXyz } from '../../nodes/robots/rotation.js';
import { bridgeConfig, chunk, poseArray, robotFixture, type RobotFixture } from './helpers.js';

const T0 = 100;

function poseLoop(overrides: Partial<BridgeConfig> = {}, robot: RobotFixture = robotFixture('fr3')) {
  const loop = new ControlLoop(bridgeConfig(robot, overrides), robot.chain);
  const start = robot.chain.pose(robot.home);
  const r = loop.activate(T0, { pose: poseArray(start), joints: robot.home });
  assert.ok(r.ok, JSON.stringify(r));
  return { loop, start, robot };
}

/** An ee_absolute chunk (euler_xyz) of `rows` = [x y z roll pitch yaw]. */
function absolute(rows: number[][], stamp: number, sequence = 1, extra: Parameters<typeof chunk>[1] = {}) {
  return chunk(rows, {
    actionSpace: 'ee_absolute',
    rotation: 'euler_xyz',
    stamp,
    dt: 0.1,
    sequence,
    dimensionNames: ['x', 'y', 'z', 'roll', 'pitch', 'yaw'],
    ...extra,
  });
}

function eulerOf(q: ArrayLike<number>): number[] {
  return quatToEulerXyz([q[3], q[4], q[5], q[6]]);
}

describe('control loop', () => {
  describe('activation', () => {
    const robot = robotFixture('fr3');
    const cfg = bridgeConfig(robot);
    const start = poseArray(robot.chain.pose(robot.home));

    it('refuses without a current pose, with the pose outside the workspace, or with a joint at its limit', () => {
      const loop = new ControlLoop(cfg, robot.chain);
      const none = loop.activate(T0, { joints: robot.home });
      assert.ok(!none.ok && /no current pose/.test(none.reason));
      const below = loop.activate(T0, { pose: [start[0], start[1], -0.01, ...start.slice(3)], joints: robot.home });
      assert.ok(!below.ok && /outside the workspace box/.test(below.reason));
      const atLimit = [...robot.home];
      atLimit[3] = robot.facts.positionMax[3] - 0.01;
      const lim = loop.activate(T0, { pose: start, joints: atLimit });
      assert.ok(!lim.ok && /fr3_joint4/.test(lim.reason) && /joint_limit_margin/.test(lim.reason));
      assert.equal(loop.state, 'inactive');
      assert.equal(loop.tick(T0), undefined, 'publishes nothing while inactive');
      const joint = new ControlLoop(bridgeConfig(robotFixture('ur5e'), { commandInterface: 'joint' }));
      const noJoints = joint.activate(T0, {});
      assert.ok(!noJoints.ok && /no joint positions/.test(noJoints.reason));
    });

    it('starts from the current pose: the first target is exactly where the arm is', () => {
      const loop = new ControlLoop(cfg, robot.chain);
      assert.ok(loop.activate(T0, { pose: start, joints: robot.home }).ok);
      assert.equal(loop.poseJointLimitsActive, true);
      const out = loop.tick(T0 + 0.02)!;
      assert.deepEqual(Array.from(out.target), start);
      assert.equal(out.state, 'waiting');
    });

    it('falls back to Cartesian limits (and says why) when the model disagrees with current_pose', () => {
      const loop = new ControlLoop(cfg, robot.chain);
      const off = [start[0] + 0.05, ...start.slice(1)];
      const r = loop.activate(T0, { pose: off, joints: robot.home });
      assert.ok(r.ok && r.notes.some((n) => /model and controller disagree/.test(n)));
      assert.equal(loop.poseJointLimitsActive, false);
    });
  });

  it('follows an absolute chunk, limited to max translation per tick', () => {
    const { loop, start } = poseLoop();
    const [x, y, z] = start.p;
    const e = quatToEulerXyz(start.q);
    // 1 m away in one step: far beyond 0.5 m/s × 20 ms = 10 mm per tick.
    const v = loop.offerChunk(
      absolute(
        [
          [x, y, z, ...e],
          [x, y, z + 1, ...e],
          [x, y, z + 1, ...e],
        ],
        T0 + 0.01,
      ),
      T0 + 0.02,
    );
    assert.ok(v.accepted);
    let prev = poseArray(start);
    for (let t = T0 + 0.04; t < T0 + 0.3; t += 0.02) {
      const out = loop.tick(t)!;
      const step = Math.hypot(out.target[0] - prev[0], out.target[1] - prev[1], out.target[2] - prev[2]);
      assert.ok(step <= 0.01 + 1e-12, `step ${step}`);
      assert.ok(out.target[2] <= 1.5 + 1e-12, 'workspace max_z');
      prev = Array.from(out.target);
    }
    assert.ok((loop.limitHits.get('translation') ?? 0) > 0);
  });

  it('keeps pose targets inside joint limits through the kinematic model', () => {
    // Spin about the tool axis (joint 7 on a Franka) far beyond joint 7's limit.
    const { loop, start, robot } = poseLoop({ maxRotationSpeed: 20 });
    let t = T0;
    let seq = 1;
    for (let k = 0; k < 60; k++) {
      t += 0.1;
      const spun = quatMultiply(start.q, quatFromEulerXyz(0, 0, 0.3 * (k + 1)));
      loop.offerChunk(
        absolute(
          [
            [...start.p, ...quatToEulerXyz(spun)],
            [...start.p, ...quatToEulerXyz(spun)],
          ],
          t - 0.01,
          seq++,
        ),
        t,
      );
      for (let i = 0; i < 5; i++) loop.tick(t + i * 0.02);
    }
    const q = loop.commandedJoints!;
    q.forEach((v, j) => {
      assert.ok(v <= robot.facts.positionMax[j] - 0.05 + 1e-9 && v >= robot.facts.positionMin[j] + 0.05 - 1e-9, `joint ${j + 1}: ${v}`);
    });
    assert.ok((loop.limitHits.get('jointPosition') ?? 0) > 0, 'the joint limit acted');
    // The published pose is reachable: FK of the tracked joints matches it.
    const fk = robot.chain.pose(q);
    const last = loop.lastTarget;
    assert.ok(Math.hypot(fk.p[0] - last[0], fk.p[1] - last[1], fk.p[2] - last[2]) < 2e-3);
    assert.ok(quatAngle(fk.q, Array.from(last.slice(3))) < 2e-2);
  });

  it('watchdog: no fresh chunk for max_chunk_age → holds the last safe target, not the last action', () => {
    const { loop, start } = poseLoop();
    const [x, y, z] = start.p;
    const e = quatToEulerXyz(start.q);
    // 3 s of actions moving up 0.01 m per 0.1 s, only one chunk.
    const rows = Array.from({ length: 30 }, (_, i) => [x, y, z + 0.01 * i, ...e]);
    assert.ok(loop.offerChunk(absolute(rows, T0 + 0.01), T0 + 0.02).accepted);
    let out = loop.tick(T0 + 0.5)!;
    assert.equal(out.state, 'running');
    out = loop.tick(T0 + 0.54)!;
    assert.equal(out.state, 'stale');
    const held = Array.from(out.target);
    out = loop.tick(T0 + 2)!;
    assert.deepEqual(Array.from(out.target), held, 'frozen although the chunk had 2.5 s of actions left');
    assert.ok(held[2] < z + 0.06, 'held where it was, well short of the last action');
    assert.equal(loop.watchdogTrips, 1);
    // A fresh chunk resumes.
    assert.ok(
      loop.offerChunk(
        absolute(
          [
            [x, y, z, ...e],
            [x, y, z, ...e],
          ],
          T0 + 2.05,
          2,
        ),
        T0 + 2.06,
      ).accepted,
    );
    assert.equal(loop.tick(T0 + 2.08)!.state, 'running');
  });

  it('hold: freezes, refuses chunks until an explicit resume, then only takes fresh observations', () => {
    const { loop, start } = poseLoop();
    const [x, y, z] = start.p;
    const e = quatToEulerXyz(start.q);
    const up = (stamp: number, seq: number) =>
      absolute(
        Array.from({ length: 10 }, (_, i) => [x, y, z + 0.02 * i, ...e]),
        stamp,
        seq,
      );
    loop.offerChunk(up(T0 + 0.01, 1), T0 + 0.02);
    loop.tick(T0 + 0.2);
    assert.equal(loop.hold(T0 + 0.2), true);
    const held = Array.from(loop.tick(T0 + 0.22)!.target);
    const refused = loop.offerChunk(up(T0 + 0.3, 2), T0 + 0.31);
    assert.ok(!refused.accepted && refused.reason === 'held');
    assert.deepEqual(Array.from(loop.tick(T0 + 1)!.target), held);
    assert.equal(loop.tick(T0 + 1)!.state, 'held');
    // Latched across deactivation.
    loop.deactivate();
    assert.ok(loop.activate(T0 + 1.1, { pose: held, joints: loop.commandedJoints! }).ok);
    assert.equal(loop.state, 'held');
    const r = loop.resume(T0 + 1.2);
    assert.ok(r.ok);
    assert.equal(loop.state, 'waiting');
    const before = loop.offerChunk(up(T0 + 1.15, 3), T0 + 1.25);
    assert.ok(!before.accepted && before.reason === 'stale', 'observed before the resume');
    assert.ok(loop.offerChunk(up(T0 + 1.21, 4), T0 + 1.25).accepted);
    assert.deepEqual(loop.resume(T0 + 1.3), { ok: true, message: 'not holding' });
  });

  it('drops duplicates, out-of-order, stale, future and late chunks, counting each reason', () => {
    const { loop, start } = poseLoop();
    const e = quatToEulerXyz(start.q);
    const rows = [
      [...start.p, ...e],
      [...start.p, ...e],
    ];
    assert.ok(loop.offerChunk(absolute(rows, T0 + 0.5, 7), T0 + 0.52).accepted);
    const verdicts = [
      loop.offerChunk(absolute(rows, T0 + 0.5, 7), T0 + 0.53),
      loop.offerChunk(absolute(rows, T0 + 0.4, 6), T0 + 0.54),
      loop.offerChunk(absolute(rows, T0 + 0.9, 8), T0 + 1.6),
      loop.offerChunk(absolute(rows, T0 + 3, 9), T0 + 1.6),
      loop.offerChunk(absolute(rows, T0 + 1.3, 10), T0 + 1.6),
    ].map((v) => (v.accepted ? 'accepted' : v.reason));
    assert.deepEqual(verdicts, ['duplicate', 'out_of_order', 'stale', 'from_future', 'late']);
    assert.deepEqual(Object.fromEntries(loop.drops), { duplicate: 1, out_of_order: 1, stale: 1, from_future: 1, late: 1 });
  });

  it('time going backwards: holds, forgets the old grid and ordering, accepts chunks of the new time', () => {
    const { loop, start } = poseLoop();
    const [x, y, z] = start.p;
    const e = quatToEulerXyz(start.q);
    loop.offerChunk(
      absolute(
        Array.from({ length: 10 }, (_, i) => [x, y, z + 0.02 * i, ...e]),
        T0 + 0.01,
        5,
      ),
      T0 + 0.02,
    );
    const before = Array.from(loop.tick(T0 + 0.3)!.target);
    const out = loop.tick(T0 - 50)!;
    assert.equal(out.state, 'waiting');
    assert.ok(Math.hypot(out.target[2] - before[2]) < 0.01 + 1e-12, 'no jump');
    assert.deepEqual(Array.from(loop.tick(T0 - 49)!.target), Array.from(out.target), 'holds');
    assert.ok(
      loop.offerChunk(
        absolute(
          [
            [x, y, z, ...e],
            [x, y, z, ...e],
          ],
          T0 - 48.99,
          1,
        ),
        T0 - 48.98,
      ).accepted,
    );
  });

  it('ee_delta chunks move relative to the previous target', () => {
    const { loop, start } = poseLoop();
    const d = chunk(
      Array.from({ length: 5 }, () => [0.01, 0, 0, 0, 0, 0.05]),
      { actionSpace: 'ee_delta', rotation: 'euler_xyz', stamp: T0 + 0.01, dt: 0.1, sequence: 1 },
    );
    assert.ok(loop.offerChunk(d, T0 + 0.01).accepted);
    let out = loop.tick(T0 + 0.02)!;
    for (let t = T0 + 0.04; t < T0 + 0.5; t += 0.02) out = loop.tick(t)!;
    // Steps 1..4 are executed (step 0 was "now"): +0.04 m in x, +0.2 rad about base z.
    assert.ok(Math.abs(out.target[0] - (start.p[0] + 0.04)) < 1e-6);
    const expected = quatMultiply(quatFromEulerXyz(0, 0, 0.2), start.q);
    assert.ok(quatAngle(Array.from(out.target.slice(3)), expected) < 1e-5);
    assert.ok(Math.abs(eulerOf(out.target)[2] - eulerOf(poseArray(start))[2] - 0.2) < 1e-5);
  });

  it('joint interface: targets in controller order, clamped to limits with margin and to v_max·scale·Δt', () => {
    const robot = robotFixture('ur5e');
    const loop = new ControlLoop(bridgeConfig(robot, { commandInterface: 'joint', maxChunkAge: 20, maxObservationAge: 20 }));
    assert.ok(loop.activate(T0, { joints: robot.home }).ok);
    const far = robot.facts.positionMax.map((v) => v + 1);
    const c = chunk([robot.home, far, far], { stamp: T0 + 0.01, dt: 0.1, sequence: 1, dimensionNames: [...robot.facts.jointNames] });
    assert.ok(loop.offerChunk(c, T0 + 0.01).accepted);
    let prev = robot.home;
    for (let t = T0 + 0.02; t < T0 + 10; t += 0.02) {
      const out = loop.tick(t)!;
      out.target.forEach((v, j) => {
        assert.ok(v <= robot.facts.positionMax[j] - 0.05 + 1e-12, `joint ${j} limit`);
        assert.ok(Math.abs(v - prev[j]) <= robot.facts.velocityMax[j] * 0.5 * 0.02 + 1e-12, `joint ${j} velocity`);
      });
      prev = Array.from(out.target);
    }
    // Waypoints are clamped to the limits before the filter sees them; the filter limits the speed.
    prev.forEach((v, j) => assert.ok(Math.abs(v - (robot.facts.positionMax[j] - 0.05)) < 1e-9, `joint ${j} ends at its limit`));
    assert.ok(loop.limitHits.get('jointVelocity')! > 0);
  });

  it('gripper: at most gripper_rate_hz, steps of at most 0.1 after the first command', () => {
    const { loop, start } = poseLoop({ publishRateHz: 1000 });
    const e = quatToEulerXyz(start.q);
    const rows = Array.from({ length: 20 }, (_, i) => [...start.p, ...e, i < 2 ? 1 : 0]);
    const c = absolute(rows, T0 + 0.01, 1, {
      gripper: 'absolute_binary',
      dimensionNames: ['x', 'y', 'z', 'roll', 'pitch', 'yaw', 'gripper'],
    });
    assert.ok(loop.offerChunk(c, T0 + 0.01).accepted);
    const commands: [number, number][] = [];
    for (let k = 1; k <= 1000; k++) {
      const t = T0 + 0.01 + k * 0.001;
      const g = loop.tick(t)!.gripper;
      if (g !== undefined) commands.push([t, g]);
    }
    assert.ok(commands.length >= 28 && commands.length <= 31, `${commands.length} commands in 1 s`);
    assert.equal(commands[0][1], 1);
    for (let i = 1; i < commands.length; i++) {
      assert.ok(commands[i][0] - commands[i - 1][0] >= 1 / 30 - 0.001 - 1e-9);
      assert.ok(Math.abs(commands[i][1] - commands[i - 1][1]) <= 0.1 + 1e-12);
    }
    assert.equal(commands[commands.length - 1][1], 0, 'closed in the end');
  });
});
