// What `vla-ros safe calibrate` and `vla-ros safe eval` do, as functions (the CLI module in
// nodes/cli/safe_command.ts only parses arguments and prints). Scores are always recomputed by
// running the detector over the recorded features, episode by episode from a fresh state, exactly
// as the node scores them live, with the same score window (SAFE-MLP; 0 = cumulative): `calibrate`
// records the window it scored with in the file, `eval` scores with --score-window or, by default,
// the window of the bundle's calibration file when the detector is the bundle's.
//
// Evaluation protocol (docs/failure-monitor.md): for each of `repeats` random splits (seeds
// seed, seed+1, …), a `calibrationFraction` share of the successful episodes calibrates the band
// (itself split 30/70 into D1/D2); the remaining successes and all failures are the test set.
// ROC-AUC of max_t s_t over the test set is threshold-free; per α, a test episode is flagged when
// s_t ≥ δ_t at some step, and TPR, TNR, balanced accuracy and T-det follow (metrics.ts). Numbers
// are means over the splits. The detector must not have been trained on these episodes.

import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadPolicyBundle, resolveBundleDir } from '../policy/policy_bundle.js';
import { ManifestError } from '../policy/manifest.js';
import { formatCalibration, loadCalibration, type Calibration, type DetectorKind } from './calibration_file.js';
import { calibrateBand, type ConformalBand } from './conformal_band.js';
import { DetectorError, fileSha256, OnnxDetector } from './detector.js';
import { detectionMetrics, rocAuc, rolloutScore } from './metrics.js';
import { renderScorePlot } from './plot.js';
import { loadRollouts, RolloutError, type LoadRolloutsOptions, type RolloutEpisode } from './rollouts.js';
import { createScorer, scoreEpisode } from './scorer.js';
import { seededPermutation } from '../random/seeded_random.js';

export const DEFAULT_ALPHAS = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.9];

export interface DetectorChoice {
  /** Policy bundle whose failure_monitor.detector to use (default 'reference'). */
  bundle?: string;
  /** A detector file instead of the bundle's. */
  detector?: string;
  /** Expected kind (checked against the file); default: the bundle's, or what the file is. */
  detectorKind?: DetectorKind;
}

export interface ResolvedDetector {
  file: string;
  kind: DetectorKind | undefined;
  /** Where it came from, for messages. */
  origin: string;
  /** The bundle's calibration file, when the detector is the bundle's and the file exists. */
  calibration?: string;
}

/** The detector file to score with: --detector, else the bundle's failure_monitor.detector. */
export function resolveDetector(choice: DetectorChoice): ResolvedDetector {
  if (choice.detector !== undefined && choice.detector !== '') {
    return { file: path.resolve(choice.detector), kind: choice.detectorKind, origin: 'the --detector option' };
  }
  const spec = choice.bundle ?? 'reference';
  try {
    const bundle = loadPolicyBundle(spec);
    const fm = bundle.manifest.failureMonitor;
    if (fm === undefined)
      throw new RolloutError(`policy bundle '${spec}' (${bundle.dir}) has no failure_monitor section: pass --detector <file.onnx>`);
    return {
      file: bundle.file(fm.detector),
      kind: choice.detectorKind ?? fm.detectorKind,
      origin: `policy bundle '${spec}'`,
      calibration: bundle.file(fm.calibration),
    };
  } catch (err) {
    // First calibration of a bundle: its manifest already names the calibration file this run
    // is about to write. Take the detector from the manifest's failure_monitor section alone.
    if (!(err instanceof ManifestError) || !err.message.includes("'failure_monitor.calibration'")) throw err;
    const dir = resolveBundleDir(spec);
    const doc = parseYaml(fs.readFileSync(path.join(dir, 'manifest.yaml'), 'utf8')) as {
      failure_monitor?: { detector?: unknown; detector_kind?: unknown };
    };
    const fm = doc.failure_monitor;
    if (typeof fm?.detector !== 'string') throw err;
    const kind = fm.detector_kind === 'mlp' || fm.detector_kind === 'lstm' ? fm.detector_kind : undefined;
    return { file: path.resolve(dir, fm.detector), kind: choice.detectorKind ?? kind, origin: `policy bundle '${spec}'` };
  }
}

export interface ScoredEpisode {
  bag: string;
  id: string;
  success: boolean;
  scores: number[];
}

