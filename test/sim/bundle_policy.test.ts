// The in-thread closed loop: runEpisodeAsync is runEpisode for policies that await inference, and
// BundlePolicy drives the simulator with the shipped reference bundle as the runtime would
// (VLM at its rate, a chunk per tick, the bridge's timeline).

import { strict as assert } from 'node:assert';
import { BundlePolicy, DEFAULT_BUNDLE_POLICY_OPTIONS, type PolicyTick } from '../../nodes/sim/bundle_policy.js';
import { expertPolicy, runEpisode, runEpisodeAsync } from '../../nodes/sim/episode_runner.js';
import { Renderer } from '../../nodes/sim/render/renderer.js';
import { makeSimulator } from './sim_helpers.js';

describe('sim: closed loop with a policy bundle', function () {
  this.timeout(60_000);

  it('runEpisodeAsync gives the same episode as runEpisode for the same actions', async () => {
    // Two fresh simulators: the episode clock is measured from the simulator's own time.
    const simA = await makeSimulator('fr3', { seed: 3, episode: { task: 'push_left', object: 'random' } });
    const simB = await makeSimulator('fr3', { seed: 3, episode: { task: 'push_left', object: 'random' } });
    const sync: number[][] = [];
    const a = runEpisode(simA, 'expert', { index: 1, maxTime: 3, onTick: (t) => sync.push([...t.jointPositions]) });
    const asyncTicks: number[][] = [];
    let expert: ReturnType<typeof expertPolicy> | undefined;
    const b = await runEpisodeAsync(
      simB,
      { act: (obs) => Promise.resolve((expert ??= expertPolicy(simB, simB.episode!)).act(obs)) },
      { index: 1, maxTime: 3, onTick: (t) => asyncTicks.push([...t.jointPositions]) },
    );
    assert.equal(b.actions, a.actions);
    assert.equal(b.setup.instruction, a.setup.instruction);
    assert.deepEqual(asyncTicks, sync);
    simA.dispose();
    simB.dispose();
  });

  it('runs the reference bundle: a latent every 15 ticks, a checked chunk per tick, the bridge timeline', async () => {
    const sim = await makeSimulator('fr3', { seed: 5, episode: { task: 'touch', object: 'random' } });
    const policy = await BundlePolicy.load('reference', sim, new Renderer(), { ...DEFAULT_BUNDLE_POLICY_OPTIONS, seed: 1 });
    const ticks: PolicyTick[] = [];
    const actions: Float64Array[] = [];
    policy.onTick = (t) => ticks.push(t);
    policy.reset();
    const r = await runEpisodeAsync(sim, policy, { index: 0, maxTime: 1, onTick: (t) => actions.push(t.action) });
    assert.equal(ticks.length, r.actions);
    assert.equal(policy.refused, 0);
    assert.equal(policy.stale, 0);
    // The VLM runs at 2 Hz: the latent's age climbs by one tick and restarts every 15 ticks.
    ticks.forEach((t, k) => assert.ok(Math.abs(t.latentAge - (k % 15) / 30) < 1e-9, `tick ${k}: age ${t.latentAge}`));
    assert.ok(ticks.every((t) => t.features?.length === 64 && t.features.every(Number.isFinite)));
    // Tick 0 has no committed step yet (the first chunk's rows start at step 2): the target holds.
    assert.deepEqual([...actions[0].subarray(0, 6)], [0, 0, 0, 0, 0, 0]);
    assert.equal(actions[0][6], 1);
    // Then the bundle's chunks drive the arm, inside its bounds.
    const m = policy.bundle.manifest.action;
    for (const a of actions.slice(1)) a.forEach((v, j) => assert.ok(v >= m.min[j] - 1e-9 && v <= m.max[j] + 1e-9, `${m.names[j]} = ${v}`));
    assert.ok(actions.slice(1).some((a) => Math.hypot(a[0], a[1], a[2]) > 1e-4), 'the arm moves');
    await policy.release();
    sim.dispose();
  });
});
