// The controller_bridge node itself on the embedded backend in virtual time: lifecycle,
// topics in the robot's namespace, joint order, hold/resume over topic and services, the
// second-publisher guard, clock jumps, throttled drop logs — and the safety properties once
// more through real messages.

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { controllerBridge } from '../../nodes/controller_bridge/node.js';
import { BRIDGE_DEFAULTS } from '../../nodes/controller_bridge/bridge_config.js';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { fromRosTime } from '../../nodes/ros/time.js';
import { describeNodeParameters } from '../../nodes/runtime/parameter_help.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { startNode } from '../../nodes/runtime/node_runner.js';
import { quatToEulerXyz } from '../../nodes/robots/rotation.js';
import type { ChunkInput } from '../../nodes/controller_bridge/action_decoder.js';
import { bridgeConfig, chunk, robotFixture } from './helpers.js';
import { activate, startHarness, transition, type Harness } from './harness.js';
import { buildChunk, checkStream, scenarioEvents, type Published } from './scenario.js';

const poseOf = (m: {
  pose: { position: { x: number; y: number; z: number }; orientation: { x: number; y: number; z: number; w: number } };
}) => [
  m.pose.position.x,
  m.pose.position.y,
  m.pose.position.z,
  m.pose.orientation.x,
  m.pose.orientation.y,
  m.pose.orientation.z,
  m.pose.orientation.w,
];

