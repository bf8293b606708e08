// Renderer benchmark: time per frame per camera for the demo tabletop scene (7-link arm, table,
// floor, walls, gripper, cubes and spheres), front and wrist cameras, at 256×256 and 320×240, with
// the arm moving between frames; plus the same scene with more primitives. Warm-up first; p50/p99.
// Run through run_all.ts, or directly: node dist/bench/renderer.js [--png <dir>] (also writes the
// demo scene's images as PNGs to look at).

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { DEMO_JOINTS, demoScene, type DemoScene } from '../test/sim/render/demo_scene.js';
import { Renderer } from '../nodes/sim/render/renderer.js';
import type { Primitive } from '../nodes/sim/render/scene.js';
import { formatSection, machineDescription, stats, type BenchRow, type BenchSection } from './bench_table.js';

const TARGET_MS = 5;
const WARMUP = 60;
const FRAMES = 400;

/** The scene at frame k: joints swinging smoothly so the arm and the wrist camera move. */
function sceneAt(k: number, size: [number, number], extra = 0): DemoScene {
  const joints = DEMO_JOINTS.map((q, i) => q + 0.25 * Math.sin(0.05 * k + i));
  const s = demoScene({ joints, frontSize: size, wristSize: size });
  for (let i = 0; i < extra; i++) {
    // More clutter on the table: small cubes and spheres in a grid.
    const x = 0.2 + 0.08 * (i % 8);
    const y = -0.5 + 0.12 * Math.floor(i / 8);
    const shape: Primitive =
      i % 2 === 0
        ? {
            kind: 'box',
            pose: { position: [x, y, 0.77], orientation: [0, 0, Math.sin(i), Math.cos(i)] },
            halfSize: [0.02, 0.02, 0.02],
            colour: [0.2, 0.3 + 0.05 * (i % 8), 0.6],
          }
        : { kind: 'sphere', pose: { position: [x, y, 0.77], orientation: [0, 0, 0, 1] }, radius: 0.02, colour: [0.7, 0.4, 0.1] };
    s.shapes.push(shape);
  }
  return s;
}

interface Timing {
  front: number[];
  wrist: number[];
  shapes: number;
}

function timeScene(size: [number, number], extra: number): Timing {
  const r = new Renderer();
  const outF = new Uint8Array(size[0] * size[1] * 3);
  const outW = new Uint8Array(size[0] * size[1] * 3);
  // Scenes are built before timing: the benchmark measures the renderer, not the scene builder.
  const scenes = Array.from({ length: 100 }, (_, k) => sceneAt(k, size, extra));
  const front: number[] = [];
  const wrist: number[] = [];
  for (let k = 0; k < WARMUP + FRAMES; k++) {
    const s = scenes[k % scenes.length];
    const t0 = performance.now();
    r.render(s.shapes, s.front, s.lighting, outF);
    const t1 = performance.now();
    r.render(s.shapes, s.wrist, s.lighting, outW);
    const t2 = performance.now();
    if (k >= WARMUP) {
      front.push(t1 - t0);
      wrist.push(t2 - t1);
    }
  }
  return { front, wrist, shapes: scenes[0].shapes.length };
}

function rows(label: string, sample: number[], note: string): BenchRow[] {
  const s = stats(sample);
  return [
    { name: `${label} p50`, value: s.p50, unit: 'ms', target: `<= ${TARGET_MS} ms`, pass: s.p50 <= TARGET_MS, note: `${note}, n=${s.n}` },
    { name: `${label} p99`, value: s.p99, unit: 'ms', note: `max ${s.max.toFixed(2)} ms` },
  ];
}

function depthRows(): BenchRow[] {
  const r = new Renderer();
  const size: [number, number] = [256, 256];
  const scenes = Array.from({ length: 50 }, (_, k) => sceneAt(k, size));
  const out = new Float32Array(size[0] * size[1]);
  const t: number[] = [];
  for (let k = 0; k < WARMUP + FRAMES; k++) {
    const s = scenes[k % scenes.length];
    const t0 = performance.now();
    r.renderDepth(s.shapes, s.front, out);
    if (k >= WARMUP) t.push(performance.now() - t0);
  }
  const st = stats(t);
  return [{ name: 'depth 256×256 front p50', value: st.p50, unit: 'ms', note: `p99 ${st.p99.toFixed(2)} ms` }];
}

export async function bench(): Promise<BenchSection[]> {
  const out: BenchRow[] = [];
  for (const size of [
    [256, 256],
    [320, 240],
  ] as [number, number][]) {
    for (const extra of [0, 40]) {
      const t = timeScene(size, extra);
      const label = `${size[0]}×${size[1]}, ${t.shapes} primitives`;
      out.push(...rows(`${label}, front camera`, t.front, 'rgb8'));
      out.push(...rows(`${label}, wrist camera`, t.wrist, 'rgb8'));
    }
  }
  const vga = timeScene([640, 480], 0);
  out.push(
    ...rows(`640×480, ${vga.shapes} primitives, front camera (reference, no target)`, vga.front, 'rgb8').map((r) => ({
      ...r,
      target: undefined,
      pass: undefined,
    })),
  );
  out.push(...depthRows());
  await Promise.resolve();
  return [{ title: 'renderer: ms per frame per camera (demo tabletop scene, arm moving)', rows: out }];
}

/** Writes the demo scene's front and wrist images (and a depth visualisation) as PNGs into `dir`. */
export async function writeDemoPngs(dir: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const r = new Renderer();
  const written: string[] = [];
  for (const [w, h] of [
    [256, 256],
    [320, 240],
  ]) {
    const s = demoScene({ frontSize: [w, h], wristSize: [w, h] });
    for (const [name, cam] of [
      ['front', s.front],
      ['wrist', s.wrist],
    ] as const) {
      const rgb = r.render(s.shapes, cam, s.lighting);
      const file = path.join(dir, `renderer_${name}_${w}x${h}.png`);
      await sharp(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toFile(file);
      written.push(file);
      const depth = r.lastDepth();
      const grey = new Uint8Array(w * h);
      for (let i = 0; i < depth.length; i++) grey[i] = depth[i] === 0 ? 0 : Math.max(1, Math.round(255 - 80 * depth[i]));
      const dfile = path.join(dir, `renderer_${name}_${w}x${h}_depth.png`);
      await sharp(Buffer.from(grey), { raw: { width: w, height: h, channels: 1 } })
        .png()
        .toFile(dfile);
      written.push(dfile);
    }
  }
  return written;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--png');
  if (at >= 0) {
    for (const f of await writeDemoPngs(process.argv[at + 1] ?? '/tmp/renderer')) console.log(`wrote ${f}`);
  } else {
    console.log(`machine: ${machineDescription()}\n`);
    for (const s of await bench()) console.log(formatSection(s));
  }
}
