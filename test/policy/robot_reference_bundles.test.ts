// Each simulated robot's reference bundle (REFERENCE_BUNDLES: what `sim run` / `sim eval` and
// sim.launch.xml pick by default): it fits its robot, refuses the other, and solves held-out
// episodes through sim eval's closed loop (the nodes' cores, virtual time: deterministic).

import { strict as assert } from 'node:assert';
import { robotFitProblem } from '../../nodes/policy/bundle_validation.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { simCameraRig } from '../../nodes/sim/camera_rig.js';
import { createDefaultSimulator } from '../../nodes/sim/default_simulator.js';
import { BundlePolicy } from '../../nodes/sim/eval/bundle_policy.js';
import { runClosedLoopEpisode } from '../../nodes/sim/eval/closed_loop.js';
import { Renderer } from '../../nodes/sim/render/renderer.js';
import { loadRobotFacts, REFERENCE_BUNDLES, SIM_ROBOTS } from '../../nodes/sim/robot_facts.js';
import type { TaskKind } from '../../nodes/sim/tasks.js';

describe("each simulated robot's reference bundle", function () {
  this.timeout(120_000);

  it('fits its robot and no other: the state is that arm’s joints', () => {
    for (const robot of SIM_ROBOTS) {
      const m = loadPolicyBundle(REFERENCE_BUNDLES[robot]).manifest;
      assert.equal(m.trained, true, REFERENCE_BUNDLES[robot]);
      for (const other of SIM_ROBOTS) {
        const problem = robotFitProblem(m, loadRobotFacts(other));
        if (other === robot) assert.equal(problem, undefined, `${REFERENCE_BUNDLES[robot]} on ${other}`);
        else assert.ok(problem !== undefined, `${REFERENCE_BUNDLES[robot]} must not fit ${other}`);
      }
    }
  });

  // Held out: seed 0 is sim eval's default, not a training seed (1000, 1001).
  const EPISODES: { robot: (typeof SIM_ROBOTS)[number]; task: TaskKind; index: number }[] = [
    { robot: 'fr3', task: 'lift', index: 1 },
    { robot: 'ur5e', task: 'touch', index: 0 },
    { robot: 'ur5e', task: 'lift', index: 1 },
  ];
  for (const { robot, task, index } of EPISODES) {
    it(`${REFERENCE_BUNDLES[robot]} solves ${task} episode ${index} of seed 0 on the ${robot} (async, +100 ms VLM latency)`, async () => {
      const policy = await BundlePolicy.load(REFERENCE_BUNDLES[robot]);
      const sim = await createDefaultSimulator(robot, 0, { task, object: 'random' });
      try {
        const ep = await runClosedLoopEpisode(sim, simCameraRig(sim), new Renderer(), policy, {
          mode: 'async',
          mergeRule: 'weighted_average',
          addedVlmLatency: 0.1,
          index,
          maxTime: 15,
          decoderSeed: 0,
        });
        assert.equal(ep.task, task);
        assert.ok(ep.success, `${task} not solved in 15 s (${ep.chunksDecoded} chunks, ${ep.chunksRefused} refused)`);
        assert.ok(ep.successTime < 12, `solved at ${ep.successTime} s`);
        assert.equal(ep.chunksAccepted, ep.chunksDecoded);
      } finally {
        sim.dispose();
        await policy.release();
      }
    });
  }
});
