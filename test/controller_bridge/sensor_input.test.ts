// The controller bridge against bad sensor input and a missing safety component, on the
// embedded backend in virtual time (issue 11): joint_states that fail validation are rejected,
// counted per reason on /diagnostics and logged once per reason per 5 s; when the cameras stop
// (chunks keep coming from the last latent) the arm holds within max_observation_age + one tick;
// with require_failure_monitor the arm stays held until the monitor reports itself live.

import { strict as assert } from 'node:assert';
import type { diagnostic_msgs, vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { vla_ros_msgs as msgs } from '../../nodes/msgs/generated/interfaces.js';
import { quatToEulerXyz } from '../../nodes/robots/rotation.js';
import { chunk } from './helpers.js';
import { activate, startHarness, type Harness } from './harness.js';

const STATUS = msgs.msg.PathwayStatus;

const positionOf = (m: { pose: { position: { x: number; y: number; z: number } } }) => [
  m.pose.position.x,
  m.pose.position.y,
  m.pose.position.z,
];

/** Publishes the failure monitor's ~/status as the monitor would, in a given state. */
function monitorReporter(h: Harness): (state: number, message: string) => void {
  const pub = h.probe.createPublisher('vla_ros_msgs/msg/PathwayStatus', 'failure_monitor/status', 10);
  return (state, message) =>
    pub.publish({
      header: { stamp: h.probe.clock.stamp(), frame_id: '' },
      node: '/arm/failure_monitor',
      state,
      message,
      rate: 0,
      latency_p50: NaN,
      latency_p99: NaN,
      drops: 0,
      overruns: 0,
      latent_age: NaN,
    } satisfies vla_ros_msgs.msg.PathwayStatus);
}

describe('controller_bridge: sensor input and required safety components', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  /** A chunk rising 5 mm per 50 ms step from the arm's pose. */
  const rising = (stamp: number, sequence: number, observationStamp?: number) => {
    const start = h.robot.arm.pose();
    const e = quatToEulerXyz(start.q);
    return chunk(
      Array.from({ length: 20 }, (_, i) => [start.p[0], start.p[1], start.p[2] + 0.005 * (i + 1), ...e]),
      { actionSpace: 'ee_absolute', rotation: 'euler_xyz', stamp, dt: 0.05, sequence, observationStamp },
    );
  };

  it('rejects joint_states with NaN, duplicated or missing names or far beyond the limits: counted per reason, logged once per reason', async () => {
    h = await startHarness('fr3', { command_interface: 'joint' });
    assert.equal(await activate(h), true);
    const diagnostics: diagnostic_msgs.msg.DiagnosticStatus[] = [];
    h.probe.createSubscription('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 10, (m) => diagnostics.push(...m.status));
    const pub = h.probe.createPublisher('sensor_msgs/msg/JointState', 'joint_states', 10);
    const names = [...h.robot.fixture.facts.jointNames];
    const good = Array.from(h.robot.arm.q);
    const send = (name: string[], position: number[]) =>
      pub.publish({
        header: { stamp: h.probe.clock.stamp(), frame_id: '' },
        name,
        position: Float64Array.from(position),
        velocity: new Float64Array(0),
        effort: new Float64Array(0),
      });
    h.robot.publishing = false;
    const bad: Array<[string, () => void]> = [
      [
        'non_finite',
        () =>
          send(
            names,
            good.map((v, i) => (i === 3 ? NaN : v)),
          ),
      ],
      ['duplicate_name', () => send([...names, names[0]], [...good, good[0] + 1])],
      ['missing_joint', () => send(names.slice(1), good.slice(1))],
      [
        'out_of_limits',
        () =>
          send(
            names,
            good.map((v, i) => (i === 1 ? v + 50 : v)),
          ),
      ],
    ];
    const posePub = h.probe.createPublisher('geometry_msgs/msg/PoseStamped', 'current_pose', 10);
    for (let round = 0; round < 3; round++) {
      for (const [, publish] of bad) publish();
      posePub.publish({
        header: { stamp: h.probe.clock.stamp(), frame_id: 'base' },
        pose: { position: { x: NaN, y: 0, z: 0.5 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
      });
      await h.time.advanceBy(0.1);
    }
    await h.time.advanceBy(2.1);
    const values = Object.fromEntries(
      diagnostics
        .filter((d) => /controller_bridge/.test(d.name))
        .at(-1)!
        .values.map((v) => [v.key, v.value]),
    );
    for (const [reason] of bad)
      assert.equal(values[`joint_states_rejected_${reason}`], '3', `${reason} counted: ${JSON.stringify(values)}`);
    assert.equal(values.current_pose_rejected_non_finite, '3');
    for (const [reason] of bad) {
      const lines = h.logs.filter(
        (l) =>
          l.level === 'warn' &&
          l.message.startsWith('joint_states rejected') &&
          l.message.includes(
            reason === 'missing_joint'
              ? 'has no joint'
              : reason === 'non_finite'
                ? 'is NaN'
                : reason === 'duplicate_name'
                  ? 'more than once'
                  : 'outside its limits',
          ),
      );
      assert.equal(lines.length, 1, `one log line for ${reason} in 5 s`);
    }
    // None of them was used: the last good joint_states are now stale, and the bridge says so.
    const status = diagnostics.filter((d) => /controller_bridge/.test(d.name)).at(-1)!;
    assert.match(status.message, /joint_states is \d+\.\d+ s old/);
  });

  it('cameras stop while chunks keep coming from the last latent: holds within max_observation_age + one tick', async () => {
    h = await startHarness('fr3', { max_observation_age: 0.4, publish_rate_hz: 50 });
    assert.equal(await activate(h), true);
    const cameraStop = h.time.now() + 0.3;
    // The fast pathway goes on at 30 Hz for a whole second (its max_latent_age) after the last frame.
    let seq = 0;
    const until = cameraStop + 1.0;
    while (h.time.now() < until) {
      const now = h.time.now();
      h.publishChunk(rising(now, ++seq, Math.min(now, cameraStop) - 0.05));
      await h.time.advanceBy(1 / 30);
    }
    const limit = cameraStop - 0.05 + 0.4 + 1 / 50 + 1e-9;
    const moving = h.robot.poses.map((p, i) => ({
      t: p.t,
      dz: i === 0 ? 0 : positionOf(p.msg)[2] - positionOf(h.robot.poses[i - 1].msg)[2],
    }));
    const lastMove = moving.filter((m) => Math.abs(m.dz) > 1e-12).at(-1)!;
    assert.ok(lastMove.t <= limit, `last target change at ${lastMove.t.toFixed(3)} s, limit ${limit.toFixed(3)} s`);
    assert.ok(lastMove.t > cameraStop, 'it moved while the camera image was fresh');
    assert.ok(h.logs.some((l) => l.level === 'warn' && /newest camera image .* > max_observation_age 0\.4 s: holding/.test(l.message)));
    // A chunk whose image is too old on arrival is dropped as stale_observation.
    assert.ok(h.logs.some((l) => /dropped action chunk #\d+: stale_observation/.test(l.message)));
  });

  it('require_failure_monitor: held until the monitor reports running; held again (one error) when it reports an error or goes silent', async () => {
    h = await startHarness('fr3', { require_failure_monitor: true, failure_monitor_timeout: 2.5 });
    const report = monitorReporter(h);
    assert.equal(await activate(h), true);
    const z0 = h.robot.arm.pose().p[2];
    let seq = 0;
    const drive = async (seconds: number, each?: () => void) => {
      const until = h.time.now() + seconds;
      while (h.time.now() < until) {
        h.publishChunk(rising(h.time.now(), ++seq));
        each?.();
        await h.time.advanceBy(0.1);
      }
    };
    await drive(1);
    assert.ok(Math.abs(h.robot.arm.pose().p[2] - z0) < 1e-4, 'no monitor status yet: held');
    assert.ok(h.logs.some((l) => /dropped action chunk #\d+: held: held by the interlock/.test(l.message)));

    report(STATUS.STATE_ERROR, 'cannot configure: detector safe_mlp.onnx: protobuf parsing failed');
    await drive(1);
    assert.ok(Math.abs(h.robot.arm.pose().p[2] - z0) < 1e-4, 'monitor in error: held');
    const errors = h.logs.filter(
      (l) => l.level === 'error' && /HOLD: the failure monitor cannot run: cannot configure: detector safe_mlp\.onnx/.test(l.message),
    );
    assert.equal(errors.length, 1, 'one clear error');

    report(STATUS.STATE_RUNNING, 'waiting for an episode');
    await drive(1, () => report(STATUS.STATE_RUNNING, 'episode ep1'));
    const moved = h.robot.arm.pose().p[2];
    assert.ok(moved > z0 + 0.01, `moves once the monitor is live (${moved - z0} m)`);

    // The monitor goes silent (crashed): held within failure_monitor_timeout + one check.
    await drive(3.5);
    const silentAt = h.robot.arm.pose().p[2];
    await drive(1);
    assert.ok(Math.abs(h.robot.arm.pose().p[2] - silentAt) < 1e-4, 'held after the monitor went silent');
    assert.ok(
      h.logs.some(
        (l) =>
          l.level === 'error' &&
          /HOLD: the failure monitor's last status .* is 2\.\d s old \(failure_monitor_timeout 2\.5 s\)/.test(l.message),
      ),
    );
  });

  it("require_failure_monitor: a monitor that goes silent at a backward clock jump is timed out from the jump, not live for the jump's length", async () => {
    h = await startHarness('fr3', { require_failure_monitor: true, failure_monitor_timeout: 2.5 });
    const report = monitorReporter(h);
    const live = () => report(STATUS.STATE_RUNNING, 'episode ep1');
    assert.equal(await activate(h), true);
    for (let i = 0; i < 10; i++) {
      live();
      await h.time.advanceBy(0.1);
    }
    const before = h.logs.length;
    // A replay loops back 5 s, and the monitor says nothing more.
    h.time.jumpTo(h.time.now() - 5);
    await h.time.advanceBy(3);
    assert.ok(
      h.logs.slice(before).some((l) => l.level === 'error' && /HOLD: the failure monitor's last status .* is 2\.\d s old/.test(l.message)),
      'gone within failure_monitor_timeout of the jump',
    );
  });

  it('without require_failure_monitor the bridge says at start that no monitor watches the arm', async () => {
    h = await startHarness('fr3');
    assert.ok(
      h.logs.some((l) => l.level === 'warn' && /require_failure_monitor is false: the arm moves without a failure monitor/.test(l.message)),
    );
  });
});
