// `vla-ros record -o <bag> [topics...|--all]` (docs/bags.md, "Recording"):
//   - embedded (no ROS 2): the graph lives inside a vla-ros process, so `--launch <file>
//     [name:=value ...]` starts the suite here (a thread per node) with the recorder on its hub,
//     joined before any node starts and polled before each lifecycle transition, so what the
//     nodes publish while starting up is recorded.
//   - rclnodejs (ROS 2 sourced): a recorder node subscribes through the port; topics need their
//     types (`/topic:pkg/msg/Type`) until the port can list the graph (docs/bags.md).
// Ctrl-C (or --duration) stops recording and closes the bag: it is complete and readable.

import type { Argv, CommandModule } from 'yargs';
import { RosbagWriter } from '../bags/bag_writer.js';
import { splitLaunchArgs } from '../bags/cli_support.js';
import { ShutdownSignal } from './shutdown_signal.js';
import { processIo, type CommandIo } from './command_io.js';
import { CHUNK_COMPRESSIONS, type ChunkCompression } from '../bags/compression.js';
import { formatBytes, Progress } from '../bags/progress.js';
import {
  BagRecorder,
  domainRecordSource,
  domainSimClock,
  nodeRecordSource,
  waitForSimClock,
  parseTopicRequest,
  type RecordingSummary,
} from '../bags/recorder.js';
import { rosEnvironment, selectBackend, type BackendChoice } from '../ros/backend.js';
import type { LaunchDescription } from '../launcher/launch_description.js';
import { EmbeddedLaunch } from '../launcher/embedded_launcher.js';
import { LaunchError } from '../launcher/launch_errors.js';
import { formatLogRecord } from '../ros/logger.js';
import { asBagCliError } from './bag_command.js';
import { CliError } from './cli_error.js';
import { loadSuiteLaunch } from './suite_launch.js';
import { errorText } from '../error_text.js';
import { toolNodeConfig } from '../ros/node_config.js';

interface RecordArgs {
  output: string;
  items: string[];
  all: boolean;
  exclude?: string;
  regex?: string;
  launch?: string;
  duration?: number;
  compression: ChunkCompression;
  maxBagSize: number;
  maxBagDuration: number;
  overwrite: boolean;
  backend: BackendChoice;
  includeHidden: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'fatal';
}

/** Some launched node runs with use_sim_time:=true (set inline in the launch file). */
export function launchUsesSimTime(description: LaunchDescription): boolean {
  return description.nodes.some((n) =>
    n.parameters.some((p) => p.kind === 'inline' && p.params.some((q) => q.name === 'use_sim_time' && q.value === true)),
  );
}

export function summaryText(s: RecordingSummary): string {
  const lines = [
    `recorded ${s.messages} messages on ${s.topics.length} topics to ${s.path} (${formatBytes(s.bytes)}, ${s.files} file${s.files === 1 ? '' : 's'})`,
  ];
  for (const t of s.topics) lines.push(`  ${t.topic}  ${t.type}  ${t.count}`);
  if (s.dropped > 0) lines.push(`  ${s.dropped} message(s) could not be encoded and were not written (see the notes above)`);
  return lines.join('\n') + '\n';
}

