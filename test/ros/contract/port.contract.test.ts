// The port's contract: the same assertions against every available backend. A node written
// against the port must behave the same on the embedded backend and on real ROS 2.

import { strict as assert } from 'node:assert';
import type { sensor_msgs, std_msgs } from '../../../nodes/msgs/generated/interfaces.js';
import { LifecycleNode } from '../../../nodes/ros/lifecycle_node.js';
import { QoSProfiles } from '../../../nodes/ros/qos.js';
import { embeddedLinked, embeddedVirtual, rclnodejs, rclnodejsUnavailable, shutdownRclnodejs, type ContractBackend } from './backends.js';

interface Suite {
  make: () => ContractBackend;
  skip?: string;
}

const SUITES: Suite[] = [{ make: embeddedVirtual }, { make: embeddedLinked }, { make: rclnodejs, skip: rclnodejsUnavailable() }];

let unique = 0;
/** Fresh topic names per test, so nothing leaks between tests on a shared ROS graph. */
const topic = (base: string) => `/contract_${process.pid}_${++unique}_${base}`;

function jointState(i: number): sensor_msgs.msg.JointState {
  return {
    header: { stamp: { sec: 10 + i, nanosec: 500 }, frame_id: 'base' },
    name: ['j1', 'j2'],
    position: Float64Array.from([i, -i]),
    velocity: new Float64Array(0),
    effort: new Float64Array(0),
  };
}

