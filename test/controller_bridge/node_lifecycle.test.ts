// The controller bridge's lifecycle: configure makes its subscriptions, services and publishers,
// cleanup frees them, and a second configure and activate work as the first.

import { strict as assert } from 'node:assert';
import { quatToEulerXyz } from '../../nodes/robots/rotation.js';
import { chunk } from './helpers.js';
import { NS, startHarness, transition, type Harness } from './harness.js';

describe('controller_bridge node lifecycle', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  /** What the bridge has on the graph: [action_chunk subs, current_pose subs, target_pose pubs, ~/hold ready]. */
  const graph = () => [
    h.probe.countSubscribers(`${NS}/action_chunk`),
    h.probe.countSubscribers(`${NS}/current_pose`),
    h.probe.countPublishers(`${NS}/target_pose`),
    h.probe.createClient('std_srvs/srv/Trigger', 'controller_bridge/hold').isServiceReady(),
  ];

  /** Sends a chunk rising 10 cm from the arm's pose and returns how far the last target rose. */
  const follows = async (sequence: number): Promise<number> => {
    const p = h.robot.arm.pose();
    const e = quatToEulerXyz(p.q);
    const rows = Array.from({ length: 20 }, (_, i) => [p.p[0], p.p[1], p.p[2] + 0.005 * i, ...e]);
    h.publishChunk(chunk(rows, { actionSpace: 'ee_absolute', rotation: 'euler_xyz', stamp: h.time.now(), dt: 0.05, sequence }));
    await h.time.advanceBy(0.5);
    return h.robot.poses.at(-1)!.msg.pose.position.z - p.p[2];
  };

  it('configure → activate → deactivate → cleanup → configure → activate: cleanup frees what configure made, the bridge works again', async () => {
    h = await startHarness('fr3');
    const lifecycle = h.running.instance.lifecycle!;
    assert.deepEqual(graph(), [0, 0, 0, false], 'unconfigured: nothing on the graph yet');
    assert.equal(await transition(h, 'configure'), true);
    assert.deepEqual(graph(), [1, 1, 1, true]);
    assert.equal(await transition(h, 'activate'), true);
    assert.ok((await follows(1)) > 0.01, 'follows chunks');

    assert.equal(await transition(h, 'deactivate'), true);
    assert.equal((await lifecycle.cleanup()).success, true);
    assert.deepEqual(graph(), [0, 0, 0, false], 'cleanup freed the subscriptions, publishers and services');
    const count = h.robot.poses.length;
    await h.time.advanceBy(1);
    assert.equal(h.robot.poses.length, count, 'nothing published while unconfigured');
    assert.equal((await lifecycle.cleanup()).success, false, 'cleanup is refused while unconfigured');
    // A hold requested while unconfigured holds from the next configure on (fail closed).
    const holdPub = h.probe.createPublisher('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10);
    holdPub.publish({
      header: { stamp: h.probe.clock.stamp(), frame_id: '' },
      hold: true,
      source: 'operator',
      reason: 'inspect',
      episode_id: '',
    });
    await h.time.advanceBy(0.1);

    assert.equal(await transition(h, 'configure'), true);
    assert.deepEqual(graph(), [1, 1, 1, true], 'made again, once');
    assert.equal(await transition(h, 'activate'), true);
    assert.ok(Math.abs(await follows(2)) < 1e-3, 'held by the request made while unconfigured');
    const resume = h.probe.createClient('std_srvs/srv/Trigger', 'controller_bridge/resume');
    assert.equal((await resume.call({})).success, true);
    assert.ok((await follows(3)) > 0.01, 'follows chunks after the second configure');
    const hold = h.probe.createClient('std_srvs/srv/Trigger', 'controller_bridge/hold');
    assert.deepEqual(await hold.call({}), { success: true, message: 'holding at the last safe target' });
  });
});
