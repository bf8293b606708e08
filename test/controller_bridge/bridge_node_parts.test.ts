// The ROS-free parts of the controller_bridge node (nodes/controller_bridge/node.ts): the robot
// state it starts from, the episodes it follows, the failure monitor interlock, hold requests and
// what its status says. The node tests check the same through real messages.

import { strict as assert } from 'node:assert';
import { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { JointStateMapper } from '../../nodes/robots/joint_state_mapper.js';
import { LatestRobotState, type NeededState } from '../../nodes/controller_bridge/latest_robot_state.js';
import { EpisodeTracker } from '../../nodes/controller_bridge/episode_tracker.js';
import { FailureMonitorWatch } from '../../nodes/controller_bridge/failure_monitor_watch.js';
import { HoldKeeper, holdRequestAction } from '../../nodes/controller_bridge/hold_keeper.js';
import { bridgeStatus, chunkDropLevel, type BridgeStatusInput } from '../../nodes/controller_bridge/bridge_status.js';
import { ControlLoop } from '../../nodes/controller_bridge/control_loop.js';
import { bridgeConfig, robotFixture } from './helpers.js';

const STATUS = vla_ros_msgs.msg.PathwayStatus;
const NAMES = ['j1', 'j2'];

function robotState(need: NeededState, stateTimeout = 0.1): LatestRobotState {
  const mapper = new JointStateMapper(NAMES, { min: [-1, -1], max: [1, 1], tolerance: 0.1 });
  return new LatestRobotState(need, mapper, 'base', { pose: '/arm/current_pose', joints: '/arm/joint_states' }, stateTimeout);
}

const poseMsg = (x: number, frame = 'base') => ({
  header: { stamp: { sec: 0, nanosec: 0 }, frame_id: frame },
  pose: { position: { x, y: 0, z: 0.5 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
});

describe('controller_bridge node parts', () => {
  describe('LatestRobotState', () => {
    it('names the missing or stale state it needs, and only that', () => {
      const s = robotState({ pose: true, joints: true });
      assert.equal(s.problem(10), 'no current_pose received on /arm/current_pose');
      assert.equal(s.offerPose(poseMsg(0.3), 10).accepted, true);
      assert.equal(s.problem(10), 'no joint_states received on /arm/joint_states');
      assert.equal(s.offerJoints(NAMES, [0.1, 0.2], 10).accepted, true);
      assert.equal(s.problem(10.1), undefined);
      assert.equal(s.problem(10.25), 'current_pose is 0.25 s old (state_timeout 0.1 s)');
      const poseOnly = robotState({ pose: true, joints: false });
      poseOnly.offerPose(poseMsg(0.3), 10);
      assert.equal(poseOnly.problem(10), undefined, 'joint states not needed');
      assert.deepEqual(Array.from(s.values.joints!), [0.1, 0.2]);
    });

    it('rejects a non-finite pose and joint states beyond the limits (counted), ignores other joints, warns on another frame', () => {
      const s = robotState({ pose: true, joints: true });
      const nan = s.offerPose(poseMsg(NaN), 1);
      assert.equal(nan.accepted, false);
      assert.deepEqual(nan.notice?.rejected, { topic: 'current_pose', reason: 'non_finite', count: 1 });
      assert.equal(s.offerPose(poseMsg(NaN), 1).notice?.rejected?.count, 2);
      assert.equal(s.problem(1), 'no current_pose received on /arm/current_pose', 'nothing of a rejected pose is used');
      const far = s.offerJoints(NAMES, [5, 0], 1);
      assert.equal(far.accepted, false);
      assert.equal(far.notice?.rejected?.reason, 'out_of_limits');
      assert.deepEqual(s.offerJoints(['finger'], [0.04], 1), { accepted: false }, 'not ours, not an error');
      const other = s.offerPose(poseMsg(0.3, 'world'), 1);
      assert.equal(other.accepted, true);
      assert.equal(other.notice?.key, 'pose-frame');
      assert.equal(other.notice?.rejected, undefined);
      assert.equal(s.offerPose(poseMsg(0.3, ''), 1).notice, undefined, 'an empty frame is the base frame');
    });

    it('tells when every needed message arrived again after a point', () => {
      const s = robotState({ pose: true, joints: true });
      s.offerPose(poseMsg(0.3), 1);
      s.offerJoints(NAMES, [0, 0], 1);
      const at = s.counts;
      assert.equal(s.receivedSince(at), false);
      s.offerPose(poseMsg(0.3), 2);
      assert.equal(s.receivedSince(at), false, 'joint states still from before');
      s.offerJoints(NAMES, [0, 0], 2);
      assert.equal(s.receivedSince(at), true);
    });
  });

  describe('EpisodeTracker', () => {
    it('restarts a started episode once state after its START is in; a repeated START is no new episode', () => {
      const s = robotState({ pose: true, joints: false });
      s.offerPose(poseMsg(0.3), 1);
      const e = new EpisodeTracker();
      assert.equal(e.start('a', s.counts), true);
      assert.equal(e.current, 'a');
      assert.equal(e.takeReady(s), undefined, 'no state after the START yet');
      s.offerPose(poseMsg(0.3), 2);
      assert.equal(e.takeReady(s), 'a');
      assert.equal(e.takeReady(s), undefined, 'once');
      assert.equal(e.start('a', s.counts), false);
      assert.equal(e.hasEnded('a'), false);
    });

    it('an ended episode is past until its id is used again; the past is bounded', () => {
      const s = robotState({ pose: true, joints: false });
      const e = new EpisodeTracker();
      e.start('a', s.counts);
      e.start('b', s.counts);
      assert.equal(e.hasEnded('a'), true);
      assert.equal(e.hasEnded('b'), false);
      e.start('a', s.counts);
      assert.equal(e.hasEnded('a'), false, 'an id used again is live again');
      assert.equal(e.hasEnded('b'), true);
      for (let i = 0; i < 1001; i++) e.start(`x${i}`, s.counts);
      assert.equal(e.hasEnded('b'), false, 'the oldest is forgotten beyond 1000');
      assert.equal(e.hasEnded('x0'), true);
    });
  });

  describe('FailureMonitorWatch', () => {
    it('holds until the monitor is live; one line per change of reason, an error once it has been live', () => {
      const w = new FailureMonitorWatch('/arm/failure_monitor/status', 1);
      const first = w.check(0);
      assert.match(first.problem!, /no status from the failure monitor on \/arm\/failure_monitor\/status yet/);
      assert.equal(first.change?.level, 'info');
      assert.equal(w.check(0.5).change, undefined, 'same reason: no new line');
      w.received(STATUS.STATE_STARTING, 'loading', 0.6);
      assert.equal(w.check(0.6).problem, 'the failure monitor is not monitoring yet (loading)');
      w.received(STATUS.STATE_RUNNING, '', 0.7);
      const live = w.check(0.7);
      assert.equal(live.problem, undefined);
      assert.deepEqual(live.change, { level: 'info', text: 'the failure monitor is live: chunks are executed again' });
      const gone = w.check(1.8);
      assert.match(gone.problem!, /last status on \/arm\/failure_monitor\/status is 1\.1 s old \(failure_monitor_timeout 1 s\)/);
      assert.equal(gone.change?.level, 'error', 'it died after being live');
      w.received(STATUS.STATE_ERROR, 'no detector', 2);
      assert.equal(w.check(2).problem, 'the failure monitor cannot run: no detector');
      assert.equal(w.problem, 'the failure monitor cannot run: no detector');
    });

    it('a status from before a backward clock jump counts from the jump', () => {
      const w = new FailureMonitorWatch('/s', 1);
      w.received(STATUS.STATE_RUNNING, '', 10);
      assert.equal(w.check(10).problem, undefined);
      assert.equal(w.check(5).problem, undefined, 'counted from the jump');
      assert.match(w.check(6.5).problem!, /1\.5 s old/);
    });
  });

  describe('hold requests', () => {
    const m = (hold: boolean, episode_id = '', source = 'failure_monitor') => ({ hold, source, reason: 'SAFE alarm', episode_id });
    const ended = (id: string) => id === 'old';

    it('holds (for the episode named), resumes, and ignores a late alarm for an ended episode', () => {
      assert.deepEqual(holdRequestAction(m(true, 'e1'), ended), {
        kind: 'hold',
        note: 'held by failure_monitor: SAFE alarm',
        episode: 'e1',
      });
      assert.deepEqual(holdRequestAction(m(true, '', ''), ended), {
        kind: 'hold',
        note: 'held by unknown: SAFE alarm',
        episode: undefined,
      });
      assert.deepEqual(holdRequestAction(m(false, 'old'), ended), { kind: 'resume', source: 'failure_monitor' });
      const late = holdRequestAction(m(true, 'old'), ended);
      assert.equal(late.kind, 'ignore');
      assert.match((late as { line: string }).line, /ignored a hold from failure_monitor for episode 'old', which has ended: SAFE alarm/);
    });

    it('HoldKeeper: latched while inactive, logs a new hold once, keeps why it holds until the next episode releases it', () => {
      const robot = robotFixture('fr3');
      const loop = new ControlLoop(bridgeConfig(robot), robot.chain);
      const keeper = new HoldKeeper(loop);
      const first = keeper.hold(1, 'held by failure_monitor: SAFE alarm', 'e1');
      assert.equal(first.reply, 'hold latched (the bridge is not active)');
      assert.equal(first.log?.level, 'warn');
      assert.match(first.log.text, /^HOLD held by failure_monitor: SAFE alarm; .* or the next episode after 'e1'$/);
      assert.equal(keeper.note, 'held by failure_monitor: SAFE alarm');
      const r = keeper.startEpisode(2, 'e2', {});
      assert.deepEqual(r.log[0], {
        level: 'info',
        text: "episode 'e2' started: released the hold of episode 'e1' (held by failure_monitor: SAFE alarm)",
      });
      assert.equal(keeper.note, '');
      assert.equal(keeper.resume(3, 'op').log, undefined, 'no hold requested: nothing to log');
      keeper.hold(4, 'held by ~/hold: service call');
      assert.match(keeper.resume(5, '~/resume').log!.text, /^resume requested by ~\/resume: /);
    });
  });

  describe('bridgeStatus', () => {
    const base: BridgeStatusInput = {
      state: 'running',
      lifecycle: 'active',
      exhausted: false,
      holdRequested: false,
      holdNote: '',
      monitorProblem: undefined,
      staleReason: 'chunk',
      maxObservationAge: 0.5,
      maxChunkAge: 1,
      problems: [],
    };

    it('says what the loop does; problems degrade a running or starting bridge, not a holding one', () => {
      assert.deepEqual(bridgeStatus(base), { health: 'running', message: 'executing action chunks' });
      assert.deepEqual(bridgeStatus({ ...base, state: 'inactive', lifecycle: 'inactive' }), {
        health: 'starting',
        message: 'lifecycle inactive',
      });
      assert.deepEqual(bridgeStatus({ ...base, problems: ['x', 'y'] }), { health: 'degraded', message: 'executing action chunks; x; y' });
      assert.deepEqual(bridgeStatus({ ...base, state: 'waiting', problems: ['x'] }), {
        health: 'degraded',
        message: 'holding the start target, waiting for action chunks; x',
      });
      assert.deepEqual(bridgeStatus({ ...base, state: 'held', holdRequested: true, holdNote: 'held by op', problems: ['x'] }), {
        health: 'holding',
        message: 'held by op',
      });
      assert.equal(bridgeStatus({ ...base, state: 'held', monitorProblem: 'no monitor' }).message, 'held: no monitor');
      assert.match(bridgeStatus({ ...base, state: 'stale', staleReason: 'observation' }).message, /max_observation_age 0\.5 s/);
      assert.match(bridgeStatus({ ...base, state: 'stale' }).message, /max_chunk_age 1 s/);
      assert.equal(bridgeStatus({ ...base, exhausted: true }).message, 'every action executed: holding until the next chunk');
    });

    it('routine chunk drops are info, the rest warnings', () => {
      assert.deepEqual((['inactive', 'held', 'late'] as const).map(chunkDropLevel), ['info', 'info', 'info']);
      assert.equal(chunkDropLevel('malformed'), 'warn');
    });
  });
});
