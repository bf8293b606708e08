// `vla-ros replay`: plays a bag through the suite of a launch file and records what the suite
// publishes (its outputs), optionally comparing them with a golden recording (golden.ts).
//
// Modes:
//   deterministic — a managed InProcessLaunch (all nodes in this thread, VirtualTimeBase = bag time),
//     player on the same domain. Inference runs for real (onnxruntime workers) but its result is
//     delivered at requestTime + the bundle's `modelled_latency` (vlm / expert), never "when the
//     worker finishes"; so outputs depend only on the bag and the suite's code and parameters.
//   realtime — a managed EmbeddedLaunch (a thread per node, wall-clock time, /clock at `rate` × real time),
//     player and output recorder on its hub. Outputs depend on machine speed, as on a robot.
//   rclnodejs — under ROS 2: the player is an rclnodejs node publishing into the ROS graph (the
//     suite runs elsewhere, e.g. `ros2 launch vla_ros bringup.launch.xml use_sim_time:=true`).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LaunchDescription } from '../launcher/launch_description.js';
import { BagReader } from '../bags/bag_reader.js';
import { describeStampDomain, detectStampDomain } from '../bags/time_domain.js';
import { RosbagWriter } from '../bags/bag_writer.js';
import type { ChunkCompression } from '../bags/compression.js';
import { BagRecorder, domainRecordSource, type RecordingSummary, type TopicRequest } from '../bags/recorder.js';
import type { RosBackend } from '../ros/backend.js';
import type { EmbeddedDomain } from '../ros/embedded/domain.js';
import type { LogLevel } from '../ros/log_level.js';
import { formatLogRecord, type LogSink } from '../ros/logger.js';
import type { MessageTypeName, RosNode } from '../ros/node.js';
import { VirtualTimeBase } from '../ros/time_base.js';
import {
  BagPlayer,
  playRange,
  VirtualTimeline,
  WallTimeline,
  type PlayResult,
  type ReplayTarget,
  type ReplayTimeline,
} from './bag_player.js';
import { EmbeddedLaunch } from '../launcher/embedded_launcher.js';
import { InProcessLaunch } from '../launcher/inprocess_launch.js';
import { ReplayError, suiteGraph } from './suite.js';
import { fromNanoseconds, toRosTime } from '../ros/time.js';
import { QoSProfiles } from '../ros/qos.js';
import type { TopicCount } from './output_check.js';
import { toolNodeConfig } from '../ros/node_config.js';

export type ReplayMode = 'deterministic' | 'realtime' | 'rclnodejs';

/**
 * Types not recorded unless asked for: bulky tensors and camera images, diagnostics (they carry
 * measured compute times), and /clock. Everything else the suite publishes is recorded, and so
 * are the replayed inputs that are left (robot state such as joint_states and current_pose), so a
 * report of the outputs can plot commanded against actual pose.
 */
export const DEFAULT_EXCLUDED_OUTPUT_TYPES: readonly string[] = [
  'vla_ros_msgs/msg/Observation',
  'vla_ros_msgs/msg/LatentEntry',
  'sensor_msgs/msg/Image',
  'sensor_msgs/msg/CompressedImage',
  'diagnostic_msgs/msg/DiagnosticArray',
  'rosgraph_msgs/msg/Clock',
];

/** The node the player publishes from. */
export const PLAYER_NODE = '/rosbag2_player';

