// `npm run bench`: runs every area's benchmark and prints the tables.
//   node dist/bench/run_all.js [area ...] [--json out.json]
// Areas run one after another (never concurrently) so they do not disturb each other's timing.

import fs from 'node:fs';
import { formatSection, machineDescription, type BenchSection } from './bench_table.js';

type Area = () => Promise<BenchSection[]>;

const AREAS: Record<string, () => Promise<Area>> = {
  bags: async () => (await import('./bags.js')).bench,
  camera_ingestion: async () => (await import('./camera_ingestion.js')).bench,
  controller_bridge: async () => (await import('./controller_bridge.js')).bench,
  embedded_launch: async () => (await import('./embedded_launch.js')).bench,
  failure_monitor: async () => (await import('./failure_monitor.js')).bench,
  renderer: async () => (await import('./renderer.js')).bench,
  sim: async () => (await import('./sim.js')).bench,
  runtime: async () => (await import('./runtime.js')).bench,
  ros2_launch: async () => (await import('./ros2_launch.js')).bench,
  vlm_real_size: async () => (await import('./vlm_real_size.js')).bench,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
  const wanted = args.filter((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1));
  const unknown = wanted.filter((a) => !(a in AREAS));
  if (unknown.length > 0) {
    console.error(`unknown bench area(s): ${unknown.join(', ')}; available: ${Object.keys(AREAS).join(', ')}`);
    process.exit(2);
  }
  const areas = wanted.length > 0 ? wanted : Object.keys(AREAS);
  console.log(`# vla-ros benchmarks\n\nmachine: ${machineDescription()}\n`);
  const all: Record<string, BenchSection[]> = {};
  for (const name of areas) {
    const sections = await (await AREAS[name]())();
    all[name] = sections;
    for (const s of sections) console.log(formatSection(s));
  }
  if (jsonFile !== undefined) fs.writeFileSync(jsonFile, JSON.stringify({ machine: machineDescription(), results: all }, null, 2));
}

await main();
