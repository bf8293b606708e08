// The fast–slow design with a VLM of realistic size (issue 14, target 2): a ViT-B/16 image
// encoder shared by both cameras + a 4-layer text encoder (bench/transformer_vlm.ts, ~104 M
// parameters, random seeded weights, built into a temporary folder and removed afterwards) in
// place of the reference bundle's VLM, with the runtime bench's pipeline (bench/runtime.ts:
// camera ingestion, slow and fast pathway on their own threads, two 640×480 cameras at 30 fps,
// the fast pathway at 30 Hz). The VLM runs as fast as it can (rate above what it manages; ticks
// that find it busy are dropped), on 1 and then 2 intra-op threads.
//
// Each measure stands beside its floor from the same run, measured first on worker threads that
// do nothing else (bench/vlm_floor_worker.ts), concurrently so the timer floor sees the VLM's load:
//  - VLM latency: bare OnnxModel.run of the same model, back to back;
//  - chunk tick and arrival jitter: a bare precise PeriodicTimer at 30 Hz, its ticks posted to
//    this thread (where the pipeline's probe subscribes);
//  - latent age: back-to-back bare runs give an age between L and 2L (L = bare latency), so
//    p50 ≈ 1.5 L and p99 ≈ 2 L (p99).
// Last, the same pipeline with the shipped reference bundle, for what the machine's load alone
// does to the 30 Hz expert.

import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { wallNow } from '../nodes/ros/time_base.js';
import { stats, type BenchRow, type BenchSection } from './bench_table.js';
import { benchParam } from './launch_actions.js';
import { runScenario } from './runtime.js';
import { buildTransformerVlm, transformerParameterCount, VIT_B16_VLM } from './transformer_vlm.js';
import type { FloorJob } from './vlm_floor_worker.js';

const CAMERAS = ['scene', 'wrist'];
const CHUNK_RATE_HZ = 30;
/** The slow pathway's rate: above what the model manages, so it runs back to back. */
const VLM_RATE_HZ = 10;
/** Runs of the bare model measured at least, whatever the floor's duration. */
const MIN_FLOOR_RUNS = 5;

interface Floors {
  vlmMs: ReturnType<typeof stats>;
  tickJitterMs: ReturnType<typeof stats>;
  arrivalJitterMs: ReturnType<typeof stats>;
}

function floorWorker(job: FloorJob): Worker {
  return new Worker(new URL('./vlm_floor_worker.js', import.meta.url), { workerData: job });
}

/** Period jitter |Δt − period| [ms] of consecutive times [s]. */
function periodJitterMs(times: readonly number[], period: number): number[] {
  return times.slice(1).map((t, i) => Math.abs(t - times[i] - period) * 1000);
}

