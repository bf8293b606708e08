// Closed loop: a scripted policy observes the robot (current_pose / joint_states, 30 Hz),
// answers each observation with a chunk 60 ms later (its "inference"), the real
// controller_bridge node executes the chunks, and the kinematic arm (stepped at 1 kHz in
// virtual time) follows the targets — until it reaches a goal pose. FR3 and UR5e, pose and
// joint interfaces, absolute and delta action spaces.

import { strict as assert } from 'node:assert';
import { fromRosTime } from '../../nodes/ros/time.js';
import { orientationError, quatAngle, quatFromEulerXyz, quatMultiply, slerp, type Pose } from '../../nodes/robots/rotation.js';
import { bridgeConfig, chunk, robotFixture } from './helpers.js';
import { activate, startHarness, type Harness } from './harness.js';
import { checkStream } from './scenario.js';

const RATE = 30;
const DT = 1 / RATE;
const HORIZON = 16;
const LATENCY = 0.06;
/** The scripted policy's speed toward the goal [m/s], [rad/s]. */
const SPEED = 0.15;
const TURN = 0.6;

/** One step of at most SPEED·DT / TURN·DT from `from` toward `goal`. */
function toward(from: Pose, goal: Pose): Pose {
  const d = [0, 1, 2].map((i) => goal.p[i] - from.p[i]);
  const dist = Math.hypot(d[0], d[1], d[2]);
  const k = dist > SPEED * DT ? (SPEED * DT) / dist : 1;
  const angle = quatAngle(from.q, goal.q);
  const t = angle > TURN * DT ? (TURN * DT) / angle : 1;
  return { p: [from.p[0] + k * d[0], from.p[1] + k * d[1], from.p[2] + k * d[2]], q: Array.from(slerp(from.q, goal.q, t)) as Pose['q'] };
}

type Mode = 'ee_absolute' | 'ee_delta' | 'joint_position';

/** Starts a 30 Hz policy on the probe node: observe, "infer" for LATENCY, publish a chunk. */
function startPolicy(h: Harness, mode: Mode, goal: { pose?: Pose; joints?: number[] }): void {
  let latestPose: { stamp: number; pose: Pose } | undefined;
  let latestJoints: { stamp: number; q: number[] } | undefined;
  const names = h.robot.fixture.facts.jointNames;
  h.probe.createSubscription('geometry_msgs/msg/PoseStamped', 'current_pose', 'sensorData', (m) => {
    const { position: p, orientation: o } = m.pose;
    latestPose = { stamp: fromRosTime(m.header.stamp), pose: { p: [p.x, p.y, p.z], q: [o.x, o.y, o.z, o.w] } };
  });
  h.probe.createSubscription('sensor_msgs/msg/JointState', 'joint_states', 'sensorData', (m) => {
    latestJoints = { stamp: fromRosTime(m.header.stamp), q: names.map((n) => m.position[m.name.indexOf(n)]) };
  });
  let sequence = 0;
  h.probe.createTimer(DT, () => {
    const seq = ++sequence;
    if (mode === 'joint_position') {
      const obs = latestJoints;
      if (obs === undefined) return;
      const rows: number[][] = [];
      let q = obs.q;
      for (let i = 0; i < HORIZON; i++) {
        q = q.map((v, j) => v + Math.max(-0.5 * DT, Math.min(0.5 * DT, goal.joints![j] - v)));
        rows.push(q);
      }
      h.time.at(obs.stamp + LATENCY, () =>
        h.publishChunk(chunk(rows, { stamp: obs.stamp, startTime: obs.stamp + DT, dt: DT, sequence: seq, dimensionNames: [...names] })),
      );
      return;
    }
    const obs = latestPose;
    if (obs === undefined) return;
    const rows: number[][] = [];
    let pose = obs.pose;
    for (let i = 0; i < HORIZON; i++) {
      const next = toward(pose, goal.pose!);
      rows.push([...next.p, ...next.q]);
      pose = next;
    }
    if (mode === 'ee_delta') {
      // A delta policy spreads the way to go over its horizon; steps executed during its
      // inference are dropped by the bridge, so it converges like a P controller with delay.
      const whole = { p: [0, 1, 2].map((i) => goal.pose!.p[i] - obs.pose.p[i]), r: orientationError(obs.pose.q, goal.pose!.q) };
      const cap = Math.min(
        1,
        (SPEED * DT) / Math.max(1e-12, Math.hypot(...whole.p) / HORIZON),
        (TURN * DT) / Math.max(1e-12, Math.hypot(...whole.r) / HORIZON),
      );
      rows.length = 0;
      for (let i = 0; i < HORIZON; i++) rows.push([...whole.p.map((v) => (cap * v) / HORIZON), ...whole.r.map((v) => (cap * v) / HORIZON)]);
    }
    const fields =
      mode === 'ee_absolute'
        ? { actionSpace: 'ee_absolute', rotation: 'quaternion', dimensionNames: ['x', 'y', 'z', 'qx', 'qy', 'qz', 'qw'] }
        : { actionSpace: 'ee_delta', rotation: 'rotation_vector', dimensionNames: ['dx', 'dy', 'dz', 'rx', 'ry', 'rz'] };
    // Action 0 is for the next control step after the observation.
    h.time.at(obs.stamp + LATENCY, () =>
      h.publishChunk(chunk(rows, { ...fields, stamp: obs.stamp, startTime: obs.stamp + DT, dt: DT, sequence: seq })),
    );
  });
}

