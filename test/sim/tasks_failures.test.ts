// Tasks (instructions, seeded layouts, success checks), failure injection, and the pacing of the
// node's stepping loop.

import { strict as assert } from 'node:assert';
import { runEpisode } from '../../nodes/sim/episode_runner.js';
import { NO_FAILURE, scheduleFailure, type FailureSpec } from '../../nodes/sim/failures.js';
import { Pacer, RateSchedule } from '../../nodes/sim/pacing.js';
import { OBJECT_COLOURS } from '../../nodes/sim/scene_mjcf.js';
import { PUSH_SUCCESS_DISTANCE, TASK_KINDS, instructionFor, pushDirection, sampleEpisode, taskRegion } from '../../nodes/sim/tasks.js';
import { quatFromEulerXyz } from '../../nodes/robots/rotation.js';
import { makeSimulator, maxAbsDiff } from './sim_helpers.js';

const spec = (kind: FailureSpec['kind'], over: Partial<FailureSpec> = {}): FailureSpec => ({
  ...NO_FAILURE,
  kind,
  startMin: 0.5,
  startMax: 0.5,
  ...over,
});

describe('tasks', () => {
  it('instructions name the object by colour and shape', () => {
    assert.equal(instructionFor('push_left', 'red'), 'push the red cube to the left');
    assert.equal(instructionFor('touch', 'blue'), 'touch the blue block');
    assert.equal(instructionFor('push_forward', 'yellow'), 'move the yellow block forward');
    assert.equal(instructionFor('lift', 'green'), 'lift the green cube');
    assert.deepEqual(pushDirection('push_left'), [0, 1]);
    assert.deepEqual(pushDirection('push_right'), [0, -1]);
    assert.equal(pushDirection('touch'), undefined);
  });

  it('layouts are a function of (seed, index): reproducible, varied, separated, inside the region, corridor clear', () => {
    const seen = new Set<string>();
    for (const robot of ['fr3', 'ur5e'] as const) {
      const region = taskRegion(robot);
      for (let index = 0; index < 40; index++) {
        const a = sampleEpisode(robot, 5, index, { task: 'random', object: 'random' });
        const b = sampleEpisode(robot, 5, index, { task: 'random', object: 'random' });
        assert.deepEqual(a, b);
        seen.add(`${a.kind}/${a.colour}`);
        assert.equal(a.placements.length, OBJECT_COLOURS.length);
        for (const p of a.placements) {
          assert.ok(Math.abs(p.x - region.centre[0]) <= region.half[0] && Math.abs(p.y - region.centre[1]) <= region.half[1]);
          for (const o of a.placements) if (o !== p) assert.ok(Math.hypot(o.x - p.x, o.y - p.y) >= 0.12);
        }
        const dir = pushDirection(a.kind);
        if (dir !== undefined) {
          const t = a.placements.find((p) => p.colour === a.colour)!;
          for (const o of a.placements) {
            if (o === t) continue;
            const along = (o.x - t.x) * dir[0] + (o.y - t.y) * dir[1];
            const across = Math.abs(-(o.x - t.x) * dir[1] + (o.y - t.y) * dir[0]);
            assert.ok(!(along > -0.12 && along < 0.2 && across < 0.09), 'push corridor is clear');
          }
        }
      }
    }
    assert.ok(seen.size >= 10, `varied tasks and objects: ${[...seen].join(', ')}`);
    // A fixed task/object keeps the rest of the episode's draws.
    const fixed = sampleEpisode('fr3', 5, 3, { task: 'touch', object: 'red' });
    assert.equal(fixed.kind, 'touch');
    assert.equal(fixed.colour, 'red');
    assert.equal(fixed.seed, sampleEpisode('fr3', 5, 3, { task: 'random', object: 'random' }).seed);
  });

  it('success checks: a push counts once the object moved 8 cm that way on the table; nothing else counts', async () => {
    const sim = await makeSimulator('fr3', { episode: { task: 'push_left', object: 'red' } });
    sim.reset(0);
    const start = sim.physics.objectPose('red');
    sim.advance(20);
    assert.equal(sim.taskStatus!.success, false);
    // Moved right instead: no success.
    sim.physics.setObjectPose('red', { p: [start.p[0], start.p[1] - 0.1, start.p[2]], q: start.q });
    sim.physics.forward();
    sim.advance(20);
    assert.equal(sim.taskStatus!.success, false);
    // Moved left by a little more than the threshold: success, and it stays (latched).
    sim.physics.setObjectPose('red', {
      p: [start.p[0], start.p[1] + PUSH_SUCCESS_DISTANCE + 0.002, start.p[2]],
      q: quatFromEulerXyz(0, 0, 0.2),
    });
    sim.physics.forward();
    sim.advance(20);
    assert.equal(sim.taskStatus!.success, true);
    assert.ok(sim.events.some((e) => e.kind === 'success'));
    sim.physics.setObjectPose('red', start);
    sim.physics.forward();
    sim.advance(20);
    assert.equal(sim.taskStatus!.success, true);
    sim.dispose();
  });

  it('every task kind has a reachable, checkable episode for both arms (no layout failure over 200 draws)', () => {
    for (const robot of ['fr3', 'ur5e'] as const) {
      for (const task of TASK_KINDS) {
        for (let i = 0; i < 200; i++) sampleEpisode(robot, 99, i, { task, object: 'random' });
      }
    }
  });
});

