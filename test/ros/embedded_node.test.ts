// EmbeddedNode: the port over an embedded domain on virtual time — name resolution, timers,
// destruction of every entity, use_sim_time, and waiting for services on virtual time.
import { strict as assert } from 'node:assert';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { LogRecord } from '../../nodes/ros/logger.js';
import type { RosNode } from '../../nodes/ros/node.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { configOf, type NodeSpec } from './contract/backends.js';

const START = 1000;

function setup() {
  const time = new VirtualTimeBase(START);
  const logs: LogRecord[] = [];
  const backend = new EmbeddedBackend({ time, logSink: (r) => logs.push(r) });
  const node = (spec: NodeSpec): Promise<RosNode> => backend.createNode(configOf(spec));
  return { time, logs, backend, domain: backend.domain, node };
}

const simTime = { nodePattern: '/**', params: [{ name: 'use_sim_time', type: 'bool' as const, value: true, source: 'test' }] };

describe('EmbeddedNode', () => {
  it('has the identity, logger name and clock of its configuration', async () => {
    const { node } = setup();
    const n = await node({ name: 'cam', namespace: '/robot/left' });
    assert.equal(n.backend, 'embedded');
    assert.equal(n.name, 'cam');
    assert.equal(n.namespace, '/robot/left');
    assert.equal(n.fullyQualifiedName, '/robot/left/cam');
    assert.equal(n.logger.name, 'robot.left.cam');
    assert.equal(n.clock.source, 'virtual');
    assert.equal(n.clock.isSimTime, false);
    assert.equal(n.clock.now(), START);
    assert.equal(n.scheduler.now(), START * 1000);
    assert.equal(n.parameters.get('use_sim_time'), false);
  });

  it('resolves relative, private, substituted and remapped names', async () => {
    const { node } = setup();
    const n = await node({
      name: 'cam',
      namespace: '/robot',
      remaps: [
        { from: 'image', to: 'image_raw' },
        { nodeName: 'other', from: 'info', to: 'never' },
        { nodeName: 'cam', from: 'info', to: '/calib/info' },
        { from: '~/status', to: '/diagnostics/cam' },
      ],
    });
    assert.equal(n.resolveName('image'), '/robot/image_raw');
    assert.equal(n.resolveName('/image'), '/image', 'the rule names /robot/image, not /image');
    assert.equal(n.resolveName('info'), '/calib/info', 'a rule for another node is skipped');
    assert.equal(n.resolveName('~/status'), '/diagnostics/cam');
    assert.equal(n.resolveName('~/other'), '/robot/cam/other');
    assert.equal(n.resolveName('{node}/x'), '/robot/cam/x');
    assert.equal(n.resolveName('a/b'), '/robot/a/b');
    assert.throws(() => n.resolveName('1bad'), /1bad/);
    assert.throws(() => n.resolveName('a//b'), /a\/\/b/);

    assert.equal(n.createPublisher('sensor_msgs/msg/Image', 'image').topic, '/robot/image_raw');
    assert.equal(n.createSubscription('std_msgs/msg/String', '~/status', 10, () => {}).topic, '/diagnostics/cam');
    assert.equal(n.createService('std_srvs/srv/Trigger', '~/reset', () => ({ success: true, message: '' })).name, '/robot/cam/reset');
    assert.equal(n.createClient('std_srvs/srv/Trigger', 'reset').name, '/robot/reset');
    assert.equal(n.countPublishers('image'), 1, 'counts resolve names too');
    assert.equal(n.countPublishers('/robot/image_raw'), 1);
  });

  it('delivers between nodes with resolved names and normalised types', async () => {
    const { node, time } = setup();
    const a = await node({ name: 'a', namespace: '/ns' });
    const b = await node({ name: 'b', namespace: '/ns' });
    const got: string[] = [];
    const sub = b.createSubscription('std_msgs/msg/String', 'chatter', 10, (m) => got.push(m.data));
    assert.deepEqual([sub.topic, sub.type, sub.qos], ['/ns/chatter', 'std_msgs/msg/String', QoSProfiles.default]);
    const pub = a.createPublisher('std_msgs/msg/String', '/ns/chatter', 'sensorData');
    assert.deepEqual(pub.qos, QoSProfiles.sensorData);
    pub.publish({ data: 'x' });
    await time.flush();
    assert.deepEqual(got, [], 'best effort does not reach a reliable subscription');
    const pub2 = a.createPublisher('std_msgs/msg/String', 'chatter');
    pub2.publish({ data: 'y' });
    await time.flush();
    assert.deepEqual(got, ['y']);
    assert.deepEqual([a.countPublishers('chatter'), a.countSubscribers('chatter')], [2, 1]);
    assert.throws(() => a.createPublisher('std_msgs/msg/String', 'c', 0), RangeError);
  });

  it('logs a throwing timer callback instead of throwing, and keeps ticking', async () => {
    const { node, time, logs } = setup();
    const n = await node({ name: 'ticker', namespace: '/fr3' });
    const ticks: number[] = [];
    const timer = n.createTimer(0.25, () => {
      ticks.push(time.now());
      if (ticks.length <= 2) throw new Error(`tick ${ticks.length} failed`);
    });
    assert.equal(timer.period, 0.25);
    await time.advanceBy(1.25);
    assert.deepEqual(ticks, [1000.25, 1000.5, 1000.75, 1001, 1001.25]);
    const errors = logs.filter((r) => r.level === 'error');
    assert.equal(errors.length, 2);
    assert.deepEqual(
      errors.map((r) => [r.name, r.time, r.message.split('\n')[0]]),
      [
        ['fr3.ticker', 1000.25, 'timer callback threw: Error: tick 1 failed'],
        ['fr3.ticker', 1000.5, 'timer callback threw: Error: tick 2 failed'],
      ],
    );
    assert.equal(timer.missedTicks, 0);
    timer.cancel();
    assert.equal(timer.canceled, true);
    await time.advanceBy(1);
    assert.equal(ticks.length, 5);
  });

  it('destroy() removes every entity and refuses new ones', async () => {
    const { node, time, domain } = setup();
    const doomed = await node({ name: 'doomed' });
    const observer = await node({ name: 'observer' });
    const heard: string[] = [];
    doomed.createSubscription('std_msgs/msg/String', '/in', 10, (m) => heard.push(m.data));
    const out = doomed.createPublisher('std_msgs/msg/String', '/out');
    doomed.createService('std_srvs/srv/Trigger', '/doomed_srv', () => ({ success: true, message: '' }));
    const client = doomed.createClient('std_srvs/srv/Trigger', '/observer_srv');
    let ticks = 0;
    const timer = doomed.createTimer(0.1, () => ticks++);
    observer.createSubscription('std_msgs/msg/String', '/out', 10, () => {});
    const toDoomed = observer.createPublisher('std_msgs/msg/String', '/in');
    assert.deepEqual([observer.countSubscribers('/in'), observer.countPublishers('/out'), domain.hasService('/doomed_srv')], [1, 1, true]);
    await time.advanceBy(0.35);
    assert.equal(ticks, 3);
    toDoomed.publish({ data: 'queued' }); // queued, not yet delivered

    doomed.destroy();
    assert.deepEqual([observer.countSubscribers('/in'), observer.countPublishers('/out'), domain.hasService('/doomed_srv')], [0, 0, false]);
    assert.equal(timer.canceled, true);
    await time.flush(); // runs the delivery already posted for the destroyed subscription: a no-op
    assert.equal(time.pendingAlarms, 0, 'no timer alarm left');
    await time.advanceBy(1);
    assert.equal(ticks, 3);
    assert.equal(heard.length, 0);
    assert.throws(() => out.publish({ data: 'x' }), /destroyed/);
    await assert.rejects(client.call({}), /client for '\/observer_srv' was destroyed/);

    const refused: [string, () => unknown][] = [
      ['createPublisher', () => doomed.createPublisher('std_msgs/msg/String', '/x')],
      ['createSubscription', () => doomed.createSubscription('std_msgs/msg/String', '/x', 10, () => {})],
      ['createTimer', () => doomed.createTimer(1, () => {})],
      ['createService', () => doomed.createService('std_srvs/srv/Trigger', '/y', () => ({ success: true, message: '' }))],
      ['createClient', () => doomed.createClient('std_srvs/srv/Trigger', '/y')],
    ];
    for (const [what, create] of refused) assert.throws(create, /node \/doomed was destroyed/, what);
    doomed.destroy(); // idempotent
    timer.cancel(); // no-op after destroy
    assert.equal(domain.countPublishers('/x'), 0);
  });

  it('follows /clock under use_sim_time; use_sim_time is read-only', async () => {
    const { node, time } = setup();
    const sim = await node({ name: 'sim_user', parameterSections: [simTime] });
    const clockNode = await node({ name: 'clock_src' });
    assert.equal(sim.clock.isSimTime, true);
    assert.equal(sim.clock.source, 'sim');
    assert.equal(sim.parameters.get('use_sim_time'), true);
    assert.equal(sim.clock.now(), 0, 'no /clock yet');
    assert.equal(sim.scheduler.now(), 0);
    const set = sim.parameters.set('use_sim_time', false);
    assert.equal(set.successful, false);
    assert.match(set.reason, /use_sim_time.*read-only/);
    assert.equal(sim.clock.isSimTime, true);

    const clock = clockNode.createPublisher('rosgraph_msgs/msg/Clock', '/clock', 'clock');
    assert.equal(clock.subscriptionCount(), 1, 'the sim node subscribes /clock itself');
    clock.publish({ clock: { sec: 42, nanosec: 500_000_000 } });
    await time.flush();
    assert.equal(sim.clock.now(), 42.5);
    assert.deepEqual(sim.clock.stamp(), { sec: 42, nanosec: 500_000_000 });

    const ticks: number[] = [];
    sim.createTimer(0.25, () => ticks.push(sim.clock.now()));
    await time.advanceBy(5);
    assert.equal(ticks.length, 0, 'virtual time passing does not move the simulated clock');
    assert.equal(sim.clock.now(), 42.5);
    for (const nanosec of [600_000_000, 750_000_000]) clock.publish({ clock: { sec: 42, nanosec } });
    await time.flush();
    clock.publish({ clock: { sec: 43, nanosec: 0 } });
    await time.flush();
    assert.deepEqual(ticks, [42.75, 43]);

    sim.destroy();
    assert.equal(clock.subscriptionCount(), 0);
  });

  it('waitForService times out on virtual time, and resolves when the service appears', async () => {
    const { node, time } = setup();
    const caller = await node({ name: 'caller' });
    const server = await node({ name: 'server' });
    const client = caller.createClient('std_srvs/srv/Trigger', '/late_srv');
    assert.equal(client.isServiceReady(), false);

    const timedOut: [boolean, number][] = [];
    void client.waitForService(0.5).then((ok) => timedOut.push([ok, time.now()]));
    await time.advanceTo(START + 0.49);
    assert.equal(timedOut.length, 0);
    await time.advanceTo(START + 2);
    assert.equal(timedOut.length, 1);
    assert.equal(timedOut[0][0], false);
    assert.ok(Math.abs(timedOut[0][1] - (START + 0.5)) < 1e-9, `gave up at ${timedOut[0][1]}`);

    const found: [boolean, number][] = [];
    const t0 = time.now();
    void client.waitForService(5).then((ok) => found.push([ok, time.now()]));
    await time.advanceTo(t0 + 0.1);
    server.createService('std_srvs/srv/Trigger', '/late_srv', () => ({ success: true, message: 'hi' }));
    await time.advanceTo(t0 + 1);
    assert.equal(found.length, 1);
    const [ok, at] = found[0];
    assert.equal(ok, true);
    assert.ok(at >= t0 + 0.1 - 1e-9 && at <= t0 + 0.12 + 1e-9, `found at +${at - t0}`);
    assert.equal(client.isServiceReady(), true);
    assert.deepEqual(await client.call({}), { success: true, message: 'hi' });

    // An already available service resolves at once, without time passing.
    assert.equal(await client.waitForService(1), true);
    // A destroyed client stops waiting.
    const gone = caller.createClient('std_srvs/srv/Trigger', '/never');
    const waiting = gone.waitForService(10);
    gone.destroy();
    await time.advanceBy(0.05);
    assert.equal(await waiting, false);
  });

  it('refuses to call a service of another type', async () => {
    const { node } = setup();
    const a = await node({ name: 'a' });
    a.createService('std_srvs/srv/Trigger', '/svc', () => ({ success: true, message: '' }));
    const wrong = a.createClient('std_srvs/srv/SetBool', '/svc');
    await assert.rejects(
      wrong.call({ data: true }),
      /service '\/svc' has type 'std_srvs\/srv\/Trigger', client expects 'std_srvs\/srv\/SetBool'/,
    );
  });
});
