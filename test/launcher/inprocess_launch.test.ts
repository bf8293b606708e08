// The deterministic in-process launch: the whole bringup on one virtual-time domain.

import { strict as assert } from 'node:assert';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { InProcessLaunch } from '../../nodes/launcher/inprocess_launch.js';
import { defaultLaunchContext } from '../../nodes/launcher/launch_context.js';
import { loadLaunchFile } from '../../nodes/launcher/launch_file.js';
import { packagePath } from '../../nodes/package_paths.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';

describe('InProcessLaunch (virtual time)', function () {
  this.timeout(30_000);

  it('starts the bringup on one domain, in order, and stops it', async () => {
    const time = new VirtualTimeBase(500);
    const description = loadLaunchFile(
      packagePath('launch', 'bringup.launch.xml'),
      { namespace: '/arm', instruction: 'touch the blue block' },
      defaultLaunchContext({}),
    );
    const launch = await InProcessLaunch.start(description, { time, logSink: () => {}, logLevel: 'warn' });
    try {
      assert.deepEqual(launch.nodeNames, [
        '/arm/episode_manager',
        '/arm/camera_ingestion',
        '/arm/slow_pathway',
        '/arm/fast_pathway',
        '/arm/failure_monitor',
        '/arm/controller_bridge',
      ]);
      const probe = await launch.probe('probe', '/arm');
      const got: vla_ros_msgs.msg.Instruction[] = [];
      probe.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (m) => got.push(m));
      await time.advanceBy(0.1);
      assert.deepEqual(
        got.map((m) => m.text),
        ['touch the blue block'],
      );
      assert.ok(launch.node('/arm/fast_pathway') !== undefined);
    } finally {
      await launch.stop();
    }
    assert.equal(launch.nodeNames.length, 0);
  });

  it('refuses a node of another package, leaving nothing running', async () => {
    const description = loadLaunchFile(packagePath('launch', 'bringup.launch.xml'), {}, defaultLaunchContext({}));
    const nodes = [description.nodes[0], { ...description.nodes[1], pkg: 'turtlesim' }];
    await assert.rejects(
      InProcessLaunch.start({ ...description, nodes }, { time: new VirtualTimeBase(), logSink: () => {} }),
      /package 'turtlesim' is not part of vla-ros/,
    );
  });
});