export function makeRecordCommand(io: CommandIo = processIo): CommandModule {
  return {
    command: 'record [items..]',
    describe: 'Record topics of the running graph into a rosbag2 MCAP bag (ros2 bag info/play read it)',
    builder: (y: Argv) =>
      y
        .positional('items', {
          type: 'string',
          array: true,
          default: [] as string[],
          describe: 'topics (/topic or /topic:pkg/msg/Type) and, with --launch, launch arguments name:=value',
        })
        .option('output', {
          alias: 'o',
          type: 'string',
          demandOption: true,
          describe: 'bag directory to create (or a file ending in .mcap)',
        })
        .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'record every topic with a publisher' })
        .option('exclude', { alias: 'x', type: 'string', describe: 'regular expression: topics not to record' })
        .option('regex', { alias: 'e', type: 'string', describe: 'regular expression: with --all, only matching topics' })
        .option('include-hidden-topics', { type: 'boolean', default: false })
        .option('launch', { type: 'string', describe: 'embedded: start this launch file here and record from its graph' })
        .option('duration', { type: 'number', describe: 'stop after this many seconds (default: Ctrl-C)' })
        .option('compression', { choices: CHUNK_COMPRESSIONS, default: 'zstd', describe: 'MCAP chunk compression' })
        .option('max-bag-size', { alias: 'b', type: 'number', default: 0, describe: 'split files at this many bytes (0: no split)' })
        .option('max-bag-duration', {
          alias: 'd',
          type: 'number',
          default: 0,
          describe: 'split files every this many seconds (0: no split)',
        })
        .option('overwrite', { type: 'boolean', default: false, describe: 'replace an existing bag' })
        .option('backend', { choices: ['auto', 'embedded', 'rclnodejs'] as const, default: 'auto' as const })
        .option('log-level', {
          choices: ['debug', 'info', 'warn', 'error', 'fatal'] as const,
          default: 'warn' as const,
          describe: 'log level of the launched nodes',
        })
        .example(
          '$0 record -o run1 --all --launch bringup.launch.xml instruction:="push the red cube" --duration 20',
          'embedded suite, everything',
        )
        .example(
          '$0 record -o run1 /fr3/action_chunk:vla_ros_msgs/msg/ActionChunk /fr3/joint_states:sensor_msgs/msg/JointState',
          'under ROS 2 (rclnodejs)',
        ),
    handler: async (argv) => {
      const raw = argv as unknown as Record<string, unknown>;
      const a: RecordArgs = {
        output: raw.output as string,
        items: (raw.items as string[] | undefined) ?? [],
        all: raw.all as boolean,
        exclude: raw.exclude as string | undefined,
        regex: raw.regex as string | undefined,
        launch: raw.launch as string | undefined,
        duration: raw.duration as number | undefined,
        compression: raw.compression as ChunkCompression,
        maxBagSize: raw['max-bag-size'] as number,
        maxBagDuration: raw['max-bag-duration'] as number,
        overwrite: raw.overwrite as boolean,
        backend: raw.backend as BackendChoice,
        includeHidden: raw['include-hidden-topics'] as boolean,
        logLevel: raw['log-level'] as RecordArgs['logLevel'],
      };
      await runRecord(a, io);
    },
  };
}

