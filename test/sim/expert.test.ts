// The scripted expert solves every task on every seed of a fixed test set, for both arms, with
// the action space of the reference bundle (ee_delta at 30 Hz, relative to the previous target),
// in this thread and without ROS.

import { strict as assert } from 'node:assert';
import { ACTION_DT } from '../../nodes/sim/expert.js';
import { runEpisode } from '../../nodes/sim/episode_runner.js';
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
