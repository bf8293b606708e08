// Closed-loop evaluation of a policy bundle on the built-in simulator (issue 6):
//  1. sync vs async fast–slow execution: success rate and time-to-success;
//  2. each merge rule under added VLM latency (async);
//  3. SAFE on the expert's features: ROC-AUC, TPR/TNR/balanced accuracy and T-det with the
//     bundle's calibrated band, and the false-alarm rate on successes against its α.
// Every setting runs the same seeded episodes (indices 0..n-1 of the seed sequence), so settings
// are compared on identical layouts, tasks and decoder noise.

import type { MergeRuleName } from '../../controller_bridge/merge_rule.js';
import type { ConformalBand } from '../../failure_monitor/conformal_band.js';
import { MONITOR_TIMEOUT_DEFAULTS } from '../../failure_monitor/episode_monitor.js';
import { episodeVerdict, type EpisodeVerdict } from '../../failure_monitor/episode_verdict.js';
import { loadMonitorSetup } from '../../failure_monitor/monitor_setup.js';
import { detectionMetrics, rocAuc, rolloutScore, type DetectionMetrics } from '../../failure_monitor/metrics.js';
import { createScorer, scoreEpisode } from '../../failure_monitor/scorer.js';
import { createDefaultSimulator } from '../default_simulator.js';
import { INJECTED_FAILURE_KINDS, NO_FAILURE } from '../failures.js';
import { Renderer } from '../render/renderer.js';
import type { SimRobot } from '../robot_facts.js';
import type { EpisodeChoice } from '../tasks.js';
import { BundlePolicy } from './bundle_policy.js';
import type { EvalPart } from './eval_settings.js';
import { simCameraRig } from '../camera_rig.js';
import { runClosedLoopEpisode, type ClosedLoopEpisode, type LoopSetting } from './closed_loop.js';

export interface EvaluationOptions {
  bundle: string;
  robot: SimRobot;
  /** Episodes per setting. */
  episodes: number;
  /** Seed of the simulator's episode sequence. */
  seed: number;
  /** Episode time limit [s]. */
  maxTime: number;
  parts: readonly EvalPart[];
  rules: readonly MergeRuleName[];
  latencies: readonly number[];
  /** Added VLM latency of the sync vs async comparison [s]. */
  syncAsyncLatency: number;
  /** Merge rule of the sync vs async comparison and of the SAFE episodes. */
  baseRule: MergeRuleName;
  /** fast_pathway max_latent_age [s] (default: the node's 1.0). */
  maxLatentAge?: number;
  episode?: EpisodeChoice;
  /** Called after every episode (progress). */
  onEpisode?: (setting: string, episode: ClosedLoopEpisode, done: number, total: number) => void;
}

export interface SettingSummary {
  name: string;
  setting: LoopSetting;
  failureInjected: boolean;
  episodes: number;
  successes: number;
  successRate: number;
  /** Mean episode time to success over the successes [s] (NaN without any). */
  meanTimeToSuccess: number;
  /** Accepted chunks per second of episode time. */
  chunkRate: number;
  latentAgeMean: number;
  /** Chunks the bundle's bounds refused, over all episodes. */
  chunksRefused: number;
  maxTargetStep: number;
  /** Episodes and successes per task, in the order the tasks first appear. */
  perTask: TaskSuccess[];
  perEpisode: Array<Omit<ClosedLoopEpisode, 'features' | 'featureTimes'>>;
}

export interface TaskSuccess {
  task: string;
  episodes: number;
  successes: number;
}

/** Episodes and successes per task, in the order the tasks first appear. */
export function successByTask(eps: readonly Pick<ClosedLoopEpisode, 'task' | 'success'>[]): TaskSuccess[] {
  const byTask = new Map<string, TaskSuccess>();
  for (const e of eps) {
    const t = byTask.get(e.task) ?? { task: e.task, episodes: 0, successes: 0 };
    t.episodes++;
    if (e.success) t.successes++;
    byTask.set(e.task, t);
  }
  return [...byTask.values()];
}