describe('failure injection', function () {
  this.timeout(30_000);

  it('is decided by the episode seed: reproducible, and probability 0 never injects', () => {
    const setup = sampleEpisode('fr3', 1, 0, { task: 'push_left', object: 'red' });
    const region = taskRegion('fr3');
    const s = spec('object_moved', { startMin: 1, startMax: 3 });
    assert.deepEqual(scheduleFailure(s, setup, region), scheduleFailure(s, setup, region));
    const f = scheduleFailure(s, setup, region)!;
    assert.ok(f.start >= 1 && f.start <= 3);
    assert.equal(scheduleFailure({ ...s, probability: 0 }, setup, region), undefined);
    let injected = 0;
    for (let i = 0; i < 200; i++) {
      if (
        scheduleFailure({ ...s, probability: 0.3 }, sampleEpisode('fr3', 1, i, { task: 'touch', object: 'random' }), region) !== undefined
      )
        injected++;
    }
    assert.ok(injected > 35 && injected < 85, `${injected}/200 episodes got the failure at probability 0.3`);
  });

  it('object_moved: the target object jumps 8–15 cm at the start time and rests there', async () => {
    const sim = await makeSimulator('fr3', { episode: { task: 'touch', object: 'blue' }, failure: spec('object_moved') });
    sim.reset(0);
    const before = sim.physics.objectPose('blue');
    sim.advance(490);
    assert.ok(maxAbsDiff(sim.physics.objectPose('blue').p, before.p) < 1e-3, 'not before the start');
    sim.advance(300);
    const after = sim.physics.objectPose('blue');
    const d = Math.hypot(after.p[0] - before.p[0], after.p[1] - before.p[1]);
    assert.ok(d >= 0.075 && d <= 0.155, `moved ${d} m`);
    assert.ok(Math.abs(after.p[2] - before.p[2]) < 0.003, 'still on the table');
    assert.ok(sim.events.some((e) => e.kind === 'failure_started' && e.failure.kind === 'object_moved'));
    sim.dispose();
  });

  it('arm_blocked (brake): the arm stops dead for `duration`, then moves again', async () => {
    const sim = await makeSimulator('fr3', { failure: spec('arm_blocked', { duration: 1 }) });
    sim.reset(0);
    sim.advance(500);
    const held = sim.jointState().position;
    const s = sim.eePose();
    sim.setTargetPose([s.p[0] + 0.1, s.p[1] + 0.1, s.p[2] - 0.1], s.q);
    sim.advance(900);
    assert.ok(maxAbsDiff(sim.jointState().position, held) < 2e-3, `moved ${maxAbsDiff(sim.jointState().position, held)} rad while blocked`);
    sim.advance(1500);
    const e = sim.eePose();
    assert.ok(
      Math.hypot(e.p[0] - s.p[0] - 0.1, e.p[1] - s.p[1] - 0.1, e.p[2] - s.p[2] + 0.1) < 0.01,
      'reaches the target after the failure ends',
    );
    assert.ok(sim.events.some((ev) => ev.kind === 'failure_ended'));
    sim.dispose();
  });

  it('arm_blocked (wall): the gripper cannot go past a wall toward the target object', async () => {
    const sim = await makeSimulator('fr3', {
      episode: { task: 'touch', object: 'random' },
      failure: spec('arm_blocked', { blockMode: 'wall' }),
    });
    const setup = sim.reset(0);
    sim.advance(510);
    const wallPoint = sim.physics.gripPoint();
    const target = sim.physics.objectPose(setup.colour).p;
    const normal = [wallPoint[0] - target[0], wallPoint[1] - target[1]];
    const len = Math.hypot(normal[0], normal[1]);
    // Command the gripper straight at the object: it stops at the wall (a few mm of give).
    const ee = sim.eePose();
    sim.setTargetPose([ee.p[0] - (0.15 * normal[0]) / len, ee.p[1] - (0.15 * normal[1]) / len, ee.p[2]], ee.q);
    sim.advance(2000);
    const g = sim.physics.gripPoint();
    const past = -((g[0] - wallPoint[0]) * normal[0] + (g[1] - wallPoint[1]) * normal[1]) / len;
    assert.ok(past < 0.015, `went ${(past * 1000).toFixed(1)} mm past the wall`);
    sim.dispose();
  });

  it('camera_frozen / camera_dropped: the selected camera is frozen or dropped for `duration`', async () => {
    for (const kind of ['camera_frozen', 'camera_dropped'] as const) {
      const sim = await makeSimulator('ur5e', { failure: spec(kind, { duration: 0.3, camera: 'wrist' }) });
      sim.reset(0);
      sim.advance(400);
      assert.equal(sim.cameraState('wrist'), 'live');
      sim.advance(200);
      assert.equal(sim.cameraState('wrist'), kind === 'camera_frozen' ? 'frozen' : 'dropped');
      assert.equal(sim.cameraState('scene'), 'live');
      sim.advance(300);
      assert.equal(sim.cameraState('wrist'), 'live');
      sim.dispose();
    }
  });

  it("instruction_switched: the robot is told another task's instruction; success is still the original task's", async () => {
    const sim = await makeSimulator('fr3', { seed: 4, episode: { task: 'touch', object: 'red' }, failure: spec('instruction_switched') });
    const r = runEpisode(sim, 'expert', { maxTime: 10, index: 0 });
    const switched = sim.events.find((e) => e.kind === 'instruction_switched');
    assert.ok(switched !== undefined && switched.kind === 'instruction_switched');
    assert.notEqual(switched.instruction, r.setup.instruction);
    assert.equal(sim.instruction, switched.instruction);
    assert.equal(sim.episode!.instruction, 'touch the red cube');
    // The (privileged) expert still does the original task, and that is what is checked.
    assert.ok(r.success);
    sim.dispose();
  });
});

