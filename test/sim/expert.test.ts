// The scripted expert solves every task on every seed of a fixed test set, for both arms, with
// the action space of the reference bundle (ee_delta at 30 Hz, relative to the previous target),
// in this thread and without ROS.

import { strict as assert } from 'node:assert';
import { ACTION_DT, type ScriptedExpert } from '../../nodes/sim/expert.js';
import { expertPolicy, runEpisode } from '../../nodes/sim/episode_runner.js';
import { SIM_ROBOTS } from '../../nodes/sim/robot_facts.js';
import { TASK_KINDS, instructionFor } from '../../nodes/sim/tasks.js';
import { makeSimulator } from './sim_helpers.js';

/** The test set: these episodes (seed, index) of every task, for each arm. */
const TEST_SEED = 2024;
const TEST_EPISODES = [0, 1, 2];

describe('scripted expert', function () {
  this.timeout(60_000);

  for (const robot of SIM_ROBOTS) {
    for (const task of TASK_KINDS) {
      it(`${robot}: ${task} succeeds on every test episode`, async () => {
        const sim = await makeSimulator(robot, { seed: TEST_SEED, episode: { task, object: 'random' } });
        for (const index of TEST_EPISODES) {
          let maxStep = 0;
          let maxTurn = 0;
          const r = runEpisode(sim, 'expert', {
            index,
            maxTime: 15,
            onTick: (t) => {
              maxStep = Math.max(maxStep, Math.hypot(t.action[0], t.action[1], t.action[2]));
              maxTurn = Math.max(maxTurn, Math.abs(t.action[3]), Math.abs(t.action[4]), Math.abs(t.action[5]));
              assert.ok(t.action[6] === 0 || t.action[6] === 1, 'gripper action is absolute 0 or 1');
            },
          });
          assert.equal(r.setup.instruction, instructionFor(task, r.setup.colour));
          assert.ok(r.success, `${robot} ${task} episode ${index} ("${r.setup.instruction}") failed: ${r.detail}`);
          assert.ok(r.successTime < 12, `took ${r.successTime.toFixed(2)} s`);
          // Within the reference bundle's action bounds (±0.05 m, ±0.3 rad per step).
          assert.ok(maxStep <= 0.05 && maxTurn <= 0.3, `largest step ${maxStep} m, ${maxTurn} rad`);
          assert.ok(Math.abs(r.actions * ACTION_DT - r.duration) < 2 * ACTION_DT, 'one action per 1/30 s');
        }
        sim.dispose();
      });
    }
  }
});

// On-policy labelling (DAgger) of lift takes the phase from the measured state each tick. Driving
// the arm with those labels must still lift the object: were a phase ever wrong (open while
// holding, lower while above nothing), the object would not come up.
describe('scripted expert, on-policy lift labels', function () {
  this.timeout(60_000);

  for (const robot of SIM_ROBOTS) {
    it(`${robot}: labels that follow the measured state lift the object on every test episode`, async () => {
      const sim = await makeSimulator(robot, { seed: TEST_SEED, episode: { task: 'lift', object: 'random' } });
      try {
        for (const index of TEST_EPISODES) {
          let expert: ScriptedExpert | undefined;
          let closedWhileHolding = 0;
          const r = runEpisode(
            sim,
            {
              act: (obs) => {
                expert ??= expertPolicy(sim, sim.episode!, true);
                const a = expert.act({ ...obs, gripperWidth: sim.gripperState().width });
                if (expert.phaseLabel === 'lift' && a[6] === 0) closedWhileHolding++;
                return a;
              },
            },
            { index, maxTime: 15 },
          );
          assert.ok(r.success, `${robot} lift episode ${index} ("${r.setup.instruction}") failed: ${r.detail}`);
          assert.ok(closedWhileHolding > 0, 'the labels reached the lift phase with the gripper closed');
        }
      } finally {
        sim.dispose();
      }
    });
  }

  it('a labeller that first sees the arm already holding the object labels "closed, lift" (its own plan would say open, approach)', async () => {
    const sim = await makeSimulator('fr3', { seed: TEST_SEED, episode: { task: 'lift', object: 'random' } });
    try {
      let driver: ScriptedExpert | undefined;
      let liftTicks = 0;
      const firstLabels: { onPolicy: string; own: string } = { onPolicy: '', own: '' };
      const r = runEpisode(
        sim,
        {
          act: (obs) => {
            driver ??= expertPolicy(sim, sim.episode!);
            const a = driver.act(obs);
            // A few ticks into the driver's lift the object is between the fingers and coming up.
            if (driver.phaseLabel === 'lift' && ++liftTicks === 10) {
              const seen = { ...obs, gripperWidth: sim.gripperState().width };
              const onPolicy = expertPolicy(sim, sim.episode!, true);
              const own = expertPolicy(sim, sim.episode!);
              firstLabels.onPolicy = `${onPolicy.act(seen)[6]} ${onPolicy.phaseLabel}`;
              firstLabels.own = `${own.act(seen)[6]} ${own.phaseLabel}`;
            }
            return a;
          },
        },
        { index: 0, maxTime: 15 },
      );
      assert.ok(r.success, r.detail);
      assert.deepEqual(firstLabels, { onPolicy: '0 lift', own: '1 approach' });
    } finally {
      sim.dispose();
    }
  });

  it('refuses to label lift on-policy without the measured gripper width', async () => {
    const sim = await makeSimulator('fr3', { seed: TEST_SEED, episode: { task: 'lift', object: 'random' } });
    try {
      sim.reset(0);
      const expert = expertPolicy(sim, sim.episode!, true);
      const ee = sim.eePose();
      assert.throws(
        () => expert.act({ time: 0, target: ee, ee, objectPose: (c) => sim.physics.objectPose(c) }),
        /on-policy lift labels need the measured gripper width/,
      );
    } finally {
      sim.dispose();
    }
  });
});