/** Runs the detector over each episode's features from a fresh state; `scoreWindow` as in scorer.ts. */
export async function scoreRollouts(
  episodes: readonly RolloutEpisode[],
  detector: OnnxDetector,
  scoreWindow = 0,
): Promise<ScoredEpisode[]> {
  const scorer = createScorer(detector, { window: scoreWindow });
  const out: ScoredEpisode[] = [];
  for (const ep of episodes) {
    const size = ep.features[0].length;
    if (size !== detector.featureSize) {
      throw new DetectorError(
        `${ep.bag}: episode '${ep.id}' has ${size} features per step, but the detector ${detector.file} expects ${detector.featureSize}`,
      );
    }
    out.push({ bag: ep.bag, id: ep.id, success: ep.success === true, scores: await scoreEpisode(scorer, ep.features) });
  }
  return out;
}

/**
 * Scores the bags' episodes. `scoreWindow` undefined: the window of the bundle's calibration
 * file when the detector is the bundle's (so `eval` measures the score the node computes), else 0.
 */
async function loadAndScore(
  bags: readonly string[],
  choice: DetectorChoice,
  rolloutOptions: LoadRolloutsOptions,
  scoreWindow: number | undefined,
): Promise<{ detector: ResolvedDetector; kind: DetectorKind; scoreWindow: number; scored: ScoredEpisode[] }> {
  const resolved = resolveDetector(choice);
  const window = scoreWindow ?? (resolved.calibration !== undefined ? loadCalibration(resolved.calibration).scoreWindow : 0);
  const episodes = await loadRollouts(bags, rolloutOptions);
  if (episodes.length === 0)
    throw new RolloutError(`no labelled episodes in ${bags.join(', ')} (see the notes above for what was left out)`);
  const detector = await OnnxDetector.load(resolved.file, resolved.kind);
  try {
    return { detector: resolved, kind: detector.kind, scoreWindow: window, scored: await scoreRollouts(episodes, detector, window) };
  } finally {
    await detector.dispose();
  }
}

export interface CalibrateRequest extends DetectorChoice, LoadRolloutsOptions {
  bags: readonly string[];
  alpha: number;
  seed?: number;
  /** SAFE-MLP score window in steps (0 or absent = cumulative), stored in the file. */
  scoreWindow?: number;
  /** Free text stored in the file's provenance. */
  note?: string;
}

export interface CalibrateResult {
  calibration: Calibration;
  /** The YAML to write. */
  text: string;
  summary: string;
}

/** Builds the band from the successful episodes of `bags`. */
export async function calibrateFromBags(req: CalibrateRequest): Promise<CalibrateResult> {
  const { detector, kind, scoreWindow, scored } = await loadAndScore(req.bags, req, req, req.scoreWindow ?? 0);
  const successes = scored.filter((e) => e.success);
  if (successes.length === 0) {
    throw new RolloutError(
      `no successful episodes in ${req.bags.join(', ')} (${scored.length} labelled episodes, all failures): the band is built from successes only`,
    );
  }
  const seed = req.seed ?? 0;
  const band = calibrateBand(
    successes.map((e) => e.scores),
    { alpha: req.alpha, seed },
  );
  const calibration: Calibration = {
    detectorKind: kind,
    scoreWindow,
    band,
    counts: { episodes: successes.length, d1: band.params.n1, d2: band.params.n2 },
    provenance: {
      created: new Date().toISOString(),
      tool: 'vla-ros safe calibrate',
      detector: path.basename(detector.file),
      detectorSha256: fileSha256(detector.file),
      seed,
      rollouts: req.bags.map((b) => path.basename(b)),
      ...(req.note === undefined ? {} : { note: req.note }),
    },
  };
  const text = formatCalibration(calibration);
  const b = band.params;
  const summary =
    `SAFE-${kind.toUpperCase()} band (${scoreName(kind, scoreWindow)}) from ${successes.length} successful episodes (D1 ${b.n1}, D2 ${b.n2}; ` +
    `${scored.length - successes.length} failures ignored), alpha ${b.alpha}: horizon ${b.horizon} steps, ` +
    `h ${b.h.toFixed(4)}, gamma ${b.gamma.toFixed(4)}, threshold ${band.threshold(0).toFixed(4)} at t=0 → ${band.threshold(b.horizon - 1).toFixed(4)} at t=${b.horizon - 1}`;
  return { calibration, text, summary };
}