/** The bare model back to back and a bare 30 Hz timer, together, for `seconds` (and at least MIN_FLOOR_RUNS runs). */
async function measureFloors(model: string, threads: number, seconds: number): Promise<Floors> {
  const vlm = floorWorker({ role: 'vlm', model, threads, cameras: CAMERAS });
  const runs: number[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    vlm.on('message', (m: unknown) => (m === 'ready' ? resolve() : runs.push(m as number)));
    vlm.once('error', reject);
  });
  let vlmExited = false;
  const vlmExit = new Promise((resolve) => vlm.once('exit', resolve)).then(() => (vlmExited = true));
  await ready;
  const timer = floorWorker({ role: 'timer', rateHz: CHUNK_RATE_HZ });
  const stamps: number[] = [];
  const arrivals: number[] = [];
  timer.on('message', (stamp: number) => {
    arrivals.push(wallNow());
    stamps.push(stamp);
  });
  const timerExit = new Promise((resolve) => timer.once('exit', resolve));
  const start = Date.now();
  // The first run pays for onnxruntime's first-run allocations: not counted.
  while (Date.now() - start < seconds * 1000 || runs.length < MIN_FLOOR_RUNS + 1) {
    if (vlmExited) {
      await timer.terminate();
      throw new Error(`the bare VLM worker stopped after ${runs.length} runs`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  vlm.postMessage('stop');
  timer.postMessage('stop');
  await Promise.all([vlmExit, timerExit]);
  const period = 1 / CHUNK_RATE_HZ;
  return {
    vlmMs: stats(runs.slice(1)),
    tickJitterMs: stats(periodJitterMs(stamps, period)),
    arrivalJitterMs: stats(periodJitterMs(arrivals, period)),
  };
}

/** The 30 Hz expert's timing (the measures of bench/runtime.ts), beside the bare timer's. */
function expertRows(r: Awaited<ReturnType<typeof runScenario>>, floor: Floors, seconds: number): BenchRow[] {
  return [
    {
      name: 'tick lateness p99 (chunk stamps)',
      value: r.tickLatenessMs.p99,
      unit: 'ms',
      target: '<= 0.5 ms',
      pass: r.tickLatenessMs.p99 <= 0.5,
      note: 'its floor: the runtime area (bare timing-thread loop)',
    },
    {
      name: 'chunk period jitter p99 (tick stamps)',
      value: r.tickJitterMs.p99,
      unit: 'ms',
      floor: floor.tickJitterMs.p99,
      note: 'floor: bare 30 Hz timer thread beside the bare VLM',
    },
    {
      name: 'chunk arrival jitter p99 (subscriber thread)',
      value: r.arrivalJitterMs.p99,
      unit: 'ms',
      floor: floor.arrivalJitterMs.p99,
      target: '<= 1 ms',
      pass: r.arrivalJitterMs.p99 <= 1,
      note: 'floor: the bare timer’s ticks arriving here',
    },
    {
      name: 'missed ticks',
      value: r.missedTicks,
      unit: '',
      target: '0',
      pass: r.missedTicks === 0,
      note: `${r.chunks} chunks in ${seconds} s`,
    },
    { name: 'camera frames dropped', value: r.cameraDrops, unit: '' },
  ];
}

export async function bench(): Promise<BenchSection[]> {
  const seconds = Number(process.env.VLA_BENCH_VLM_SECONDS ?? 30);
  const floorSeconds = Number(process.env.VLA_BENCH_VLM_FLOOR_SECONDS ?? 15);
  const shape = { ...VIT_B16_VLM, cameras: CAMERAS };
  const parameters = transformerParameterCount(shape);
  const built = performance.now();
  const model = buildTransformerVlm(shape);
  const buildSeconds = (performance.now() - built) / 1000;
  const megabytes = (fs.statSync(model).size + fs.statSync(`${model}.data`).size) / 2 ** 20;
  const sections: BenchSection[] = [];
  const floors: Floors[] = [];
  try {
    for (const threads of [1, 2]) {
      const floor = await measureFloors(model, threads, floorSeconds);
      floors.push(floor);
      const r = await runScenario({
        label: `real-size VLM, ${threads} thread(s)`,
        seconds,
        chunkRateHz: CHUNK_RATE_HZ,
        cameras: CAMERAS.length,
        vlm: { name: 'vit_b16', model, rateHz: VLM_RATE_HZ, modelledLatency: floor.vlmMs.p50 / 1000 },
        // loading the model and its first latent take several VLM runs' time
        warmup: 3 + (3 * floor.vlmMs.p50) / 1000,
        slowPathway: [benchParam('inference_threads', 'integer', threads)],
        // the latent is seconds old by design here; the expert keeps acting on it (its age is an input)
        fastPathway: [benchParam('max_latent_age', 'double', 60)],
        // The slow pathway stops once its run in progress ends (seconds under load); a thread
        // terminated inside onnxruntime's run aborts the process.
        stopTimeoutSec: 60,
      });
      const vlmRate = r.vlmLatencyMs.n / seconds;
      const rows: BenchRow[] = [
        {
          name: 'parameters',
          value: parameters / 1e6,
          unit: 'M',
          note: `${parameters} exactly; ${megabytes.toFixed(0)} MB on disk, built in ${buildSeconds.toFixed(1)} s`,
        },
        {
          name: 'VLM latency p50',
          value: r.vlmLatencyMs.p50,
          unit: 'ms',
          floor: floor.vlmMs.p50,
          note: 'in the slow pathway’s worker; floor: bare OnnxModel.run',
        },
        {
          name: 'VLM latency p99',
          value: r.vlmLatencyMs.p99,
          unit: 'ms',
          floor: floor.vlmMs.p99,
          note: `${r.vlmLatencyMs.n} runs; floor ${floor.vlmMs.n} bare runs`,
        },
        {
          name: 'VLM rate achieved',
          value: vlmRate,
          unit: 'Hz',
          floor: 1000 / floor.vlmMs.p50,
          note: `rate_hz ${VLM_RATE_HZ}; floor: 1 / bare p50 (higher is better)`,
        },
        {
          name: 'latent age p50 (fast pathway)',
          value: r.latentAgeMs.p50,
          unit: 'ms',
          floor: 1.5 * floor.vlmMs.p50,
          note: 'floor: 1.5 × bare p50',
        },
        {
          name: 'latent age p99 (fast pathway)',
          value: r.latentAgeMs.p99,
          unit: 'ms',
          floor: 2 * floor.vlmMs.p99,
          note: 'floor: 2 × bare p99',
        },
        ...expertRows(r, floor, seconds),
      ];
      sections.push({
        title: `Real-size VLM (ViT-B/16 + text encoder, ${(parameters / 1e6).toFixed(1)} M) in the fast–slow runtime, VLM on ${threads} intra-op thread${threads > 1 ? 's' : ''}`,
        rows: threads === 1 ? rows : rows.slice(1),
      });
    }
    // The same pipeline with the shipped reference bundle (its ~1 ms VLM at 2 Hz), in the same run:
    // what the machine's load does to the expert without a real-size VLM beside it.
    const reference = await runScenario({ label: 'reference bundle', seconds, chunkRateHz: CHUNK_RATE_HZ, cameras: CAMERAS.length });
    sections.push({
      title: 'For comparison, the same run: the reference bundle (its ~1 ms VLM at 2 Hz); floors from the 1-thread run',
      rows: expertRows(reference, floors[0], seconds),
    });
  } finally {
    fs.rmSync(path.dirname(model), { recursive: true, force: true });
  }
  return sections;
}
