// The calibration file of a SAFE detector (YAML, written by `vla-ros safe calibrate`): the
// conformal band (alpha, horizon T, mu[T], sigma[T], h), the detector kind and SAFE-MLP score
// window it was computed for, the split sizes and where it came from. Loading checks every field and names the offending one.
// Format reference: docs/failure-monitor.md.

import fs from 'node:fs';
import { Document, isSeq, parse as parseYaml } from 'yaml';
import { ConformalBand, ConformalError, PADDING, type BandParameters } from './conformal_band.js';
import { errorText } from '../error_text.js';

export const CALIBRATION_FORMAT = 'vla-ros/safe-calibration@1';

export type DetectorKind = 'mlp' | 'lstm';
export const DETECTOR_KINDS: readonly DetectorKind[] = ['mlp', 'lstm'];

export interface CalibrationProvenance {
  /** ISO time the file was written. */
  created: string;
  /** What wrote it, e.g. 'vla-ros safe calibrate'. */
  tool: string;
  /** The detector file the scores were computed with (base name) and its SHA-256. */
  detector: string;
  detectorSha256: string;
  /** Seed of the D1/D2 split. */
  seed: number;
  /** The rollout bags (base names). */
  rollouts: string[];
  note?: string;
}

export interface Calibration {
  detectorKind: DetectorKind;
  /**
   * SAFE-MLP score window in steps the band's curves were scored with (0 = cumulative): part of
   * the score's definition, so every scorer of this band uses it. File field `score_window`,
   * absent = 0.
   */
  scoreWindow: number;
  band: ConformalBand;
  /** Successful calibration episodes: all, D1, D2. */
  counts: { episodes: number; d1: number; d2: number };
  provenance: CalibrationProvenance;
}