/** The score a band is for, in words. */
export function scoreName(kind: DetectorKind | undefined, scoreWindow: number): string {
  if (kind === 'lstm') return 'recurrent score';
  return scoreWindow > 0 ? `score summed over the last ${scoreWindow} steps` : 'cumulative score';
}

export interface EvaluateOptions {
  alphas?: readonly number[];
  /** Share of the successes that calibrates the band in each split (default 0.5). */
  calibrationFraction?: number;
  /** Random splits averaged (default 5). */
  repeats?: number;
  seed?: number;
  /** α of the band drawn in the plot (default 0.2, or the nearest swept α). */
  plotAlpha?: number;
}

export interface AlphaRow {
  alpha: number;
  tpr: number;
  tnr: number;
  balancedAccuracy: number;
  tDet: number;
  /** Splits in which h was infinite (too few D2 curves for α: the band never fires). */
  neverFires: number;
}

export interface EvaluationResult {
  kind: DetectorKind | undefined;
  /** The SAFE-MLP score window the episodes were scored with (0 = cumulative). */
  scoreWindow: number;
  episodes: number;
  successes: number;
  failures: number;
  repeats: number;
  calibrationSuccesses: number;
  testSuccesses: number;
  rocAuc: number;
  rocAucStd: number;
  rows: AlphaRow[];
  /** Split 0's band and test curves at plotAlpha, for the plot. */
  plot: { alpha: number; band: ConformalBand; curves: Array<{ scores: number[]; failure: boolean }> };
}

const mean = (xs: readonly number[]) => {
  const f = xs.filter(Number.isFinite);
  return f.length === 0 ? NaN : f.reduce((a, b) => a + b, 0) / f.length;
};

/** The evaluation protocol on already scored episodes (pure; see the file header). */
export function evaluateScored(scored: readonly ScoredEpisode[], options: EvaluateOptions = {}): EvaluationResult {
  const alphas = [...(options.alphas ?? DEFAULT_ALPHAS)];
  if (alphas.length === 0 || !alphas.every((a) => a > 0 && a < 1))
    throw new RangeError(`alphas must be in (0, 1), got ${alphas.join(', ')}`);
  const fraction = options.calibrationFraction ?? 0.5;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`the calibration fraction must be in (0, 1), got ${fraction}`);
  const repeats = options.repeats ?? 5;
  const seed = options.seed ?? 0;
  const successes = scored.filter((e) => e.success);
  const failures = scored.filter((e) => !e.success);
  const nCal = Math.round(fraction * successes.length);
  if (nCal < 2 || successes.length - nCal < 1) {
    throw new RolloutError(
      `evaluation needs at least 2 successful episodes to calibrate and 1 to test; got ${successes.length} successes ` +
        `(calibration fraction ${fraction} → ${nCal} for calibration)`,
    );
  }
  if (failures.length === 0) throw new RolloutError('evaluation needs failed episodes too (TPR, ROC-AUC); the bags have only successes');
  const plotAlpha = alphas.reduce(
    (best, a) => (Math.abs(a - (options.plotAlpha ?? 0.2)) < Math.abs(best - (options.plotAlpha ?? 0.2)) ? a : best),
    alphas[0],
  );

  const aucs: number[] = [];
  const perAlpha = alphas.map(() => ({ tpr: [] as number[], tnr: [] as number[], bal: [] as number[], tDet: [] as number[], never: 0 }));
  let plot: EvaluationResult['plot'] | undefined;
  for (let r = 0; r < repeats; r++) {
    const order = seededPermutation(successes.length, seed + r);
    const calibration = order.slice(0, nCal).map((i) => successes[i]);
    const test = [...order.slice(nCal).map((i) => successes[i]), ...failures];
    const labels = test.map((e) => !e.success);
    aucs.push(
      rocAuc(
        test.map((e) => rolloutScore(e.scores)),
        labels,
      ),
    );
    alphas.forEach((alpha, k) => {
      const band = calibrateBand(
        calibration.map((e) => e.scores),
        { alpha, seed: seed + r },
      );
      if (!Number.isFinite(band.params.h)) perAlpha[k].never++;
      const m = detectionMetrics(
        test.map((e) => band.firstCrossing(e.scores)),
        test.map((e) => e.scores.length),
        labels,
      );
      perAlpha[k].tpr.push(m.tpr);
      perAlpha[k].tnr.push(m.tnr);
      perAlpha[k].bal.push(m.balancedAccuracy);
      perAlpha[k].tDet.push(m.tDet);
      if (r === 0 && alpha === plotAlpha) plot = { alpha, band, curves: test.map((e) => ({ scores: e.scores, failure: !e.success })) };
    });
  }
  const auc = mean(aucs);
  const std = Math.sqrt(mean(aucs.map((a) => (a - auc) ** 2)));
  return {
    kind: undefined,
    scoreWindow: 0,
    episodes: scored.length,
    successes: successes.length,
    failures: failures.length,
    repeats,
    calibrationSuccesses: nCal,
    testSuccesses: successes.length - nCal,
    rocAuc: auc,
    rocAucStd: std,
    rows: alphas.map((alpha, k) => ({
      alpha,
      tpr: mean(perAlpha[k].tpr),
      tnr: mean(perAlpha[k].tnr),
      balancedAccuracy: mean(perAlpha[k].bal),
      tDet: mean(perAlpha[k].tDet),
      neverFires: perAlpha[k].never,
    })),
    plot: plot!,
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : ' n/a ');