/** SAFE's score against the bundle's band (AlarmMetrics: ROC-AUC of max_t s_t, alarms at band crossings), and the monitor's alarms. */
export interface SafeSummary extends AlarmMetrics {
  detector: string;
  /** α the bundle's band was calibrated at. */
  alpha: number;
  episodes: number;
  successes: number;
  failures: number;
  /** Episodes with an injected failure, and how many of them failed. */
  injected: number;
  injectedFailed: number;
  /** The failure monitor node's alarms: a score crossing or a feature timeout (episode_verdict.ts). */
  monitor: MonitorSummary;
  /** Per injected failure kind ('none' first), in the order the kinds first appear. */
  perFailure: SafeByFailure[];
  note: string;
}

/** How well a set of alarms separates failed from successful episodes. */
export interface AlarmMetrics {
  /** ROC-AUC of the ranking statistic, failure vs success (NaN when a class is missing). */
  rocAuc: number;
  tpr: number;
  tnr: number;
  balancedAccuracy: number;
  /** Mean share of a failed episode elapsed at its first alarm (1 when none came). */
  tDet: number;
  /** Mean time from the first alarm to the end of a flagged failed episode, where its failure is declared [s] (NaN: none flagged). */
  leadTime: number;
  /** Successful episodes with an alarm (1 − TNR), to compare with α. */
  falseAlarmRate: number;
}

/**
 * The monitor's alarms. Its ROC-AUC ranks the statistic the monitor thresholds, max_t (s_t − μ_t)/σ_t
 * (an alarm ⇔ ≥ h), taken as +∞ for an episode whose features stop for longer than the timeout (an
 * alarm whatever h).
 */
export interface MonitorSummary extends AlarmMetrics {
  /** The node's feature_timeout and startup_timeout (its defaults) [s]. */
  featureTimeout: number;
  startupTimeout: number;
  /** Episodes whose alarm was a feature timeout. */
  timeouts: number;
}

export interface SafeByFailure {
  failure: string;
  episodes: number;
  /** Episodes of this kind that failed; how many (failed or not) the band flagged; how many the monitor alarmed on. */
  failed: number;
  flagged: number;
  alarmed: number;
  /** ROC-AUC of the score max_t s_t of this kind's failed episodes against every successful episode (NaN: none failed). */
  rocAuc: number;
}

/** SAFE's verdicts split by the failure each episode had injected: which kinds the detector sees. */
export function safeByFailure(
  episodes: readonly { failure: string; success: boolean; flagged: boolean; alarmed: boolean; score: number }[],
): SafeByFailure[] {
  const successScores = episodes.filter((e) => e.success).map((e) => e.score);
  const kinds = [...new Set(['none', ...episodes.map((e) => e.failure)])].filter((k) => episodes.some((e) => e.failure === k));
  return kinds.map((failure) => {
    const eps = episodes.filter((e) => e.failure === failure);
    const failedScores = eps.filter((e) => !e.success).map((e) => e.score);
    return {
      failure,
      episodes: eps.length,
      failed: failedScores.length,
      flagged: eps.filter((e) => e.flagged).length,
      alarmed: eps.filter((e) => e.alarmed).length,
      rocAuc: rocAuc([...failedScores, ...successScores], [...failedScores.map(() => true), ...successScores.map(() => false)]),
    };
  });
}

export interface EvaluationReport {
  bundle: string;
  trained: boolean;
  robot: SimRobot;
  seed: number;
  episodesPerSetting: number;
  maxTime: number;
  maxLatentAge: number;
  wallSeconds: number;
  settings: SettingSummary[];
  safe: SafeSummary | undefined;
}