/** Episode events, episode-scoped holds and rising chunks from wherever the arm is, for the hold tests. */
function episodeDriver(h: Harness) {
  const events = h.probe.createPublisher('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10);
  const holdPub = h.probe.createPublisher('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10);
  return {
    startEpisode: (id: string) =>
      events.publish({
        header: { stamp: h.probe.clock.stamp(), frame_id: '' },
        episode_id: id,
        event: 0,
        instruction: 'push',
        success: false,
      }),
    holdFor: (episode: string, source = 'failure_monitor') =>
      holdPub.publish({
        header: { stamp: h.probe.clock.stamp(), frame_id: '' },
        hold: true,
        source,
        reason: 'SAFE alarm',
        episode_id: episode,
      }),
    up: (seq: number) => {
      const p = h.robot.arm.pose();
      const e = quatToEulerXyz(p.q);
      return chunk(
        Array.from({ length: 20 }, (_, i) => [p.p[0], p.p[1], p.p[2] + 0.005 * i, ...e]),
        { actionSpace: 'ee_absolute', rotation: 'euler_xyz', stamp: h.time.now(), dt: 0.05, sequence: seq },
      );
    },
    lastPose: () => poseOf(h.robot.poses[h.robot.poses.length - 1].msg),
  };
}

describe('controller_bridge node', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('publishes nothing until active; refuses to activate without robot state and says why', async () => {
    h = await startHarness('fr3', { activation_timeout: 1.0 }, { startRobot: false });
    await h.time.advanceBy(0.5);
    assert.equal(h.robot.poses.length, 0);
    assert.equal(await activate(h, 1.5), false);
    const refusal = h.logs.find((l) => l.level === 'error' && /refusing to activate/.test(l.message));
    assert.ok(refusal, 'an error log names the problem');
    assert.match(refusal.message, /no current_pose received on \/arm\/current_pose/);
    assert.equal(h.running.instance.lifecycle!.state, 'inactive');
    await h.time.advanceBy(0.5);
    assert.equal(h.robot.poses.length, 0, 'still nothing published');
  });

  it('refuses stale state (older than state_timeout) like crisp_py', async () => {
    h = await startHarness('fr3', { activation_timeout: 0.0, state_timeout: 1.0 });
    // Robot state is followed from configure on.
    assert.equal(await transition(h, 'configure'), true);
    h.robot.publishing = false;
    await h.time.advanceBy(1.5);
    assert.equal(await transition(h, 'activate'), false);
    assert.ok(
      h.logs.some((l) => /current_pose is 1\.\d+ s old \(state_timeout 1 s\)/.test(l.message)),
      h.logs.map((l) => l.message).join('\n'),
    );
  });

  it('activation waits for robot state, then starts exactly at the current pose at publish_rate_hz', async () => {
    h = await startHarness('fr3', { publish_rate_hz: 100 }, { startRobot: false });
    // The robot's state appears 0.3 s into the activation.
    h.time.at(h.time.now() + 0.3, () => h.robot.start());
    assert.equal(await activate(h, 1), true);
    assert.ok(h.time.now() >= 100.3);
    const start = h.robot.arm.pose();
    await h.time.advanceBy(1);
    const poses = h.robot.poses.filter((p) => p.t > h.time.now() - 1 + 1e-9);
    assert.ok(poses.length >= 99 && poses.length <= 101, `${poses.length} targets in 1 s at 100 Hz`);
    for (const p of poses) {
      assert.equal(p.msg.header.frame_id, 'base');
      poseOf(p.msg).forEach((v, i) => assert.ok(Math.abs(v - [...start.p, ...start.q][i]) < 1e-9));
    }
  });

  it('joint interface: target_joint in the controller order although joint_states come in another', async () => {
    h = await startHarness('ur5e', { command_interface: 'joint' });
    assert.equal(await activate(h), true);
    const f = robotFixture('ur5e');
    const names = [...f.facts.jointNames];
    const target = f.home.map((v, i) => v + 0.05 * (i + 1));
    // The policy names its columns in yet another order.
    const order = [3, 0, 5, 1, 4, 2];
    const rows = [0, 1, 2, 3].map(() => order.map((i) => target[i]));
    h.publishChunk(chunk(rows, { stamp: h.time.now() - 0.01, dt: 0.1, sequence: 1, dimensionNames: order.map((i) => names[i]) }));
    await h.time.advanceBy(1);
    const last = h.robot.joints[h.robot.joints.length - 1].msg;
    assert.deepEqual(last.name, names);
    Array.from(last.position).forEach((v, i) => assert.ok(Math.abs(v - target[i]) < 1e-6, `${names[i]}: ${v} vs ${target[i]}`));
    assert.ok(h.robot.driverOrder[0] !== names[0], 'the driver order really differs');
  });

  it('holds on a HoldRequest or ~/hold, resumes only on ~/resume or hold=false', async () => {
    h = await startHarness('fr3');
    assert.equal(await activate(h), true);
    const start = h.robot.arm.pose();
    const e = quatToEulerXyz(start.q);
    const up = (stamp: number, seq: number) =>
      chunk(
        Array.from({ length: 20 }, (_, i) => [start.p[0], start.p[1], start.p[2] + 0.005 * i, ...e]),
        { actionSpace: 'ee_absolute', rotation: 'euler_xyz', stamp, dt: 0.05, sequence: seq },
      );
    const holdPub = h.probe.createPublisher('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10);
    const request = (hold: boolean): vla_ros_msgs.msg.HoldRequest => ({
      header: { stamp: h.probe.clock.stamp(), frame_id: '' },
      hold,
      source: 'failure_monitor',
      reason: 'score above threshold',
      episode_id: '',
    });
    h.publishChunk(up(h.time.now(), 1));
    await h.time.advanceBy(0.3);
    holdPub.publish(request(true));
    await h.time.flush();
    const heldAt = poseOf(h.robot.poses[h.robot.poses.length - 1].msg);
    h.publishChunk(up(h.time.now(), 2));
    await h.time.advanceBy(1);
    const after = h.robot.poses.filter((p) => p.t > h.time.now() - 0.9).map((p) => poseOf(p.msg));
    assert.ok(after.length > 40 && after.every((p) => p.every((v, i) => Math.abs(v - heldAt[i]) < 1e-12)), 'held still');
    assert.ok(h.logs.some((l) => l.level === 'warn' && /HOLD held by failure_monitor: score above threshold/.test(l.message)));

    const status: vla_ros_msgs.msg.PathwayStatus[] = [];
    h.probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', 'controller_bridge/status', 10, (m) => status.push(m));
    await h.time.advanceBy(1.1);
    assert.match(status[status.length - 1].message, /held by failure_monitor/);

    const resume = h.probe.createClient('std_srvs/srv/Trigger', 'controller_bridge/resume');
    assert.deepEqual(await resume.call({}), { success: true, message: 'resumed: waiting for fresh action chunks' });
    h.publishChunk(up(h.time.now(), 3));
    await h.time.advanceBy(0.5);
    const moved = poseOf(h.robot.poses[h.robot.poses.length - 1].msg);
    assert.ok(moved[2] > heldAt[2] + 0.01, 'moves again after the explicit resume');

    const hold = h.probe.createClient('std_srvs/srv/Trigger', 'controller_bridge/hold');
    assert.deepEqual(await hold.call({}), { success: true, message: 'holding at the last safe target' });
    holdPub.publish(request(false));
    await h.time.flush();
    assert.ok(h.logs.some((l) => /resume requested by failure_monitor/.test(l.message)));
  });

  it("episodes own their holds: the next episode's START releases a SAFE hold and restarts from the current pose; operator holds stay", async () => {
    h = await startHarness('fr3');
    assert.equal(await activate(h), true);
    const { startEpisode, holdFor, up, lastPose } = episodeDriver(h);
    const status: vla_ros_msgs.msg.PathwayStatus[] = [];
    h.probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', 'controller_bridge/status', 10, (m) => status.push(m));
    startEpisode('ep-0');
    await h.time.advanceBy(0.1);
    holdFor('ep-0');
    await h.time.flush();
    const heldAt = lastPose();
    h.publishChunk(up(1));
    await h.time.advanceBy(1.2);
    assert.ok(
      lastPose().every((v, i) => Math.abs(v - heldAt[i]) < 1e-12),
      'held for the rest of ep-0',
    );
    assert.match(status[status.length - 1].message, /held by failure_monitor/);

    // Between episodes the arm is put somewhere else (a simulator reset).
    h.robot.arm.commandJoints(robotFixture('fr3').home.map((v, i) => (i === 0 ? v + 0.2 : v)));
    await h.time.advanceBy(0.5);
    const reset = h.robot.arm.pose();
    startEpisode('ep-1');
    await h.time.advanceBy(0.1);
    const first = lastPose();
    assert.ok(
      Math.hypot(first[0] - reset.p[0], first[1] - reset.p[1], first[2] - reset.p[2]) < 1e-3,
      'starts where the arm is, not at the held target',
    );
    assert.ok(h.logs.some((l) => /episode 'ep-1' started: released the hold of episode 'ep-0'/.test(l.message)));
    h.publishChunk(up(2));
    await h.time.advanceBy(0.5);
    assert.ok(lastPose()[2] > first[2] + 0.01, 'ep-1 runs the policy');

    // A late alarm of the ended episode does not hold the new one.
    holdFor('ep-0');
    await h.time.flush();
    assert.ok(h.logs.some((l) => l.level === 'warn' && /ignored a hold .* for episode 'ep-0', which has ended/.test(l.message)));
    const before = lastPose();
    h.publishChunk(up(3));
    await h.time.advanceBy(0.5);
    assert.ok(lastPose()[2] > before[2] + 0.01, 'still running');

    // An operator's hold (no episode) survives the next episode, at the new start pose.
    holdFor('', 'operator');
    await h.time.flush();
    startEpisode('ep-2');
    await h.time.advanceBy(0.1);
    const held = lastPose();
    h.publishChunk(up(4));
    await h.time.advanceBy(1.1);
    assert.ok(
      lastPose().every((v, i) => Math.abs(v - held[i]) < 1e-9),
      'the operator hold stays',
    );
    assert.match(status[status.length - 1].message, /held by operator/);
  });

  it('an episode id used again is a live episode again: its SAFE hold holds (never ignored as a late alarm)', async () => {
    h = await startHarness('fr3');
    assert.equal(await activate(h), true);
    const { startEpisode, holdFor, up, lastPose } = episodeDriver(h);
    startEpisode('A');
    await h.time.advanceBy(0.1);
    startEpisode('B');
    await h.time.advanceBy(0.1);
    startEpisode('A');
    await h.time.advanceBy(0.1);
    h.publishChunk(up(1));
    await h.time.advanceBy(0.2);
    holdFor('A');
    await h.time.flush();
    assert.ok(!h.logs.some((l) => /ignored a hold/.test(l.message)), 'the hold of the running episode A is not ignored');
    const held = lastPose();
    h.publishChunk(up(2));
    await h.time.advanceBy(0.6);
    assert.ok(
      lastPose().every((v, i) => Math.abs(v - held[i]) < 1e-12),
      'held',
    );
  });

  it('warns (throttled) and degrades when another node publishes on the command topic', async () => {
    h = await startHarness('fr3');
    assert.equal(await activate(h), true);
    const status: vla_ros_msgs.msg.PathwayStatus[] = [];
    h.probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', 'controller_bridge/status', 10, (m) => status.push(m));
    const intruder = h.probe.createPublisher('geometry_msgs/msg/PoseStamped', 'target_pose', QoSProfiles.command);
    await h.time.advanceBy(5);
    const warnings = h.logs.filter((l) => l.level === 'warn' && /2 publishers on \/arm\/target_pose/.test(l.message));
    assert.equal(warnings.length, 1, 'one warning per 10 s, not one per check');
    assert.match(status[status.length - 1].message, /another publisher on \/arm\/target_pose/);
    assert.equal(status[status.length - 1].state, 2 /* STATE_DEGRADED */);
    intruder.destroy();
    await h.time.advanceBy(2);
    assert.doesNotMatch(status[status.length - 1].message, /another publisher/);
  });

  it('deactivate: stops publishing (CRISP keeps its last target); reactivation starts from the current pose', async () => {
    h = await startHarness('fr3');
    assert.equal(await activate(h), true);
    await h.time.advanceBy(0.5);
    assert.equal(await transition(h, 'deactivate'), true);
    const count = h.robot.poses.length;
    await h.time.advanceBy(1);
    assert.equal(h.robot.poses.length, count);
    // Someone moves the arm meanwhile (it is compliant).
    h.robot.arm.commandJoints(robotFixture('fr3').home.map((v, i) => (i === 0 ? v + 0.2 : v)));
    await h.time.advanceBy(1);
    assert.equal(await transition(h, 'activate'), true);
    await h.time.advanceBy(0.1);
    const first = poseOf(h.robot.poses[count].msg);
    const now = h.robot.arm.pose();
    assert.ok(
      Math.hypot(first[0] - now.p[0], first[1] - now.p[1], first[2] - now.p[2]) < 1e-3,
      'starts where the arm is, not at the old target',
    );
  });

  it('cleanup stops the control tick and keeps a requested hold; configured and activated again it runs at the current pose', async () => {
    h = await startHarness('fr3');
    const rate = BRIDGE_DEFAULTS.publishRateHz;
    assert.equal(await activate(h), true);
    await h.time.advanceBy(0.5);
    assert.equal(await transition(h, 'deactivate'), true);
    const hold = h.probe.createClient('std_srvs/srv/Trigger', 'controller_bridge/hold');
    assert.deepEqual(await hold.call({}), { success: true, message: 'hold latched (the bridge is not active)' });
    assert.equal((await h.running.instance.lifecycle!.cleanup()).success, true);
    const count = h.robot.poses.length;
    await h.time.advanceBy(1);
    assert.equal(h.robot.poses.length, count, 'nothing published once cleaned up');

    assert.equal(await activate(h), true, 'configure and activate again');
    const from = h.time.now();
    await h.time.advanceBy(1);
    const after = h.robot.poses.filter((p) => p.t > from).map((p) => poseOf(p.msg));
    assert.ok(Math.abs(after.length - rate) <= 1, `${after.length} targets in 1 s at ${rate} Hz: one control tick, not two`);
    const now = h.robot.arm.pose();
    assert.ok(
      after.every((p) => Math.hypot(p[0] - now.p[0], p[1] - now.p[1], p[2] - now.p[2]) < 1e-3),
      'holds at the current pose',
    );
    h.publishChunk(episodeDriver(h).up(1));
    await h.time.advanceBy(0.5);
    assert.ok(Math.abs(poseOf(h.robot.poses.at(-1)!.msg)[2] - now.p[2]) < 1e-3, 'the hold survived the cleanup: no motion');
    const resume = h.probe.createClient('std_srvs/srv/Trigger', 'controller_bridge/resume');
    assert.equal((await resume.call({})).success, true);
    h.publishChunk(episodeDriver(h).up(2));
    await h.time.advanceBy(0.5);
    assert.ok(poseOf(h.robot.poses.at(-1)!.msg)[2] > now.p[2] + 0.01, 'follows chunks after ~/resume');
  });

  it('drops bad chunks with one log line per reason per 5 s', async () => {
    h = await startHarness('fr3');
    assert.equal(await activate(h), true);
    for (let i = 0; i < 50; i++) {
      h.publishChunk(chunk([[1, 2]], { actionSpace: 'ee_delta', rotation: 'euler_xyz', stamp: h.time.now(), sequence: i }));
      await h.time.advanceBy(0.02);
    }
    const lines = h.logs.filter((l) => /dropped action chunk/.test(l.message));
    assert.equal(lines.length, 1);
    assert.match(lines[0].message, /wrong_dimension/);
  });

  it('time jumping backwards (VirtualTimeBase.jumpTo): keeps publishing, holds without a jump, then follows new chunks', async () => {
    h = await startHarness('fr3');
    assert.equal(await activate(h), true);
    const start = h.robot.arm.pose();
    const e = quatToEulerXyz(start.q);
    const rows = Array.from({ length: 30 }, (_, i) => [start.p[0] + 0.004 * i, start.p[1], start.p[2], ...e]);
    h.publishChunk(chunk(rows, { actionSpace: 'ee_absolute', rotation: 'euler_xyz', stamp: h.time.now(), dt: 0.05, sequence: 1 }));
    await h.time.advanceBy(0.5);
    const before = h.robot.poses.length;
    h.time.jumpTo(h.time.now() - 20);
    await h.time.advanceBy(0.5);
    const after = h.robot.poses.slice(before - 1).map((p) => poseOf(p.msg));
    assert.ok(after.length > 20);
    for (let i = 1; i < after.length; i++) assert.ok(Math.abs(after[i][0] - after[i - 1][0]) <= 0.5 * 0.02 + 1e-12);
    assert.ok(h.logs.some((l) => /time jumped back 20\.000 s/.test(l.message)));
    const x = after[after.length - 1][0];
    h.publishChunk(
      chunk(
        rows.map((r) => [x + 0.05, ...r.slice(1)]),
        { actionSpace: 'ee_absolute', rotation: 'euler_xyz', stamp: h.time.now(), dt: 0.05, sequence: 1 },
      ),
    );
    await h.time.advanceBy(0.4);
    assert.ok(poseOf(h.robot.poses[h.robot.poses.length - 1].msg)[0] > x + 0.04, 'chunks of the new time are executed');
  });

  it('refuses to start without a robot config, naming what is missing', async () => {
    const backend = new EmbeddedBackend({ time: new VirtualTimeBase(), logSink: () => {} });
    await assert.rejects(
      startNode(controllerBridge, backend, {
        name: 'controller_bridge',
        namespace: '/',
        remaps: [],
        parameterSections: [],
        logLevel: 'fatal',
        rosArgv: [],
      }),
      /robot\.joint_names is empty: pass the robot config/,
    );
    await backend.shutdown();
    h = undefined as unknown as Harness;
  });

  it('lists its parameters for --help-params', () => {
    const text = describeNodeParameters(controllerBridge);
    for (const p of [
      'merge_rule (string) = "weighted_average"',
      'publish_rate_hz (double) = 50',
      'max_chunk_age',
      'workspace.min_z',
      'crisp.target_pose_topic',
      'robot.joint_names',
    ]) {
      assert.ok(text.includes(p), `${p} in:\n${text}`);
    }
    h = undefined as unknown as Harness;
  });

  it('property: random and adversarial chunks, holds, resumes and clock jumps through real messages never produce an unsafe target', async () => {
    const fixture = robotFixture('fr3');
    const config = bridgeConfig(fixture, { workspace: { min: [0.1, -0.4, 0.2], max: [0.6, 0.4, 0.7] } });
    const workspace = {
      'workspace.min_x': 0.1,
      'workspace.min_y': -0.4,
      'workspace.min_z': 0.2,
      'workspace.max_x': 0.6,
      'workspace.max_y': 0.4,
      'workspace.max_z': 0.7,
    };
    let moved = 0;
    await fc.assert(
      fc.asyncProperty(scenarioEvents, async (events) => {
        h = await startHarness('fr3', workspace);
        try {
          assert.equal(await activate(h), true);
          const hold = h.probe.createClient('std_srvs/srv/Trigger', 'controller_bridge/hold');
          const resume = h.probe.createClient('std_srvs/srv/Trigger', 'controller_bridge/resume');
          let previous: ChunkInput | undefined;
          let sequence = 0;
          for (const e of events) {
            if (e.kind === 'advance') await h.time.advanceBy(e.ticks * 0.02);
            else if (e.kind === 'hold') await hold.call({});
            else if (e.kind === 'resume') await resume.call({});
            else if (e.kind === 'jump') h.time.jumpTo(h.time.now() - e.back);
            else {
              const last = h.robot.poses[h.robot.poses.length - 1]?.msg;
              const centre = last === undefined ? [0.3, 0, 0.5] : poseOf(last);
              const c = buildChunk(e.spec, {
                now: h.time.now(),
                kind: 'pose',
                centre,
                jointNames: fixture.facts.jointNames,
                previous,
                sequence: ++sequence,
              });
              h.publishChunk(c);
              previous = c;
              await h.time.flush();
            }
          }
          const stream: Published[] = h.robot.poses.map((p) => ({ target: poseOf(p.msg) }));
          checkStream(stream, config, 'pose');
          const first = stream[0]?.target;
          if (
            first !== undefined &&
            stream.some((p) => Math.hypot(p.target[0] - first[0], p.target[1] - first[1], p.target[2] - first[2]) > 0.005)
          )
            moved++;
          assert.ok(h.robot.poses.every((p) => Number.isFinite(fromRosTime(p.msg.header.stamp))));
        } finally {
          await h.stop();
          h = undefined as unknown as Harness;
        }
      }),
      { numRuns: 12 },
    );
    assert.ok(moved >= 3, `the arm moved in only ${moved} of the runs`);
  });
});
