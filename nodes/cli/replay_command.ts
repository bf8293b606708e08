// `vla-ros replay <bag> [name:=value ...]` (docs/bags.md, "Replay"):
//   plays a bag through the suite of a launch file (default bringup.launch.xml with
//   use_sim_time:=true), with /clock from bag time; records the suite's outputs
//   (--record-outputs / --save-golden) and compares them with a golden (--expect), exiting 1 with
//   a readable diff when they differ — for CI.
// Modes: --mode deterministic (virtual time, reproducible; the default with --expect and
// --save-golden), --mode realtime (wall clock, a thread per node), --backend rclnodejs (publish
// into a ROS 2 graph; the suite runs there).

import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { parseRemaps, splitLaunchArgs, stringList } from '../bags/cli_support.js';
import { ShutdownSignal } from './shutdown_signal.js';
import { processIo, type CommandIo } from './command_io.js';
import { BagReader } from '../bags/bag_reader.js';
import { Progress } from '../bags/progress.js';
import { parseTopicRequest } from '../bags/recorder.js';
import type { LaunchDescription } from '../launcher/launch_description.js';
import { rosEnvironment, selectBackend } from '../ros/backend.js';
import type { LogLevel } from '../ros/log_level.js';
import { compareWithGolden, DEFAULT_IGNORED_FIELDS, DEFAULT_TOLERANCE, type Tolerance } from '../replay/golden.js';
import { replayBag, temporaryOutputBag, type ReplayMode, type ReplayResult } from '../replay/replay.js';
import { ReplayError } from '../replay/suite.js';
import { LaunchError } from '../launcher/launch_errors.js';
import { emptyOutputProblem } from '../replay/output_check.js';
import { asBagCliError } from './bag_command.js';
import { CliError } from './cli_error.js';
import { loadSuiteLaunch } from './suite_launch.js';
import { errorText } from '../error_text.js';

/** `1e-3` (actions and values) or `actions=1e-3`, `values=..`, `time=..`, `count=..`, comma-separated or repeated. */
export function parseTolerance(items: readonly string[]): Tolerance {
  const t: Tolerance = { ...DEFAULT_TOLERANCE };
  for (const item of items) {
    const [key, value] = item.includes('=') ? item.split('=', 2) : ['', item];
    const v = Number(value);
    if (!(v >= 0) || value.trim() === '')
      throw new CliError(`--tolerance: '${item}' is not a number >= 0 (or key=number with key actions, values, time, count)`, 2);
    if (key === '') {
      t.actions = v;
      t.values = v;
    } else if (key === 'actions' || key === 'values' || key === 'time' || key === 'count') {
      t[key] = v;
    } else {
      throw new CliError(`--tolerance: unknown key '${key}' (actions, values, time, count)`, 2);
    }
  }
  return t;
}

const EPISODE_MANAGER = 'episode_manager';

/** The bag holds instructions (a recording of the suite, whose episode manager published them). */
async function bagHasEpisodes(bag: string): Promise<boolean> {
  let reader: BagReader | undefined;
  try {
    reader = await BagReader.open(bag);
    return (await reader.topics()).some((t) => t.type === 'vla_ros_msgs/msg/Instruction' && t.count > 0);
  } catch {
    return false; // the replay itself reports an unreadable bag
  } finally {
    reader?.close();
  }
}

export interface ReplayArgs {
  bag: string;
  items: string[];
  launch: string;
  mode?: 'deterministic' | 'realtime';
  backend: 'auto' | 'embedded' | 'rclnodejs';
  rate: number;
  loop: boolean;
  loops?: number;
  topics: string[];
  remap: string[];
  start?: number;
  duration?: number;
  clockHz?: number;
  tail?: number;
  recordOutputs?: string;
  saveGolden?: string;
  expect?: string;
  tolerance: string[];
  compareTopics: string[];
  ignoreFields: string[];
  outputTopics: string[];
  includeOutputTypes: string[];
  overwrite: boolean;
  /** Accept a run whose suite published no action chunk or no target. */
  allowEmpty: boolean;
  logLevel: LogLevel;
  quiet: boolean;
}