export function settingName(s: LoopSetting, failure = false): string {
  return `${s.mode} ${s.mergeRule} +${Math.round(s.addedVlmLatency * 1000)}ms${failure ? ' failures' : ''}`;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

export function summarise(name: string, setting: LoopSetting, failureInjected: boolean, eps: readonly ClosedLoopEpisode[]): SettingSummary {
  const successes = eps.filter((e) => e.success);
  const time = eps.reduce((a, e) => a + e.duration, 0);
  return {
    name,
    setting,
    failureInjected,
    episodes: eps.length,
    successes: successes.length,
    successRate: eps.length === 0 ? NaN : successes.length / eps.length,
    meanTimeToSuccess: mean(successes.map((e) => e.successTime)),
    chunkRate: time > 0 ? eps.reduce((a, e) => a + e.chunksAccepted, 0) / time : NaN,
    latentAgeMean: mean(eps.map((e) => e.latentAgeMean).filter(Number.isFinite)),
    chunksRefused: eps.reduce((a, e) => a + e.chunksRefused, 0),
    maxTargetStep: Math.max(0, ...eps.map((e) => e.maxTargetStep)),
    perTask: successByTask(eps),
    perEpisode: eps.map(({ features: _features, featureTimes: _times, ...rest }) => rest),
  };
}

/** Runs the parts of the evaluation that `options.parts` names. */
export async function runEvaluation(options: EvaluationOptions): Promise<EvaluationReport> {
  if (!(options.episodes >= 1)) throw new RangeError(`episodes must be >= 1, got ${options.episodes}`);
  const started = performance.now();
  const policy = await BundlePolicy.load(options.bundle);
  const sim = await createDefaultSimulator(options.robot, options.seed, options.episode ?? { task: 'random', object: 'random' });
  const rig = simCameraRig(sim);
  const renderer = new Renderer();

  type Job = { name: string; setting: LoopSetting; failure: boolean };
  const jobs: Job[] = [];
  const add = (setting: LoopSetting, failure = false) => {
    const name = settingName(setting, failure);
    if (!jobs.some((j) => j.name === name)) jobs.push({ name, setting, failure });
  };
  const base = (mode: 'sync' | 'async'): LoopSetting => ({ mode, mergeRule: options.baseRule, addedVlmLatency: options.syncAsyncLatency });
  if (options.parts.includes('sync_async')) {
    add(base('sync'));
    add(base('async'));
  }
  if (options.parts.includes('rules')) {
    for (const rule of options.rules)
      for (const latency of options.latencies) add({ mode: 'async', mergeRule: rule, addedVlmLatency: latency });
  }
  if (options.parts.includes('safe')) {
    add(base('async'));
    add(base('async'), true);
  }

  const total = jobs.length * options.episodes;
  let done = 0;
  const results = new Map<string, ClosedLoopEpisode[]>();
  try {
    for (const job of jobs) {
      const eps: ClosedLoopEpisode[] = [];
      for (let i = 0; i < options.episodes; i++) {
        // Failure episodes cycle through the kinds; each starts 1–3 s in and lasts to the end.
        sim.failureSpec = job.failure ? { ...NO_FAILURE, kind: INJECTED_FAILURE_KINDS[i % INJECTED_FAILURE_KINDS.length] } : NO_FAILURE;
        const ep = await runClosedLoopEpisode(sim, rig, renderer, policy, {
          ...job.setting,
          index: i,
          maxTime: options.maxTime,
          decoderSeed: i * 100_000,
          maxLatentAge: options.maxLatentAge ?? 1.0,
        });
        eps.push(ep);
        options.onEpisode?.(job.name, ep, ++done, total);
      }
      results.set(job.name, eps);
    }
  } finally {
    sim.failureSpec = NO_FAILURE;
    await policy.release();
    sim.dispose();
  }

  const settings = jobs.map((j) => summarise(j.name, j.setting, j.failure, results.get(j.name)!));
  let safe: SafeSummary | undefined;
  if (options.parts.includes('safe')) {
    safe = await evaluateSafe(options.bundle, [
      ...results.get(settingName(base('async')))!,
      ...results.get(settingName(base('async'), true))!,
    ]);
  }
  return {
    bundle: policy.bundle.dir,
    trained: policy.manifest.trained,
    robot: options.robot,
    seed: options.seed,
    episodesPerSetting: options.episodes,
    maxTime: options.maxTime,
    maxLatentAge: options.maxLatentAge ?? 1.0,
    wallSeconds: (performance.now() - started) / 1000,
    settings,
    safe,
  };
}

/** SAFE with the bundle's detector and calibrated band, on episodes labelled by their outcome. */
export async function evaluateSafe(bundle: string, episodes: readonly ClosedLoopEpisode[]): Promise<SafeSummary> {
  const setup = await loadMonitorSetup({ policyBundle: bundle, detector: '', calibration: '', detectorKind: '' });
  try {
    const scorer = createScorer(setup.detector, { window: setup.calibration.scoreWindow });
    const scored = [];
    for (const ep of episodes) scored.push({ ep, scores: ep.features.length === 0 ? [] : await scoreEpisode(scorer, ep.features) });
    const usable = scored.filter((s) => s.scores.length > 0);
    const labels = usable.map((s) => !s.ep.success);
    const band = setup.calibration.band;
    const firstAlarm = usable.map((s) => band.firstCrossing(s.scores));
    const m = detectionMetrics(
      firstAlarm,
      usable.map((s) => s.scores.length),
      labels,
      // The lead in seconds, each episode's steps at its own rate (features arrive per decoded chunk).
      usable.map((s) => s.ep.duration / s.scores.length),
    );
    const maxScore = usable.map((s) => rolloutScore(s.scores));
    const auc = rocAuc(maxScore, labels);
    const monitor = monitorSummary(band, usable, labels);
    const notes: string[] = [];
    if (m.successes === 0) notes.push('no successful episodes: ROC-AUC, TNR and the false-alarm rate are undefined');
    if (m.failures === 0) notes.push('no failed episodes: ROC-AUC, TPR and T-det are undefined');
    if (usable.length < episodes.length) notes.push(`${episodes.length - usable.length} episode(s) without features left out`);
    const injected = episodes.filter((e) => e.failure !== 'none');
    return {
      detector: setup.detectorFile,
      alpha: band.params.alpha,
      episodes: usable.length,
      successes: m.successes,
      failures: m.failures,
      injected: injected.length,
      injectedFailed: injected.filter((e) => !e.success).length,
      ...alarmMetrics(auc, m),
      monitor: monitor.summary,
      perFailure: safeByFailure(
        usable.map((s, i) => ({
          failure: s.ep.failure,
          success: s.ep.success,
          flagged: firstAlarm[i] >= 0,
          alarmed: monitor.verdicts[i] !== undefined,
          score: maxScore[i],
        })),
      ),
      note: notes.join('; '),
    };
  } finally {
    await setup.detector.dispose();
  }
}

function alarmMetrics(auc: number, m: DetectionMetrics): AlarmMetrics {
  const { tpr, tnr, balancedAccuracy, tDet } = m;
  return { rocAuc: auc, tpr, tnr, balancedAccuracy, tDet, leadTime: m.lead, falseAlarmRate: 1 - tnr };
}

/** The monitor node's alarms over the episodes (its default time-outs) and their metrics. */
function monitorSummary(
  band: ConformalBand,
  episodes: readonly { ep: ClosedLoopEpisode; scores: number[] }[],
  labels: readonly boolean[],
): { summary: MonitorSummary; verdicts: (EpisodeVerdict | undefined)[] } {
  const config = MONITOR_TIMEOUT_DEFAULTS;
  const verdicts = episodes.map((e) => episodeVerdict(band, config, e.scores, e.ep.featureTimes, e.ep.duration));
  // Whether the features stopped for longer than the timeout, whatever the scores (the same
  // verdict with scores that never cross): such an episode alarms at any h.
  const stopped = episodes.map(
    (e) =>
      episodeVerdict(
        band,
        config,
        e.scores.map(() => -Infinity),
        e.ep.featureTimes,
        e.ep.duration,
      ) !== undefined,
  );
  // Alarm instants on a 1 ms grid, so that detectionMetrics' lead and T-det come out in time:
  // an alarm at time a of an episode of duration d is step round(a/ms) − 1 of round(d/ms).
  const ms = (t: number) => Math.round(t * 1000);
  const m = detectionMetrics(
    verdicts.map((v) => (v === undefined ? -1 : Math.max(0, ms(v.time) - 1))),
    episodes.map((e) => Math.max(1, ms(e.ep.duration))),
    labels,
    episodes.map(() => 0.001),
  );
  const statistic = episodes.map((e, i) => (stopped[i] ? Infinity : band.normalisedScore(e.scores)));
  return {
    verdicts,
    summary: {
      featureTimeout: config.featureTimeout,
      startupTimeout: config.startupTimeout,
      ...alarmMetrics(rocAuc(statistic, labels), m),
      timeouts: verdicts.filter((v) => v?.reason === 'feature_timeout').length,
    },
  };
}
