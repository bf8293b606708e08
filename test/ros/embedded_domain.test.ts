// The embedded middleware: ROS 2 topic and service semantics in one domain on virtual time,
// and across domains joined by MessagePort links (wall time), including a hub that forwards
// between two spokes, as `vla-ros launch` joins node threads.
import { strict as assert } from 'node:assert';
import { MessageChannel } from 'node:worker_threads';
import {
  EmbeddedDomain,
  ServiceCallError,
  TopicTypeError,
  normalizeServiceType,
  normalizeTypeName,
  type EndpointOwner,
} from '../../nodes/ros/embedded/domain.js';
import { PortLink, type DomainLink, type LinkMessage } from '../../nodes/ros/embedded/link_protocol.js';
import { QoSProfiles, type QoSProfile } from '../../nodes/ros/qos.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';

interface RecordingOwner extends EndpointOwner {
  warns: string[];
  errors: string[];
}

function owner(): RecordingOwner {
  const warns: string[] = [];
  const errors: string[] = [];
  return { warns, errors, warn: (m) => warns.push(m), error: (m) => errors.push(m) };
}

const STRING = 'std_msgs/msg/String';
const keepLast = (depth: number, base: QoSProfile = QoSProfiles.default): QoSProfile => ({ ...base, history: 'keep_last', depth });
const keepAll: QoSProfile = { ...QoSProfiles.default, history: 'keep_all', depth: 1 };
const latched = (depth: number): QoSProfile => ({ ...QoSProfiles.transientLocal, depth });

function virtualDomain() {
  const time = new VirtualTimeBase(100);
  const domain = new EmbeddedDomain({ time, logSink: () => {}, tag: 'v' });
  return { time, domain };
}

/** A link whose far side is the test: records what the domain sends, and injects messages. */
class FakeLink implements DomainLink {
  readonly sent: LinkMessage[] = [];
  closed = false;
  private handler: ((m: LinkMessage) => void) | undefined;
  send(message: LinkMessage): void {
    this.sent.push(message);
  }
  onMessage(handler: (m: LinkMessage) => void): void {
    this.handler = handler;
  }
  close(): void {
    this.closed = true;
  }
  inject(message: LinkMessage): void {
    this.handler!(message);
  }
}

