// Issue 11, end to end in virtual time: the cameras stop while the policy runs. The slow and
// fast pathways (reference bundle) and the controller bridge drive a simulated arm; the fast
// pathway keeps decoding from its last latent for up to max_latent_age (1 s), so before
// ActionChunk.observation_stamp the arm kept moving ~1.5 s after the last frame. Now the bridge
// holds within max_observation_age + one control tick of it.

import { strict as assert } from 'node:assert';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { controllerBridge } from '../../nodes/controller_bridge/node.js';
import { fastPathway } from '../../nodes/fast_pathway/node.js';
import { slowPathway } from '../../nodes/slow_pathway/node.js';
import { toNamedTensor } from '../../nodes/inference/named_tensor.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { startNode, type RunningNode } from '../../nodes/runtime/node_runner.js';
import { robotFixture, robotSections } from '../controller_bridge/helpers.js';
import { SimulatedRobot } from '../controller_bridge/sim_robot.js';

const PUBLISH_RATE_HZ = 50;
const MAX_OBSERVATION_AGE = 0.7; // the bridge's default

describe('end to end: cameras stop → the arm holds within max_observation_age', function () {
  this.timeout(120_000);
  const time = new VirtualTimeBase(1000);
  const backend = new EmbeddedBackend({ time, logSink: () => {} });
  const running: RunningNode[] = [];
  let robot: SimulatedRobot | undefined;
  after(async () => {
    robot?.stop();
    for (const r of running.reverse()) await r.stop();
    await backend.shutdown();
  });

  it('the last target change comes no later than max_observation_age + one tick after the last camera frame', async () => {
    const base = { namespace: '/', remaps: [], rosArgv: [], logLevel: 'warn' as const };
    const probe = await backend.createNode({ ...base, name: 'probe', parameterSections: [] });
    robot = new SimulatedRobot(await backend.createNode({ ...base, name: 'robot', parameterSections: [] }), robotFixture('fr3'));
    robot.start();
    for (const def of [slowPathway, fastPathway])
      running.push(await startNode(def, backend, { ...base, name: def.defaultName, parameterSections: [] }));
    const bridge = await startNode(controllerBridge, backend, {
      ...base,
      name: 'controller_bridge',
      parameterSections: [
        ...robotSections('fr3'),
        { nodePattern: '/controller_bridge', params: [{ name: 'autostart', type: 'bool', value: false, source: 'test' }] },
      ],
    });
    running.push(bridge);
    const lifecycle = bridge.instance.lifecycle!;
    for (const step of ['configure', 'activate'] as const) {
      const pending = lifecycle.trigger(step);
      await time.advanceBy(0.1);
      assert.equal((await pending).success, true, step);
    }

    probe.createPublisher('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal).publish({
      header: { stamp: toRosTime(time.now()), frame_id: '' },
      id: 'ep1',
      text: 'touch the blue block',
    });
    const obs = probe.createPublisher('vla_ros_msgs/msg/Observation', 'observation', QoSProfiles.sensorData);
    const frame = (value: number): vla_ros_msgs.msg.NamedTensor =>
      toNamedTensor('x', { type: 'float32', dims: [3, 224, 224], data: new Float32Array(3 * 224 * 224).fill(value) });
    let lastFrame = -Infinity;
    let seq = 0;
    const cameras = probe.createTimer(1 / 30, () => {
      lastFrame = time.now();
      obs.publish({
        header: { stamp: toRosTime(lastFrame), frame_id: '' },
        sequence: ++seq,
        camera_names: ['scene', 'wrist'],
        camera_stamps: [toRosTime(lastFrame), toRosTime(lastFrame)],
        images: [
          { ...frame(0.1), name: 'scene' },
          { ...frame(-0.2), name: 'wrist' },
        ],
      });
    });
    await time.advanceBy(2);
    cameras.cancel();
    const chunks: number[] = [];
    probe.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, () => chunks.push(time.now()));
    await time.advanceBy(2);

    const poses = robot.poses.map((p) => ({ t: p.t, x: [p.msg.pose.position.x, p.msg.pose.position.y, p.msg.pose.position.z] }));
    const changes = poses.slice(1).filter((p, i) => p.x.some((v, k) => Math.abs(v - poses[i].x[k]) > 1e-12));
    assert.ok(
      changes.some((c) => c.t < lastFrame),
      'the arm moved while the cameras ran',
    );
    assert.ok(
      chunks.some((t) => t > lastFrame + MAX_OBSERVATION_AGE),
      'the fast pathway still produced chunks after max_observation_age',
    );
    const lastChange = changes.at(-1)!.t;
    const limit = lastFrame + MAX_OBSERVATION_AGE + 1 / PUBLISH_RATE_HZ + 1e-9;
    assert.ok(
      lastChange <= limit,
      `last target change ${(lastChange - lastFrame).toFixed(3)} s after the last frame (limit ${(limit - lastFrame).toFixed(3)} s)`,
    );
    process.stdout.write(`      (last target change ${(lastChange - lastFrame).toFixed(3)} s after the last camera frame)\n`);
  });
});
