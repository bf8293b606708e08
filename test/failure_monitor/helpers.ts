// Shared by the failure monitor tests: the tiny fixture detectors (made by
// `tools/policy/make_safe_detector.py fixtures --out test/failure_monitor/fixtures`) and an
// independent plain-JS implementation of them from their weights, to check the ONNX scoring.

import fs from 'node:fs';
import { packagePath } from '../../nodes/package_paths.js';

export const FIXTURES = packagePath('test', 'failure_monitor', 'fixtures');
export const TINY_MLP = `${FIXTURES}/tiny_mlp.onnx`;
export const TINY_LSTM = `${FIXTURES}/tiny_lstm.onnx`;
export const BAD_NAMES = `${FIXTURES}/bad_names.onnx`;

interface TinyWeights {
  featureSize: number;
  hidden: number;
  mean: number[];
  std: number[];
  mlp: { w1: number[][]; b1: number[]; w2: number[][]; b2: number[] };
  lstm: { wIh: number[][]; wHh: number[][]; bIh: number[]; bHh: number[]; wFc: number[][]; bFc: number[] };
}

export const TINY = JSON.parse(fs.readFileSync(`${FIXTURES}/tiny_weights.json`, 'utf8')) as TinyWeights;

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const matVec = (w: number[][], x: readonly number[]) => w.map((row) => row.reduce((a, wij, j) => a + wij * x[j], 0));
const norm = (f: ArrayLike<number>) => Array.from(f, (x, i) => (x - TINY.mean[i]) / TINY.std[i]);

/** Reference SAFE-MLP step scores: p_t = σ(W2 relu(W1 x + b1) + b2). */
export function referenceMlpStepScores(features: readonly ArrayLike<number>[]): number[] {
  return features.map((f) => {
    const h = matVec(TINY.mlp.w1, norm(f)).map((v, i) => Math.max(0, v + TINY.mlp.b1[i]));
    return sig(matVec(TINY.mlp.w2, h)[0] + TINY.mlp.b2[0]);
  });
}

/** Reference SAFE-MLP: s_t = Σ_{τ≤t} p_τ, or with window W > 0 Σ_{t−W<τ≤t} p_τ. */
export function referenceMlpScores(features: readonly ArrayLike<number>[], window = 0): number[] {
  const p = referenceMlpStepScores(features);
  return p.map((_, t) => p.slice(window > 0 ? Math.max(0, t - window + 1) : 0, t + 1).reduce((a, b) => a + b, 0));
}

/** Reference SAFE-LSTM (torch gate order i, f, g, o): s_t = σ(W h_t + b). */
export function referenceLstmScores(features: readonly ArrayLike<number>[]): number[] {
  const H = TINY.hidden;
  let h = new Array<number>(H).fill(0);
  let c = new Array<number>(H).fill(0);
  const { wIh, wHh, bIh, bHh, wFc, bFc } = TINY.lstm;
  return features.map((f) => {
    const a = matVec(wIh, norm(f)).map((v, k) => v + bIh[k] + bHh[k] + matVec([wHh[k]], h)[0]);
    const gate = (g: number, j: number) => a[g * H + j];
    c = c.map((cj, j) => sig(gate(1, j)) * cj + sig(gate(0, j)) * Math.tanh(gate(2, j)));
    h = c.map((cj, j) => sig(gate(3, j)) * Math.tanh(cj));
    return sig(matVec(wFc, h)[0] + bFc[0]);
  });
}

/** Deterministic pseudo-random feature vectors. */
export function featureSequence(n: number, seed: number, size = TINY.featureSize): Float32Array[] {
  let x = seed * 9301 + 49297;
  const next = () => ((x = (x * 9301 + 49297) % 233280) / 233280) * 4 - 2;
  return Array.from({ length: n }, () => Float32Array.from({ length: size }, next));
}