describe('EmbeddedDomain (virtual time)', () => {
  it('normalises pkg/Type to pkg/msg/Type and pkg/srv/Type', () => {
    assert.equal(normalizeTypeName('sensor_msgs/Image'), 'sensor_msgs/msg/Image');
    assert.equal(normalizeTypeName('sensor_msgs/msg/Image'), 'sensor_msgs/msg/Image');
    assert.equal(normalizeServiceType('std_srvs/Trigger'), 'std_srvs/srv/Trigger');
    assert.equal(normalizeServiceType('std_srvs/srv/Trigger'), 'std_srvs/srv/Trigger');
  });

  it('keep_last drops the oldest samples of a burst published before the subscriber runs', async () => {
    const { time, domain } = virtualDomain();
    const got: number[] = [];
    const sub = domain.addSubscription({ topic: '/burst', type: STRING, qos: keepLast(3), node: '/sub' }, owner(), (m) =>
      got.push(m as number),
    );
    const pub = domain.addPublisher({ topic: '/burst', type: STRING, qos: keepLast(10), node: '/pub' }, owner());
    for (let i = 0; i < 10; i++) pub.publish(i);
    assert.equal(sub.dropped, 7);
    await time.flush();
    assert.deepEqual(got, [7, 8, 9]);
    assert.equal(time.now(), 100, 'delivery takes no virtual time');
    // A subscriber that keeps up drops nothing.
    pub.publish(10);
    await time.flush();
    pub.publish(11);
    await time.flush();
    assert.deepEqual(got, [7, 8, 9, 10, 11]);
    assert.equal(sub.dropped, 7);
  });

  it('keep_all keeps every sample of a burst', async () => {
    const { time, domain } = virtualDomain();
    const got: number[] = [];
    const sub = domain.addSubscription({ topic: '/burst', type: STRING, qos: keepAll, node: '/sub' }, owner(), (m) =>
      got.push(m as number),
    );
    const pub = domain.addPublisher({ topic: '/burst', type: STRING, qos: keepLast(1), node: '/pub' }, owner());
    for (let i = 0; i < 50; i++) pub.publish(i);
    await time.flush();
    assert.deepEqual(
      got,
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(sub.dropped, 0);
  });

  it('gives every subscription its own queue', async () => {
    const { time, domain } = virtualDomain();
    const shallow: number[] = [];
    const deep: number[] = [];
    domain.addSubscription({ topic: '/t', type: STRING, qos: keepLast(1), node: '/a' }, owner(), (m) => shallow.push(m as number));
    domain.addSubscription({ topic: '/t', type: STRING, qos: keepLast(10), node: '/b' }, owner(), (m) => deep.push(m as number));
    const pub = domain.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/p' }, owner());
    [1, 2, 3].forEach((i) => pub.publish(i));
    await time.flush();
    assert.deepEqual(shallow, [3]);
    assert.deepEqual(deep, [1, 2, 3]);
  });

  it('never runs a callback inside publish(); chained publishes are delivered at the same instant', async () => {
    const { time, domain } = virtualDomain();
    let publishing = false;
    const trace: string[] = [];
    const relay = domain.addPublisher({ topic: '/out', type: STRING, qos: QoSProfiles.default, node: '/relay' }, owner());
    domain.addSubscription({ topic: '/in', type: STRING, qos: QoSProfiles.default, node: '/relay' }, owner(), (m) => {
      assert.equal(publishing, false, 'callback ran inside publish()');
      trace.push(`in ${String(m)} @${time.now()}`);
      publishing = true;
      relay.publish(`${String(m)}!`);
      publishing = false;
      trace.push(`relayed ${String(m)}`);
    });
    domain.addSubscription({ topic: '/out', type: STRING, qos: QoSProfiles.default, node: '/sink' }, owner(), (m) => {
      assert.equal(publishing, false, 'callback ran inside publish()');
      trace.push(`out ${String(m)} @${time.now()}`);
    });
    const pub = domain.addPublisher({ topic: '/in', type: STRING, qos: QoSProfiles.default, node: '/src' }, owner());
    publishing = true;
    pub.publish('a');
    publishing = false;
    assert.equal(trace.length, 0);
    await time.flush();
    assert.deepEqual(trace, ['in a @100', 'relayed a', 'out a! @100']);
  });

  it('delivers queued messages without an explicit advance (post on the current instant)', async () => {
    const { time, domain } = virtualDomain();
    const got: string[] = [];
    domain.addSubscription({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/s' }, owner(), (m) => got.push(m as string));
    domain.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/p' }, owner()).publish('x');
    await new Promise<void>((r) => setImmediate(r));
    assert.deepEqual(got, ['x']);
    assert.equal(time.now(), 100);
  });

  it('logs a throwing subscription callback and keeps delivering', async () => {
    const { time, domain } = virtualDomain();
    const subOwner = owner();
    const got: number[] = [];
    domain.addSubscription({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/s' }, subOwner, (m) => {
      if (m === 1) throw new Error('bad sample');
      got.push(m as number);
    });
    const pub = domain.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/p' }, owner());
    [0, 1, 2].forEach((i) => pub.publish(i));
    await time.flush();
    pub.publish(3);
    await time.flush();
    assert.deepEqual(got, [0, 2, 3]);
    assert.deepEqual(subOwner.errors, ["subscription callback on '/t' threw: bad sample"]);
  });

  it('refuses an endpoint of another type with a TopicTypeError naming both types and the other node', () => {
    const { domain } = virtualDomain();
    domain.addPublisher({ topic: '/chatter', type: STRING, qos: QoSProfiles.default, node: '/talker' }, owner());
    assert.throws(
      () =>
        domain.addSubscription(
          { topic: '/chatter', type: 'std_msgs/Int32', qos: QoSProfiles.default, node: '/listener' },
          owner(),
          () => {},
        ),
      (err: unknown) => {
        assert.ok(err instanceof TopicTypeError);
        assert.equal(err.name, 'TopicTypeError');
        assert.equal(
          err.message,
          "topic '/chatter' has type 'std_msgs/msg/String' (publisher of /talker); /listener cannot create a subscription of type 'std_msgs/msg/Int32' on it",
        );
        return true;
      },
    );
    assert.equal(domain.countSubscriptions('/chatter'), 0);
    assert.equal(domain.countPublishers('/chatter'), 1);
    assert.equal(domain.topicType('/chatter'), STRING);
  });

  it("treats 'sensor_msgs/Image' and 'sensor_msgs/msg/Image' as one type", async () => {
    const { time, domain } = virtualDomain();
    const got: string[] = [];
    const pub = domain.addPublisher({ topic: '/img', type: 'sensor_msgs/Image', qos: QoSProfiles.sensorData, node: '/cam' }, owner());
    domain.addSubscription({ topic: '/img', type: 'sensor_msgs/msg/Image', qos: QoSProfiles.sensorData, node: '/v' }, owner(), (m) =>
      got.push(m as string),
    );
    assert.equal(domain.topicType('/img'), 'sensor_msgs/msg/Image');
    assert.ok(domain.endpoints().every((e) => e.type === 'sensor_msgs/msg/Image'));
    pub.publish('frame');
    await time.flush();
    assert.deepEqual(got, ['frame']);
  });

  it('replays the last `depth` samples of a transient-local publisher to late joiners', async () => {
    const { time, domain } = virtualDomain();
    const pub = domain.addPublisher({ topic: '/map', type: STRING, qos: latched(3), node: '/map_server' }, owner());
    for (let i = 1; i <= 5; i++) pub.publish(i);
    await time.flush();
    const deep: number[] = [];
    domain.addSubscription({ topic: '/map', type: STRING, qos: latched(10), node: '/late_deep' }, owner(), (m) => deep.push(m as number));
    const shallow: number[] = [];
    const shallowSub = domain.addSubscription({ topic: '/map', type: STRING, qos: latched(1), node: '/late_shallow' }, owner(), (m) =>
      shallow.push(m as number),
    );
    assert.equal(deep.length, 0, 'not inside addSubscription');
    await time.flush();
    assert.deepEqual(deep, [3, 4, 5]);
    assert.deepEqual(shallow, [5], 'the late joiner’s own depth applies too');
    assert.equal(shallowSub.dropped, 2);
    pub.publish(6);
    await time.flush();
    assert.deepEqual(deep, [3, 4, 5, 6]);
  });

  it('keeps no history for a volatile publisher', async () => {
    const { time, domain } = virtualDomain();
    const pub = domain.addPublisher({ topic: '/v', type: STRING, qos: QoSProfiles.default, node: '/p' }, owner());
    pub.publish('gone');
    await time.flush();
    const got: string[] = [];
    domain.addSubscription({ topic: '/v', type: STRING, qos: QoSProfiles.default, node: '/late' }, owner(), (m) => got.push(m as string));
    await time.flush();
    assert.equal(got.length, 0);
  });

  it('warns both owners about an incompatible QoS pair, naming the policy, and delivers nothing', async () => {
    const { time, domain } = virtualDomain();
    const pubOwner = owner();
    const subOwner = owner();
    const got: string[] = [];
    const pub = domain.addPublisher({ topic: '/scan', type: STRING, qos: QoSProfiles.sensorData, node: '/lidar' }, pubOwner);
    domain.addSubscription({ topic: '/scan', type: STRING, qos: QoSProfiles.default, node: '/planner' }, subOwner, (m) =>
      got.push(m as string),
    );
    const expected =
      "incompatible QoS on '/scan': publisher of /lidar offers (keep_last(5), best_effort, volatile), " +
      'subscription of /planner requests (keep_last(10), reliable, volatile) — no messages will be delivered. ' +
      'Last incompatible policy: RELIABILITY: subscription requests reliable, publisher offers best effort';
    assert.deepEqual(pubOwner.warns, [expected]);
    assert.deepEqual(subOwner.warns, [expected]);
    assert.equal(pub.subscriptionCount(), 0);
    pub.publish('x');
    await time.flush();
    assert.equal(got.length, 0);

    const durOwner = owner();
    domain.addPublisher({ topic: '/state', type: STRING, qos: QoSProfiles.default, node: '/volatile_pub' }, durOwner);
    domain.addSubscription({ topic: '/state', type: STRING, qos: QoSProfiles.transientLocal, node: '/latched_sub' }, owner(), () => {});
    assert.equal(durOwner.warns.length, 1);
    assert.match(durOwner.warns[0], /Last incompatible policy: DURABILITY: /);
  });

  it('matches a reliable publisher with a best-effort subscription, silently', async () => {
    const { time, domain } = virtualDomain();
    const o = owner();
    const got: string[] = [];
    const pub = domain.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/p' }, o);
    domain.addSubscription({ topic: '/t', type: STRING, qos: QoSProfiles.sensorData, node: '/s' }, o, (m) => got.push(m as string));
    assert.equal(pub.subscriptionCount(), 1);
    pub.publish('ok');
    await time.flush();
    assert.deepEqual(got, ['ok']);
    assert.equal(o.warns.length, 0);
  });

  it('updates counts when endpoints are destroyed, and forgets an empty topic', async () => {
    const { time, domain } = virtualDomain();
    const p1 = domain.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/a' }, owner());
    const p2 = domain.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/b' }, owner());
    const got: string[] = [];
    const s = domain.addSubscription({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/c' }, owner(), (m) =>
      got.push(m as string),
    );
    assert.deepEqual([domain.countPublishers('/t'), domain.countSubscriptions('/t'), p1.subscriptionCount()], [2, 1, 1]);
    assert.equal(domain.endpoints().length, 3);
    p1.destroy();
    p1.destroy(); // idempotent
    assert.equal(domain.countPublishers('/t'), 1);
    assert.throws(() => p1.publish('x'), /publisher on '\/t' was destroyed/);
    p2.publish('queued');
    s.destroy();
    await time.flush();
    assert.equal(got.length, 0, 'a destroyed subscription gets nothing, not even queued samples');
    assert.equal(p2.subscriptionCount(), 0);
    p2.destroy();
    assert.deepEqual([domain.countPublishers('/t'), domain.countSubscriptions('/t')], [0, 0]);
    assert.equal(domain.topicType('/t'), undefined);
    assert.deepEqual(domain.endpoints(), []);
    // The name is free again, for any type.
    domain.addPublisher({ topic: '/t', type: 'std_msgs/msg/Int32', qos: QoSProfiles.default, node: '/d' }, owner());
    assert.equal(domain.topicType('/t'), 'std_msgs/msg/Int32');
  });

  it('serves services: results, duplicate names refused, handler errors as ServiceCallError', async () => {
    const { domain } = virtualDomain();
    let calls = 0;
    const svc = domain.addService({ name: '/add', type: 'example_interfaces/AddTwoInts', node: '/adder' }, (req) => {
      calls++;
      const { a, b } = req as { a: number; b: number };
      return { sum: a + b };
    });
    assert.equal(domain.hasService('/add'), true);
    assert.equal(domain.serviceType('/add'), 'example_interfaces/srv/AddTwoInts');
    const pending = domain.callService('/add', { a: 2, b: 3 });
    assert.equal(calls, 0, 'the handler does not run inside callService()');
    assert.deepEqual(await pending, { sum: 5 });
    assert.deepEqual(await domain.callService('/add', { a: -1, b: 1 }), { sum: 0 });
    assert.throws(
      () => domain.addService({ name: '/add', type: 'example_interfaces/AddTwoInts', node: '/other' }, () => ({})),
      /service '\/add' already exists; \/other cannot create it again/,
    );

    domain.addService({ name: '/fail', type: 'std_srvs/srv/Trigger', node: '/n' }, () => {
      throw new Error('motor not ready');
    });
    domain.addService({ name: '/fail_async', type: 'std_srvs/srv/Trigger', node: '/n' }, () =>
      Promise.reject(new Error('timeout in driver')),
    );
    await assert.rejects(domain.callService('/fail', {}), (err: unknown) => {
      assert.ok(err instanceof ServiceCallError);
      assert.equal(err.message, "service '/fail' failed: motor not ready");
      return true;
    });
    await assert.rejects(domain.callService('/fail_async', {}), /service '\/fail_async' failed: timeout in driver/);
    await assert.rejects(
      domain.callService('/nope', {}),
      (err: unknown) => err instanceof ServiceCallError && /'\/nope' is not available/.test(err.message),
    );

    svc.destroy();
    svc.destroy();
    assert.equal(domain.hasService('/add'), false);
    await assert.rejects(domain.callService('/add', { a: 1, b: 1 }), /not available/);
    assert.equal(calls, 2);
  });

  it('times out a call to a remote service that never answers, on virtual time', async () => {
    const { time, domain } = virtualDomain();
    const link = new FakeLink();
    domain.connect(link);
    link.inject({ op: 'service_add', info: { id: 'far:1', name: '/remote', type: 'std_srvs/srv/Trigger', node: '/far' } });
    assert.equal(domain.hasService('/remote'), true);
    let outcome: [string, number] | undefined;
    void domain.callService('/remote', { x: 1 }, 0.5).then(
      () => (outcome = ['resolved', time.now()]),
      (err: unknown) => (outcome = [err instanceof ServiceCallError ? err.message : String(err), time.now()]),
    );
    const request = link.sent.find((m) => m.op === 'request');
    assert.ok(request !== undefined && request.op === 'request');
    assert.equal(request.service, '/remote');
    assert.deepEqual(request.request, { x: 1 });
    await time.advanceTo(100.49);
    assert.equal(outcome, undefined);
    await time.advanceTo(101);
    assert.deepEqual(outcome, ["service '/remote' did not answer within 0.5 s", 100.5]);
    // A response that arrives after the timeout is ignored.
    link.inject({ op: 'response', requestId: request.requestId, response: { success: true } });
    assert.equal(time.pendingAlarms, 0);
  });

  it('resolves a remote call answered in time and cancels its timeout; a remote error is a ServiceCallError', async () => {
    const { time, domain } = virtualDomain();
    const link = new FakeLink();
    domain.connect(link);
    link.inject({ op: 'service_add', info: { id: 'far:1', name: '/remote', type: 'std_srvs/srv/Trigger', node: '/far' } });
    const ok = domain.callService('/remote', {}, 5);
    const bad = domain.callService('/remote', {}, 5);
    const [r1, r2] = link.sent.filter((m) => m.op === 'request');
    assert.ok(r1.op === 'request' && r2.op === 'request');
    assert.notEqual(r1.requestId, r2.requestId);
    assert.equal(time.pendingAlarms, 2);
    const badChecked = assert.rejects(
      bad,
      (err: unknown) => err instanceof ServiceCallError && err.message === "service '/remote' failed: busy",
    );
    link.inject({ op: 'response', requestId: r1.requestId, response: { success: true, message: 'done' } });
    link.inject({ op: 'response', requestId: r2.requestId, error: "service '/remote' failed: busy" });
    assert.deepEqual(await ok, { success: true, message: 'done' });
    await badChecked;
    assert.equal(time.pendingAlarms, 0);
  });

  it('announces its endpoints and services on a new link, and forgets what the link told it on disconnect', () => {
    const { domain } = virtualDomain();
    domain.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/p' }, owner());
    domain.addService({ name: '/s', type: 'std_srvs/srv/Trigger', node: '/p' }, () => ({}));
    const link = new FakeLink();
    domain.connect(link);
    assert.deepEqual(
      link.sent.map((m) =>
        m.op === 'endpoint_add' ? `endpoint ${m.info.kind} ${m.info.topic}` : m.op === 'service_add' ? `service ${m.info.name}` : m.op,
      ),
      ['endpoint publisher /t', 'service /s'],
    );
    link.inject({
      op: 'endpoint_add',
      info: { id: 'far:1', kind: 'subscription', topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/far_sub' },
    });
    link.inject({ op: 'service_add', info: { id: 'far:2', name: '/far_srv', type: 'std_srvs/srv/Trigger', node: '/far' } });
    assert.equal(domain.countSubscriptions('/t'), 1);
    assert.equal(domain.hasService('/far_srv'), true);
    domain.disconnect(link);
    assert.equal(link.closed, true);
    assert.equal(domain.countSubscriptions('/t'), 0);
    assert.equal(domain.hasService('/far_srv'), false);
    assert.equal(domain.countPublishers('/t'), 1, 'local endpoints stay');
  });
});

// ------------------------------------------------------------------------------ linked domains

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits (real time) until `cond` holds; fails the test after `timeoutMs`. */
async function until(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await realSleep(2);
  }
}

interface Joined {
  a: EmbeddedDomain;
  b: EmbeddedDomain;
  linkA: PortLink;
  linkB: PortLink;
}

describe('EmbeddedDomain (linked domains, wall time)', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  function join(a: EmbeddedDomain, b: EmbeddedDomain): Joined {
    const channel = new MessageChannel();
    const linkA = new PortLink(channel.port1);
    const linkB = new PortLink(channel.port2);
    a.connect(linkA);
    b.connect(linkB);
    cleanups.push(() => {
      a.disconnect(linkA);
      b.disconnect(linkB);
      channel.port1.close();
      channel.port2.close();
    });
    return { a, b, linkA, linkB };
  }

  const domain = (tag: string) => new EmbeddedDomain({ tag, logSink: () => {} });

  it('discovers endpoints both ways, whether created before or after connecting, and carries data', async () => {
    const a = domain('a');
    const b = domain('b');
    const early = a.addPublisher({ topic: '/chatter', type: STRING, qos: QoSProfiles.default, node: '/talker' }, owner());
    join(a, b);
    const got: unknown[] = [];
    b.addSubscription({ topic: '/chatter', type: 'std_msgs/String', qos: QoSProfiles.default, node: '/listener' }, owner(), (m) =>
      got.push(m),
    );
    await until(() => b.countPublishers('/chatter') === 1 && a.countSubscriptions('/chatter') === 1, 'discovery');
    assert.equal(early.subscriptionCount(), 1);
    assert.deepEqual(
      a
        .endpoints()
        .map((e) => `${e.kind} ${e.node} ${e.id}`)
        .sort(),
      ['publisher /talker a:1', 'subscription /listener b:1'],
    );
    assert.equal(b.topicType('/chatter'), STRING);
    const payload = { data: 'hello', values: Float64Array.from([1.5, -2]) };
    early.publish(payload);
    early.publish({ data: 'again', values: new Float64Array(0) });
    await until(() => got.length === 2, 'two messages');
    const first = got[0] as typeof payload;
    assert.equal(first.data, 'hello');
    assert.ok(first.values instanceof Float64Array);
    assert.deepEqual([...first.values], [1.5, -2]);

    // And the other way round.
    const back: unknown[] = [];
    a.addSubscription({ topic: '/reply', type: STRING, qos: QoSProfiles.default, node: '/talker' }, owner(), (m) => back.push(m));
    const replyPub = b.addPublisher({ topic: '/reply', type: STRING, qos: QoSProfiles.default, node: '/listener' }, owner());
    await until(() => replyPub.subscriptionCount() === 1, 'reverse discovery');
    replyPub.publish('pong');
    await until(() => back.length === 1, 'reply');
    assert.deepEqual(back, ['pong']);
  });

  it('replays transient-local history to a late subscriber in the other domain', async () => {
    const a = domain('a');
    const b = domain('b');
    join(a, b);
    const pub = a.addPublisher({ topic: '/robot_description', type: STRING, qos: latched(2), node: '/rsp' }, owner());
    ['v1', 'v2', 'v3'].forEach((v) => pub.publish(v));
    await realSleep(10);
    const got: unknown[] = [];
    b.addSubscription({ topic: '/robot_description', type: STRING, qos: latched(5), node: '/late' }, owner(), (m) => got.push(m));
    await until(() => got.length >= 2, 'replayed history');
    await realSleep(20);
    assert.deepEqual(got, ['v2', 'v3']);
  });

  it('does not forward data to a remote subscription with an incompatible QoS', async () => {
    const a = domain('a');
    const b = domain('b');
    join(a, b);
    const subOwner = owner();
    const got: unknown[] = [];
    b.addSubscription({ topic: '/scan', type: STRING, qos: QoSProfiles.default, node: '/planner' }, subOwner, (m) => got.push(m));
    const ok: unknown[] = [];
    b.addSubscription({ topic: '/scan2', type: STRING, qos: QoSProfiles.sensorData, node: '/planner' }, owner(), (m) => ok.push(m));
    const pub = a.addPublisher({ topic: '/scan', type: STRING, qos: QoSProfiles.sensorData, node: '/lidar' }, owner());
    const pub2 = a.addPublisher({ topic: '/scan2', type: STRING, qos: QoSProfiles.sensorData, node: '/lidar' }, owner());
    await until(() => subOwner.warns.length === 1 && pub2.subscriptionCount() === 1, 'discovery');
    assert.match(subOwner.warns[0], /RELIABILITY/);
    assert.equal(pub.subscriptionCount(), 0);
    pub.publish('dropped');
    pub2.publish('kept');
    await until(() => ok.length === 1, 'compatible data');
    await realSleep(10);
    assert.equal(got.length, 0);
  });

  describe('through a hub (two spokes linked to one hub)', () => {
    function star() {
      const a = domain('A');
      const hub = domain('H');
      const b = domain('B');
      const ah = join(a, hub);
      const bh = join(b, hub);
      return { a, hub, b, hubToA: ah.linkB, hubToB: bh.linkB };
    }

    it('forwards data from one spoke to the other, and to the hub’s own subscribers, once each', async () => {
      const { a, hub, b } = star();
      const atB: unknown[] = [];
      const atHub: unknown[] = [];
      b.addSubscription({ topic: '/joints', type: STRING, qos: keepLast(50), node: '/spoke_b' }, owner(), (m) => atB.push(m));
      hub.addSubscription({ topic: '/joints', type: STRING, qos: keepLast(50), node: '/hub_node' }, owner(), (m) => atHub.push(m));
      const pub = a.addPublisher({ topic: '/joints', type: STRING, qos: QoSProfiles.default, node: '/spoke_a' }, owner());
      await until(() => pub.subscriptionCount() === 2 && b.countPublishers('/joints') === 1, 'discovery across the hub');
      assert.deepEqual([hub.countPublishers('/joints'), hub.countSubscriptions('/joints')], [1, 2]);
      for (let i = 0; i < 20; i++) pub.publish(i);
      await until(() => atB.length === 20 && atHub.length === 20, 'forwarded data');
      await realSleep(10);
      const expected = Array.from({ length: 20 }, (_, i) => i);
      assert.deepEqual(atB, expected);
      assert.deepEqual(atHub, expected);
    });

    it('replays transient-local history from one spoke to a late subscriber on the other', async () => {
      const { a, b } = star();
      const pub = a.addPublisher({ topic: '/map', type: STRING, qos: latched(1), node: '/map_server' }, owner());
      pub.publish('old map');
      pub.publish('map');
      await realSleep(10);
      const got: unknown[] = [];
      b.addSubscription({ topic: '/map', type: STRING, qos: latched(1), node: '/planner' }, owner(), (m) => got.push(m));
      await until(() => got.length === 1, 'replay across the hub');
      await realSleep(20);
      assert.deepEqual(got, ['map']);
    });

    it('carries service calls across the hub, both ways, with errors', async () => {
      const { a, b } = star();
      a.addService({ name: '/add', type: 'example_interfaces/srv/AddTwoInts', node: '/spoke_a' }, (req) => {
        const { a: x, b: y } = req as { a: number; b: number };
        return { sum: x + y };
      });
      b.addService({ name: '/fail', type: 'std_srvs/srv/Trigger', node: '/spoke_b' }, () => {
        throw new Error('not today');
      });
      await until(() => b.hasService('/add') && a.hasService('/fail'), 'service discovery');
      assert.equal(b.serviceType('/add'), 'example_interfaces/srv/AddTwoInts');
      const results = await Promise.all([b.callService('/add', { a: 20, b: 22 }), b.callService('/add', { a: 1, b: 2 })]);
      assert.deepEqual(results, [{ sum: 42 }, { sum: 3 }]);
      // (A remote handler error arrives as its bare message; a local one says "service '/x' failed: ...".)
      await assert.rejects(a.callService('/fail', {}), (err: unknown) => err instanceof ServiceCallError && /not today$/.test(err.message));
    });

    it('forgets a disconnected spoke’s endpoints and services in the hub, and its services in the other spoke', async () => {
      const { a, hub, b, hubToA } = star();
      a.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/spoke_a' }, owner());
      a.addService({ name: '/svc', type: 'std_srvs/srv/Trigger', node: '/spoke_a' }, () => ({ success: true, message: '' }));
      await until(() => b.countPublishers('/t') === 1 && b.hasService('/svc'), 'discovery');
      hub.disconnect(hubToA);
      assert.equal(hub.countPublishers('/t'), 0);
      assert.equal(hub.hasService('/svc'), false);
      assert.equal(hub.topicType('/t'), undefined);
      await until(() => !b.hasService('/svc'), 'service removal reaching the other spoke');
    });
  });

  it('forgets the remote endpoints and services when a link is disconnected', async () => {
    const a = domain('a');
    const b = domain('b');
    const { linkB } = join(a, b);
    a.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/pa' }, owner());
    a.addSubscription({ topic: '/u', type: STRING, qos: QoSProfiles.default, node: '/pa' }, owner(), () => {});
    a.addService({ name: '/svc', type: 'std_srvs/srv/Trigger', node: '/pa' }, () => ({ success: true, message: '' }));
    const local = b.addSubscription({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/pb' }, owner(), () => {});
    await until(() => b.countPublishers('/t') === 1 && b.countSubscriptions('/u') === 1 && b.hasService('/svc'), 'discovery');
    b.disconnect(linkB);
    assert.deepEqual([b.countPublishers('/t'), b.countSubscriptions('/t'), b.countSubscriptions('/u')], [0, 1, 0]);
    assert.equal(b.hasService('/svc'), false);
    assert.equal(b.topicType('/u'), undefined);
    assert.deepEqual(
      b.endpoints().map((e) => e.id),
      [local.id],
    );
    await assert.rejects(b.callService('/svc', {}), /not available/);
  });

  it('removes an endpoint in the other domain when it is destroyed', async () => {
    const a = domain('a');
    const b = domain('b');
    join(a, b);
    const pub = a.addPublisher({ topic: '/t', type: STRING, qos: QoSProfiles.default, node: '/pa' }, owner());
    const svc = a.addService({ name: '/svc', type: 'std_srvs/srv/Trigger', node: '/pa' }, () => ({}));
    await until(() => b.countPublishers('/t') === 1 && b.hasService('/svc'), 'discovery');
    pub.destroy();
    svc.destroy();
    await until(() => b.countPublishers('/t') === 0 && !b.hasService('/svc'), 'removal');
    assert.equal(b.topicType('/t'), undefined);
  });
});