export interface ReplayOptions {
  bag: string;
  mode: ReplayMode;
  /** The suite; undefined: none (rclnodejs mode with an external suite). */
  launch?: LaunchDescription;
  topics?: readonly string[];
  remap?: ReadonlyMap<string, string>;
  start?: number;
  duration?: number;
  /** Real-time playback speed (realtime/rclnodejs modes). */
  rate?: number;
  /** Passes through the bag (default 1; Infinity: until interrupted). */
  passes?: number;
  /** /clock rate [Hz] (default 1000 deterministic, 200 real time). */
  clockHz?: number;
  /** Seconds after the last message during which the suite keeps running (default 0.5 deterministic, 0 otherwise). */
  tail?: number;
  /** Where to write the suite's outputs (a bag directory or .mcap); undefined: not written. */
  outputBag?: string;
  /** Output topics to record (default: every topic the suite publishes, minus DEFAULT_EXCLUDED_OUTPUT_TYPES). */
  outputTopics?: readonly TopicRequest[];
  /** Record outputs with these types too (removes them from the excluded list). */
  includeOutputTypes?: readonly string[];
  compression?: ChunkCompression;
  overwrite?: boolean;
  /** rclnodejs mode: the backend to create the player node on. */
  backend?: RosBackend;
  signal?: AbortSignal;
  onProgress?: (state: { published: number; bagTime: number; pass: number; start: number; end: number }) => void;
  onNote?: (note: string) => void;
  logLevel?: LogLevel;
  logSink?: LogSink;
  /** Values stored in the output bag's `vla_ros_replay` metadata record (provenance). */
  provenance?: Record<string, string>;
}

export interface ReplayResult {
  play: PlayResult;
  /** The topics played into the suite, as published (after remapping), with their types. */
  inputs: TopicCount[];
  outputs: RecordingSummary | undefined;
  /** Lifecycle transitions that failed in the suite. */
  suiteProblems: string[];
  wallSeconds: number;
  mode: ReplayMode;
}

/** Publishes into an embedded domain (the deterministic suite's, or the threaded suite's hub). */
/** What the real-time launcher says about its threads: problems only, on stderr (stdout is the replay's summary). */
const launchLogToStderr: LogSink = (r) => {
  if (r.level !== 'info' && r.level !== 'debug') process.stderr.write(`${formatLogRecord(r)}\n`);
};

function domainTarget(
  player: RosNode,
  domain: EmbeddedDomain,
  suiteNodes: () => Set<string>,
  copyMessages: boolean,
  onPublisher?: () => void,
): ReplayTarget {
  return {
    copyMessages,
    publisher: (topic, type, qos) => {
      const pub = player.createPublisher(type as MessageTypeName, topic, qos);
      onPublisher?.(); // the output recorder subscribes before the first message goes out
      return (message) => pub.publish(message as never);
    },
    accepts: (topic) => {
      const graph = suiteGraph(domain, suiteNodes());
      if (graph.published.has(topic)) return { reason: 'the suite publishes it itself (one of its outputs)', permanent: true };
      if (!graph.subscribed.has(topic)) return { reason: 'no suite node subscribed to it at the time', permanent: false };
      return undefined;
    },
    needed: (topic) => suiteGraph(domain, suiteNodes()).subscribed.has(topic),
  };
}

/** Publishes into the ROS graph through a port node (rclnodejs). */
function nodeTarget(player: RosNode): ReplayTarget {
  return {
    copyMessages: false,
    publisher: (topic, type, qos) => {
      const pub = player.createPublisher(type as MessageTypeName, topic, qos);
      return (message) => pub.publish(message as never);
    },
    accepts: () => undefined,
    needed: () => false,
  };
}

function outputRecorder(
  o: ReplayOptions,
  writer: RosbagWriter,
  domain: EmbeddedDomain,
  nodes: Set<string>,
  now: () => number,
): BagRecorder {
  const include = new Set(o.includeOutputTypes ?? []);
  return new BagRecorder(
    writer,
    domainRecordSource(domain, { now, publishersOf: new Set([...nodes, PLAYER_NODE]), node: '/vla_ros_replay_outputs' }),
    {
      ...(o.outputTopics !== undefined && o.outputTopics.length > 0 ? { topics: o.outputTopics } : { all: true, includeHidden: false }),
      excludeTypes: DEFAULT_EXCLUDED_OUTPUT_TYPES.filter((t) => !include.has(t)),
      onNote: o.onNote,
    },
  );
}

