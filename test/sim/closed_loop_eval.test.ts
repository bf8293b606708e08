// The closed-loop evaluation's episode runner (nodes/sim/eval/): the reference bundle's real ONNX
// models, the bridge's ControlLoop and the simulator, on simulated time with modelled latency.

import { strict as assert } from 'node:assert';
import { CameraRig } from '../../nodes/sim/camera_rig.js';
import { BundlePolicy } from '../../nodes/sim/eval/bundle_policy.js';
import { SIM_CAMERA_SIZE } from '../../nodes/sim/camera_rig.js';
import { runClosedLoopEpisode, type ClosedLoopOptions } from '../../nodes/sim/eval/closed_loop.js';
import { formatReport } from '../../nodes/sim/eval/report.js';
import { evaluateSafe, safeByFailure, successByTask, summarise } from '../../nodes/sim/eval/evaluation.js';
import type { ClosedLoopEpisode } from '../../nodes/sim/eval/closed_loop.js';
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
    // Each feature at the episode time its chunk arrived: after the first latent, in order, within the episode.
    assert.equal(ep.featureTimes.length, ep.features.length);
    assert.ok(ep.featureTimes[0] > 0.3 && ep.featureTimes.at(-1)! <= ep.duration, `${ep.featureTimes[0]} … ${ep.featureTimes.at(-1)}`);
    assert.ok(ep.featureTimes.every((t, i) => i === 0 || t > ep.featureTimes[i - 1]));
    // One chunk per 30 Hz tick: consecutive features 1/30 s apart (the 1 ms clock's rounding aside).
    assert.ok(ep.featureTimes.slice(1).every((t, i) => Math.abs(t - ep.featureTimes[i] - 1 / 30) < 0.0025));
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
    assert.equal(b.featureTimes.length, a.featureTimes.length);
    assert.ok(a.featureTimes.every((t, i) => Math.abs(t - b.featureTimes[i]) < 1e-9));
    const rest = (e: typeof a) => ({ ...e, features: [], featureTimes: [], duration: 0 });
    assert.deepEqual(rest(b), rest(a));
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
      monitor: {
        featureTimeout: 0.5,
        startupTimeout: 5,
        rocAuc: 0.8911,
        tpr: 0.7045,
        tnr: 0.9107,
        balancedAccuracy: 0.8076,
        tDet: 0.4123,
        leadTime: 9.876,
        falseAlarmRate: 0.0893,
        timeouts: 10,
      },
      perFailure: [] as ReturnType<typeof safeByFailure>,
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
    assert.match(
      text,
      /\| alarms \| ROC-AUC \| TPR \| TNR \| balanced accuracy \| T-det \| alarm lead \[s\] \| false alarms on successes \| α \|/,
    );
    assert.match(text, /\| SAFE score \(band crossing\) \| 0\.772 \| 0\.477 \| 0\.911 \| 0\.694 \| 0\.666 \| 5\.13 \| 0\.089 \| 0\.1 \|/);
    assert.match(
      text,
      /\| failure monitor \(score or 0\.5 s feature timeout\) \| 0\.891 \| 0\.705 \| 0\.911 \| 0\.808 \| 0\.412 \| 9\.88 \| 0\.089 \| 0\.1 \|/,
    );
    assert.match(text, /10 came from a feature timeout/);
    assert.match(report({ ...safe, tpr: 0, leadTime: NaN }), /\| 0\.666 \| n\/a \| 0\.089 \|/);
    assert.doesNotMatch(text, /Per injected failure/);
    const perFailure = [
      { failure: 'none', episodes: 50, failed: 4, flagged: 5, alarmed: 6, rocAuc: 0.96 },
      { failure: 'camera_dropped', episodes: 10, failed: 10, flagged: 0, alarmed: 10, rocAuc: NaN },
    ];
    const split = report({ ...safe, perFailure });
    assert.match(
      split,
      /\| failure \| episodes \| failed \| flagged \| alarmed \| ROC-AUC \|\n\|---\|---\|---\|---\|---\|---\|\n\| none \| 50 \| 4 \| 5 \| 6 \| 0\.960 \|\n\| camera_dropped \| 10 \| 10 \| 0 \| 10 \| n\/a \|/,
    );
  });

  it("splits SAFE by injected failure: nominal first, flagged counts every outcome, ROC-AUC of the kind's failures against all successes", () => {
    const ep = (failure: string, success: boolean, flagged: boolean, score: number, alarmed = flagged) => ({
      failure,
      success,
      flagged,
      alarmed,
      score,
    });
    const rows = safeByFailure([
      ep('arm_blocked', false, true, 0.9),
      ep('none', true, false, 0.2),
      ep('camera_dropped', false, false, 0.1, true),
      ep('none', true, true, 0.5),
      ep('arm_blocked', true, true, 0.95),
      ep('camera_dropped', false, false, 0.3),
      ep('none', false, true, 0.6),
    ]);
    assert.deepEqual(
      rows.map((r) => r.failure),
      ['none', 'arm_blocked', 'camera_dropped'],
    );
    // successes score 0.2, 0.5, 0.95
    assert.deepEqual(rows[0], { failure: 'none', episodes: 3, failed: 1, flagged: 2, alarmed: 2, rocAuc: 2 / 3 });
    assert.deepEqual(rows[1], { failure: 'arm_blocked', episodes: 2, failed: 1, flagged: 2, alarmed: 2, rocAuc: 2 / 3 });
    assert.deepEqual(rows[2], { failure: 'camera_dropped', episodes: 2, failed: 2, flagged: 0, alarmed: 1, rocAuc: 1 / 6 });
    assert.ok(Number.isNaN(safeByFailure([ep('object_moved', true, false, 0.4)])[0].rocAuc), 'no failures of the kind');
    assert.deepEqual(safeByFailure([]), []);
  });

  it("evaluateSafe counts the monitor's feature timeout: an episode whose features stop alarms, ranks first, and its lead is in time", async () => {
    // Features every 1/30 s from 0.4 s: a success to its end at 6 s, a failure whose features stop at 1 s (its camera
    // dropped) and that runs to the 15 s limit. The reference detector scores the same (zero) features the same.
    const episode = (failure: string, success: boolean, until: number, duration: number): ClosedLoopEpisode => {
      const featureTimes = Array.from({ length: Math.floor((until - 0.4) * 30) + 1 }, (_, i) => 0.4 + i / 30);
      return {
        ...({} as ClosedLoopEpisode),
        index: 0,
        task: 'touch',
        failure,
        success,
        duration,
        features: featureTimes.map(() => new Float32Array(64)),
        featureTimes,
      };
    };
    const s = await evaluateSafe('reference', [episode('none', true, 6, 6), episode('camera_dropped', false, 1, 15)]);
    assert.equal(s.monitor.featureTimeout, 0.5);
    assert.equal(s.monitor.tpr, 1);
    assert.equal(s.monitor.rocAuc, 1, 'the stopped episode ranks above the success whatever its scores');
    // The failure's alarm is the timeout (its zero features up to 1 s stay below the shipped band;
    // the success's, over 6 s, cross it): checked every 0.1 s, the last features at 1.0 s, the gap
    // > 0.5 s first at 1.6 s; the failure is declared at the 15 s limit.
    assert.deepEqual([s.tpr, s.monitor.timeouts], [0, 1], 'the failure is caught by the timeout, not the score');
    assert.ok(Math.abs(s.monitor.leadTime - (15 - 1.6)) < 0.002, `lead ${s.monitor.leadTime}`);
    assert.ok(Math.abs(s.monitor.tDet - 1.6 / 15) < 1e-3, `T-det ${s.monitor.tDet}`);
    assert.deepEqual(
      s.perFailure.map((k) => [k.failure, k.episodes, k.failed, k.flagged, k.alarmed]),
      [
        ['none', 1, 0, 1, 1],
        ['camera_dropped', 1, 1, 0, 1],
      ],
    );
    assert.equal(s.monitor.falseAlarmRate, s.falseAlarmRate);
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
