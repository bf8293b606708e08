// The control loop's state machine without ROS, case by case: what it reports before and after
// activation, every refusal with its reason and exact boundary, hold / resume / interlock /
// episode start and how they combine, the observation-age hold, clock jumps, the gripper rate
// and the counters. Most cases use a two-joint arm (joint interface, limits ±1 rad) whose numbers
// can be checked by hand; the pose cases use the FR3 model.

import { strict as assert } from 'node:assert';
import type { ChunkInput } from '../../nodes/controller_bridge/action_decoder.js';
import { defaultBridgeConfig, type BridgeConfig, type RobotFacts } from '../../nodes/controller_bridge/bridge_config.js';
import { ControlLoop, type ChunkVerdict } from '../../nodes/controller_bridge/control_loop.js';
import { quatFromEulerXyz, quatMultiply } from '../../nodes/robots/rotation.js';
import { bridgeConfig, chunk, poseArray, robotFixture } from './helpers.js';

// Times are sums of binary fractions of T0, so every boundary below is hit exactly.
const T0 = 100;

const ARM: RobotFacts = {
  name: 'two_joint',
  jointNames: ['j1', 'j2'],
  positionMin: [-1, -1],
  positionMax: [1, 1],
  // 10 rad/s × 0.5 × 20 ms = 0.1 rad per tick: waypoints 0.1 rad apart are followed without limiting.
  velocityMax: [10, 10],
  baseFrame: 'base',
  eeFrame: 'tool',
};

function armConfig(overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  return defaultBridgeConfig(ARM, { commandInterface: 'joint', ...overrides });
}

/** An active two-joint loop, activated at T0 with both joints at 0 (or `start`). */
function armLoop(overrides: Partial<BridgeConfig> = {}, start = [0, 0]): ControlLoop {
  const loop = new ControlLoop(armConfig(overrides));
  assert.deepEqual(loop.activate(T0, { joints: start }), { ok: true, notes: [] });
  return loop;
}

/** A joint_position chunk of the two-joint arm: one [j1, j2] row per step, dt 0.1 s. */
function rows(values: number[][], stamp: number, sequence: number, extra: Partial<ChunkInput> = {}): ChunkInput {
  return chunk(values, { stamp, dt: 0.1, sequence, dimensionNames: ['j1', 'j2'], ...extra });
}

/** `n` rows all at [v, v]. */
const flat = (n: number, v = 0) => Array.from({ length: n }, () => [v, v]);

function accepted(v: ChunkVerdict): Extract<ChunkVerdict, { accepted: true }> {
  assert.ok(v.accepted, `refused: ${JSON.stringify(v)}`);
  return v;
}

function refused(v: ChunkVerdict): { reason: string; detail: string } {
  assert.ok(!v.accepted, `accepted: ${JSON.stringify(v)}`);
  return { reason: v.reason, detail: v.detail };
}

const target = (loop: ControlLoop, now: number) => Array.from(loop.tick(now)!.target);