describe('pacing', () => {
  it('steps due = ⌊Δwall·rtf/dt⌋; falling behind re-anchors instead of bursting', () => {
    const p = new Pacer(0.001, 1, 50);
    p.start(10, 0);
    assert.equal(p.due(10.0004, 0), 0);
    assert.equal(p.due(10.0031, 0), 3);
    assert.equal(p.due(10.0031, 3), 0);
    p.setRealTimeFactor(2, 10.0031, 3);
    assert.equal(p.due(10.0051, 3), 4);
    // A 1 s stall: 50 steps, then pacing continues from there (a lag).
    assert.equal(p.due(11.0051, 7), 50);
    assert.equal(p.lagEvents, 1);
    assert.equal(p.due(11.0061, 57), 2);
  });

  it('rate schedules publish on exact steps: 250 Hz every 4 steps, 30 Hz at ⌈j·33.3⌉', () => {
    const s250 = new RateSchedule(250, 0.001);
    const s30 = new RateSchedule(30, 0.001, 1000);
    const a: number[] = [];
    const b: number[] = [];
    for (let k = 1; k <= 1200; k++) {
      if (s250.due(k)) a.push(k);
      if (k > 1000 && s30.due(k)) b.push(k);
    }
    assert.deepEqual(a.slice(0, 4), [4, 8, 12, 16]);
    assert.equal(a.length, 300);
    assert.deepEqual(b.slice(0, 4), [1034, 1067, 1100, 1134]);
  });
});
