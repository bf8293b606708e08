// Regression tests for bugs found in review of the port (each failed before its fix).
import { strict as assert } from 'node:assert';
import { MessageChannel } from 'node:worker_threads';
import { EmbeddedDomain, ServiceCallError } from '../../nodes/ros/embedded/domain.js';
import { PortLink } from '../../nodes/ros/embedded/link_protocol.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import { LifecycleNode } from '../../nodes/ros/lifecycle_node.js';
import { formatLogRecord, type LogRecord } from '../../nodes/ros/logger.js';
import { nodeConfigFromArgv } from '../../nodes/ros/node_config.js';
import { QoSProfiles, resolveQoS, type QoSProfileName } from '../../nodes/ros/qos.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { PeriodicTimer } from '../../nodes/ros/timer.js';
import { configOf } from '../ros/contract/backends.js';

const owner = () => ({ warn: () => {}, error: () => {} });
const until = async (cond: () => boolean, ms = 500) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
  return cond();
};

describe('port regressions', () => {
  it('reset() inside the timer callback must not create a second alarm chain', async () => {
    const t = new VirtualTimeBase(100);
    const stamps: number[] = [];
    const timer: PeriodicTimer = new PeriodicTimer(t, 0.25, () => {
      stamps.push(t.now());
      if (stamps.length === 1) timer.reset();
    });
    await t.advanceTo(101);
    assert.deepEqual(stamps, [100.25, 100.5, 100.75, 101]);
    assert.equal(t.pendingAlarms, 1);
  });

  it('due times drift at epoch-scale times (tick k must be start + k·period)', async () => {
    const start = 1.7e9; // wall time today; also virtual time started from a bag's stamps
    const t = new VirtualTimeBase(start);
    const stamps: number[] = [];
    new PeriodicTimer(t, 0.001, () => stamps.push(t.now()));
    await t.advanceTo(start + 1.0005);
    assert.equal(stamps.length, 1000);
    assert.ok(Math.abs(stamps[999] - (start + 1)) < 5e-7, `1000th tick at +${stamps[999] - start}`);
  });

  it('formatLogRecord must carry a nanosecond field that rounds up to 1e9', () => {
    let time = 100;
    for (let i = 0; i < 10; i++) time += 0.1; // 100.99999999999994, as a 10 Hz timer produces
    assert.equal(formatLogRecord({ level: 'info', name: 'n', time, message: 'm' }), '[INFO] [101.000000000] [n]: m');
  });

  it('--log-level <logger>:=level must use the rcl logger name (ns.name) and beat the default level', () => {
    const level = (...a: string[]) => nodeConfigFromArgv('bridge', ['--ros-args', '-r', '__ns:=/fr3', ...a]).logLevel;
    assert.equal(level('--log-level', 'fr3.bridge:=debug'), 'debug');
    const rootLevel = nodeConfigFromArgv('bridge', ['--ros-args', '--log-level', 'bridge:=debug', '--log-level', 'warn']).logLevel;
    assert.equal(rootLevel, 'debug');
  });

  it('a hub that loses a spoke must tell the other spokes to drop its topic endpoints', async () => {
    const mk = (tag: string) => new EmbeddedDomain({ tag, logSink: () => {} });
    const [a, hub, b] = [mk('A'), mk('H'), mk('B')];
    const c1 = new MessageChannel();
    const c2 = new MessageChannel();
    const aToHub = new PortLink(c1.port1);
    const hubToA = new PortLink(c1.port2);
    const bToHub = new PortLink(c2.port1);
    const hubToB = new PortLink(c2.port2);
    a.connect(aToHub);
    hub.connect(hubToA);
    hub.connect(hubToB);
    b.connect(bToHub);
    try {
      a.addPublisher({ topic: '/t', type: 'std_msgs/msg/String', qos: QoSProfiles.default, node: '/a' }, owner());
      a.addService({ name: '/svc', type: 'std_srvs/srv/Trigger', node: '/a' }, () => ({}));
      assert.ok(await until(() => b.countPublishers('/t') === 1 && b.hasService('/svc')));
      hub.disconnect(hubToA);
      assert.ok(await until(() => !b.hasService('/svc')), 'services are removed');
      assert.ok(
        await until(() => b.countPublishers('/t') === 0),
        `B still counts ${b.countPublishers('/t')} publisher(s) of the gone spoke`,
      );
    } finally {
      hub.disconnect(hubToB);
      b.disconnect(bToHub);
      a.disconnect(aToHub);
    }
  });

  it('callService must honour timeoutSec for a local service too', async () => {
    const time = new VirtualTimeBase(100);
    const d = new EmbeddedDomain({ time, logSink: () => {} });
    d.addService({ name: '/stuck', type: 'std_srvs/srv/Trigger', node: '/n' }, () => new Promise(() => {}));
    let outcome = 'pending';
    d.callService('/stuck', {}, 0.5).then(
      () => (outcome = 'resolved'),
      (err: unknown) => (outcome = err instanceof ServiceCallError ? err.message : String(err)),
    );
    await time.advanceBy(2);
    assert.equal(outcome, "service '/stuck' did not answer within 0.5 s");
  });

  it('a volatile late joiner must not receive transient-local history (DDS/ROS 2)', async () => {
    const time = new VirtualTimeBase(100);
    const d = new EmbeddedDomain({ time, logSink: () => {} });
    const pub = d.addPublisher(
      { topic: '/map', type: 'std_msgs/msg/String', qos: QoSProfiles.transientLocal, node: '/map_server' },
      owner(),
    );
    pub.publish('map');
    await time.flush();
    const got: unknown[] = [];
    d.addSubscription({ topic: '/map', type: 'std_msgs/msg/String', qos: QoSProfiles.default, node: '/late' }, owner(), (m) => got.push(m));
    await time.flush();
    assert.deepEqual(got, []);
  });

  it('the outcome message and log level describe the onError result, not the transition', async () => {
    const time = new VirtualTimeBase(1000);
    const logs: LogRecord[] = [];
    const node = await new EmbeddedBackend({ time, logSink: (r) => logs.push(r) }).createNode(configOf({ name: 'm' }));
    const lc = new LifecycleNode(node, {
      onConfigure: () => {
        throw new Error('boom');
      },
      onError: () => 'success',
    });
    const o = await lc.configure();
    assert.equal(o.success, false);
    assert.match(o.message, /configure raised an error/);
    assert.ok(!logs.some((r) => r.level === 'info' && r.message.startsWith('configure:')));
  });

  it('resolveQoS must refuse names of Object.prototype members', () => {
    for (const name of ['toString', 'constructor', '__proto__']) {
      assert.throws(() => resolveQoS(name as QoSProfileName), RangeError, name);
    }
  });
});