export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const show = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const text = JSON.stringify(v) ?? typeof v;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** Parses calibration YAML; `source` (a path) names the file in errors. */
export function parseCalibration(text: string, source: string): Calibration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new CalibrationError(`${source}: not valid YAML: ${errorText(err)}`);
  }
  if (!isRecord(doc)) throw new CalibrationError(`${source}: expected a YAML mapping at the top level`);
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new CalibrationError(`${source}: field '${field}': expected ${expected}, found ${show(found)}`);
  };
  const get = (obj: Record<string, unknown>, path: string): unknown => obj[path.split('.').pop()!];
  const num = (obj: Record<string, unknown>, field: string, ok: (n: number) => boolean, expected: string): number => {
    const v = get(obj, field);
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) fail(field, expected, v);
    return v as number;
  };
  const str = (obj: Record<string, unknown>, field: string, optional = false): string => {
    const v = get(obj, field);
    if (v === undefined && optional) return '';
    if (typeof v !== 'string' || v === '') fail(field, 'a non-empty string', v);
    return v as string;
  };

  if (doc.format !== CALIBRATION_FORMAT) fail('format', `'${CALIBRATION_FORMAT}'`, doc.format);
  const kind = doc.detector_kind;
  if (typeof kind !== 'string' || !(DETECTOR_KINDS as readonly string[]).includes(kind))
    fail('detector_kind', `one of ${DETECTOR_KINDS.join(', ')}`, kind);
  let scoreWindow = 0;
  if (doc.score_window !== undefined) {
    scoreWindow = num(doc, 'score_window', (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0 (steps)');
    if (kind === 'lstm' && scoreWindow > 0)
      fail('score_window', "0 or nothing for a SAFE-LSTM detector (a window applies to SAFE-MLP's summed score only)", scoreWindow);
  }
  const alpha = num(doc, 'alpha', (n) => n > 0 && n < 1, 'a number in (0, 1)');
  const horizon = num(doc, 'horizon', (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
  if (doc.h === Infinity || doc.h === '.inf') {
    fail('h', 'a finite number (an infinite h means too few calibration rollouts for alpha: the band would never fire)', doc.h);
  }
  const h = num(doc, 'h', () => true, 'a finite number');
  const gamma = num(doc, 'gamma', (n) => n >= 0, 'a number >= 0');
  if (doc.padding !== undefined && doc.padding !== PADDING) fail('padding', `'${PADDING}'`, doc.padding);
  const series = (field: 'mu' | 'sigma'): number[] => {
    const v = doc[field];
    if (!Array.isArray(v)) fail(field, `a list of ${horizon} numbers`, v);
    const list = v as unknown[];
    if (list.length !== horizon) fail(field, `${horizon} values (horizon)`, `${list.length} values`);
    list.forEach((x, t) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${field}[${t}]`, 'a finite number', x);
      if (field === 'sigma' && (x as number) <= 0) fail(`${field}[${t}]`, 'a number > 0', x);
    });
    return list as number[];
  };
  const mu = series('mu');
  const sigma = series('sigma');

  const counts = doc.counts;
  if (!isRecord(counts)) fail('counts', 'a mapping with episodes, d1, d2', counts);
  const c = counts as Record<string, unknown>;
  const count = (k: string) => num(c, `counts.${k}`, (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
  const episodes = count('episodes');
  const d1 = count('d1');
  const d2 = count('d2');
  if (d1 + d2 !== episodes) fail('counts', 'd1 + d2 = episodes', counts);

  const prov = doc.provenance;
  if (!isRecord(prov)) fail('provenance', 'a mapping (created, tool, detector, detector_sha256, seed, rollouts)', prov);
  const p = prov as Record<string, unknown>;
  const rollouts = p.rollouts;
  if (!Array.isArray(rollouts) || !rollouts.every((r) => typeof r === 'string'))
    fail('provenance.rollouts', 'a list of file names', rollouts);
  const provenance: CalibrationProvenance = {
    created: str(p, 'provenance.created'),
    tool: str(p, 'provenance.tool'),
    detector: str(p, 'provenance.detector'),
    detectorSha256: str(p, 'provenance.detector_sha256'),
    seed: num(p, 'provenance.seed', Number.isInteger, 'an integer'),
    rollouts: rollouts as string[],
  };
  const note = str(p, 'provenance.note', true);
  if (note !== '') provenance.note = note;

  let band: ConformalBand;
  try {
    band = new ConformalBand({ alpha, horizon, mu, sigma, h, gamma, n1: d1, n2: d2 });
  } catch (err) {
    if (err instanceof ConformalError) throw new CalibrationError(`${source}: ${err.message}`);
    throw err;
  }
  return { detectorKind: kind as DetectorKind, scoreWindow, band, counts: { episodes, d1, d2 }, provenance };
}

export function loadCalibration(file: string): Calibration {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CalibrationError(`cannot read calibration file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseCalibration(text, file);
}

/** Rounds for the file: 9 significant digits are far below any score's noise. */
const round = (x: number) => Number(x.toPrecision(9));

export function formatCalibration(cal: Calibration): string {
  const b: BandParameters = cal.band.params;
  if (!Number.isFinite(b.h)) {
    throw new CalibrationError(
      `h is infinite: ${b.n2} D2 rollouts are too few for alpha = ${b.alpha} ` +
        `(the conformal rank ⌈(n2+1)(1−α)⌉ exceeds n2; need n2 ≥ ${Math.ceil(1 / b.alpha) - 1}): use more successful rollouts or a larger alpha`,
    );
  }
  const doc = {
    format: CALIBRATION_FORMAT,
    detector_kind: cal.detectorKind,
    // Absent = 0: files of cumulative scores stay as they were.
    ...(cal.scoreWindow > 0 ? { score_window: cal.scoreWindow } : {}),
    alpha: b.alpha,
    horizon: b.horizon,
    h: round(b.h),
    gamma: round(b.gamma),
    padding: PADDING,
    counts: cal.counts,
    provenance: {
      created: cal.provenance.created,
      tool: cal.provenance.tool,
      detector: cal.provenance.detector,
      detector_sha256: cal.provenance.detectorSha256,
      seed: cal.provenance.seed,
      rollouts: cal.provenance.rollouts,
      ...(cal.provenance.note === undefined ? {} : { note: cal.provenance.note }),
    },
    mu: b.mu.map(round),
    sigma: b.sigma.map(round),
  };
  const header =
    '# SAFE functional conformal band (docs/failure-monitor.md): threshold at step t (0-based) is\n' +
    '# delta_t = mu[t] + h * sigma[t]; beyond the horizon the last value. Written by vla-ros safe calibrate.\n';
  const yaml = new Document(doc);
  for (const key of ['mu', 'sigma']) {
    const seq = yaml.get(key, true);
    if (isSeq(seq)) seq.flow = true;
  }
  return header + yaml.toString({ lineWidth: 0 });
}

export function writeCalibration(file: string, cal: Calibration): void {
  fs.writeFileSync(file, formatCalibration(cal));
}
