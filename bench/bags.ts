// Bag benchmarks (issue 7): a ~1 GB rosbag2 MCAP bag with two 640×480 rgb8 cameras at 30 Hz and
// FR3 joint states and pose at 100 Hz, generated here in a temporary folder (removed after), then
//  - raw reading: messages/s and MB/s (message bytes, and file bytes) of BagReader, undecoded and
//    CDR-decoded, streamed chunk by chunk;
//  - the floor: @mcap/core alone reading every message (bareMcapRead), in the same run;
//  - deterministic replay of the control path (bringup.launch.xml: cameras → pathways → bridge →
//    target_pose) in virtual time: × real time (bag seconds per wall second) from the first
//    message played to the end, beside the floor and the ratio; start-up (nodes and models) and
//    CPU time per bag second (robust to other load) apart;
//  - peak RSS of each phase, against the bag's size: memory stays bounded because nothing loads
//    the whole bag.
// VLA_BENCH_BAG_MB scales the bag (default 1024); VLA_BENCH_REPLAY_SECONDS bounds the replayed
// span (default: the whole bag). Run through run_all.ts (`npm run bench -- bags`).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BagReader } from '../nodes/bags/bag_reader.js';
import { writeSyntheticRobotBag } from '../test/bags/synthetic_bag.js';
import { defaultLaunchContext, resolveLaunchFilePath } from '../nodes/launcher/launch_context.js';
import { loadLaunchFile } from '../nodes/launcher/launch_file.js';
import { replayBag } from '../nodes/replay/replay.js';
import { McapIndexedReader } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { loadDecompressHandlers } from '@mcap/support';
import type { BenchRow, BenchSection } from './bench_table.js';

const MB = 1e6;

/** Peak resident set size while `work` runs, sampled every 20 ms [bytes]. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakRss: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const result = await work();
    return { result, peakRss: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

function folderBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
}

async function readPass(bag: string, decode: boolean): Promise<{ messages: number; bytes: number; seconds: number }> {
  const reader = await BagReader.open(bag);
  let messages = 0;
  let bytes = 0;
  const t0 = performance.now();
  try {
    for await (const m of reader.messages()) {
      messages++;
      bytes += m.data.byteLength;
      if (decode) m.decode();
    }
  } finally {
    reader.close();
  }
  return { messages, bytes, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The floor of any replay of the bag: @mcap/core alone reading every message of it (indexed,
 * @mcap/support's decompressors), nothing decoded, nothing published [s].
 */
async function bareMcapRead(bag: string): Promise<{ seconds: number; bytes: number }> {
  const decompressHandlers = await loadDecompressHandlers();
  let seconds = 0;
  let bytes = 0;
  for (const file of fs.readdirSync(bag).filter((f) => f.endsWith('.mcap'))) {
    const handle = await fs.promises.open(path.join(bag, file), 'r');
    try {
      const t0 = performance.now();
      const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle), decompressHandlers });
      for await (const m of reader.readMessages({ validateCrcs: false })) bytes += m.data.byteLength;
      seconds += (performance.now() - t0) / 1000;
    } finally {
      await handle.close();
    }
  }
  return { seconds, bytes };
}

/** `floor …, ratio …`: a value beside its floor measured in the same run. */
function againstFloor(value: number, floor: number, unit: string, what: string): string {
  return `floor ${floor.toFixed(1)} ${unit} (${what}, same run), ratio ${(value / floor).toFixed(2)}`;
}

