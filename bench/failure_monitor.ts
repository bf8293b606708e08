// Failure monitor: what one control step costs the monitor — the detector call (onnxruntime,
// in-thread) plus the threshold comparison — for SAFE-MLP and SAFE-LSTM, p50/p99 over a few
// thousand steps. It must be negligible next to the 33 ms tick of the 30 Hz fast pathway.
// Uses the reference bundle's detectors (config/policies/reference), or the tiny test fixtures
// when the bundle has none (noted in the table).

import fs from 'node:fs';
import { ConformalBand } from '../nodes/failure_monitor/conformal_band.js';
import { OnnxDetector } from '../nodes/failure_monitor/detector.js';
import { EpisodeMonitor } from '../nodes/failure_monitor/episode_monitor.js';
import { createScorer } from '../nodes/failure_monitor/scorer.js';
import { seededRandom, gaussian } from '../nodes/random/seeded_random.js';
import { packagePath } from '../nodes/package_paths.js';
import { stats, type BenchRow, type BenchSection } from './bench_table.js';

const TICK_MS = 1000 / 30;
const STEPS = 3000;
const EPISODE = 300;

function detectorFile(kind: 'mlp' | 'lstm'): { file: string; note: string } {
  const bundled = packagePath('config', 'policies', 'reference', `safe_${kind}.onnx`);
  if (fs.existsSync(bundled)) return { file: bundled, note: 'reference bundle' };
  return { file: packagePath('test', 'failure_monitor', 'fixtures', `tiny_${kind}.onnx`), note: 'tiny test fixture (no bundle detector)' };
}

async function measure(kind: 'mlp' | 'lstm'): Promise<BenchRow[]> {
  const { file, note } = detectorFile(kind);
  const detector = await OnnxDetector.load(file, kind);
  const scorer = createScorer(detector);
  const horizon = 240;
  const band = new ConformalBand({
    alpha: 0.2,
    horizon,
    mu: new Array<number>(horizon).fill(1),
    sigma: new Array<number>(horizon).fill(1),
    h: 1e6,
    gamma: 1,
    n1: 1,
    n2: 1,
  });
  const monitor = new EpisodeMonitor(band, { featureTimeout: 0.5, startupTimeout: 0 });
  const random = seededRandom(1);
  const features = Array.from({ length: 64 }, () => Float32Array.from({ length: detector.featureSize }, () => gaussian(random)));
  const times: number[] = [];
  for (let i = -200; i < STEPS; i++) {
    if ((i + 200) % EPISODE === 0) {
      monitor.begin(`e${i}`, i);
      scorer.reset();
    }
    const t0 = performance.now();
    const { score } = await scorer.step(features[(i + 200) % features.length]);
    monitor.scored(i, score, i);
    const dt = performance.now() - t0;
    if (i >= 0) times.push(dt);
  }
  await detector.dispose();
  const s = stats(times);
  const label = `SAFE-${kind.toUpperCase()} (F=${detector.featureSize}${kind === 'lstm' ? `, H=${detector.hiddenSize}` : ''})`;
  return [
    { name: `${label} step p50`, value: s.p50, unit: 'ms', note },
    { name: `${label} step p99`, value: s.p99, unit: 'ms', target: '<= 1 ms (3 % of a 33 ms tick)', pass: s.p99 <= 1 },
    { name: `${label} p99 share of the 30 Hz tick`, value: (100 * s.p99) / TICK_MS, unit: '%' },
  ];
}

export async function bench(): Promise<BenchSection[]> {
  const rows = [...(await measure('mlp')), ...(await measure('lstm'))];
  return [
    {
      title: `Failure monitor: per-step detector + threshold (${STEPS} steps, episodes of ${EPISODE}, in-thread onnxruntime, 1 thread)`,
      rows,
    },
  ];
}
