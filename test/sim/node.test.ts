// The sim node in virtual time, behind a real robot's topics: what it publishes and how it is
// stamped, following CRISP commands (target_pose, target_joint by index, gripper), episodes
// through the episode manager, and a closed loop with the scripted expert over ROS topics.

import { strict as assert } from 'node:assert';
import { episodeManager } from '../../nodes/episode_manager/node.js';
import type { geometry_msgs, sensor_msgs, vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { ParameterOverride } from '../../nodes/ros/parameter.js';
import { loadParamsFile } from '../../nodes/ros/params_file.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { fromRosTime, toRosTime } from '../../nodes/ros/time.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import type { RosNode } from '../../nodes/ros/node.js';
import { startNode, type RunningNode } from '../../nodes/runtime/node_runner.js';
import { kinematicsFor } from '../../nodes/robots/robot_models.js';
import { packagePath } from '../../nodes/package_paths.js';
import { quatAngle, type Quat, type Vec3 } from '../../nodes/robots/rotation.js';
import { sim } from '../../nodes/sim/node.js';
import { ScriptedExpert } from '../../nodes/sim/expert.js';
import { Simulator } from '../../nodes/sim/simulator.js';
import { buildScene, objectSpec, type ObjectColour } from '../../nodes/sim/scene_mjcf.js';
import { loadRobotFacts, type SimRobot } from '../../nodes/sim/robot_facts.js';
import type { EpisodeSetup, ObjectPlacement } from '../../nodes/sim/tasks.js';
import { quatFromEulerXyz, quatMultiply, quatNormalize } from '../../nodes/robots/rotation.js';

/** The target an ee_delta action commands from the previous target (the test's own bridge: crisp_gym's relative mode). */
function applyDelta(prev: { p: Vec3; q: Quat }, a: ArrayLike<number>): { p: Vec3; q: Quat } {
  const rd = quatFromEulerXyz(a[3], a[4], a[5]);
  return { p: [prev.p[0] + a[0], prev.p[1] + a[1], prev.p[2] + a[2]], q: quatNormalize(quatMultiply(rd, prev.q))! };
}

const param = (name: string, value: ParameterOverride['value'], type: ParameterOverride['type']): ParameterOverride => ({
  name,
  value,
  type,
  source: 'test',
});

interface Rig {
  time: VirtualTimeBase;
  sim: RunningNode;
  em: RunningNode;
  probe: RosNode;
  stop(): Promise<void>;
}

async function rig(
  robot: SimRobot,
  overrides: ParameterOverride[] = [],
  options: { start?: number; episodeManagerAutostart?: boolean } = {},
): Promise<Rig> {
  const time = new VirtualTimeBase(options.start ?? 500);
  const backend = new EmbeddedBackend({ time, logSink: () => {} });
  const robotParams = loadParamsFile(packagePath('config', 'robots', `${robot}.yaml`));
  const config = (name: string, params: ParameterOverride[]) => ({
    name,
    namespace: `/${robot}`,
    remaps: [],
    parameterSections: [...robotParams, { nodePattern: `/${robot}/${name}`, params }],
    logLevel: 'warn' as const,
    rosArgv: [],
  });
  const em = await startNode(
    episodeManager,
    backend,
    config('episode_manager', options.episodeManagerAutostart === false ? [param('autostart', false, 'bool')] : []),
  );
  const simNode = await startNode(sim, backend, config('sim', overrides));
  const probe = await backend.createNode({
    name: 'probe',
    namespace: `/${robot}`,
    remaps: [],
    parameterSections: [],
    logLevel: 'warn',
    rosArgv: [],
  });
  return {
    time,
    sim: simNode,
    em,
    probe,
    async stop() {
      await simNode.stop();
      await em.stop();
      await backend.shutdown();
    },
  };
}

describe('sim node (virtual time)', function () {
  this.timeout(60_000);

  it('publishes joint_states, current_pose, gripper state, /clock and camera images, all stamped with simulated time', async () => {
    const r = await rig('fr3', [param('seed', 3, 'integer')]);
    const { probe, time } = r;
    const clocks: Array<{ t: number; at: number }> = [];
    const joints: Array<{ m: sensor_msgs.msg.JointState; at: number }> = [];
    const poses: geometry_msgs.msg.PoseStamped[] = [];
    const grippers: sensor_msgs.msg.JointState[] = [];
    const images: Record<string, sensor_msgs.msg.Image[]> = { scene: [], wrist: [] };
    const infos: Record<string, sensor_msgs.msg.CameraInfo[]> = { scene: [], wrist: [] };
    const episodes: string[] = [];
    const instructions: vla_ros_msgs.msg.Instruction[] = [];
    probe.createSubscription('rosgraph_msgs/msg/Clock', '/clock', QoSProfiles.clock, (m) =>
      clocks.push({ t: fromRosTime(m.clock), at: time.now() }),
    );
    probe.createSubscription('sensor_msgs/msg/JointState', 'joint_states', QoSProfiles.sensorData, (m) =>
      joints.push({ m, at: time.now() }),
    );
    probe.createSubscription('geometry_msgs/msg/PoseStamped', 'current_pose', QoSProfiles.sensorData, (m) => poses.push(m));
    probe.createSubscription('sensor_msgs/msg/JointState', 'gripper/joint_states', QoSProfiles.sensorData, (m) => grippers.push(m));
    for (const cam of ['scene', 'wrist']) {
      probe.createSubscription('sensor_msgs/msg/Image', `cameras/${cam}/image_raw`, QoSProfiles.sensorData, (m) => images[cam].push(m));
      probe.createSubscription('sensor_msgs/msg/CameraInfo', `cameras/${cam}/camera_info`, QoSProfiles.sensorData, (m) =>
        infos[cam].push(m),
      );
    }
    probe.createSubscription('std_msgs/msg/String', 'sim/episode', QoSProfiles.transientLocal, (m) => episodes.push(m.data));
    probe.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (m) => instructions.push(m));
    const t0 = time.now();
    await time.advanceBy(1);

    // /clock: every 1 ms step, equal to virtual time (simulated time IS virtual time here).
    assert.equal(clocks.length, 1000);
    clocks.forEach((c, i) => {
      assert.ok(Math.abs(c.t - (t0 + (i + 1) * 0.001)) < 1e-9, `clock ${i}: ${c.t}`);
      assert.ok(Math.abs(c.at - c.t) < 1e-9, 'delivered at its own time');
    });
    const clockSet = new Set(clocks.map((c) => c.t.toFixed(6)));

    // joint_states: 250 Hz, by name in controller order, stamps on the clock grid, never from the future.
    assert.equal(joints.length, 250);
    const facts = loadRobotFacts('fr3');
    for (const { m, at } of joints) {
      assert.deepEqual(m.name, facts.jointNames);
      assert.equal(m.position.length, 7);
      const stamp = fromRosTime(m.header.stamp);
      assert.ok(clockSet.has(stamp.toFixed(6)) && stamp <= at + 1e-9);
    }
    const periods = joints.slice(1).map((j, i) => fromRosTime(j.m.header.stamp) - fromRosTime(joints[i].m.header.stamp));
    assert.ok(periods.every((p) => Math.abs(p - 0.004) < 1e-6));

    // current_pose: the ee frame in the base frame, consistent with joint_states at the same stamp.
    assert.equal(poses.length, 250);
    const chain = kinematicsFor('fr3', facts.eeFrame)!;
    const byStamp = new Map(joints.map((j) => [fromRosTime(j.m.header.stamp).toFixed(6), j.m]));
    for (const p of poses) {
      assert.equal(p.header.frame_id, 'base');
      const js = byStamp.get(fromRosTime(p.header.stamp).toFixed(6))!;
      const fk = chain.pose(js.position);
      const { position: pp, orientation: o } = p.pose;
      assert.ok(Math.hypot(pp.x - fk.p[0], pp.y - fk.p[1], pp.z - fk.p[2]) < 1e-9);
      assert.ok(quatAngle([o.x, o.y, o.z, o.w], fk.q) < 1e-7);
    }

    // Gripper: two finger joints, open (0.04 m each).
    assert.equal(grippers.length, 50);
    assert.deepEqual(grippers[0].name, ['fr3_finger_joint1', 'fr3_finger_joint2']);
    assert.ok(Math.abs(grippers.at(-1)!.position[0] - 0.04) < 1e-3);

    // Cameras: 30 Hz rgb8 256×256 with a camera_info of the same stamp; scene and wrist differ.
    for (const cam of ['scene', 'wrist']) {
      assert.equal(images[cam].length, 30, `${cam} frames`);
      const img = images[cam][5];
      assert.equal(img.encoding, 'rgb8');
      assert.equal(img.width, 256);
      assert.equal(img.height, 256);
      assert.equal(img.step, 768);
      assert.equal(img.data.length, 256 * 256 * 3);
      assert.ok(clockSet.has(fromRosTime(img.header.stamp).toFixed(6)));
      assert.deepEqual(infos[cam][5].header, img.header);
      assert.equal(infos[cam][5].k[0], infos[cam][5].k[4]);
      assert.equal(infos[cam][5].width, 256);
    }
    assert.notDeepEqual(images.scene[5].data, images.wrist[5].data);
    assert.equal(images.scene[5].header.frame_id, 'scene_camera_optical_frame');

    // The episode: announced on ~/episode and through the episode manager (its instruction topic).
    assert.equal(episodes.length, 1);
    const ep = JSON.parse(episodes[0]) as { id: string; instruction: string; index: number; layout: unknown[] };
    assert.equal(ep.index, 0);
    assert.equal(ep.layout.length, 4);
    assert.equal(instructions.length, 1);
    assert.equal(instructions[0].text, ep.instruction);
    assert.equal(instructions[0].id, ep.id);
    await r.stop();
  });

  it('follows a target_pose stream to its goal; a second publisher mutes target_pose, as in CRISP', async () => {
    const r = await rig('ur5e', [param('cameras.enabled', false, 'bool')]);
    const { probe, time } = r;
    let pose: geometry_msgs.msg.PoseStamped | undefined;
    probe.createSubscription('geometry_msgs/msg/PoseStamped', 'current_pose', QoSProfiles.sensorData, (m) => (pose = m));
    await time.advanceBy(0.1);
    const start = pose!.pose;
    const goal = { x: start.position.x + 0.08, y: start.position.y - 0.06, z: start.position.z - 0.1 };
    const targetPub = probe.createPublisher('geometry_msgs/msg/PoseStamped', 'target_pose', QoSProfiles.command);
    // 50 Hz stream, as crisp_py / the controller bridge send it: a straight line over 1 s, then the goal.
    const t0 = time.now();
    const stream = probe.createTimer(0.02, () => {
      const f = Math.min(1, (time.now() - t0) / 1);
      targetPub.publish({
        header: { stamp: toRosTime(time.now()), frame_id: 'base_link' },
        pose: {
          position: {
            x: start.position.x + f * (goal.x - start.position.x),
            y: start.position.y + f * (goal.y - start.position.y),
            z: start.position.z + f * (goal.z - start.position.z),
          },
          orientation: start.orientation,
        },
      });
    });
    await time.advanceBy(2.5);
    const p = pose!.pose.position;
    const err = Math.hypot(p.x - goal.x, p.y - goal.y, p.z - goal.z);
    assert.ok(err < 0.003, `position error ${(err * 1000).toFixed(2)} mm`);
    const o = pose!.pose.orientation;
    assert.ok(quatAngle([o.x, o.y, o.z, o.w], [start.orientation.x, start.orientation.y, start.orientation.z, start.orientation.w]) < 0.01);

    // A second publisher on target_pose: CRISP ignores the topic, the arm stays put.
    const intruder = probe.createPublisher('geometry_msgs/msg/PoseStamped', 'target_pose', QoSProfiles.command);
    stream.cancel();
    const away = { x: goal.x - 0.1, y: goal.y, z: goal.z };
    intruder.publish({ header: { stamp: toRosTime(time.now()), frame_id: '' }, pose: { position: away, orientation: start.orientation } });
    targetPub.publish({ header: { stamp: toRosTime(time.now()), frame_id: '' }, pose: { position: away, orientation: start.orientation } });
    await time.advanceBy(1);
    const q = pose!.pose.position;
    assert.ok(Math.hypot(q.x - goal.x, q.y - goal.y, q.z - goal.z) < 0.003, 'ignored while two publishers exist');
    await r.stop();
  });

  it('joint impedance via target_joint: positions are read BY INDEX (names ignored), like CRISP', async () => {
    const r = await rig('fr3', [param('cameras.enabled', false, 'bool'), param('controller', 'joint_impedance_controller', 'string')]);
    const { probe, time } = r;
    let js: sensor_msgs.msg.JointState | undefined;
    probe.createSubscription('sensor_msgs/msg/JointState', 'joint_states', QoSProfiles.sensorData, (m) => (js = m));
    await time.advanceBy(0.05);
    const facts = loadRobotFacts('fr3');
    const goal = facts.home.map((h, i) => h + [0.2, -0.15, 0.1, 0.2, -0.2, 0.15, 0.3][i]);
    const pub = probe.createPublisher('sensor_msgs/msg/JointState', 'target_joint', QoSProfiles.command);
    // Names in reverse order: CRISP (and the sim) ignore them and take the positions in controller order.
    pub.publish({
      header: { stamp: toRosTime(time.now()), frame_id: '' },
      name: [...facts.jointNames].reverse(),
      position: Float64Array.from(goal),
      velocity: new Float64Array(0),
      effort: new Float64Array(0),
    });
    await time.advanceBy(4);
    const q = js!.position;
    const worst = Math.max(...goal.map((g, i) => Math.abs(q[i] - g)));
    assert.ok(worst < 0.02, `worst joint error ${worst} rad`);

    // Switching back to Cartesian impedance at run time holds the arm where it is.
    const set = r.sim.node.parameters.set('controller', 'cartesian_impedance_controller');
    assert.ok(set.successful, set.reason);
    await time.advanceBy(0.5);
    assert.ok(Math.max(...goal.map((g, i) => Math.abs(js!.position[i] - g))) < 0.03);
    // Bad gains are refused with CRISP's bounds.
    const bad = r.sim.node.parameters.set('cartesian_impedance_controller.task.k_pos_x', 9000.0);
    assert.equal(bad.successful, false);
    await r.stop();
  });

  it('episodes: ~/reset starts the next one through the episode manager; the expert over ROS topics succeeds → END with success', async () => {
    const r = await rig('fr3', [param('cameras.enabled', false, 'bool'), param('task', 'touch', 'string'), param('seed', 8, 'integer')]);
    const { probe, time } = r;
    const events: vla_ros_msgs.msg.EpisodeEvent[] = [];
    const episodes: string[] = [];
    const success: boolean[] = [];
    let pose: geometry_msgs.msg.PoseStamped | undefined;
    probe.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (m) => events.push(m));
    probe.createSubscription('std_msgs/msg/String', 'sim/episode', QoSProfiles.transientLocal, (m) => episodes.push(m.data));
    probe.createSubscription('std_msgs/msg/Bool', 'sim/task_success', QoSProfiles.transientLocal, (m) => success.push(m.data));
    probe.createSubscription('geometry_msgs/msg/PoseStamped', 'current_pose', QoSProfiles.sensorData, (m) => (pose = m));
    await time.advanceBy(0.1);

    const reset = probe.createClient('std_srvs/srv/Trigger', 'sim/reset');
    const reply = await reset.call({});
    assert.ok(reply.success && reply.message.includes('sim-8-0001'), reply.message);
    await time.advanceBy(0.05);
    assert.equal(episodes.length, 2);
    const ep = JSON.parse(episodes[1]) as {
      id: string;
      index: number;
      task: string;
      object: ObjectColour;
      instruction: string;
      layout: ObjectPlacement[];
      seed: number;
    };
    assert.equal(ep.index, 1);
    assert.equal(ep.task, 'touch');
    // The episode manager ended the first episode and started the second with the sim's id.
    assert.deepEqual(
      events.map((e) => e.event),
      [0, 2, 0],
    );
    assert.equal(events[2].episode_id, ep.id);
    assert.equal(events[2].instruction, ep.instruction);

    // A policy over ROS: the scripted expert at 30 Hz, observing current_pose, commanding target_pose.
    const setup: EpisodeSetup = {
      index: ep.index,
      seed: ep.seed,
      kind: 'touch',
      colour: ep.object,
      instruction: ep.instruction,
      placements: ep.layout,
    };
    const arm = buildScene(loadRobotFacts('fr3')).arm;
    const expert = new ScriptedExpert(setup, { gripOffset: arm.gripOffset, tipOffset: arm.tipOffset });
    const place = (c: ObjectColour) => {
      const p = ep.layout.find((o) => o.colour === c)!;
      return { p: [p.x, p.y, objectSpec(c).halfSize[2]] as Vec3, q: quatFromEulerXyz(0, 0, p.yaw) };
    };
    const current = () => {
      const { position: p, orientation: o } = pose!.pose;
      return { p: [p.x, p.y, p.z] as Vec3, q: [o.x, o.y, o.z, o.w] as Quat };
    };
    let target = current();
    const targetPub = probe.createPublisher('geometry_msgs/msg/PoseStamped', 'target_pose', QoSProfiles.command);
    const gripperPub = probe.createPublisher('std_msgs/msg/Float64', 'gripper/command', QoSProfiles.command);
    const t0 = time.now();
    const policy = probe.createTimer(1 / 30, () => {
      const a = expert.act({ time: time.now() - t0, target, ee: current(), objectPose: place });
      target = applyDelta(target, a);
      targetPub.publish({
        header: { stamp: toRosTime(time.now()), frame_id: 'base' },
        pose: {
          position: { x: target.p[0], y: target.p[1], z: target.p[2] },
          orientation: { x: target.q[0], y: target.q[1], z: target.q[2], w: target.q[3] },
        },
      });
      gripperPub.publish({ data: a[6] });
    });
    for (let i = 0; i < 100 && !success.at(-1); i++) await time.advanceBy(0.1);
    policy.cancel();
    await time.advanceBy(0.1);
    assert.equal(success.at(-1), true, 'task_success');
    const end = events.at(-1)!;
    assert.equal(end.event, 2);
    assert.equal(end.success, true);
    assert.equal(end.episode_id, ep.id);
    await r.stop();
  });

  it('the first episode gets its instruction although the episode manager activates after the sim (launch order)', async () => {
    const r = await rig('fr3', [param('cameras.enabled', false, 'bool'), param('task', 'touch', 'string'), param('seed', 8, 'integer')], {
      episodeManagerAutostart: false,
    });
    try {
      const events: vla_ros_msgs.msg.EpisodeEvent[] = [];
      r.probe.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (m) => events.push(m));
      await r.time.advanceBy(1);
      assert.equal(events.length, 0, 'the episode manager is not active yet');
      const lifecycle = r.em.instance.lifecycle!;
      assert.ok((await lifecycle.trigger('configure')).success);
      assert.ok((await lifecycle.trigger('activate')).success);
      await r.time.advanceBy(0.5);
      assert.deepEqual(
        events.map((e) => [e.event, e.episode_id]),
        [[0, 'sim-8-0000']],
        "START of the sim's first episode, once the manager is active",
      );
    } finally {
      await r.stop();
    }
  });

  it('configure → activate → deactivate → cleanup → configure → activate: cleanup frees the simulator, the second one runs on', async () => {
    const prototype = Simulator.prototype;
    const dispose = Object.getOwnPropertyDescriptor(prototype, 'dispose')!;
    const original = dispose.value as (this: Simulator) => void;
    let disposed = 0;
    Object.defineProperty(prototype, 'dispose', {
      ...dispose,
      value(this: Simulator) {
        disposed++;
        original.call(this);
      },
    });
    const r = await rig('fr3', [param('cameras.enabled', false, 'bool'), param('task', 'touch', 'string'), param('seed', 8, 'integer')]);
    try {
      const clocks: number[] = [];
      const episodes: string[] = [];
      r.probe.createSubscription('rosgraph_msgs/msg/Clock', '/clock', QoSProfiles.clock, (m) => clocks.push(fromRosTime(m.clock)));
      r.probe.createSubscription('std_msgs/msg/String', 'sim/episode', QoSProfiles.transientLocal, (m) =>
        episodes.push((JSON.parse(m.data) as { id: string }).id),
      );
      await r.time.advanceBy(0.2);
      assert.equal(clocks.length, 200);
      const lifecycle = r.sim.instance.lifecycle!;
      assert.ok((await lifecycle.deactivate()).success);
      assert.ok((await lifecycle.cleanup()).success);
      assert.equal(disposed, 1, 'cleanup disposed the simulator');
      await r.time.advanceBy(0.2);
      assert.equal(clocks.length, 200, 'nothing runs while unconfigured');
      assert.ok((await lifecycle.configure()).success);
      assert.ok((await lifecycle.activate()).success);
      await r.time.advanceBy(0.2);
      assert.equal(clocks.length, 400, 'the second simulator steps at 1 kHz');
      assert.ok(
        clocks.every((t, i) => i === 0 || t > clocks[i - 1]),
        'simulated time never goes back',
      );
      assert.deepEqual(episodes, ['sim-8-0000', 'sim-8-0001'], 'the second simulator starts the next episode of the sequence');
    } finally {
      await r.stop();
      Object.defineProperty(prototype, 'dispose', dispose);
    }
    assert.equal(disposed, 2, 'stop disposed the second simulator');
  });

  it('deterministic: two runs with the same seed publish identical joint_states', async () => {
    const run = async () => {
      const r = await rig('ur5e', [
        param('cameras.enabled', false, 'bool'),
        param('seed', 21, 'integer'),
        param('failure.kind', 'object_moved', 'string'),
        param('failure.start_min', 0.2, 'double'),
        param('failure.start_max', 0.4, 'double'),
      ]);
      const out: number[] = [];
      r.probe.createSubscription('sensor_msgs/msg/JointState', 'joint_states', QoSProfiles.sensorData, (m) =>
        out.push(fromRosTime(m.header.stamp), ...m.position, ...m.velocity),
      );
      const pub = r.probe.createPublisher('geometry_msgs/msg/PoseStamped', 'target_pose', QoSProfiles.command);
      await r.time.advanceBy(0.1);
      pub.publish({
        header: { stamp: toRosTime(r.time.now()), frame_id: '' },
        pose: { position: { x: 0.45, y: 0.2, z: 0.35 }, orientation: { x: -0.7071, y: 0.7071, z: 0, w: 0 } },
      });
      await r.time.advanceBy(0.6);
      await r.stop();
      return out;
    };
    const a = await run();
    const b = await run();
    assert.ok(a.length > 100);
    assert.deepEqual(a, b);
  });

  it('refuses use_sim_time:=true (it owns /clock) and robots it has no model of', async () => {
    const time = new VirtualTimeBase(10);
    const backend = new EmbeddedBackend({ time, logSink: () => {} });
    const robotParams = loadParamsFile(packagePath('config', 'robots', 'fr3.yaml'));
    const cfg = (params: ParameterOverride[]) => ({
      name: 'sim',
      namespace: '/',
      remaps: [],
      parameterSections: [...robotParams, { nodePattern: '/sim', params }],
      logLevel: 'fatal' as const,
      rosArgv: [],
    });
    await assert.rejects(startNode(sim, backend, cfg([param('use_sim_time', true, 'bool')])), /publishes \/clock itself/);
    await assert.rejects(startNode(sim, backend, cfg([param('robot.name', 'panda', 'string')])), /no simulated model/);
    await assert.rejects(startNode(sim, backend, cfg([param('cartesian_impedance_controller.task.k_pos_z', -5.0, 'double')])), /k_pos_z/);
    await backend.shutdown();
  });
});