async function runRecord(a: RecordArgs, io: CommandIo): Promise<void> {
  const { launchArgs, rest } = splitLaunchArgs(a.items);
  let topics;
  let exclude: RegExp | undefined;
  let regex: RegExp | undefined;
  try {
    topics = rest.map((t) => parseTopicRequest(t));
    exclude = a.exclude !== undefined ? new RegExp(a.exclude) : undefined;
    regex = a.regex !== undefined ? new RegExp(a.regex) : undefined;
  } catch (err) {
    throw new CliError(errorText(err), 2);
  }
  if (topics.length === 0 && !a.all) throw new CliError('name the topics to record, or --all', 2);
  if (launchArgs.length > 0 && a.launch === undefined)
    throw new CliError(`launch arguments (${launchArgs.join(' ')}) need --launch <file>`, 2);
  const useRos = a.backend === 'rclnodejs' || (a.backend === 'auto' && rosEnvironment().sourced && a.launch === undefined);
  if (!useRos && a.launch === undefined) {
    throw new CliError(
      'without ROS 2 the graph exists only inside a vla-ros process: record it with `vla-ros record -o <bag> --launch <file> ...` ' +
        '(the suite then runs inside `vla-ros record`)',
      2,
    );
  }
  const notes = (n: string) => io.err(`note: ${n}\n`);
  const interrupt = new ShutdownSignal();
  interrupt.startTimer(a.duration);
  // A suite on sim time whose /clock never comes: nothing can be recorded, so the command fails.
  let startFailure: string | undefined;
  let stopWaiting = (): void => {};
  let writer: RosbagWriter | undefined;
  let stopSuite: (() => Promise<void>) | undefined;
  try {
    writer = await RosbagWriter.create(a.output, {
      compression: a.compression,
      maxBagSize: a.maxBagSize,
      maxBagDuration: a.maxBagDuration,
      overwrite: a.overwrite,
      library: 'vla-ros record',
    });
    let recorder: BagRecorder;
    if (useRos) {
      const backend = await selectBackend('rclnodejs');
      const node = await backend.createNode(toolNodeConfig('rosbag2_recorder', { logLevel: 'info' }));
      recorder = new BagRecorder(writer, nodeRecordSource(node), {
        topics,
        all: a.all,
        exclude,
        regex,
        includeHidden: a.includeHidden,
        onNote: notes,
      });
      stopSuite = () => backend.shutdown();
    } else {
      const description = loadSuiteLaunch(a.launch!, launchArgs, { log_level: a.logLevel }, (m) => io.err(`[INFO] [launch.user]: ${m}\n`));
      const suite = await EmbeddedLaunch.prepare(description, {
        logLevel: a.logLevel,
        managed: true,
        log: (r) => io.err(`${formatLogRecord(r)}\n`),
      });
      // A suite on simulated time is recorded on it (`ros2 bag record --use-sim-time`): log times
      // are /clock seconds, like the header stamps; recording starts with the first /clock.
      const simClock = launchUsesSimTime(description) ? domainSimClock(suite.hub) : undefined;
      recorder = new BagRecorder(writer, domainRecordSource(suite.hub, simClock === undefined ? {} : { now: () => simClock.now() }), {
        topics,
        all: a.all,
        exclude,
        regex,
        includeHidden: a.includeHidden,
        onNote: notes,
      });
      stopSuite = async () => {
        simClock?.destroy();
        await suite.stop();
      };
      const r = recorder;
      if (simClock === undefined) recorder.start(0.1);
      else {
        io.err('note: the launched nodes run on simulated time: recording on /clock (log times = sim time)\n');
        waitForSimClock(simClock, 60)
          .then(() => r.start(0.1))
          .catch((err: unknown) => {
            startFailure = errorText(err);
            stopWaiting();
          });
      }
      suite
        .startNodes()
        .then(() => suite.activate(30, () => r.poll()))
        .then((problems) => {
          r.poll();
          for (const p of problems) io.err(`note: ${p}\n`);
        })
        .catch((err: unknown) => io.err(`vla-ros: ${errorText(err)}\n`));
    }
    if (useRos) recorder.start(0.1);
    io.err(`recording to ${a.output}${a.duration !== undefined ? ` for ${a.duration} s` : ''}; Ctrl-C to stop\n`);
    const progress = new Progress({ label: `record ${a.output}`, unit: 'msg', stream: io.progressStream });
    const w = writer;
    const tick = setInterval(
      () => progress.update(recorder.messageCount, `${formatBytes(w.bytesWritten)}, ${recorder.recordedTopics.length} topics`),
      200,
    );
    await new Promise<void>((resolve) => {
      stopWaiting = resolve;
      interrupt.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    clearInterval(tick);
    if (startFailure !== undefined) {
      progress.abort();
      throw new CliError(`${startFailure}: nothing recorded`, 1);
    }
    progress.finish(
      `${formatBytes(w.bytesWritten)}, ${recorder.recordedTopics.length} topics — stopping (${interrupt.endedBy ?? 'stopped'})`,
    );
    const summary = await recorder.stop();
    io.out(summaryText(summary));
  } catch (err) {
    await writer?.close().catch(() => undefined);
    if (err instanceof LaunchError) throw new CliError(err.message, 1);
    throw asBagCliError(err);
  } finally {
    interrupt.dispose();
    await stopSuite?.();
  }
}

export const recordCommand: CommandModule = makeRecordCommand();
