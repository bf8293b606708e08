// `vla-ros sim …`: the built-in simulator's offline tools (docs/simulator.md).
//   vla-ros sim run [--episodes 3] [--duration 300] [--robot fr3] [--policy reference]   (npm start)
//   vla-ros sim eval [--bundle reference] [--episodes 50] [--out sim_eval] [--parts sync_async,rules,safe]
//   vla-ros sim collect --out DIR [--episodes 200]   scripted-expert episodes for training (sim_collect_command.ts)
// The work is in nodes/sim/eval/; this module parses and prints. More subcommands join the group
// with one `.command(...)` in makeSimCommand.

import type { CommandModule } from 'yargs';
import { MERGE_RULES, type MergeRuleName } from '../controller_bridge/merge_rule.js';
import { ManifestError } from '../policy/manifest.js';
import { EVAL_LATENCIES, EVAL_PARTS, EVAL_RULES, type EvalPart } from '../sim/eval/eval_settings.js';
import { REFERENCE_BUNDLES, SIM_ROBOTS, type SimRobot } from '../sim/robot_facts.js';
import { CliError } from './cli_error.js';
import { processIo, type TextIo } from './command_io.js';
import { makeCollectCommand, parseTasks } from './sim_collect_command.js';
import { DEFAULT_RANDOM_TASKS, TASK_KINDS } from '../sim/tasks.js';

/** Parses a comma-separated list, each item checked by `parse` (a usage error names the bad one). */
export function parseList<T>(option: string, text: string, parse: (item: string) => T | undefined, expected: string): T[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const out: T[] = [];
  for (const item of items) {
    const v = parse(item);
    if (v === undefined) throw new CliError(`--${option}: '${item}' is not ${expected}`, 2);
    out.push(v);
  }
  if (out.length === 0) throw new CliError(`--${option}: expected ${expected}, got nothing`, 2);
  return out;
}

/** "fr3: reference, ur5e: reference_ur5e" */
function referenceBundleList(): string {
  return Object.entries(REFERENCE_BUNDLES)
    .map(([robot, bundle]) => `${robot}: ${bundle}`)
    .join(', ');
}