export async function bench(): Promise<BenchSection[]> {
  const targetMb = Number(process.env.VLA_BENCH_BAG_MB ?? 1024);
  const replaySeconds = process.env.VLA_BENCH_REPLAY_SECONDS !== undefined ? Number(process.env.VLA_BENCH_REPLAY_SECONDS) : undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-bench-bags-'));
  const bag = path.join(tmp, 'cameras');
  try {
    // Long enough for the size; the writer stops at maxBytes.
    const t0 = performance.now();
    const written = await writeSyntheticRobotBag(bag, {
      width: 640,
      height: 480,
      cameraHz: 30,
      jointHz: 100,
      poseHz: 100,
      duration: 3600,
      maxBytes: targetMb * MB,
      compression: 'zstd',
    });
    const writeSeconds = (performance.now() - t0) / 1000;
    const fileBytes = folderBytes(bag);
    const bagNote = `${(fileBytes / MB).toFixed(0)} MB on disk, ${written.seconds.toFixed(1)} s of recording, ${written.messages} messages`;
    const generation: BenchSection = {
      title: `bags: the benchmark bag (2 × 640×480 rgb8 @ 30 Hz, joints + pose @ 100 Hz, zstd chunks)`,
      rows: [
        { name: 'bag size', value: fileBytes / MB, unit: 'MB', note: bagNote },
        { name: 'write (generate + CDR + zstd)', value: fileBytes / MB / writeSeconds, unit: 'MB/s', note: `${writeSeconds.toFixed(1)} s` },
      ],
    };

    const reading: BenchRow[] = [];
    for (const decode of [false, true]) {
      const { result: r, peakRss } = await withPeakRss(() => readPass(bag, decode));
      const label = decode ? 'read + CDR decode' : 'raw read';
      reading.push(
        {
          name: `${label}: messages`,
          value: r.messages / r.seconds,
          unit: 'msg/s',
          note: `${r.messages} messages in ${r.seconds.toFixed(1)} s`,
        },
        {
          name: `${label}: message data`,
          value: r.bytes / MB / r.seconds,
          unit: 'MB/s',
          note: `${(r.bytes / MB).toFixed(0)} MB uncompressed`,
        },
        { name: `${label}: file`, value: fileBytes / MB / r.seconds, unit: 'MB/s', note: 'compressed bytes on disk' },
        { name: `${label}: peak RSS`, value: peakRss / MB, unit: 'MB', note: `bag ${(fileBytes / MB).toFixed(0)} MB` },
      );
    }

    // The floor, read right before (and after) the replay: same bag, same page cache.
    const floorRead = await bareMcapRead(bag);
    reading.push({
      name: 'floor: bare @mcap/core read',
      value: floorRead.bytes / MB / floorRead.seconds,
      unit: 'MB/s',
      note: `${floorRead.seconds.toFixed(2)} s for ${(floorRead.bytes / MB).toFixed(0)} MB: indexed, every message, no decoding`,
    });

    const launch = loadLaunchFile(
      resolveLaunchFilePath('bringup.launch.xml'),
      { use_sim_time: 'true', instruction: 'push the red cube to the left', log_level: 'error' },
      defaultLaunchContext(),
      { onLog: () => {} },
    );
    const outputs = path.join(tmp, 'outputs');
    const load = os.loadavg()[0];
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    let firstMessage: number | undefined;
    const { result: replay, peakRss } = await withPeakRss(() =>
      replayBag({
        bag,
        mode: 'deterministic',
        launch,
        duration: replaySeconds,
        outputBag: outputs,
        logSink: () => {},
        onProgress: () => (firstMessage ??= performance.now()),
      }),
    );
    const end = performance.now();
    const cpu = process.cpuUsage(cpu0);
    // The floor again after the replay: on a shared machine the load moves, and the faster read bounds it.
    const floorAfter = await bareMcapRead(bag);
    const floorSeconds = Math.min(floorRead.seconds, floorAfter.seconds);
    const wall = (end - t1) / 1000;
    const playWall = (end - (firstMessage ?? t1)) / 1000;
    const bagSeconds = replay.play.end - replay.play.start;
    // The floor over the replayed span: the bare read's rate, in bag seconds per second.
    const floorRate = written.seconds / floorSeconds;
    const playRate = bagSeconds / playWall;
    const counts = new Map(replay.outputs?.topics.map((t) => [t.topic, t.count]));
    const replayRows: BenchRow[] = [
      {
        name: 'deterministic replay (playback)',
        value: playRate,
        unit: '× real time',
        target: '>= 20 × real time',
        pass: playRate >= 20,
        note:
          `${bagSeconds.toFixed(1)} s of bag in ${playWall.toFixed(2)} s, first message to end; ` +
          againstFloor(
            playRate,
            floorRate,
            '×',
            `bare @mcap/core read of the bag, ${floorRead.seconds.toFixed(1)} s before / ${floorAfter.seconds.toFixed(1)} s after`,
          ),
      },
      {
        name: 'deterministic replay (start-up included)',
        value: bagSeconds / wall,
        unit: '× real time',
        note: `${wall.toFixed(1)} s; start-up (nodes, models, first chunk) ${(wall - playWall).toFixed(1)} s`,
      },
      {
        name: 'replay: CPU time per bag second',
        value: (cpu.user + cpu.system) / 1e6 / bagSeconds,
        unit: 's/s',
        note: 'all threads of the process (suite and inference workers), start-up included: insensitive to other load',
      },
      { name: 'messages replayed', value: replay.play.published / wall, unit: 'msg/s', note: `${replay.play.published} messages` },
      {
        name: 'action chunks',
        value: (counts.get('/action_chunk') ?? 0) / bagSeconds,
        unit: 'Hz of bag time',
        note: `${counts.get('/target_pose') ?? 0} target poses`,
      },
      {
        name: 'replay: peak RSS',
        value: peakRss / MB,
        unit: 'MB',
        target: '<= 400 MB',
        pass: peakRss / MB <= 400,
        note: replay.suiteProblems.length > 0 ? replay.suiteProblems.join('; ') : '',
      },
    ];
    return [
      generation,
      { title: 'bags: reading the benchmark bag (BagReader, streamed)', rows: reading },
      {
        title: `bags: deterministic replay of the control path (bringup.launch.xml, virtual time; load average ${load.toFixed(1)} on ${os.cpus().length} cores at start)`,
        rows: replayRows,
      },
    ];
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
