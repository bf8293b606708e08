// BridgeCore, one configuration of the controller bridge without ROS: the hold that outlives a
// cleanup, the failure monitor interlock, drops, the command topic's publisher count and episode
// starts, with the lines it logs. The node tests check the same through real messages.

import { strict as assert } from 'node:assert';
import { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { JointStateMapper } from '../../nodes/robots/joint_state_mapper.js';
import { NodeStatus } from '../../nodes/runtime/node_status.js';
import { BridgeCore, type BridgeLog } from '../../nodes/controller_bridge/bridge_core.js';
import { ControlLoop } from '../../nodes/controller_bridge/control_loop.js';
import { FailureMonitorWatch } from '../../nodes/controller_bridge/failure_monitor_watch.js';
import { LatestRobotState } from '../../nodes/controller_bridge/latest_robot_state.js';
import { PendingHolds } from '../../nodes/controller_bridge/hold_keeper.js';
import { bridgeConfig, chunk, robotFixture } from './helpers.js';

const STATUS = vla_ros_msgs.msg.PathwayStatus;
const START = vla_ros_msgs.msg.EpisodeEvent.EVENT_START;
const TOPIC = '/arm/target_joint';

interface Line {
  level: string;
  text: string;
}

function makeCore(options: { monitor?: boolean } = {}) {
  const robot = robotFixture('fr3');
  const config = bridgeConfig(robot, { commandInterface: 'joint' });
  const { jointNames, positionMin: min, positionMax: max } = config.robot;
  const mapper = new JointStateMapper(jointNames, { min, max, tolerance: 0.1 });
  const state = new LatestRobotState(
    { pose: false, joints: true },
    mapper,
    'base',
    { pose: '/arm/current_pose', joints: '/arm/joint_states' },
    1,
  );
  const monitor = options.monitor === true ? new FailureMonitorWatch('/arm/failure_monitor/status', 2) : undefined;
  const lines: Line[] = [];
  const log: BridgeLog = {
    info: (text) => lines.push({ level: 'info', text }),
    warn: (text) => lines.push({ level: 'warn', text }),
    error: (text) => lines.push({ level: 'error', text }),
    throttle: (level, _period, text) => lines.push({ level, text }),
  };
  const status = new NodeStatus();
  const lifecycle = { state: 'inactive' };
  const core = new BridgeCore(new ControlLoop(config, robot.chain), state, monitor, log, status, lifecycle);
  const joints = (at: number) => core.robotState(state.offerJoints(jointNames, robot.home, at), at);
  const monitorSays = (state: number, message: string, at: number) => {
    monitor!.received(state, message, at);
    core.checkMonitor(at);
  };
  return { core, lines, status, lifecycle, joints, monitorSays };
}

describe('controller_bridge BridgeCore', () => {
  it('a hold latched in one configuration holds in the next, with its reason and episode; a resumed one does not', () => {
    const first = makeCore();
    first.core.hold('held by operator: inspect', 1, 'e1');
    assert.deepEqual(first.core.holds.latched, { note: 'held by operator: inspect', episode: 'e1' });

    const next = makeCore();
    next.core.relatch({ latched: first.core.holds.latched, requests: [] }, 2);
    assert.equal(next.core.loop.isHoldRequested, true);
    assert.equal(next.core.loop.heldEpisode, 'e1');
    assert.equal(next.core.holds.note, 'held by operator: inspect');
    next.joints(2);
    assert.equal(next.core.activate(2, TOPIC).ok, true);
    assert.equal(next.core.loop.state, 'held', 'the relatched hold holds once active');

    next.core.resume('op', 3);
    assert.equal(next.core.holds.latched, undefined);
    const after = makeCore();
    after.core.relatch({ latched: next.core.holds.latched, requests: [] }, 4);
    assert.equal(after.core.loop.isHoldRequested, false);
  });

  it('hold requests while unconfigured apply at the next configure, in order; a resume then clears the carried hold', () => {
    const pending = new PendingHolds();
    pending.latched = { note: 'held by operator: inspect', episode: undefined };
    pending.offer({ hold: true, source: 'failure_monitor', reason: 'SAFE alarm', episode_id: 'e1' });
    const a = makeCore();
    a.core.relatch(pending.take(), 1);
    assert.equal(a.core.loop.isHoldRequested, true);
    assert.equal(a.core.loop.heldEpisode, undefined, 'the carried unscoped hold stays unscoped');
    assert.equal(a.core.holds.note, 'held by failure_monitor: SAFE alarm');
    assert.deepEqual(pending.take(), { latched: undefined, requests: [] }, 'taken once');

    pending.offer({ hold: true, source: 'failure_monitor', reason: 'SAFE alarm', episode_id: 'e2' });
    const b = makeCore();
    b.core.relatch(pending.take(), 2);
    assert.equal(b.core.loop.heldEpisode, 'e2', 'a hold for one episode stays scoped to it');

    pending.latched = { note: 'held by operator: inspect', episode: undefined };
    pending.offer({ hold: true, source: 'op', reason: 'x', episode_id: '' });
    pending.offer({ hold: false, source: 'op', reason: '', episode_id: '' });
    const c = makeCore();
    c.core.relatch(pending.take(), 3);
    assert.equal(c.core.loop.isHoldRequested, false, 'the resume came last');
    assert.match(c.lines.at(-1)!.text, /^resume requested by op/);
  });

  it('holds while the required failure monitor is not live, one line per change of reason', () => {
    const { core, lines, joints, monitorSays } = makeCore({ monitor: true });
    joints(1);
    assert.equal(core.activate(1, TOPIC).ok, true);
    assert.equal(core.loop.isInterlocked, true, 'no status yet: held');
    assert.match(lines[0].text, /^HOLD: no status from the failure monitor on \/arm\/failure_monitor\/status yet/);
    assert.match(lines.at(-1)!.text, /^active: .* — HOLDING until the failure monitor is live/);
    monitorSays(STATUS.STATE_RUNNING, '', 1.1);
    assert.equal(core.loop.isInterlocked, false);
    assert.deepEqual(lines.at(-1), { level: 'info', text: 'the failure monitor is live: chunks are executed again' });
    const count = lines.length;
    monitorSays(STATUS.STATE_RUNNING, '', 1.2);
    assert.equal(lines.length, count, 'no line while the reason stays');
    monitorSays(STATUS.STATE_ERROR, 'detector broken', 1.3);
    assert.equal(core.loop.isInterlocked, true);
    assert.equal(lines.at(-1)!.level, 'error');
    assert.match(lines.at(-1)!.text, /the failure monitor cannot run: detector broken/);
    assert.equal(core.tick(1.32)!.state, 'held');
  });

  it('counts and logs a dropped chunk; publishes nothing while inactive', () => {
    const { core, lines, status } = makeCore();
    core.offerChunk(chunk([[0, 0, 0, 0, 0, 0, 0]], { sequence: 7, stamp: 1 }), 1);
    assert.equal(status.drops, 1);
    assert.equal(lines.at(-1)!.level, 'info');
    assert.match(lines.at(-1)!.text, /^dropped action chunk #7: inactive: /);
    assert.equal(core.tick(1.1), undefined);
  });

  it('another publisher on the command topic degrades the status; a warning only while active', () => {
    const { core, lines, status, joints } = makeCore();
    core.publishersOnCommandTopic(2, TOPIC, 1);
    assert.match(status.message, /another publisher on \/arm\/target_joint: CRISP ignores commands from both/);
    assert.equal(status.state, 'degraded');
    assert.equal(lines.length, 0, 'no warning while inactive');
    joints(1);
    assert.equal(core.activate(1, TOPIC).ok, true);
    core.publishersOnCommandTopic(2, TOPIC, 1.5);
    assert.match(lines.at(-1)!.text, /^2 publishers on \/arm\/target_joint/);
    core.publishersOnCommandTopic(1, TOPIC, 2);
    assert.doesNotMatch(status.message, /another publisher/);
  });

  it("a START re-anchors once state received after it is in, releasing the last episode's hold", () => {
    const { core, lines, joints } = makeCore();
    joints(1);
    assert.equal(core.activate(1, TOPIC).ok, true);
    core.episodeEvent(START, 'e1', 1.05);
    joints(1.06);
    assert.equal(core.episodes.current, 'e1');
    core.hold('held by failure_monitor: SAFE alarm', 1.1, 'e1');
    core.episodeEvent(START, 'e2', 1.2);
    assert.equal(core.loop.isHoldRequested, true, 'waits for state received after the START');
    joints(1.25);
    assert.equal(core.loop.isHoldRequested, false);
    assert.equal(core.episodes.current, 'e2');
    assert.match(lines.at(-1)!.text, /^episode 'e2' started: released the hold of episode 'e1'/);
    core.holdRequest({ hold: true, source: 'failure_monitor', reason: 'late', episode_id: 'e1' }, 1.3);
    assert.equal(core.loop.isHoldRequested, false, 'a late hold for an ended episode is ignored');
    assert.match(lines.at(-1)!.text, /^ignored a hold from failure_monitor for episode 'e1', which has ended/);
  });
});
