// Continuity across chunk boundaries, per merge rule. A policy follows a smooth reference
// (a 0.25 Hz circle of radius 8 cm with a ±0.2 rad wrist turn: ≤ 0.13 m/s) but every chunk
// is off by its own bias (±3 mm, ±0.02 rad) plus ±0.5 mm row noise — chunks disagree, as real
// ones do. Chunks arrive 60–100 ms after their observation. The FR3 bridge publishes at 50 Hz.
// Measured on the published targets: per-tick translation, per-tick change of velocity, jerk
// (third difference / Δt³), at the ticks right after a chunk arrives ("boundary": until the
// second waypoint after the arrival) and elsewhere, and the RMS tracking error to the reference.
// CONTINUITY_REPORT=1 prints the table that docs/controller-bridge.md quotes.

import { strict as assert } from 'node:assert';
import { ControlLoop } from '../../nodes/controller_bridge/control_loop.js';
import type { MergeRuleName } from '../../nodes/controller_bridge/merge_rule.js';
import { MERGE_RULES } from '../../nodes/controller_bridge/merge_rule.js';
import { quatFromEulerXyz, quatMultiply } from '../../nodes/robots/rotation.js';
import { bridgeConfig, chunk, poseArray, robotFixture } from './helpers.js';

const T0 = 100;
const DT = 1 / 30;
const H = 16;
const TICK = 1 / 50;

interface Metrics {
  maxStepBoundary: number;
  maxStepInterior: number;
  maxDvBoundary: number;
  maxDvInterior: number;
  maxJerkBoundary: number;
  maxJerkInterior: number;
  rmsError: number;
  limitTicks: number;
}

function rngFrom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 2 ** 32 - 0.5;
  };
}

function continuity(rule: MergeRuleName, chunkEvery: number): Metrics {
  const robot = robotFixture('fr3');
  const loop = new ControlLoop(bridgeConfig(robot, { mergeRule: rule }), robot.chain);
  const start = robot.chain.pose(robot.home);
  assert.ok(loop.activate(T0, { pose: poseArray(start), joints: robot.home }).ok);
  const reference = (t: number) => {
    const w = 2 * Math.PI * 0.25 * Math.max(0, t - T0 - 0.5);
    const p = [start.p[0] + 0.08 * Math.sin(w), start.p[1] + 0.08 * (1 - Math.cos(w)), start.p[2]];
    return { p, q: quatMultiply(quatFromEulerXyz(0, 0, 0.2 * Math.sin(w)), start.q) };
  };
  const rand = rngFrom(12345);
  // Chunk arrivals, precomputed: observation every `chunkEvery` steps, 60–100 ms latency.
  const arrivals: { at: number; input: ReturnType<typeof chunk> }[] = [];
  let seq = 0;
  for (let obs = T0 + DT; obs < T0 + 10; obs += chunkEvery * DT) {
    const bias = [rand() * 0.006, rand() * 0.006, rand() * 0.006];
    const turn = rand() * 0.04;
    const rows = Array.from({ length: H }, (_, i) => {
      const r = reference(obs + i * DT);
      const q = quatMultiply(quatFromEulerXyz(0, 0, turn), r.q);
      return [r.p[0] + bias[0] + rand() * 0.001, r.p[1] + bias[1] + rand() * 0.001, r.p[2] + bias[2] + rand() * 0.001, ...q];
    });
    const input = chunk(rows, { actionSpace: 'ee_absolute', rotation: 'quaternion', stamp: obs, dt: DT, sequence: ++seq });
    arrivals.push({ at: obs + 0.08 + rand() * 0.04, input });
  }
  // Latency jitter reorders arrivals: a chunk observed later may arrive first (and then the
  // older one is refused as out of order).
  arrivals.sort((a, b) => a.at - b.at);
  const xs: number[][] = [];
  const boundary: boolean[] = [];
  let next = 0;
  let lastArrival = -Infinity;
  let errSq = 0;
  for (let k = 1; T0 + k * TICK < T0 + 10; k++) {
    const t = T0 + k * TICK;
    while (next < arrivals.length && arrivals[next].at <= t) {
      loop.offerChunk(arrivals[next].input, arrivals[next].at);
      lastArrival = arrivals[next].at;
      next++;
    }
    const out = loop.tick(t)!;
    xs.push([out.target[0], out.target[1], out.target[2]]);
    // The new chunk bends the path at the next waypoint: up to two steps after its arrival.
    boundary.push(t - lastArrival <= 2 * DT + TICK);
    const r = reference(t);
    errSq += (out.target[0] - r.p[0]) ** 2 + (out.target[1] - r.p[1]) ** 2 + (out.target[2] - r.p[2]) ** 2;
  }
  const norm = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
  const m: Metrics = {
    maxStepBoundary: 0,
    maxStepInterior: 0,
    maxDvBoundary: 0,
    maxDvInterior: 0,
    maxJerkBoundary: 0,
    maxJerkInterior: 0,
    rmsError: Math.sqrt(errSq / xs.length),
    limitTicks: loop.limitHits.get('translation') ?? 0,
  };
  // Skip the first second (start-up from rest).
  for (let k = 3 + 50; k < xs.length; k++) {
    const d = (i: number) => [0, 1, 2].map((c) => xs[i][c] - xs[i - 1][c]);
    const step = norm(xs[k], xs[k - 1]);
    const dv = Math.hypot(...[0, 1, 2].map((c) => d(k)[c] - d(k - 1)[c])) / TICK;
    const jerk = Math.hypot(...[0, 1, 2].map((c) => d(k)[c] - 2 * d(k - 1)[c] + d(k - 2)[c])) / TICK ** 3;
    const b = boundary[k];
    if (b) {
      m.maxStepBoundary = Math.max(m.maxStepBoundary, step);
      m.maxDvBoundary = Math.max(m.maxDvBoundary, dv / TICK);
      m.maxJerkBoundary = Math.max(m.maxJerkBoundary, jerk);
    } else {
      m.maxStepInterior = Math.max(m.maxStepInterior, step);
      m.maxDvInterior = Math.max(m.maxDvInterior, dv / TICK);
      m.maxJerkInterior = Math.max(m.maxJerkInterior, jerk);
    }
  }
  return m;
}

