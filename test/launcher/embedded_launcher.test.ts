// The embedded launcher: nodes from a real launch file on their own worker threads, reached
// from a probe node on the hub domain, stopped through their lifecycle.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { EmbeddedLaunch, LaunchError } from '../../nodes/launcher/embedded_launcher.js';
import { defaultLaunchContext } from '../../nodes/launcher/launch_context.js';
import { loadLaunchFile } from '../../nodes/launcher/launch_file.js';
import type { LaunchDescription } from '../../nodes/launcher/launch_description.js';
import { packagePath } from '../../nodes/package_paths.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { LogRecord } from '../../nodes/ros/logger.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { toolNodeConfig } from '../../nodes/ros/node_config.js';
import { NO_ROBOT_PARAMS } from './no_robot.js';

async function until(cond: () => boolean, timeoutSec = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutSec * 1000;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** bringup.launch.xml without a robot: the bridge's activation refusal comes after 0.3 s, not 5 s. */
function bringup(args: Record<string, string>): LaunchDescription {
  return loadLaunchFile(packagePath('launch', 'bringup.launch.xml'), { params_file: NO_ROBOT_PARAMS, ...args }, defaultLaunchContext({}));
}

describe('EmbeddedLaunch', function () {
  this.timeout(30_000);
  const quiet = { log: (_r: LogRecord) => {}, logLevel: 'warn' as const };

  it('runs launch-file nodes on worker threads that a hub-side node can talk to', async () => {
    const launch = await EmbeddedLaunch.start(bringup({ namespace: '/fr3', instruction: 'touch the blue block' }), quiet);
    try {
      assert.deepEqual(launch.nodeNames, [
        '/fr3/episode_manager',
        '/fr3/camera_ingestion',
        '/fr3/slow_pathway',
        '/fr3/fast_pathway',
        '/fr3/failure_monitor',
        '/fr3/controller_bridge',
      ]);
      const probe = await new EmbeddedBackend(launch.hub).createNode({
        name: 'probe',
        namespace: '/fr3',
        remaps: [],
        parameterSections: [],
        logLevel: 'warn',
        rosArgv: [],
      });
      const instructions: vla_ros_msgs.msg.Instruction[] = [];
      const events: vla_ros_msgs.msg.EpisodeEvent[] = [];
      probe.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (m) => instructions.push(m));
      probe.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (m) => events.push(m));
      assert.ok(await until(() => instructions.length === 1), 'late-joining probe receives the latched instruction');
      assert.equal(instructions[0].text, 'touch the blue block');

      const client = probe.createClient('vla_ros_msgs/srv/SetInstruction', 'episode_manager/set_instruction');
      assert.equal(await client.waitForService(5), true);
      const reply = await client.call({ text: 'push the red cube to the left', id: 'episode-42' }, 5);
      assert.deepEqual(reply, { success: true, message: 'episode started', id: 'episode-42' });
      assert.ok(await until(() => instructions.length === 2 && events.length >= 2));
      assert.equal(instructions[1].id, 'episode-42');
      // The first episode ends when the second starts.
      assert.deepEqual(
        events.map((e) => [e.event, e.episode_id === 'episode-42']),
        [
          [2, false],
          [0, true],
        ],
      );
      const state = probe.createClient('lifecycle_msgs/srv/GetState', 'episode_manager/get_state');
      assert.deepEqual(await state.call({}, 5), { current_state: { id: 3, label: 'active' } });
    } finally {
      await launch.stop();
    }
    assert.equal(launch.hub.countPublishers('/fr3/instruction'), 0, 'worker endpoints are gone after stop');
  });

  it('container:=true: the <node_container> nodes share one thread, load through its container node, and publish', async () => {
    const launch = await EmbeddedLaunch.start(
      bringup({ namespace: '/fr3', instruction: 'touch the blue block', container: 'true' }),
      quiet,
    );
    try {
      const suite = ['episode_manager', 'camera_ingestion', 'slow_pathway', 'fast_pathway', 'failure_monitor', 'controller_bridge'];
      assert.deepEqual(
        launch.nodeNames,
        suite.map((n) => `/fr3/${n}`),
      );
      assert.equal(launch.threads.length, 1, 'one thread for the container');
      assert.deepEqual(launch.threads[0].nodes, launch.nodeNames);
      const probe = await new EmbeddedBackend(launch.hub).createNode(toolNodeConfig('probe', { namespace: '/fr3' }));
      const list = probe.createClient('composition_interfaces/srv/ListNodes', 'vla_container/_container/list_nodes');
      assert.equal(await list.waitForService(5), true, 'the container node serves list_nodes');
      assert.deepEqual((await list.call({}, 5)).full_node_names, launch.nodeNames);
      const reporting = new Set<string>();
      probe.createSubscription('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 10, (m) => {
        for (const s of m.status) reporting.add(s.name.replace(/^vla_ros: /, ''));
      });
      const instructions: vla_ros_msgs.msg.Instruction[] = [];
      probe.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (m) => instructions.push(m));
      assert.ok(await until(() => instructions.length === 1), 'the episode manager publishes');
      assert.equal(instructions[0].text, 'touch the blue block');
      const withStatus = ['episode_manager', 'camera_ingestion', 'slow_pathway', 'fast_pathway', 'failure_monitor', 'controller_bridge'];
      assert.ok(await until(() => withStatus.every((n) => reporting.has(`/fr3/${n}`)), 10), `status from ${[...reporting].join(', ')}`);
    } finally {
      await launch.stop();
    }
    assert.equal(launch.threads.length, 0, 'the container thread is gone after stop');
  });

  it('refuses nodes of other packages, duplicate names, and reports a node that fails to start', async () => {
    const base = bringup({});
    const action = base.nodes[0];
    await assert.rejects(EmbeddedLaunch.start({ ...base, nodes: [{ ...action, pkg: 'turtlesim' }] }, quiet), (err: unknown) => {
      assert.ok(err instanceof LaunchError);
      assert.match(err.message, /package 'turtlesim' is not part of vla-ros/);
      return true;
    });
    await assert.rejects(EmbeddedLaunch.start({ ...base, nodes: [action, action] }, quiet), /two nodes would be named \/episode_manager/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_launch_'));
    const bad = path.join(dir, 'bad.yaml');
    // Keyed like the launch file's own inline params for this node, so it is applied after them.
    fs.writeFileSync(bad, '/episode_manager:\n  ros__parameters:\n    instruction: 42\n');
    await assert.rejects(
      EmbeddedLaunch.start({ ...base, nodes: [{ ...action, parameters: [...action.parameters, { kind: 'file', path: bad }] }] }, quiet),
      /\/episode_manager failed to start: parameter 'instruction' of node '\/episode_manager': expected string, got integer 42/,
    );
    // A container: only vla_ros's own, named apart from its nodes; a node that fails stops its container.
    const contained = bringup({ container: 'true' });
    const inside = contained.nodes[0];
    const container = inside.container!;
    await assert.rejects(
      EmbeddedLaunch.start({ ...contained, nodes: [{ ...inside, container: { ...container, pkg: 'rclcpp_components' } }] }, quiet),
      /<node_container> runs rclcpp_components\/component_container; vla_ros's nodes load into vla_ros\/component_container/,
    );
    await assert.rejects(
      EmbeddedLaunch.start({ ...contained, nodes: [{ ...inside, container: { ...container, name: 'episode_manager' } }] }, quiet),
      /two nodes would be named \/episode_manager/,
    );
    const typo = path.join(dir, 'typo.yaml');
    fs.writeFileSync(typo, '/camera_ingestion:\n  ros__parameters:\n    instruction: hello\n');
    await assert.rejects(
      EmbeddedLaunch.start({ ...contained, nodes: [inside, { ...contained.nodes[1], parameters: [{ kind: 'file', path: typo }] }] }, quiet),
      /\/vla_container failed to start: .*camera_ingestion.* has no parameter 'instruction'/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
