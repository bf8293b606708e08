// The closed-loop evaluation's episode runner (nodes/sim/eval/): the reference bundle's real ONNX
// models, the bridge's ControlLoop and the simulator, on simulated time with modelled latency.

import { strict as assert } from 'node:assert';
import { CameraRig } from '../../nodes/sim/camera_rig.js';
import { BundlePolicy } from '../../nodes/sim/eval/bundle_policy.js';
import { SIM_CAMERA_SIZE } from '../../nodes/sim/camera_rig.js';
import { runClosedLoopEpisode, type ClosedLoopOptions } from '../../nodes/sim/eval/closed_loop.js';
import { formatReport } from '../../nodes/sim/eval/report.js';
import { successByTask, summarise } from '../../nodes/sim/eval/evaluation.js';
import { Renderer } from '../../nodes/sim/render/renderer.js';
import type { Simulator } from '../../nodes/sim/simulator.js';
import { makeSimulator } from './sim_helpers.js';

describe('closed-loop evaluation episodes (reference bundle)', function () {
  this.timeout(60_000);
  let policy: BundlePolicy;
  let sim: Simulator;
  let rig: CameraRig;
  const renderer = new Renderer();
  const size = { width: SIM_CAMERA_SIZE, height: SIM_CAMERA_SIZE };

  before(async () => {
    policy = await BundlePolicy.load('reference');
    sim = await makeSimulator('fr3', { seed: 4 });
    rig = new CameraRig(sim.physics, 'fr3', { scene: size, wrist: size });
  });
  after(async () => {
    await policy.release();
    sim.dispose();
  });

  const run = (o: Partial<ClosedLoopOptions>) =>
    runClosedLoopEpisode(sim, rig, renderer, policy, {
      mode: 'async',
      mergeRule: 'rtc',
      addedVlmLatency: 0,
      index: 1,
      maxTime: 2,
      decoderSeed: 7,
      ...o,
    });

  it('async: chunks at 30 Hz from latents whose age reflects the VLM latency; bounded, finite targets', async () => {
    const ep = await run({ addedVlmLatency: 0.3 });
    assert.equal(ep.duration.toFixed(3), '2.000');
    // The first latent is ready 0.302 s after the first frame (0.034 s); then a chunk every 1/30 s.
    assert.ok(ep.chunksDecoded >= 48 && ep.chunksDecoded <= 52, `${ep.chunksDecoded} chunks`);
    assert.equal(ep.chunksAccepted, ep.chunksDecoded);
    // VLM at 2 Hz + 0.302 s latency on frames up to 1/30 s old, results on the 1 ms clock:
    // ages between 0.302 and 0.5 + 0.302 + 0.034 + 0.001 s.
    assert.ok(ep.latentAgeMean > 0.3 && ep.latentAgeMax <= 0.837 + 1e-9, `age ${ep.latentAgeMean} / ${ep.latentAgeMax}`);
    // 50 Hz bridge ticks from its activation at its first state check (0.05 s): 0.07 … 1.99 s.
    assert.equal(ep.targets, 97);
    assert.ok(ep.maxTargetStep <= 0.5 / 50 + 1e-9, `step ${ep.maxTargetStep}`);
    assert.equal(ep.features.length, ep.chunksDecoded);
    assert.ok(ep.features.every((f) => f.every(Number.isFinite)));
  });

  it('sync: one inference per executed chunk, the arm waiting for the models meanwhile', async () => {
    const ep = await run({ mode: 'sync', mergeRule: 'latest_only', addedVlmLatency: 0.1 });
    // Each cycle: 0.102 s VLM + 0.003 s expert, then 16 actions of 1/30 s (the bridge ticks at 50 Hz).
    assert.ok(ep.chunksAccepted >= 3 && ep.chunksAccepted <= 4, `${ep.chunksAccepted} chunks in 2 s`);
    assert.ok(ep.vlmRuns - ep.chunksDecoded <= 1, 'one VLM run per chunk (the last may still be running)');
    // The VLM's latency plus the age of the frame it saw (at most one camera period, 1/30 s).
    assert.ok(ep.latentAgeMean >= 0.102 && ep.latentAgeMax <= 0.102 + 0.034 + 0.001 + 1e-9, `age ${ep.latentAgeMean} / ${ep.latentAgeMax}`);
  });

  it('is deterministic: the same episode twice gives the same chunks, features and outcome', async () => {
    const a = await run({ addedVlmLatency: 0.1 });
    const b = await run({ addedVlmLatency: 0.1 });
    assert.deepEqual(b.features, a.features);
    // Episode time is the physics clock minus the episode's start: equal up to float rounding.
    assert.ok(Math.abs(a.duration - b.duration) < 1e-9);
    assert.deepEqual({ ...b, features: [], duration: 0 }, { ...a, features: [], duration: 0 });
  });

  it('summaries and the report table count what the episodes did', async () => {
    const ep = await run({});
    const s = summarise('async rtc +0ms', { mode: 'async', mergeRule: 'rtc', addedVlmLatency: 0 }, false, [ep, ep]);
    assert.equal(s.episodes, 2);
    assert.equal(s.successRate, ep.success ? 1 : 0);
    assert.ok(Math.abs(s.chunkRate - ep.chunksAccepted / ep.duration) < 1e-9);
    const text = formatReport({
      bundle: '/x/reference',
      trained: false,
      robot: 'fr3',
      seed: 0,
      episodesPerSetting: 2,
      maxTime: 2,
      maxLatentAge: 1,
      wallSeconds: 1,
      settings: [s],
      safe: undefined,
    });
    assert.match(text, /reference \(UNTRAINED\)/);
    assert.match(text, /\| async rtc \+0ms \| 2 \|/);
    // The success cell gives the count beside the rate.
    const n = ep.success ? 2 : 0;
    assert.ok(text.includes(`| async rtc +0ms | 2 | ${n * 50}% (${n}/2) |`), text);
  });

  it("the report's SAFE table: counts, rates, T-det and the alarm lead in seconds", () => {
    const safe = {
      detector: '/x/reference/safe_lstm.onnx',
      alpha: 0.1,
      episodes: 100,
      successes: 56,
      failures: 44,
      injected: 50,
      injectedFailed: 40,
      rocAuc: 0.7722,
      tpr: 0.4773,
      tnr: 0.9107,
      balancedAccuracy: 0.694,
      tDet: 0.6661,
      leadTime: 5.126,
      falseAlarmRate: 0.0893,
      note: '',
    };
    const report = (s: typeof safe) =>
      formatReport({
        bundle: '/x/reference',
        trained: true,
        robot: 'fr3',
        seed: 0,
        episodesPerSetting: 50,
        maxTime: 15,
        maxLatentAge: 1,
        wallSeconds: 1,
        settings: [],
        safe: s,
      });
    const text = report(safe);
    assert.match(text, /## SAFE \(safe_lstm\.onnx, band calibrated at α = 0\.1\)/);
    assert.match(text, /100 episodes \(56 successes, 44 failures; 50 with an injected failure, 40 of them failed\)/);
    assert.match(text, /\| T-det \| alarm lead \[s\] \| false alarms on successes \| α \|/);
    assert.match(text, /\| 0\.772 \| 0\.477 \| 0\.911 \| 0\.694 \| 0\.666 \| 5\.13 \| 0\.089 \| 0\.1 \|/);
    assert.match(report({ ...safe, tpr: 0, leadTime: NaN }), /\| 0\.666 \| n\/a \| 0\.089 \|/);
  });

  it('counts successes per task and reports them in a table once episodes span several tasks', () => {
    const eps = [
      { task: 'push_left', success: true },
      { task: 'lift', success: false },
      { task: 'push_left', success: false },
      { task: 'lift', success: true },
      { task: 'push_left', success: true },
    ];
    assert.deepEqual(successByTask(eps), [
      { task: 'push_left', episodes: 3, successes: 2 },
      { task: 'lift', episodes: 2, successes: 1 },
    ]);
    const setting = { mode: 'async', mergeRule: 'rtc', addedVlmLatency: 0 } as const;
    const summary = (name: string, perTask: ReturnType<typeof successByTask>) => ({
      ...summarise(name, setting, false, []),
      perTask,
    });
    const report = (settings: ReturnType<typeof summary>[]) =>
      formatReport({
        bundle: '/x/reference',
        trained: true,
        robot: 'fr3',
        seed: 0,
        episodesPerSetting: 5,
        maxTime: 2,
        maxLatentAge: 1,
        wallSeconds: 1,
        settings,
        safe: undefined,
      });
    const text = report([
      summary('async rtc +0ms', successByTask(eps)),
      summary('sync rtc +0ms', [{ task: 'lift', episodes: 1, successes: 0 }]),
    ]);
    assert.match(text, /## Success per task\n\n\| setting \| push_left \| lift \|/);
    assert.match(text, /\| async rtc \+0ms \| 67% \(2\/3\) \| 50% \(1\/2\) \|/);
    assert.match(text, /\| sync rtc \+0ms \| – \| 0% \(0\/1\) \|/);
    assert.doesNotMatch(report([summary('async rtc +0ms', [{ task: 'touch', episodes: 2, successes: 1 }])]), /Success per task/);
  });
});