export function formatEvaluation(res: EvaluationResult, detectorLabel: string): string {
  const lines = [
    `SAFE-${(res.kind ?? '?').toUpperCase()} detector ${detectorLabel}: ${res.episodes} labelled episodes (${res.successes} successes, ${res.failures} failures)`,
    `score: ${scoreName(res.kind, res.scoreWindow)}`,
    `protocol: ${res.repeats} random splits; each calibrates the band on ${res.calibrationSuccesses} successes (D1/D2 30/70) ` +
      `and tests on the other ${res.testSuccesses} successes + ${res.failures} failures; means over splits`,
    `ROC-AUC (rollout score max_t s_t): ${f3(res.rocAuc)} ± ${f3(res.rocAucStd)}`,
    '',
    '| alpha |  TPR  |  TNR  | bal.acc | T-det | note',
    '|-------|-------|-------|---------|-------|-----',
  ];
  for (const r of res.rows) {
    const note =
      r.neverFires > 0 ? `h = ∞ in ${r.neverFires}/${res.repeats} splits (too few calibration successes for this α: never fires)` : '';
    lines.push(`| ${r.alpha.toFixed(2).padStart(5)} | ${f3(r.tpr)} | ${f3(r.tnr)} |  ${f3(r.balancedAccuracy)}  | ${f3(r.tDet)} | ${note}`);
  }
  return lines.join('\n') + '\n';
}

export function evaluationPlot(res: EvaluationResult, detectorLabel: string): string {
  const { band, curves, alpha } = res.plot;
  const steps = Math.max(band.horizon, ...curves.map((c) => c.scores.length));
  return renderScorePlot({
    title: `SAFE-${(res.kind ?? '?').toUpperCase()} scores: held-out successes vs failures`,
    subtitle: `${detectorLabel}; band calibrated at alpha = ${alpha} on ${res.calibrationSuccesses} successes (split 0); ROC-AUC ${f3(res.rocAuc)}`,
    curves,
    threshold: band.thresholds(steps).map((v) => (Number.isFinite(v) ? v : NaN)),
    mean: Array.from({ length: steps }, (_, t) => band.mean(t)),
    horizon: band.horizon,
  });
}

export interface EvaluateRequest extends DetectorChoice, LoadRolloutsOptions, EvaluateOptions {
  bags: readonly string[];
  /** SAFE-MLP score window; default: the bundle calibration's when the detector is the bundle's, else 0. */
  scoreWindow?: number;
}

export async function evaluateBags(req: EvaluateRequest): Promise<{ result: EvaluationResult; text: string; svg: string }> {
  const { detector, kind, scoreWindow, scored } = await loadAndScore(req.bags, req, req, req.scoreWindow);
  const result = { ...evaluateScored(scored, req), kind, scoreWindow };
  const label = `${path.basename(detector.file)} (${detector.origin})`;
  return { result, text: formatEvaluation(result, label), svg: evaluationPlot(result, label) };
}