function poseError(a: Pose, b: Pose): { position: number; rotation: number } {
  return { position: Math.hypot(a.p[0] - b.p[0], a.p[1] - b.p[1], a.p[2] - b.p[2]), rotation: quatAngle(a.q, b.q) };
}

describe('controller bridge closed loop (kinematic arm at 1 kHz, virtual time)', function () {
  this.timeout(60_000);
  let h: Harness;
  afterEach(async () => h?.stop());

  const cases: { robot: 'fr3' | 'ur5e'; mode: Mode; rule: string; offset: number[]; turn: number[] }[] = [
    { robot: 'fr3', mode: 'ee_absolute', rule: 'rtc', offset: [0.12, -0.15, -0.1], turn: [0.2, -0.1, 0.4] },
    { robot: 'fr3', mode: 'ee_delta', rule: 'temporal_ensemble', offset: [-0.1, 0.1, 0.08], turn: [0, 0.15, -0.3] },
    { robot: 'ur5e', mode: 'ee_absolute', rule: 'weighted_average', offset: [0.1, 0.1, 0.1], turn: [0.3, 0, 0.2] },
    { robot: 'ur5e', mode: 'ee_delta', rule: 'latest_only', offset: [-0.15, 0.05, -0.1], turn: [0, -0.2, 0.3] },
  ];
  for (const c of cases) {
    it(`${c.robot}, ${c.mode}, ${c.rule}: reaches a goal ${Math.round(Math.hypot(...c.offset) * 1000)} mm away within 2 mm / 0.01 rad`, async () => {
      h = await startHarness(c.robot, { merge_rule: c.rule });
      assert.equal(await activate(h), true);
      const start = h.robot.arm.pose();
      const goal: Pose = {
        p: [start.p[0] + c.offset[0], start.p[1] + c.offset[1], start.p[2] + c.offset[2]],
        q: quatMultiply(quatFromEulerXyz(c.turn[0], c.turn[1], c.turn[2]), start.q),
      };
      startPolicy(h, c.mode, { pose: goal });
      await h.time.advanceBy(5);
      const err = poseError(h.robot.arm.pose(), goal);
      assert.ok(err.position < 0.002 && err.rotation < 0.01, `error ${JSON.stringify(err)}`);
      // On the way: every published target within the limits, the arm inside its joint limits.
      const f = robotFixture(c.robot);
      checkStream(
        h.robot.poses.map((p) => ({
          target: [
            p.msg.pose.position.x,
            p.msg.pose.position.y,
            p.msg.pose.position.z,
            p.msg.pose.orientation.x,
            p.msg.pose.orientation.y,
            p.msg.pose.orientation.z,
            p.msg.pose.orientation.w,
          ],
        })),
        bridgeConfig(f),
        'pose',
      );
      assert.equal(h.robot.arm.stopHits, 0);
      const status = h.running.instance.lifecycle!.state;
      assert.equal(status, 'active');
    });
  }

  it('ur5e, joint_position on target_joint: reaches a goal configuration within 1 mrad', async () => {
    h = await startHarness('ur5e', { command_interface: 'joint', merge_rule: 'rtc' });
    assert.equal(await activate(h), true);
    const f = robotFixture('ur5e');
    const goal = f.home.map((v, i) => v + [0.4, -0.3, 0.25, 0.5, -0.4, 0.8][i]);
    startPolicy(h, 'joint_position', { joints: goal });
    await h.time.advanceBy(5);
    h.robot.arm.q.forEach((v, i) => assert.ok(Math.abs(v - goal[i]) < 1e-3, `joint ${i}: ${v} vs ${goal[i]}`));
    checkStream(
      h.robot.joints.map((j) => ({ target: j.msg.position })),
      bridgeConfig(f, { commandInterface: 'joint' }),
      'joint',
    );
  });

  it('fr3: a goal below the table (min_z 0) is not followed below it', async () => {
    h = await startHarness('fr3', {});
    assert.equal(await activate(h), true);
    const start = h.robot.arm.pose();
    const goal: Pose = { p: [0.55, start.p[1], -0.1], q: start.q };
    startPolicy(h, 'ee_absolute', { pose: goal });
    await h.time.advanceBy(6);
    const lowest = Math.min(...h.robot.poses.map((p) => p.msg.pose.position.z));
    assert.ok(lowest >= 0, `lowest target ${lowest}`);
    const end = h.robot.arm.pose();
    assert.ok(end.p[2] < 0.002 && end.p[2] > -1e-3, `it goes down to the table and stops there: z = ${end.p[2]}`);
  });
});