function summary(r: ReplayResult, io: CommandIo, outputsKept: boolean): void {
  const played = r.play.seconds;
  io.out(
    `replayed ${r.play.published} messages on ${r.play.perTopic.size} topic(s), ${played.toFixed(3)} s of bag time in ${r.wallSeconds.toFixed(2)} s` +
      `${r.wallSeconds > 0 ? ` (${(played / r.wallSeconds).toFixed(1)}× real time)` : ''}, ${r.mode}${r.play.passes > 1 ? `, ${r.play.passes} passes` : ''}${r.play.interrupted ? ' — interrupted' : ''}\n`,
  );
  for (const [topic, why] of r.play.notPlayed) io.out(`  not replayed: ${topic}: ${why}\n`);
  for (const p of r.suiteProblems) io.out(`  suite: ${p}\n`);
  if (r.outputs !== undefined) {
    io.out(
      `outputs: ${r.outputs.messages} messages on ${r.outputs.topics.filter((t) => t.count > 0).length} topic(s)${outputsKept ? ` → ${r.outputs.path}` : ''}\n`,
    );
  }
}

export async function runReplay(a: ReplayArgs, io: CommandIo = processIo): Promise<number> {
  const { launchArgs, rest } = splitLaunchArgs(a.items);
  if (rest.length > 0)
    throw new CliError(`unexpected argument(s) ${rest.join(' ')}: launch arguments are name:=value; topics go after --topics`, 2);
  if (a.expect !== undefined && a.saveGolden !== undefined) throw new CliError('--expect and --save-golden exclude each other', 2);
  const useRos =
    a.backend === 'rclnodejs' ||
    (a.backend === 'auto' && rosEnvironment().sourced && a.mode === undefined && a.expect === undefined && a.saveGolden === undefined);
  const mode: ReplayMode = useRos
    ? 'rclnodejs'
    : (a.mode ?? (a.expect !== undefined || a.saveGolden !== undefined ? 'deterministic' : 'realtime'));
  if ((a.expect !== undefined || a.saveGolden !== undefined) && mode !== 'deterministic') {
    io.err('note: golden comparisons are only reproducible in deterministic mode\n');
  }
  let tolerance: Tolerance;
  let remap: Map<string, string>;
  let outputTopics;
  try {
    tolerance = parseTolerance(a.tolerance);
    remap = parseRemaps(a.remap);
    outputTopics = a.outputTopics.map((t) => parseTopicRequest(t));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(errorText(err), 2);
  }
  let launch: LaunchDescription | undefined;
  if (a.launch !== 'none') {
    launch = loadSuiteLaunch(a.launch, launchArgs, { use_sim_time: 'true', log_level: a.logLevel }, (m) =>
      io.err(`[INFO] [launch.user]: ${m}\n`),
    );
    // A recording of the suite (`sim run --record`, `record --launch`) carries its episodes: with
    // no instruction:= given, they drive the replay instead of a suite episode_manager that would
    // wait for an instruction (and publish over the bag's).
    if (
      !launchArgs.some((x) => x.startsWith('instruction:=')) &&
      launch.nodes.some((n) => n.exec === EPISODE_MANAGER) &&
      (await bagHasEpisodes(a.bag))
    ) {
      launch = { ...launch, nodes: launch.nodes.filter((n) => n.exec !== EPISODE_MANAGER) };
      io.err(
        `note: no instruction:= given: the bag's instructions and episode events drive the replay (the suite runs without its ${EPISODE_MANAGER})\n`,
      );
    }
  } else if (mode !== 'rclnodejs') {
    throw new CliError('--launch none is only possible with the rclnodejs backend (the suite then runs in the ROS graph)', 2);
  }

  const passes = a.loop ? (a.loops ?? Infinity) : (a.loops ?? 1);
  // The outputs are always recorded in an embedded replay: whether the suite published anything
  // is checked on them (emptyOutputProblem).
  const temp = a.saveGolden === undefined && a.recordOutputs === undefined && mode !== 'rclnodejs' ? temporaryOutputBag() : undefined;
  const outputBag = a.saveGolden ?? a.recordOutputs ?? temp?.path;
  const interrupt = new ShutdownSignal();
  const progress = new Progress({ label: `replay ${a.bag}`, unit: 's', stream: io.progressStream, quiet: a.quiet });
  try {
    if (outputBag !== undefined && a.overwrite && fs.existsSync(outputBag)) fs.rmSync(outputBag, { recursive: true, force: true });
    const result = await replayBag({
      bag: a.bag,
      mode,
      launch,
      topics: a.topics.length > 0 ? a.topics.map((t) => (t.startsWith('/') ? t : `/${t}`)) : undefined,
      remap,
      start: a.start,
      duration: a.duration,
      rate: a.rate,
      passes,
      clockHz: a.clockHz,
      tail: a.tail,
      outputBag,
      outputTopics,
      includeOutputTypes: a.includeOutputTypes,
      overwrite: a.overwrite,
      backend: mode === 'rclnodejs' ? await selectBackend('rclnodejs') : undefined,
      signal: interrupt.signal,
      logLevel: a.logLevel,
      onNote: (n) => io.err(`note: ${n}\n`),
      onProgress: (s) => {
        const span = s.end - s.start;
        if (Number.isFinite(passes)) progress.total = span * passes;
        progress.update(s.pass * span + (s.bagTime - s.start), `${s.published} msgs${s.pass > 0 ? `, pass ${s.pass + 1}` : ''}`);
      },
      provenance: { launch: launch?.file ?? 'none', launch_args: launchArgs.join(' '), tolerance: JSON.stringify(tolerance) },
    });
    progress.finish();
    summary(result, io, temp === undefined);
    // With --output-topics the chunks and targets may simply not be recorded: nothing to judge.
    const judged = result.outputs !== undefined && !result.play.interrupted && a.outputTopics.length === 0;
    if (result.outputs !== undefined && a.outputTopics.length > 0)
      io.err('note: --output-topics given: the check for empty outputs (no action chunk or target) is skipped\n');
    const empty = judged ? emptyOutputProblem(result.inputs, result.outputs!.topics) : undefined;
    if (empty !== undefined && !a.allowEmpty) {
      if (a.saveGolden !== undefined) {
        fs.rmSync(a.saveGolden, { recursive: true, force: true });
        throw new CliError(`not saving the golden ${a.saveGolden}: ${empty}`, 1);
      }
      throw new CliError(empty, 1);
    }
    if (empty !== undefined) io.err(`note: ${empty.replace(/ \(see the suite.*$/, '')}; accepted (--allow-empty)\n`);
    if (a.expect === undefined) return 0;
    if (result.play.interrupted) throw new CliError('interrupted: the outputs are incomplete, not compared with the golden', 1);
    const report = await compareWithGolden(outputBag!, a.expect, {
      tolerance,
      topics: a.compareTopics.length > 0 ? a.compareTopics : undefined,
      ignoreFields: [...DEFAULT_IGNORED_FIELDS, ...a.ignoreFields],
    });
    io.out(report.text);
    if (!report.ok) throw new CliError(`the replay of ${a.bag} differs from the golden ${a.expect} (diff above)`, 1);
    return 0;
  } catch (err) {
    progress.abort();
    if (err instanceof ReplayError || err instanceof LaunchError) throw new CliError(err.message, 1);
    throw asBagCliError(err);
  } finally {
    interrupt.dispose();
    temp?.remove();
  }
}