describe('continuity across chunk boundaries (FR3, 50 Hz, chunks disagree by ±3 mm)', function () {
  this.timeout(30_000);
  const limit = 0.5 * TICK; // max_translation_speed · Δt
  // The reference moves ≤ 0.126 m/s: 2.5 mm per tick.
  const referenceStep = 0.08 * 2 * Math.PI * 0.25 * TICK;
  const rows: string[] = [];

  for (const every of [1, 8]) {
    const results = new Map<MergeRuleName, Metrics>();
    for (const rule of MERGE_RULES) results.set(rule, continuity(rule, every));

    it(`a chunk every ${every} step(s): every rule stays under the per-tick limit; no step discontinuity at arrivals`, () => {
      for (const [rule, m] of results) {
        assert.ok(m.maxStepBoundary <= limit + 1e-12 && m.maxStepInterior <= limit + 1e-12, `${rule}: ${JSON.stringify(m)}`);
        // No jump: at a boundary a tick moves at most the reference's step plus the chunks'
        // disagreement spread over the segment (≤ 2·(3√3 + 0.5√3) mm over one waypoint step).
        const disagreement = 2 * Math.sqrt(3) * 0.0035 * (TICK / DT);
        assert.ok(m.maxStepBoundary <= referenceStep + disagreement, `${rule}: boundary step ${m.maxStepBoundary}`);
        assert.ok(m.rmsError < 0.02, `${rule} tracks the reference: ${m.rmsError}`);
      }
    });

    it(`a chunk every ${every} step(s): averaging rules are at least as smooth at boundaries as latest_only`, () => {
      const latest = results.get('latest_only')!;
      for (const rule of ['weighted_average', 'average', 'conservative', 'temporal_ensemble'] as const) {
        const m = results.get(rule)!;
        assert.ok(
          m.maxStepBoundary <= latest.maxStepBoundary + 1e-9,
          `${rule} step ${m.maxStepBoundary} vs latest_only ${latest.maxStepBoundary}`,
        );
        assert.ok(
          m.maxJerkBoundary <= latest.maxJerkBoundary + 1e-9,
          `${rule} jerk ${m.maxJerkBoundary} vs latest_only ${latest.maxJerkBoundary}`,
        );
      }
    });

    for (const [rule, m] of results) {
      rows.push(
        `| ${every} | ${rule} | ${(m.maxStepBoundary * 1000).toFixed(2)} | ${(m.maxStepInterior * 1000).toFixed(2)} | ${m.maxDvBoundary.toFixed(2)} | ${m.maxDvInterior.toFixed(2)} | ` +
          `${m.maxJerkBoundary.toFixed(0)} | ${m.maxJerkInterior.toFixed(0)} | ${(m.rmsError * 1000).toFixed(2)} |`,
      );
    }
  }

  after(() => {
    if (process.env.CONTINUITY_REPORT === undefined) return;
    console.log(
      [
        '| chunk every (steps) | merge rule | max step at boundary [mm/tick] | max step elsewhere [mm/tick] | max Δv/Δt at boundary [m/s²] | elsewhere [m/s²] | max jerk at boundary [m/s³] | elsewhere [m/s³] | RMS error to reference [mm] |',
        '|---|---|---|---|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  });
});
