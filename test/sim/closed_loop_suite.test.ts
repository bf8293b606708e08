// One closed-loop episode through the whole suite: sim.launch.xml (the sim node + every node of
// bringup.launch.xml on simulated time) in a deterministic InProcessLaunch on virtual time, with the
// shipped (trained) reference bundle. The episode: "touch the blue block" (task touch, seed 1) —
// the policy solves about 40 % of episodes overall (docs/simulator.md), so the test uses one it
// solves; on virtual time the whole run is deterministic, so it solves it every time, and a change
// anywhere on the path (rendering, preprocessing, VLM, expert, merging, bridge, CRISP law) that
// breaks the skill fails this test.

import { strict as assert } from 'node:assert';
import type { geometry_msgs, sensor_msgs, vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { InProcessLaunch } from '../../nodes/launcher/inprocess_launch.js';
import { defaultLaunchContext } from '../../nodes/launcher/launch_context.js';
import { loadLaunchFile } from '../../nodes/launcher/launch_file.js';
import { packagePath } from '../../nodes/package_paths.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { fromRosTime } from '../../nodes/ros/time.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';

/** The policy touches the block ~5.6 s into the episode. */
const EPISODE_SECONDS = 8;

describe('closed loop through the full suite (sim.launch.xml, reference bundle, virtual time)', function () {
  this.timeout(180_000);
  const manifest = loadPolicyBundle('reference').manifest;

  interface Run {
    nodes: string[];
    chunks: Array<{ m: vla_ros_msgs.msg.ActionChunk; at: number }>;
    targets: Array<{ m: geometry_msgs.msg.PoseStamped; at: number }>;
    joints: sensor_msgs.msg.JointState[];
    scores: vla_ros_msgs.msg.FailureScore[];
    success: boolean[];
    start: number;
  }
  let run: Run | undefined;

  before(async () => {
    const time = new VirtualTimeBase(0);
    const description = loadLaunchFile(
      packagePath('launch', 'sim.launch.xml'),
      { robot: 'fr3', task: 'touch', seed: '1' },
      defaultLaunchContext({}),
    );
    const launch = await InProcessLaunch.start(description, { time, logSink: () => {}, logLevel: 'warn' });
    try {
      const probe = await launch.probe('probe');
      const r: Run = { nodes: launch.nodeNames, chunks: [], targets: [], joints: [], scores: [], success: [], start: time.now() };
      probe.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (m) => r.chunks.push({ m, at: time.now() }));
      probe.createSubscription('geometry_msgs/msg/PoseStamped', 'target_pose', QoSProfiles.command, (m) =>
        r.targets.push({ m, at: time.now() }),
      );
      probe.createSubscription('sensor_msgs/msg/JointState', 'joint_states', QoSProfiles.sensorData, (m) => r.joints.push(m));
      probe.createSubscription('vla_ros_msgs/msg/FailureScore', 'failure_score', 10, (m) => r.scores.push(m));
      probe.createSubscription('std_msgs/msg/Bool', 'sim/task_success', QoSProfiles.transientLocal, (m) => r.success.push(m.data));
      await time.advanceBy(EPISODE_SECONDS);
      run = r;
    } finally {
      await launch.stop();
    }
  });

  it('starts the sim and the whole suite on one virtual-time domain', () => {
    assert.deepEqual(run!.nodes, [
      '/sim',
      '/episode_manager',
      '/camera_ingestion',
      '/slow_pathway',
      '/fast_pathway',
      '/failure_monitor',
      '/controller_bridge',
    ]);
  });

  it('delivers action chunks at ~30 Hz from rendered camera frames: finite, within the bundle bounds', () => {
    const { chunks } = run!;
    // The first latent needs the first observation; after that a chunk every 1/30 s.
    assert.ok(chunks.length >= 0.8 * 30 * (EPISODE_SECONDS - 1), `${chunks.length} chunks in ${EPISODE_SECONDS} s`);
    const d = manifest.action.names.length;
    for (const { m } of chunks) {
      assert.equal(m.data.length, manifest.action.horizon * d);
      m.data.forEach((v, i) => {
        assert.ok(
          Number.isFinite(v) && v >= manifest.action.min[i % d] - 1e-6 && v <= manifest.action.max[i % d] + 1e-6,
          `action ${i} = ${v}`,
        );
      });
      assert.ok(m.latent_age >= 0 && m.latent_age <= 1.0, `latent age ${m.latent_age}`);
    }
  });

  it('the bridge commands the simulated arm: finite targets at its rate, speed-limited, and the arm follows', () => {
    const { targets, joints } = run!;
    assert.ok(targets.length >= 0.8 * 50 * (EPISODE_SECONDS - 1), `${targets.length} target poses`);
    let previous: number[] | undefined;
    for (const { m } of targets) {
      const { position: p, orientation: o } = m.pose;
      const v = [p.x, p.y, p.z, o.x, o.y, o.z, o.w];
      assert.ok(v.every(Number.isFinite));
      assert.ok(Math.abs(Math.hypot(o.x, o.y, o.z, o.w) - 1) < 1e-6);
      // max_translation_speed 0.5 m/s at 50 Hz: at most 1 cm per target.
      if (previous !== undefined) assert.ok(Math.hypot(v[0] - previous[0], v[1] - previous[1], v[2] - previous[2]) <= 0.01 + 1e-9);
      previous = v;
    }
    const first = joints[0].position;
    const last = joints.at(-1)!.position;
    assert.ok(
      first.some((q, i) => Math.abs(q - last[i]) > 1e-3),
      'the arm moved under the bridge targets',
    );
    assert.ok(joints.every((j) => j.position.every(Number.isFinite)));
  });

  it('the failure monitor scores the policy features', () => {
    assert.ok(run!.scores.length > 0);
    assert.ok(run!.scores.every((s) => Number.isFinite(s.score)));
  });

  it('solves the task with the trained reference bundle', () => {
    assert.ok(manifest.trained, 'the shipped reference bundle is the trained one');
    assert.ok(run!.success.includes(true), 'task_success within the episode');
  });

  it('stamps chunks with simulated time: action 0 is meant for the tick that sampled it', () => {
    for (const { m, at } of run!.chunks) {
      const stamp = fromRosTime(m.header.stamp);
      assert.ok(stamp <= at + 1e-9 && at - stamp < 0.1, `chunk stamped ${stamp} delivered at ${at}`);
    }
  });
});