for (const suite of SUITES) {
  const title = suite.skip === undefined ? suite.make.name : 'rclnodejs';
  describe(`port contract: ${title}`, function () {
    if (suite.skip !== undefined) {
      before(function () {
        console.log(`      skipped: ${suite.skip}`);
        this.skip();
      });
      it('runs against this backend');
      return;
    }
    let b: ContractBackend;
    beforeEach(() => {
      b = suite.make();
    });
    afterEach(() => b.close());
    if (suite.make === rclnodejs) after(shutdownRclnodejs);

    it('delivers messages in order with their content (typed arrays intact)', async () => {
      const t = topic('joints');
      const talker = await b.node({ name: 'talker' });
      const listener = await b.peer({ name: 'listener' });
      const got: sensor_msgs.msg.JointState[] = [];
      listener.createSubscription('sensor_msgs/msg/JointState', t, 10, (m) => got.push(m));
      const pub = talker.createPublisher('sensor_msgs/msg/JointState', t, 10);
      assert.ok(await b.until(() => pub.subscriptionCount() === 1), 'subscription matched');
      for (let i = 0; i < 5; i++) pub.publish(jointState(i));
      assert.ok(await b.until(() => got.length === 5), `received ${got.length}/5`);
      assert.deepEqual(
        got.map((m) => [...m.position]),
        [0, 1, 2, 3, 4].map((i) => [i, -i]),
      );
      assert.ok(got[0].position instanceof Float64Array);
      assert.deepEqual(got[2].name, ['j1', 'j2']);
      assert.deepEqual(got[2].header.stamp, { sec: 12, nanosec: 500 });
    });

    it('resolves relative, private and remapped names like rcl', async () => {
      const base = topic('ns').slice(1);
      const node = await b.node({
        name: 'resolver',
        namespace: `/${base}`,
        remaps: [{ from: 'chatter', to: 'talk' }],
      });
      assert.equal(node.fullyQualifiedName, `/${base}/resolver`);
      assert.equal(node.resolveName('state'), `/${base}/state`);
      assert.equal(node.resolveName('~/status'), `/${base}/resolver/status`);
      assert.equal(node.resolveName('/abs'), '/abs');
      assert.equal(node.resolveName('chatter'), `/${base}/talk`);
      const pub = node.createPublisher('std_msgs/msg/String', 'chatter');
      assert.equal(pub.topic, `/${base}/talk`);
      const peer = await b.peer({ name: 'echo', namespace: `/${base}` });
      const got: string[] = [];
      peer.createSubscription('std_msgs/msg/String', 'talk', 10, (m) => got.push(m.data));
      await b.until(() => pub.subscriptionCount() === 1);
      pub.publish({ data: 'remapped' });
      assert.ok(await b.until(() => got.length === 1));
      assert.deepEqual(got, ['remapped']);
    });

    it('does not deliver from a best-effort publisher to a reliable subscription, but does the reverse', async () => {
      const t1 = topic('be');
      const t2 = topic('rel');
      const a = await b.node({ name: 'qos_pub' });
      const z = await b.peer({ name: 'qos_sub' });
      const reliableGot: string[] = [];
      const bestEffortGot: string[] = [];
      z.createSubscription('std_msgs/msg/String', t1, QoSProfiles.default, (m) => reliableGot.push(m.data));
      z.createSubscription('std_msgs/msg/String', t2, QoSProfiles.sensorData, (m) => bestEffortGot.push(m.data));
      const bePub = a.createPublisher('std_msgs/msg/String', t1, QoSProfiles.sensorData);
      const relPub = a.createPublisher('std_msgs/msg/String', t2, QoSProfiles.default);
      assert.ok(await b.until(() => relPub.subscriptionCount() === 1), 'reliable pub matches best-effort sub');
      await b.sleep(0.3);
      assert.equal(bePub.subscriptionCount(), 0, 'best-effort pub does not match a reliable sub');
      for (let i = 0; i < 3; i++) {
        bePub.publish({ data: `be${i}` });
        relPub.publish({ data: `rel${i}` });
        await b.sleep(0.02);
      }
      assert.ok(await b.until(() => bestEffortGot.length === 3));
      await b.sleep(0.2);
      assert.deepEqual(reliableGot, []);
      assert.deepEqual(bestEffortGot, ['rel0', 'rel1', 'rel2']);
      if (b.logs.length > 0 || b.virtual) {
        assert.ok(
          b.logs.some((r) => r.level === 'warn' && r.message.includes('incompatible QoS') && r.message.includes('RELIABILITY')),
          'the embedded backend warns about the incompatible pair',
        );
      }
    });

    it('gives a late-joining transient-local subscription the last message', async () => {
      const t = topic('latched');
      const a = await b.node({ name: 'latcher' });
      const pub = a.createPublisher('std_msgs/msg/String', t, QoSProfiles.transientLocal);
      pub.publish({ data: 'first' });
      pub.publish({ data: 'current' });
      await b.sleep(0.1);
      const z = await b.peer({ name: 'late' });
      const got: string[] = [];
      z.createSubscription('std_msgs/msg/String', t, QoSProfiles.transientLocal, (m) => got.push(m.data));
      assert.ok(await b.until(() => got.length >= 1), 'late joiner got the latched message');
      await b.sleep(0.1);
      assert.deepEqual(got, ['current']);
    });

    it('fires timers at their period on the node clock', async () => {
      const node = await b.node({ name: 'ticker' });
      const stamps: number[] = [];
      const timer = node.createTimer(0.02, () => stamps.push(node.clock.now()));
      await b.sleep(0.5);
      timer.cancel();
      const n = stamps.length;
      await b.sleep(0.1);
      assert.equal(stamps.length, n, 'no ticks after cancel');
      if (b.virtual) {
        assert.equal(n, 25);
        stamps.forEach((t, i) => assert.ok(Math.abs(t - (stamps[0] + i * 0.02)) < 1e-9));
      } else {
        assert.ok(n >= 20 && n <= 26, `expected ~25 ticks in 0.5 s, got ${n}`);
      }
    });

    it('applies parameter overrides with types, ranges and read-only rules', async () => {
      const node = await b.node({
        name: 'param_node',
        parameterSections: [
          { nodePattern: '/**', params: [{ name: 'rate_hz', type: 'integer', value: 50, source: 'test.yaml' }] },
          { nodePattern: '/param_node', params: [{ name: 'mode', type: 'string', value: 'fast', source: '-p' }] },
        ],
      });
      assert.equal(node.parameters.declare('rate_hz', 30, { type: 'double', range: { from: 1, to: 1000 } }), 50);
      assert.equal(node.parameters.declare('mode', 'slow', { type: 'string', choices: ['slow', 'fast'] }), 'fast');
      assert.equal(node.parameters.declare('frozen', 1.5, { type: 'double', readOnly: true }), 1.5);
      assert.equal(node.parameters.set('rate_hz', 2000).successful, false);
      assert.equal(node.parameters.set('frozen', 2).successful, false);
      const seen: number[] = [];
      node.parameters.onChanged((changes) => changes.forEach((c) => seen.push(c.value as number)));
      assert.equal(node.parameters.set('rate_hz', 100).successful, true);
      assert.equal(node.parameters.getNumber('rate_hz'), 100);
      assert.deepEqual(seen, [100]);
      assert.throws(() => node.parameters.declare('mode', 'x'), /mode/);
    });

    it('serves and calls services, and fails clearly when one is missing', async () => {
      const svc = `/contract_${process.pid}_${++unique}_svc`;
      const server = await b.node({ name: 'server' });
      const client = await b.peer({ name: 'client' });
      let calls = 0;
      server.createService('std_srvs/srv/SetBool', svc, (req) => {
        calls++;
        return { success: req.data, message: req.data ? 'on' : 'off' };
      });
      const c = client.createClient('std_srvs/srv/SetBool', svc);
      assert.equal(await c.waitForService(2), true);
      assert.deepEqual(await c.call({ data: true }, 2), { success: true, message: 'on' });
      assert.deepEqual(await c.call({ data: false }, 2), { success: false, message: 'off' });
      assert.equal(calls, 2);
      const missing = client.createClient('std_srvs/srv/Trigger', `${svc}_missing`);
      assert.equal(await b.drive(missing.waitForService(0.2)), false);
      await assert.rejects(b.drive(missing.call({}, 0.2)), /not available|did not answer/);
    });

    it('follows /clock under use_sim_time, and its timers run on simulated time', async () => {
      const clockNode = await b.node({ name: 'sim_clock' });
      const simNode = await b.peer({
        name: 'sim_user',
        parameterSections: [{ nodePattern: '/**', params: [{ name: 'use_sim_time', type: 'bool', value: true, source: 'test' }] }],
      });
      assert.equal(simNode.clock.isSimTime, true);
      const ticks: number[] = [];
      simNode.createTimer(0.1, () => ticks.push(simNode.clock.now()));
      const pub = clockNode.createPublisher('rosgraph_msgs/msg/Clock', '/clock', QoSProfiles.clock);
      await b.until(() => pub.subscriptionCount() >= 1);
      for (let i = 0; i <= 10; i++) {
        pub.publish({ clock: { sec: 500, nanosec: i * 50_000_000 } });
        await b.sleep(0.02);
      }
      assert.ok(await b.until(() => Math.abs(simNode.clock.now() - 500.5) < 1e-6), `sim time is ${simNode.clock.now()}`);
      // 0.5 s of simulated time with a 0.1 s timer: ticks at 500.1 .. 500.5 (first clock jump may add one).
      assert.ok(ticks.length >= 5 && ticks.length <= 6, `ticks on sim time: ${ticks.join(', ')}`);
      assert.ok(ticks.every((t) => t >= 500 && t <= 500.5 + 1e-9));
    });

    it('runs the lifecycle: managed publishers stay silent until active; illegal transitions are refused', async () => {
      const t = topic('managed');
      const node = await b.node({ name: 'managed' });
      const events: string[] = [];
      const lc = new LifecycleNode(node, {
        onConfigure: () => {
          events.push('configure');
        },
        onActivate: () => {
          events.push('activate');
        },
        onDeactivate: () => {
          events.push('deactivate');
        },
      });
      const pub = lc.createPublisher('std_msgs/msg/String', t, 10);
      const listener = await b.peer({ name: 'observer' });
      const got: std_msgs.msg.String[] = [];
      listener.createSubscription('std_msgs/msg/String', t, 10, (m) => got.push(m));
      await b.until(() => pub.subscriptionCount() === 1);
      pub.publish({ data: 'too early' });
      const client = listener.createClient('lifecycle_msgs/srv/ChangeState', '/managed/change_state');
      assert.equal(await client.waitForService(2), true);
      assert.deepEqual(
        await client.call({ transition: { id: 3, label: 'activate' } }, 2),
        { success: false },
        'activate while unconfigured',
      );
      assert.equal(lc.state, 'unconfigured');
      assert.deepEqual(await client.call({ transition: { id: 1, label: 'configure' } }, 2), { success: true });
      assert.deepEqual(await client.call({ transition: { id: 0, label: 'activate' } }, 2), { success: true }, 'by label');
      assert.equal(lc.state, 'active');
      pub.publish({ data: 'live' });
      assert.ok(await b.until(() => got.length === 1));
      const state = listener.createClient('lifecycle_msgs/srv/GetState', '/managed/get_state');
      assert.deepEqual(await state.call({}, 2), { current_state: { id: 3, label: 'active' } });
      assert.equal((await lc.deactivate()).success, true);
      pub.publish({ data: 'after deactivate' });
      await b.sleep(0.2);
      assert.deepEqual(
        got.map((m) => m.data),
        ['live'],
      );
      assert.deepEqual(events, ['configure', 'activate', 'deactivate']);
    });

    it('counts publishers and subscriptions across the graph', async () => {
      const t = topic('counted');
      const a = await b.node({ name: 'counter_a' });
      const z = await b.peer({ name: 'counter_b' });
      a.createPublisher('std_msgs/msg/String', t);
      z.createPublisher('std_msgs/msg/String', t);
      z.createSubscription('std_msgs/msg/String', t, 10, () => {});
      assert.ok(await b.until(() => a.countPublishers(t) === 2 && a.countSubscribers(t) === 1), `pubs ${a.countPublishers(t)}`);
      assert.equal(z.countPublishers(t), 2);
    });
  });
}