export function makeSimCommand(io: TextIo = processIo): CommandModule {
  const run: CommandModule = {
    command: 'run',
    describe: 'Run the whole suite on the built-in sim with a policy bundle for some episodes, with progress on the console',
    builder: (y) =>
      y
        .option('robot', { choices: SIM_ROBOTS, default: 'fr3', describe: 'simulated robot' })
        .option('policy', {
          type: 'string',
          describe: `policy bundle: a folder with manifest.yaml, or a name in config/policies/ (default: the robot's reference bundle, ${referenceBundleList()})`,
        })
        .option('task', { choices: [...TASK_KINDS, 'random'], default: 'random', describe: 'task of the episodes' })
        .option('seed', { type: 'number', default: 0, describe: 'seed of the episode sequence' })
        .option('episodes', { type: 'number', default: 3, describe: 'stop after this many episodes' })
        .option('duration', { type: 'number', describe: 'stop after this many wall seconds in any case' })
        .option('episode-timeout', { type: 'number', default: 20, describe: 'simulated seconds after which an episode ends as failed' })
        .option('real-time-factor', { type: 'number', default: 1, describe: 'simulated seconds per wall second (0: as fast as possible)' })
        .option('log-level', { choices: ['debug', 'info', 'warn', 'error', 'fatal'] as const, default: 'warn' as const })
        .option('record', {
          type: 'string',
          describe: 'record every topic into this rosbag2 MCAP bag directory (no value: out/sim_run_<time>) and write report.html in it',
        })
        .option('failure-monitor', {
          type: 'boolean',
          default: true,
          describe: 'run the SAFE failure monitor; the arm is held while it is not live (--no-failure-monitor: none)',
        })
        .example('$0 sim run --episodes 5 --duration 300', '')
        .example('$0 sim run --record', 'also an MCAP recording (Foxglove) and an HTML report')
        .example('$0 sim run --task push_left --policy ./my_bundle', ''),
    handler: async (argv) => {
      // `npm start -- --robot ur5e` appends to the script's own `--robot fr3`: the last one wins.
      // (npm start's script leaves --episodes at its default: yargs-parser adds a repeated
      // numeric option whose last value is 1 to the first, as a count, so `--episodes 3 --episodes 1` is 4.)
      const a = Object.fromEntries(
        Object.entries(argv).map(([k, v]) => [k, Array.isArray(v) && k !== '_' ? v[v.length - 1] : v]),
      ) as unknown as {
        robot: SimRobot;
        policy?: string;
        task: string;
        seed: number;
        episodes: number;
        duration?: number;
        'episode-timeout': number;
        'real-time-factor': number;
        'log-level': 'debug' | 'info' | 'warn' | 'error' | 'fatal';
        record?: string;
        'failure-monitor': boolean;
      };
      if (!Number.isInteger(a.episodes) || a.episodes < 1) throw new CliError(`--episodes: expected an integer >= 1, got ${a.episodes}`, 2);
      if (a.duration !== undefined && !(a.duration > 0)) throw new CliError(`--duration: expected seconds > 0, got ${a.duration}`, 2);
      if (!(a['episode-timeout'] > 0)) throw new CliError(`--episode-timeout: expected seconds > 0, got ${a['episode-timeout']}`, 2);
      // Loaded here, after the command line passed its checks: a usage error or --help stays quick.
      const { simRun } = await import('./sim_run.js');
      const { defaultRecordingPath, simRecording } = await import('./sim_recording.js');
      const bag = a.record === undefined ? undefined : a.record === '' ? defaultRecordingPath() : a.record;
      const recording = bag === undefined ? undefined : simRecording(bag, io.out);
      process.exitCode = await simRun({
        robot: a.robot,
        policy: a.policy ?? REFERENCE_BUNDLES[a.robot],
        task: a.task,
        seed: a.seed,
        episodes: a.episodes,
        duration: a.duration,
        episodeTimeout: a['episode-timeout'],
        realTimeFactor: a['real-time-factor'],
        logLevel: a['log-level'],
        failureMonitor: a['failure-monitor'],
        out: io.out,
        hooks: recording?.hooks,
      });
      if (recording !== undefined) io.out(`wrote ${await recording.writeReport()}\n`);
    },
  };
  const evaluate: CommandModule = {
    command: 'eval',
    describe:
      'Closed-loop evaluation of a policy bundle on the built-in sim: sync vs async, merge rules × VLM latency, SAFE (table, JSON, SVG plots)',
    builder: (y) =>
      y
        .option('bundle', {
          type: 'string',
          describe: `policy bundle: a folder with manifest.yaml, or a name in config/policies/ (default: the robot's reference bundle, ${referenceBundleList()})`,
        })
        .option('robot', { choices: SIM_ROBOTS, default: 'fr3', describe: 'simulated robot (the bundle must know its joints)' })
        .option('episodes', { type: 'number', default: 50, describe: 'seeded episodes per setting' })
        .option('seed', { type: 'number', default: 0, describe: 'seed of the episode sequence' })
        .option('max-time', { type: 'number', default: 15, describe: 'episode time limit [s]' })
        .option('parts', { type: 'string', default: EVAL_PARTS.join(','), describe: `what to run: ${EVAL_PARTS.join(', ')}` })
        .option('rules', {
          type: 'string',
          default: EVAL_RULES.join(','),
          describe: `merge rules of the latency sweep (${MERGE_RULES.join(', ')})`,
        })
        .option('latencies', {
          type: 'string',
          default: EVAL_LATENCIES.map((l) => l * 1000).join(','),
          describe: 'added VLM latencies of the sweep [ms]',
        })
        .option('sync-latency', { type: 'number', default: 100, describe: 'added VLM latency of the sync vs async comparison [ms]' })
        .option('base-rule', {
          choices: MERGE_RULES,
          default: 'weighted_average',
          describe: 'merge rule of the sync vs async comparison and of SAFE',
        })
        .option('max-latent-age', {
          type: 'number',
          default: 1.0,
          describe: "fast_pathway's max_latent_age [s]: older latents give no chunks",
        })
        .option('tasks', { type: 'string', default: DEFAULT_RANDOM_TASKS.join(','), describe: 'tasks the episodes draw from (seeded)' })
        .option('out', { type: 'string', default: 'sim_eval', describe: 'folder for report.md, results.json and the SVG plots' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no per-episode progress' })
        .example('$0 sim eval --episodes 5 --out /tmp/eval', 'a quick run')
        .example('$0 sim eval --parts rules --rules rtc,latest_only --latencies 0,300', ''),
    handler: async (argv) => {
      const a = argv as unknown as {
        bundle?: string;
        robot: SimRobot;
        episodes: number;
        seed: number;
        'max-time': number;
        parts: string;
        rules: string;
        latencies: string;
        'sync-latency': number;
        'base-rule': MergeRuleName;
        'max-latent-age': number;
        tasks: string;
        out: string;
        quiet: boolean;
      };
      if (!Number.isInteger(a.episodes) || a.episodes < 1) throw new CliError(`--episodes: expected an integer >= 1, got ${a.episodes}`, 2);
      if (!(a['max-time'] > 0)) throw new CliError(`--max-time: expected seconds > 0, got ${a['max-time']}`, 2);
      if (!(a['max-latent-age'] > 0)) throw new CliError(`--max-latent-age: expected seconds > 0, got ${a['max-latent-age']}`, 2);
      if (!(a['sync-latency'] >= 0)) throw new CliError(`--sync-latency: expected ms >= 0, got ${a['sync-latency']}`, 2);
      const tasks = parseTasks(a.tasks);
      const parts = parseList<EvalPart>('parts', a.parts, (s) => EVAL_PARTS.find((p) => p === s), `one of ${EVAL_PARTS.join(', ')}`);
      const rules = parseList<MergeRuleName>(
        'rules',
        a.rules,
        (s) => MERGE_RULES.find((r) => r === s),
        `a merge rule (${MERGE_RULES.join(', ')})`,
      );
      const latencies = parseList(
        'latencies',
        a.latencies,
        (s) => (Number(s) >= 0 && s !== '' ? Number(s) / 1000 : undefined),
        'milliseconds >= 0',
      );
      // Loaded here: MuJoCo and onnxruntime only for this command.
      const { runEvaluation } = await import('../sim/eval/evaluation.js');
      const { formatReport, writeReport } = await import('../sim/eval/report.js');
      const started = performance.now();
      let report;
      try {
        report = await runEvaluation({
          bundle: a.bundle ?? REFERENCE_BUNDLES[a.robot],
          robot: a.robot,
          episodes: a.episodes,
          seed: a.seed,
          maxTime: a['max-time'],
          parts,
          rules,
          latencies,
          syncAsyncLatency: a['sync-latency'] / 1000,
          baseRule: a['base-rule'],
          maxLatentAge: a['max-latent-age'],
          episode: { task: 'random', object: 'random', randomTasks: tasks },
          onEpisode: a.quiet
            ? undefined
            : (setting, ep, done, total) =>
                io.err(
                  `[${done}/${total}] ${setting} · episode ${ep.index} ${ep.task}${ep.failure === 'none' ? '' : ` (${ep.failure})`}: ` +
                    `${ep.success ? `success at ${ep.successTime.toFixed(2)} s` : 'no success'} · ${(ep.chunksAccepted / ep.duration).toFixed(1)} chunks/s · ` +
                    `latent age ${Number.isFinite(ep.latentAgeMean) ? ep.latentAgeMean.toFixed(3) : 'n/a'} s · ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
                ),
        });
      } catch (err) {
        if (err instanceof ManifestError) throw new CliError(err.message, 1);
        throw err;
      }
      io.out(formatReport(report));
      for (const file of writeReport(report, a.out)) io.out(`wrote ${file}\n`);
    },
  };
  return {
    command: 'sim',
    describe: 'Built-in simulator tools (see docs/simulator.md)',
    builder: (y) =>
      y
        .command(run)
        .command(evaluate)
        .command(makeCollectCommand(io))
        .demandCommand(1, 'Specify a sim subcommand (run, eval, collect); see --help.'),
    handler: () => {},
  };
}

/** The `vla-ros sim` command, for nodes/cli/main.ts: `.command(simCommand)`. */
export const simCommand: CommandModule = makeSimCommand();