describe('control loop states', () => {
  describe('before activation', () => {
    it('reports inactive, publishes nothing, counts chunks as dropped', () => {
      const fr3 = robotFixture('fr3');
      const loop = new ControlLoop(bridgeConfig(fr3), fr3.chain);
      assert.equal(loop.state, 'inactive');
      assert.equal(loop.isActive, false);
      assert.equal(loop.staleReason, 'chunk');
      assert.equal(loop.isInterlocked, false);
      assert.equal(loop.observationAge(T0), Infinity);
      assert.equal(loop.isHoldRequested, false);
      assert.equal(loop.heldEpisode, undefined);
      assert.equal(loop.poseJointLimitsActive, false);
      assert.equal(loop.commandedJoints, undefined);
      assert.equal(loop.rtcDelaySteps, 0);
      assert.equal(loop.rtcDelay, 0);
      assert.equal(loop.pendingSteps, 0);
      assert.equal(loop.isExhausted, false);
      assert.equal(loop.gripperCommand, undefined);
      assert.equal(loop.tick(T0), undefined);
      assert.equal(loop.ticks, 0);
      assert.deepEqual(loop.offerChunk(rows(flat(2), T0, 1), T0), {
        accepted: false,
        reason: 'inactive',
        detail: 'the bridge is not active',
      });
      assert.deepEqual(Object.fromEntries(loop.drops), { inactive: 1 });
    });

    it('deactivation stops publishing; activation again forgets the old step grid', () => {
      const loop = armLoop();
      assert.equal(loop.isActive, true);
      assert.equal(accepted(loop.offerChunk(rows(flat(3), T0, 1), T0)).insertion.rebased, true);
      loop.deactivate();
      assert.equal(loop.state, 'inactive');
      assert.equal(loop.isActive, false);
      assert.equal(loop.tick(T0 + 0.5), undefined);
      assert.deepEqual(loop.activate(T0 + 1, { joints: [0, 0] }), { ok: true, notes: [] });
      assert.equal(loop.state, 'waiting');
      // Same dt and layout as before, yet a new grid: nothing of the old plan survives.
      assert.equal(accepted(loop.offerChunk(rows(flat(3), T0 + 1, 2), T0 + 1)).insertion.rebased, true);
    });
  });

  describe('activation', () => {
    it('refuses joint positions that are not finite or not one per joint', () => {
      for (const joints of [[NaN, 0], [0, Infinity], [0], [0, 0, 0]]) {
        const loop = new ControlLoop(armConfig());
        assert.deepEqual(loop.activate(T0, { joints }), { ok: false, reason: 'joint positions are not finite' }, String(joints));
        assert.equal(loop.state, 'inactive');
      }
    });

    it('accepts joints exactly on the limits shrunk by the margin, refuses them inside the margin', () => {
      const lo = ARM.positionMin[0] + 0.05;
      const hi = ARM.positionMax[1] - 0.05;
      assert.ok(new ControlLoop(armConfig()).activate(T0, { joints: [lo, hi] }).ok);
      assert.deepEqual(new ControlLoop(armConfig()).activate(T0, { joints: [-0.975, 0] }), {
        ok: false,
        reason:
          'joint j1 is at -0.9750 rad, outside its limits [-1, 1] shrunk by joint_limit_margin 0.05: move the arm away from its limits first',
      });
      assert.deepEqual(new ControlLoop(armConfig()).activate(T0, { joints: [0, 0.975] }), {
        ok: false,
        reason:
          'joint j2 is at 0.9750 rad, outside its limits [-1, 1] shrunk by joint_limit_margin 0.05: move the arm away from its limits first',
      });
    });

    describe('pose interface', () => {
      const fr3 = robotFixture('fr3');
      const home = poseArray(fr3.chain.pose(fr3.home));
      const ee = fr3.facts.eeFrame;

      it('refuses a pose that is not finite (position or quaternion)', () => {
        for (const pose of [
          [NaN, ...home.slice(1)],
          [...home.slice(0, 2), Infinity, ...home.slice(3)],
          [...home.slice(0, 3), 0, 0, 0, 0],
        ]) {
          const loop = new ControlLoop(bridgeConfig(fr3), fr3.chain);
          assert.deepEqual(loop.activate(T0, { pose, joints: fr3.home }), { ok: false, reason: 'current pose is not finite' });
        }
      });

      it('names the pose and the box when the pose is outside the workspace', () => {
        const loop = new ControlLoop(bridgeConfig(fr3), fr3.chain);
        const r = loop.activate(T0, { pose: [0.5, -0.25, -0.125, ...home.slice(3)], joints: fr3.home });
        assert.deepEqual(r, {
          ok: false,
          reason:
            'current pose (0.500, -0.250, -0.125) is outside the workspace box [-1.5, -1.5, 0]..[1.5, 1.5, 1.5]: ' +
            'move the arm into it or widen workspace.*',
        });
      });

      it('uses the kinematic model when it matches current_pose, with no notes', () => {
        // Joint 1 turned so the tool is off the x axis (y ≠ 0): every coordinate is compared.
        const joints = [...fr3.home];
        joints[0] = 0.5;
        const pose = poseArray(fr3.chain.pose(joints));
        assert.ok(Math.abs(pose[1]) > 0.1);
        const loop = new ControlLoop(bridgeConfig(fr3), fr3.chain);
        assert.deepEqual(loop.activate(T0, { pose, joints }), { ok: true, notes: [] });
        assert.equal(loop.poseJointLimitsActive, true);
        assert.deepEqual(Array.from(loop.commandedJoints!), joints);
      });

      it('says why it limits in Cartesian space only: no model, model of another arm, no joints, disagreement', () => {
        const cartesianOnly = (loop: ControlLoop, robot: { pose?: number[]; joints?: number[] }, note: string) => {
          assert.deepEqual(loop.activate(T0, robot), { ok: true, notes: [note] });
          assert.equal(loop.poseJointLimitsActive, false);
          assert.equal(loop.commandedJoints, undefined);
        };
        const noModel = `no kinematic model for robot 'fr3' with ee_frame '${ee}': pose targets are limited in Cartesian space only (joint limits left to CRISP)`;
        cartesianOnly(new ControlLoop(bridgeConfig(fr3)), { pose: home, joints: fr3.home }, noModel);
        const ur5e = robotFixture('ur5e');
        cartesianOnly(
          new ControlLoop(bridgeConfig(ur5e), fr3.chain),
          { pose: home, joints: ur5e.home },
          `no kinematic model for robot 'ur5e' with ee_frame 'tool0': pose targets are limited in Cartesian space only (joint limits left to CRISP)`,
        );
        cartesianOnly(
          new ControlLoop(bridgeConfig(fr3), fr3.chain),
          { pose: home },
          'no joint positions: pose targets are limited in Cartesian space only',
        );
        cartesianOnly(
          new ControlLoop(bridgeConfig(fr3), fr3.chain),
          { pose: [home[0] + 0.0625, ...home.slice(1)], joints: fr3.home },
          `the kinematic model of 'fr3' puts ${ee} 62.5 mm / 0.000 rad from current_pose: ` +
            'model and controller disagree, so pose targets are limited in Cartesian space only',
        );
        const turned = quatMultiply(home.slice(3), quatFromEulerXyz(0, 0, 0.1));
        cartesianOnly(
          new ControlLoop(bridgeConfig(fr3), fr3.chain),
          { pose: [...home.slice(0, 3), ...turned], joints: fr3.home },
          `the kinematic model of 'fr3' puts ${ee} 0.0 mm / 0.100 rad from current_pose: ` +
            'model and controller disagree, so pose targets are limited in Cartesian space only',
        );
      });

      it('pose_joint_limits off: Cartesian limits only, without a note', () => {
        const loop = new ControlLoop(bridgeConfig(fr3, { poseJointLimits: false }), fr3.chain);
        assert.deepEqual(loop.activate(T0, { pose: home, joints: fr3.home }), { ok: true, notes: [] });
        assert.equal(loop.poseJointLimitsActive, false);
        assert.equal(loop.commandedJoints, undefined);
      });
    });
  });

  describe('chunk refusals, each with its reason and exact boundary', () => {
    it('duplicate and out of order', () => {
      const loop = armLoop();
      accepted(loop.offerChunk(rows(flat(3), T0 + 0.5, 7), T0 + 0.5));
      assert.deepEqual(refused(loop.offerChunk(rows(flat(3), T0 + 0.5, 7), T0 + 0.5)), {
        reason: 'duplicate',
        detail: 'sequence 7 again',
      });
      assert.deepEqual(refused(loop.offerChunk(rows(flat(3), T0 + 0.25, 6), T0 + 0.5)), {
        reason: 'out_of_order',
        detail: 'observation 100.250 is not newer than 100.500',
      });
    });

    it('from the future: accepted up to max_chunk_age ahead', () => {
      assert.deepEqual(refused(armLoop().offerChunk(rows(flat(3), T0 + 0.75, 1), T0)), {
        reason: 'from_future',
        detail: 'observation 0.750 s in the future',
      });
      accepted(armLoop().offerChunk(rows(flat(3), T0 + 0.5, 1), T0));
    });

    it('start_time: at most max_chunk_age from the observation stamp', () => {
      assert.deepEqual(refused(armLoop().offerChunk(rows(flat(3), T0, 1, { startTime: T0 + 0.75 }), T0)), {
        reason: 'malformed',
        detail: 'start_time is 0.750 s from the observation stamp',
      });
      assert.deepEqual(
        refused(armLoop().offerChunk(rows(flat(3), T0, 1, { startTime: T0 - 0.75 }), T0)).detail,
        'start_time is -0.750 s from the observation stamp',
      );
      accepted(armLoop().offerChunk(rows(flat(12), T0, 1, { startTime: T0 + 0.5 }), T0));
    });

    it('stale: accepted up to exactly max_chunk_age old, and not observed before the activation', () => {
      const loop = armLoop({ maxObservationAge: 2 });
      assert.deepEqual(refused(loop.offerChunk(rows(flat(12), T0 + 0.25, 1), T0 + 1)), {
        reason: 'stale',
        detail: 'observation is 0.750 s old (max_chunk_age 0.5)',
      });
      accepted(loop.offerChunk(rows(flat(12), T0 + 0.5, 2), T0 + 1));
      const late = armLoop({ maxObservationAge: 2 });
      assert.deepEqual(refused(late.offerChunk(rows(flat(12), T0 - 0.25, 1), T0)), {
        reason: 'stale',
        detail: 'observed before the last activation, hold, resume or clock jump',
      });
      accepted(late.offerChunk(rows(flat(12), T0, 2), T0));
    });

    it('observation_stamp: finite, not after the chunk stamp, at most max_observation_age old', () => {
      const stamp = T0 + 0.25;
      const offer = (observationStamp: number, now = stamp) => armLoop().offerChunk(rows(flat(12), stamp, 1, { observationStamp }), now);
      assert.deepEqual(refused(offer(NaN)), {
        reason: 'malformed',
        detail: "observation_stamp NaN is not a time at or before the chunk's stamp 100.250",
      });
      assert.equal(refused(offer(stamp + 0.125)).reason, 'malformed');
      assert.deepEqual(refused(offer(stamp - 0.5, stamp + 0.25)), {
        reason: 'stale_observation',
        detail: 'its newest camera image is 0.750 s old (max_observation_age 0.5 s)',
      });
      accepted(offer(stamp - 0.25, stamp + 0.25));
      accepted(offer(stamp));
    });

    it('late: every action for a step already executed', () => {
      const loop = armLoop();
      accepted(loop.offerChunk(rows(flat(12), T0, 1), T0));
      loop.tick(T0 + 0.25);
      // Observed at T0 + 0.125 (step 1) with two actions (steps 1, 2); step 2 is committed by now.
      assert.deepEqual(refused(loop.offerChunk(rows(flat(2), T0 + 0.125, 2), T0 + 0.25)), {
        reason: 'late',
        detail: 'all 2 actions are for steps already executed',
      });
      assert.deepEqual(Object.fromEntries(loop.drops), { late: 1 });
    });
  });

  describe('accepted chunks', () => {
    it('report pending steps, the observation age and exhaustion', () => {
      const loop = armLoop();
      assert.equal(loop.isExhausted, false, 'waiting');
      const v = accepted(loop.offerChunk(rows(flat(4, 0.05), T0 + 0.25, 1, { observationStamp: T0 + 0.125 }), T0 + 0.25));
      assert.deepEqual(v.insertion, { used: 3, executed: 1, overlapped: 0, rebased: true, firstStep: 0, committed: 0 });
      assert.equal(loop.pendingSteps, 3);
      assert.equal(loop.observationAge(T0 + 0.5), 0.375);
      loop.tick(T0 + 0.25);
      assert.equal(loop.isExhausted, false, 'steps left');
      for (let t = T0 + 0.25; t <= T0 + 0.625; t += 0.125) loop.tick(t);
      assert.equal(loop.state, 'running');
      assert.equal(loop.pendingSteps, 0);
      assert.equal(loop.isExhausted, true);
    });

    it('merge options reach the merge rule (old weight 1: the first prediction of a step stays)', () => {
      const loop = armLoop({ mergeRule: 'weighted_average', mergeOldWeight: 1 });
      accepted(loop.offerChunk(rows(flat(6, 0.25), T0, 1), T0));
      accepted(loop.offerChunk(rows(flat(6, -0.25), T0 + 0.125, 2), T0 + 0.125));
      for (let k = 1; k < 25; k++) loop.tick(T0 + 0.125 + k * 0.015625);
      assert.deepEqual(target(loop, T0 + 0.5), [0.25, 0.25]);
    });

    it('rtc: the frozen window follows the measured delay in whole steps', () => {
      const loop = armLoop({ mergeRule: 'rtc' });
      const v = accepted(loop.offerChunk(rows(flat(12), T0, 1), T0 + 0.25));
      assert.equal(v.delaySteps, 3);
      assert.equal(loop.rtcDelaySteps, 3);
      assert.equal(loop.rtcDelay, 0.25);
      assert.equal(accepted(armLoop().offerChunk(rows(flat(12), T0, 1), T0 + 0.25)).delaySteps, 0, 'other rules: none');
    });

    it('waypoints are clamped to the joint limits before deltas integrate on them', () => {
      const loop = armLoop({ maxChunkAge: 5, maxObservationAge: 5 }, [0.875, 0]);
      // +0.125 twice (to 1.125, clamped to 0.95 each time), then −0.125: 0.825, not 1.0.
      const deltas = chunk(
        [
          [0, 0],
          [0.125, 0],
          [0.125, 0],
          [-0.125, 0],
        ],
        {
          actionSpace: 'joint_delta',
          stamp: T0,
          dt: 0.1,
          sequence: 1,
          dimensionNames: ['j1', 'j2'],
        },
      );
      accepted(loop.offerChunk(deltas, T0));
      let last: number[] = [];
      for (let t = T0 + 0.02; t < T0 + 1; t += 0.02) last = target(loop, t);
      assert.ok(Math.abs(last[0] - 0.825) < 1e-12, `j1 ends at ${last[0]}`);
    });

    it('counts each limit on the ticks it acted, and only that limit', () => {
      const loop = armLoop();
      accepted(
        loop.offerChunk(
          rows(
            [
              [0, 0],
              [0.5, 0],
              [0.5, 0],
            ],
            T0,
            1,
          ),
          T0,
        ),
      );
      for (let k = 1; k <= 25; k++) loop.tick(T0 + k * 0.02);
      assert.deepEqual(Object.keys(Object.fromEntries(loop.limitHits)), ['jointVelocity']);
      assert.equal(loop.ticks, 25);
    });
  });

  describe('hold and resume', () => {
    it('hold scoped to an episode: the same episode keeps the scope, another or none widens it', () => {
      const loop = armLoop();
      assert.equal(loop.hold(T0, 'A'), true);
      assert.equal(loop.heldEpisode, 'A');
      assert.equal(loop.hold(T0, 'A'), false);
      assert.equal(loop.heldEpisode, 'A');
      assert.equal(loop.hold(T0, 'B'), false);
      assert.equal(loop.heldEpisode, undefined);
      assert.equal(loop.isHoldRequested, true);
      const other = armLoop();
      other.hold(T0, 'A');
      other.hold(T0);
      assert.equal(other.heldEpisode, undefined);
    });

    it('a hold requested while inactive stays inactive, latches, and is cleared by resume without activating', () => {
      const loop = new ControlLoop(armConfig());
      assert.equal(loop.hold(T0), true);
      assert.equal(loop.state, 'inactive');
      assert.ok(loop.activate(T0, { joints: [0, 0] }).ok);
      assert.equal(loop.state, 'held');
      loop.deactivate();
      assert.deepEqual(loop.resume(T0 + 1), { ok: true, message: 'hold cleared (the bridge is not active)' });
      assert.equal(loop.state, 'inactive');
      assert.equal(loop.isHoldRequested, false);
    });

    it('holds at the last target, refuses chunks, resumes with fresh observations on the same step grid', () => {
      const loop = armLoop();
      accepted(
        loop.offerChunk(
          rows(
            [
              [0, 0],
              [0.1, 0.1],
              [0.2, 0.2],
              [0.3, 0.3],
            ],
            T0,
            1,
          ),
          T0,
        ),
      );
      const before = target(loop, T0 + 0.125);
      loop.hold(T0 + 0.125);
      assert.equal(loop.state, 'held');
      assert.deepEqual(target(loop, T0 + 0.5), before);
      assert.deepEqual(refused(loop.offerChunk(rows(flat(12), T0 + 0.25, 2), T0 + 0.5)), {
        reason: 'held',
        detail: 'holding until an explicit resume',
      });
      assert.deepEqual(loop.resume(T0 + 0.5), { ok: true, message: 'resumed: waiting for fresh action chunks' });
      assert.equal(loop.state, 'waiting');
      assert.equal(loop.observationAge(T0 + 0.5), Infinity);
      assert.equal(refused(loop.offerChunk(rows(flat(12), T0 + 0.375, 3), T0 + 0.5)).reason, 'stale');
      assert.equal(accepted(loop.offerChunk(rows(flat(12), T0 + 0.5, 4), T0 + 0.5)).insertion.rebased, false);
      assert.deepEqual(loop.resume(T0 + 0.5), { ok: true, message: 'not holding' });
    });
  });

  describe('interlock', () => {
    it('holds while a required component is not live, then waits for chunks observed after it is again', () => {
      const loop = armLoop();
      assert.equal(loop.setInterlock(false, T0), false, 'already clear');
      accepted(
        loop.offerChunk(
          rows(
            [
              [0, 0],
              [0.1, 0.1],
              [0.2, 0.2],
              [0.3, 0.3],
            ],
            T0,
            1,
          ),
          T0,
        ),
      );
      const before = target(loop, T0 + 0.125);
      assert.equal(loop.setInterlock(true, T0 + 0.125), true);
      assert.equal(loop.setInterlock(true, T0 + 0.125), false);
      assert.equal(loop.isInterlocked, true);
      assert.equal(loop.state, 'held');
      assert.equal(loop.isHoldRequested, false);
      assert.deepEqual(target(loop, T0 + 0.5), before);
      assert.deepEqual(refused(loop.offerChunk(rows(flat(12), T0 + 0.25, 2), T0 + 0.5)), {
        reason: 'held',
        detail: 'held by the interlock: a required safety component is not live',
      });
      assert.equal(loop.setInterlock(false, T0 + 0.5), true);
      assert.equal(loop.isInterlocked, false);
      assert.equal(loop.state, 'waiting');
      assert.equal(refused(loop.offerChunk(rows(flat(12), T0 + 0.375, 3), T0 + 0.5)).reason, 'stale');
      accepted(loop.offerChunk(rows(flat(12), T0 + 0.5, 4), T0 + 0.5));
    });

    it('combines with a requested hold: either one keeps the arm held', () => {
      const loop = armLoop();
      loop.hold(T0);
      loop.setInterlock(true, T0);
      assert.deepEqual(loop.resume(T0 + 0.25), { ok: true, message: 'hold cleared, but still held by the interlock' });
      assert.equal(loop.state, 'held');
      assert.equal(loop.isHoldRequested, false);
      loop.setInterlock(false, T0 + 0.5);
      assert.equal(loop.state, 'waiting');
      loop.setInterlock(true, T0 + 0.75);
      loop.hold(T0 + 0.75);
      loop.setInterlock(false, T0 + 1);
      assert.equal(loop.state, 'held', 'the requested hold stays');
    });

    it('does not activate an inactive loop; activation while interlocked starts held', () => {
      const loop = new ControlLoop(armConfig());
      assert.equal(loop.setInterlock(true, T0), true);
      assert.equal(loop.state, 'inactive');
      assert.ok(loop.activate(T0, { joints: [0, 0] }).ok);
      assert.equal(loop.state, 'held');
      loop.deactivate();
      assert.equal(loop.setInterlock(false, T0 + 1), true);
      assert.equal(loop.state, 'inactive');
    });
  });

  describe('episode start', () => {
    it('inactive: releases a hold scoped to another episode only', () => {
      const scoped = new ControlLoop(armConfig());
      scoped.hold(T0, 'A');
      assert.deepEqual(scoped.startEpisode(T0, 'A', {}), { released: false, restart: undefined });
      assert.equal(scoped.heldEpisode, 'A');
      assert.deepEqual(scoped.startEpisode(T0, 'B', {}), { released: true, restart: undefined });
      assert.equal(scoped.isHoldRequested, false);
      assert.equal(scoped.state, 'inactive');
      const unscoped = new ControlLoop(armConfig());
      unscoped.hold(T0);
      assert.deepEqual(unscoped.startEpisode(T0, 'B', {}), { released: false, restart: undefined });
      assert.equal(unscoped.isHoldRequested, true);
      const none = new ControlLoop(armConfig());
      assert.deepEqual(none.startEpisode(T0, 'B', {}), { released: false, restart: undefined });
    });

    it('active: starts again from the robot state, forgetting the plan of the last episode', () => {
      const loop = armLoop();
      accepted(
        loop.offerChunk(
          rows(
            [
              [0, 0],
              [0.1, 0.1],
              [0.2, 0.2],
              [0.3, 0.3],
            ],
            T0,
            1,
          ),
          T0,
        ),
      );
      loop.tick(T0 + 0.125);
      loop.hold(T0 + 0.125, 'A');
      assert.deepEqual(loop.startEpisode(T0 + 0.25, 'B', { joints: [0.5, -0.25] }), { released: true, restart: { ok: true, notes: [] } });
      assert.equal(loop.state, 'waiting');
      assert.equal(loop.pendingSteps, 0);
      assert.deepEqual(target(loop, T0 + 0.5), [0.5, -0.25]);
    });

    it('active, from a state not safe to start from: holds (unscoped) at the last target and says why', () => {
      const loop = armLoop();
      const before = target(loop, T0 + 0.125);
      assert.deepEqual(loop.startEpisode(T0 + 0.25, 'B', { joints: [NaN, 0] }), {
        released: false,
        restart: { ok: false, reason: 'joint positions are not finite' },
      });
      assert.equal(loop.state, 'held');
      assert.equal(loop.isHoldRequested, true);
      assert.equal(loop.heldEpisode, undefined);
      assert.deepEqual(target(loop, T0 + 0.5), before);
    });
  });

  describe('observation age and watchdog', () => {
    it('holds when the camera image behind the chunks gets older than max_observation_age (not at exactly it)', () => {
      const loop = armLoop({ maxChunkAge: 1 });
      const ramp = Array.from({ length: 30 }, (_, i) => [0.02 * i, 0]);
      accepted(loop.offerChunk(rows(ramp, T0 + 0.25, 1, { observationStamp: T0 }), T0 + 0.25));
      assert.equal(loop.tick(T0 + 0.5)!.state, 'running', 'exactly max_observation_age');
      const out = loop.tick(T0 + 0.625)!;
      assert.equal(out.state, 'stale');
      const held = Array.from(out.target);
      assert.deepEqual(target(loop, T0 + 0.75), held, 'frozen although the chunk goes on');
      assert.equal(loop.staleReason, 'observation');
      assert.equal(loop.observationTrips, 1);
      assert.equal(loop.watchdogTrips, 0);
      // A fresh chunk runs again; then no chunk for longer than max_chunk_age: the watchdog.
      accepted(loop.offerChunk(rows(flat(30, 0.05), T0 + 0.75, 2), T0 + 0.75));
      assert.equal(loop.tick(T0 + 0.75)!.state, 'running');
      const fresh = armLoop({ maxObservationAge: 2 });
      accepted(fresh.offerChunk(rows(flat(30, 0.05), T0, 1), T0));
      fresh.tick(T0 + 0.25);
      fresh.setInterlock(true, T0 + 0.25);
      fresh.setInterlock(false, T0 + 0.5);
      accepted(fresh.offerChunk(rows(flat(30, 0.05), T0 + 0.5, 2, { observationStamp: T0 - 1 }), T0 + 0.5));
      assert.equal(fresh.tick(T0 + 1.125)!.state, 'stale');
      assert.equal(fresh.staleReason, 'chunk');
      assert.equal(fresh.watchdogTrips, 1);
    });

    it('the watchdog trip after an observation trip is reported as the chunk cause', () => {
      const loop = armLoop({ maxChunkAge: 0.5, maxObservationAge: 0.5 });
      accepted(loop.offerChunk(rows(flat(30, 0.05), T0 + 0.25, 1, { observationStamp: T0 }), T0 + 0.25));
      loop.tick(T0 + 0.625);
      assert.equal(loop.staleReason, 'observation');
      accepted(loop.offerChunk(rows(flat(30, 0.05), T0 + 0.75, 2), T0 + 0.75));
      loop.tick(T0 + 0.875);
      assert.equal(loop.tick(T0 + 1.375)!.state, 'stale');
      assert.equal(loop.staleReason, 'chunk');
      assert.equal(loop.watchdogTrips, 1);
    });
  });

  describe('clock jumps', () => {
    it('a tick or a chunk exactly 1 ns back is no jump', () => {
      const loop = armLoop();
      accepted(loop.offerChunk(rows(flat(12, 0.05), T0, 1), T0));
      loop.tick(T0 + 0.25);
      assert.equal(loop.tick(T0 + 0.25 - 1e-9)!.state, 'running');
      const v = accepted(loop.offerChunk(rows(flat(12, 0.05), T0 + 0.125, 2), T0 + 0.25 - 1e-9 - 1e-9));
      assert.equal(v.insertion.rebased, false, 'same grid');
    });

    it('a chunk arriving after time went back starts a new grid in the new time', () => {
      const loop = armLoop();
      accepted(loop.offerChunk(rows(flat(12, 0.05), T0, 1), T0));
      loop.tick(T0 + 0.25);
      const v = accepted(loop.offerChunk(rows(flat(12), T0 - 50, 2), T0 - 50));
      assert.equal(v.insertion.rebased, true);
    });

    it('stale or running goes back to waiting, held stays held', () => {
      const stale = armLoop();
      accepted(stale.offerChunk(rows(flat(30, 0.05), T0, 1), T0));
      assert.equal(stale.tick(T0 + 0.75)!.state, 'stale');
      assert.equal(stale.tick(T0 - 10)!.state, 'waiting');
      const held = armLoop();
      held.hold(T0);
      assert.equal(held.tick(T0 - 10)!.state, 'held');
    });
  });

  describe('gripper', () => {
    // 32 Hz ticks (31.25 ms) and a 16 Hz gripper: a command is due when 62.5 − 15.625 = 46.875 ms
    // have passed since the last one (half a tick of slack).
    const gripperLoop = () => armLoop({ publishRateHz: 32, gripperRateHz: 16 });
    const withGripper = (stamp: number, sequence: number) =>
      chunk(
        Array.from({ length: 12 }, () => [0, 0, 1]),
        { stamp, dt: 0.1, sequence, gripper: 'absolute_continuous', dimensionNames: ['j1', 'j2', 'gripper'] },
      );

    it('the first command goes out on the first tick with a target, then at the gripper rate', () => {
      const loop = gripperLoop();
      assert.equal(loop.tick(T0)!.gripper, undefined, 'no target yet');
      accepted(loop.offerChunk(withGripper(T0, 1), T0));
      const t = T0 + 0.03125;
      assert.equal(loop.tick(t)!.gripper, 1, 'one tick after a tick without a command');
      assert.equal(loop.gripperCommand, 1);
      assert.equal(loop.tick(t + 0.03125)!.gripper, undefined, 'one tick later: not due');
      assert.equal(loop.tick(t + 0.046875)!.gripper, 1, 'exactly due');
      assert.equal(loop.tick(t + 0.078125)!.gripper, undefined);
    });

    it('after a clock jump or a new activation, the first tick sends a command again', () => {
      const loop = gripperLoop();
      accepted(loop.offerChunk(withGripper(T0, 1), T0));
      assert.equal(loop.tick(T0 + 0.03125)!.gripper, 1);
      assert.equal(loop.tick(T0 - 10)!.gripper, 1, 'after the jump');
      loop.deactivate();
      assert.ok(loop.activate(T0 - 9, { joints: [0, 0] }).ok);
      accepted(loop.offerChunk(withGripper(T0 - 9, 2), T0 - 9));
      assert.equal(loop.tick(T0 - 9 + 0.03125)!.gripper, 1, 'after activation');
    });
  });
});