export function makeReplayCommand(io: CommandIo = processIo): CommandModule {
  return {
    command: 'replay <bag> [items..]',
    describe: 'Replay a bag through the suite with /clock from bag time; record its outputs, compare them with a golden',
    builder: (y: Argv) =>
      y
        .positional('bag', { type: 'string', demandOption: true, describe: 'bag directory, .mcap or .db3' })
        .positional('items', {
          type: 'string',
          array: true,
          default: [] as string[],
          describe: 'launch arguments name:=value (use_sim_time defaults to true)',
        })
        .option('launch', {
          type: 'string',
          default: 'bringup.launch.xml',
          describe: "the suite to replay through ('none' with --backend rclnodejs)",
        })
        .option('mode', {
          choices: ['deterministic', 'realtime'] as const,
          describe: 'default: deterministic with --expect/--save-golden, else realtime',
        })
        .option('backend', {
          choices: ['auto', 'embedded', 'rclnodejs'] as const,
          default: 'auto' as const,
          describe: 'rclnodejs: publish into the ROS 2 graph',
        })
        .option('rate', { alias: 'r', type: 'number', default: 1, describe: 'real-time playback speed' })
        .option('loop', {
          alias: 'l',
          type: 'boolean',
          default: false,
          describe: 'play again from the start until interrupted (time jumps back)',
        })
        .option('loops', { type: 'number', describe: 'number of passes (with or without --loop)' })
        .option('topics', {
          type: 'string',
          array: true,
          default: [] as string[],
          describe: 'bag topics to play (default: those the suite subscribes to)',
        })
        .option('remap', { type: 'string', describe: 'from:=to, repeatable' })
        .option('start', { type: 'number', describe: 'seconds from the bag start to begin at' })
        .option('duration', { type: 'number', describe: 'seconds of the bag to play' })
        .option('clock-hz', { type: 'number', describe: '/clock rate (default 1000 deterministic, 200 real time; 0: none)' })
        .option('tail', { type: 'number', describe: 'seconds the suite keeps running after the last message (default 0.5 deterministic)' })
        .option('record-outputs', { type: 'string', describe: "write the suite's outputs to this bag" })
        .option('save-golden', { type: 'string', describe: 'write the outputs as a golden for later --expect (deterministic)' })
        .option('expect', { type: 'string', describe: 'compare the outputs with this golden; exit 1 with a diff when they differ' })
        .option('tolerance', {
          type: 'string',
          describe: `number, or actions=, values=, time=, count= (default ${JSON.stringify(DEFAULT_TOLERANCE)}); repeatable`,
        })
        .option('compare-topics', { type: 'string', array: true, default: [] as string[], describe: 'compare only these output topics' })
        .option('ignore-fields', {
          type: 'string',
          describe: `fields not compared, besides ${DEFAULT_IGNORED_FIELDS.join(', ')} (field or Type.field), repeatable`,
        })
        .option('output-topics', { type: 'string', array: true, default: [] as string[], describe: 'record only these output topics' })
        .option('include-output-types', {
          type: 'string',
          describe: 'record these normally excluded types too (e.g. vla_ros_msgs/msg/Observation), repeatable',
        })
        .option('overwrite', { type: 'boolean', default: false, describe: 'replace existing output/golden bags' })
        .option('allow-empty', {
          type: 'boolean',
          default: false,
          describe: 'accept a run in which the suite published no action chunk or no target (exit 0)',
        })
        .option('log-level', {
          choices: ['debug', 'info', 'warn', 'error', 'fatal'] as const,
          default: 'warn' as const,
          describe: 'log level of the replayed nodes',
        })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress line' })
        .example('$0 replay runs/ep3 instruction:="push the red cube" --save-golden test/golden/ep3', 'make a golden')
        .example('$0 replay runs/ep3 instruction:="push the red cube" --expect test/golden/ep3', 'CI: exit 1 when the outputs differ')
        .example('$0 replay runs/ep3 --mode realtime --rate 0.5 --loop', 'watch it live, looping'),
    handler: async (argv) => {
      const r = argv as unknown as Record<string, unknown>;
      await runReplay(
        {
          bag: r.bag as string,
          items: (r.items as string[] | undefined) ?? [],
          launch: r.launch as string,
          mode: r.mode as ReplayArgs['mode'],
          backend: r.backend as ReplayArgs['backend'],
          rate: r.rate as number,
          loop: r.loop as boolean,
          loops: r.loops as number | undefined,
          topics: stringList(r.topics),
          remap: stringList(r.remap),
          start: r.start as number | undefined,
          duration: r.duration as number | undefined,
          clockHz: r['clock-hz'] as number | undefined,
          tail: r.tail as number | undefined,
          recordOutputs: r['record-outputs'] as string | undefined,
          saveGolden: r['save-golden'] as string | undefined,
          expect: r.expect as string | undefined,
          tolerance: stringList(r.tolerance),
          compareTopics: stringList(r['compare-topics']),
          ignoreFields: stringList(r['ignore-fields']),
          outputTopics: stringList(r['output-topics']),
          includeOutputTypes: stringList(r['include-output-types']),
          overwrite: r.overwrite as boolean,
          allowEmpty: r['allow-empty'] as boolean,
          logLevel: r['log-level'] as LogLevel,
          quiet: r.quiet as boolean,
        },
        io,
      );
    },
  };
}

export const replayCommand: CommandModule = makeReplayCommand();