function playedInputs(
  play: PlayResult,
  topics: readonly { topic: string; type: string }[],
  remap: ReadonlyMap<string, string> | undefined,
): TopicCount[] {
  const types = new Map(topics.map((t) => [t.topic, t.type]));
  return [...play.perTopic].map(([topic, count]) => ({ topic: remap?.get(topic) ?? topic, type: types.get(topic) ?? '', count }));
}

/** Plays `o.bag` through the suite; see the file comment for the modes. */
export async function replayBag(o: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now();
  const bag = await BagReader.open(o.bag, { onNote: o.onNote });
  try {
    const info = await bag.info();
    if (info.start === undefined || info.end === undefined) throw new ReplayError(`${o.bag} has no messages to replay`);
    const { startNs } = playRange(info.start, info.end, o.start, o.duration);
    // Play on the clock of the header stamps: a simulated run recorded on wall time has stamps
    // ~1.8e9 s behind its log times, and every frame would look that old to the suite.
    const domain = await detectStampDomain(bag);
    if (domain.differs) o.onNote?.(describeStampDomain(domain));
    const bagTime = domain.differs ? (t: number) => domain.toStampClock(t) : undefined;
    const startTime = bagTime?.(fromNanoseconds(startNs)) ?? fromNanoseconds(startNs);
    const deterministic = o.mode === 'deterministic';
    const clockHz = o.clockHz ?? (deterministic ? 1000 : 200);
    const tail = o.tail ?? (deterministic ? 0.5 : 0);
    if (deterministic && o.rate !== undefined && o.rate !== 1)
      o.onNote?.('--rate has no effect in deterministic mode (virtual time runs as fast as the machine allows)');
    const writer =
      o.outputBag !== undefined
        ? await RosbagWriter.create(o.outputBag, {
            compression: o.compression ?? 'zstd',
            overwrite: o.overwrite ?? false,
            library: 'vla-ros replay',
          })
        : undefined;
    const provenance = async () => {
      // `provenance` comes last: a caller may name the bag relative to a checkout, for instance.
      if (writer !== undefined) {
        await writer.addMetadata('vla_ros_replay', {
          bag: o.bag,
          mode: o.mode,
          start_time_ns: String(startNs),
          ...(domain.differs ? { stamp_offset_s: String(domain.offset) } : {}),
          ...(o.provenance ?? {}),
        });
      }
    };
    const playOptions = {
      topics: o.topics,
      remap: o.remap,
      start: o.start,
      duration: o.duration,
      passes: o.passes,
      clockHz,
      bagTime,
      tail,
      signal: o.signal,
      onProgress: o.onProgress,
      onNote: o.onNote,
    };

    if (o.mode === 'deterministic') {
      if (o.launch === undefined) throw new ReplayError('a deterministic replay needs a suite to drive (a launch file)');
      const time = new VirtualTimeBase(startTime);
      let suite: InProcessLaunch | undefined;
      let recorder: BagRecorder | undefined;
      try {
        suite = await InProcessLaunch.start(o.launch, {
          time,
          managed: true,
          logLevel: o.logLevel ?? 'warn',
          ...(o.logSink !== undefined ? { logSink: o.logSink } : {}),
        });
        const running = suite;
        const suiteNodes = new Set(running.nodeNames);
        const player = await running.probe('rosbag2_player');
        if (writer !== undefined) {
          await provenance();
          recorder = outputRecorder(o, writer, running.domain, suiteNodes, () => time.now());
          recorder.start();
        }
        const rec = recorder;
        const timeline: ReplayTimeline = new VirtualTimeline(time, () => rec?.poll());
        if (clockHz > 0) {
          // Nodes under use_sim_time see the bag's time before they activate: an activation
          // timeout measured from sim time 0 would expire at the first /clock.
          player.createPublisher('rosgraph_msgs/msg/Clock', '/clock', QoSProfiles.clock).publish({ clock: toRosTime(startTime) });
          await time.flush();
        }
        void running.activate();
        const play = await new BagPlayer(
          bag,
          domainTarget(
            player,
            running.domain,
            () => suiteNodes,
            false,
            () => rec?.poll(),
          ),
          timeline,
          playOptions,
        ).play();
        const outputs = await recorder?.stop();
        return {
          play,
          inputs: playedInputs(play, info.topics, o.remap),
          outputs,
          suiteProblems: [...running.activationProblems],
          wallSeconds: (performance.now() - started) / 1000,
          mode: o.mode,
        };
      } finally {
        if (recorder !== undefined) await recorder.stop().catch(() => undefined);
        else await writer?.close();
        await suite?.stop();
      }
    }

    if (o.mode === 'realtime') {
      if (o.launch === undefined) throw new ReplayError('a real-time embedded replay needs a suite to drive (a launch file)');
      const suite = await EmbeddedLaunch.prepare(o.launch, { logLevel: o.logLevel ?? 'info', managed: true, log: launchLogToStderr });
      const suiteNodes = suite.plannedNames;
      let timeline: WallTimeline | undefined;
      const { EmbeddedBackend } = await import('../ros/backend.js');
      const hubBackend = new EmbeddedBackend(suite.hub);
      let recorder: BagRecorder | undefined;
      try {
        const player = await hubBackend.createNode(toolNodeConfig('rosbag2_player'));
        if (writer !== undefined) {
          await provenance();
          recorder = outputRecorder(o, writer, suite.hub, suiteNodes, () => timeline?.now() ?? startTime);
          recorder.start(0.1);
        }
        await suite.startNodes();
        timeline = new WallTimeline(startTime, o.rate ?? 1, o.signal);
        const player_ = new BagPlayer(
          bag,
          domainTarget(
            player,
            suite.hub,
            () => suiteNodes,
            true,
            () => recorder?.poll(),
          ),
          timeline,
          playOptions,
        );
        const playing = player_.play();
        // Activate once /clock runs (the player publishes it first thing).
        await new Promise((r) => setTimeout(r, 50));
        const activation = suite.activate(30, () => recorder?.poll());
        const play = await playing;
        const suiteProblems = await Promise.race([
          activation,
          new Promise<string[]>((r) => setTimeout(() => r(['activation still in progress when the replay ended']), 100)),
        ]);
        const outputs = await recorder?.stop();
        return {
          play,
          inputs: playedInputs(play, info.topics, o.remap),
          outputs,
          suiteProblems,
          wallSeconds: (performance.now() - started) / 1000,
          mode: o.mode,
        };
      } finally {
        if (recorder !== undefined) await recorder.stop().catch(() => undefined);
        else await writer?.close();
        await suite.stop();
        await hubBackend.shutdown();
      }
    }

    // rclnodejs: publish into the ROS graph.
    if (o.backend === undefined) throw new ReplayError('the rclnodejs mode needs a backend');
    const player = await o.backend.createNode(toolNodeConfig('rosbag2_player'));
    try {
      await writer?.close();
      if (writer !== undefined)
        o.onNote?.('outputs are not recorded in rclnodejs mode: record them with `vla-ros record` or `ros2 bag record`');
      const timeline = new WallTimeline(startTime, o.rate ?? 1, o.signal);
      const play = await new BagPlayer(bag, nodeTarget(player), timeline, playOptions).play();
      return {
        play,
        inputs: playedInputs(play, info.topics, o.remap),
        outputs: undefined,
        suiteProblems: [],
        wallSeconds: (performance.now() - started) / 1000,
        mode: o.mode,
      };
    } finally {
      player.destroy();
    }
  } finally {
    bag.close();
  }
}

/** A fresh temporary path for an output bag (removed by the caller). */
export function temporaryOutputBag(): { path: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-replay-'));
  return { path: path.join(dir, 'outputs'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
