// `vla-ros safe calibrate|eval`: the SAFE failure monitor's offline tools (docs/failure-monitor.md).
//   vla-ros safe calibrate --alpha 0.2 [--score-window N] [--bundle reference] [-o calibration.yaml] <rollout bags...>
//   vla-ros safe eval [--alphas 0.02,0.05,...] [--score-window N] [--plot out.svg] <labelled rollout bags...>
// The work is in nodes/failure_monitor/safe_tools.ts; this module parses and prints.

import fs from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { BagReadError } from '../bags/storage.js';
import { CalibrationError, DETECTOR_KINDS, type DetectorKind } from '../failure_monitor/calibration_file.js';
import { ConformalError } from '../failure_monitor/conformal_band.js';
import { DetectorError } from '../failure_monitor/detector.js';
import { RolloutError } from '../failure_monitor/rollouts.js';
import { calibrateFromBags, DEFAULT_ALPHAS, evaluateBags } from '../failure_monitor/safe_tools.js';
import { ManifestError } from '../policy/manifest.js';
import { CliError } from './cli_error.js';
import { processIo, type TextIo } from './command_io.js';

/** Errors that are the user's input (files, bags, options): one clear line, not a stack. */
function asCliError(err: unknown): unknown {
  if (
    err instanceof RolloutError ||
    err instanceof CalibrationError ||
    err instanceof ConformalError ||
    err instanceof DetectorError ||
    err instanceof BagReadError ||
    err instanceof ManifestError
  ) {
    return new CliError(err.message, 1);
  }
  if (err instanceof RangeError) return new CliError(err.message, 2);
  return err;
}

/** Parses `0.02,0.05,0.1`; a usage error names the bad item. */
export function parseAlphas(text: string): number[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const alphas = items.map(Number);
  const bad = items.find((_, i) => !(alphas[i] > 0 && alphas[i] < 1));
  if (items.length === 0 || bad !== undefined)
    throw new CliError(`--alphas: expected comma-separated numbers in (0, 1), got '${bad ?? text}'`, 2);
  return alphas;
}

/** --score-window: undefined when not given; a usage error unless an integer >= 0. */
export function checkScoreWindowOption(value: number | undefined): number | undefined {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0))
    throw new CliError(`--score-window: expected an integer >= 0 (steps; 0 = cumulative score), got ${value}`, 2);
  return value;
}

function detectorOptions<T>(y: Argv<T>) {
  return y
    .option('bundle', {
      type: 'string',
      default: 'reference',
      describe: 'policy bundle whose failure_monitor detector scores the rollouts',
    })
    .option('detector', { type: 'string', describe: "a detector ONNX file instead of the bundle's" })
    .option('detector-kind', { choices: DETECTOR_KINDS, describe: 'expected detector kind (default: the bundle’s, or what the file is)' })
    .option('features-topic', { type: 'string', describe: 'PolicyFeatures topic when a bag has several' })
    .option('events-topic', { type: 'string', describe: 'EpisodeEvent topic when a bag has several' })
    .option('seed', { type: 'number', default: 0, describe: 'seed of the D1/D2 (and evaluation) splits' })
    .positional('bags', { type: 'string', array: true, demandOption: true, describe: 'rollout MCAP bags (.mcap files)' });
}

export function makeSafeCommand(io: TextIo = processIo): CommandModule {
  const notes = (note: string) => io.err(`note: ${note}\n`);
  const calibrate: CommandModule = {
    command: 'calibrate <bags..>',
    describe: 'Build the conformal band from successful rollouts and write the calibration file',
    builder: (y) =>
      detectorOptions(y)
        .option('alpha', { type: 'number', default: 0.2, describe: 'target false-alarm rate on successful episodes, in (0, 1)' })
        .option('score-window', {
          type: 'number',
          default: 0,
          describe: 'SAFE-MLP score: sum of the last N steps (0 = cumulative over the episode); stored in the file',
        })
        .option('output', { alias: 'o', type: 'string', default: 'calibration.yaml', describe: 'calibration file to write' })
        .option('note', { type: 'string', describe: "free text stored in the file's provenance" })
        .example('$0 safe calibrate --alpha 0.2 -o config/policies/reference/calibration.yaml runs/*.mcap', ''),
    handler: async (argv) => {
      const a = argv as unknown as {
        bags: string[];
        alpha: number;
        output: string;
        bundle: string;
        detector?: string;
        'detector-kind'?: DetectorKind;
        'features-topic'?: string;
        'events-topic'?: string;
        seed: number;
        note?: string;
        'score-window': number;
      };
      if (!(a.alpha > 0 && a.alpha < 1)) throw new CliError(`--alpha: expected a number in (0, 1), got ${a.alpha}`, 2);
      const scoreWindow = checkScoreWindowOption(a['score-window']);
      try {
        const res = await calibrateFromBags({
          bags: a.bags,
          alpha: a.alpha,
          seed: a.seed,
          scoreWindow,
          bundle: a.bundle,
          detector: a.detector,
          detectorKind: a['detector-kind'],
          featuresTopic: a['features-topic'],
          eventsTopic: a['events-topic'],
          note: a.note,
          onNote: notes,
        });
        fs.writeFileSync(a.output, res.text);
        io.out(`${res.summary}\nwrote ${path.resolve(a.output)}\n`);
      } catch (err) {
        throw asCliError(err);
      }
    },
  };
  const evaluate: CommandModule = {
    command: 'eval <bags..>',
    describe: 'ROC-AUC, TPR, TNR, balanced accuracy and T-det of the detector over an alpha sweep, and a plot',
    builder: (y) =>
      detectorOptions(y)
        .option('alphas', { type: 'string', default: DEFAULT_ALPHAS.join(','), describe: 'comma-separated alphas to sweep' })
        .option('plot', { type: 'string', describe: 'write an SVG of held-out score curves with the band' })
        .option('plot-alpha', { type: 'number', default: 0.2, describe: 'alpha of the band drawn in the plot (nearest swept one)' })
        .option('calibration-fraction', {
          type: 'number',
          default: 0.5,
          describe: 'share of the successes that calibrates the band in each split',
        })
        .option('repeats', { type: 'number', default: 5, describe: 'random calibration/test splits to average' })
        .option('score-window', {
          type: 'number',
          describe: "SAFE-MLP score window in steps (0 = cumulative); default: the bundle calibration's score_window, or 0 with --detector",
        })
        .example('$0 safe eval --plot safe.svg heldout/*.mcap', ''),
    handler: async (argv) => {
      const a = argv as unknown as {
        bags: string[];
        alphas: string;
        plot?: string;
        'plot-alpha': number;
        'calibration-fraction': number;
        repeats: number;
        bundle: string;
        detector?: string;
        'detector-kind'?: DetectorKind;
        'features-topic'?: string;
        'events-topic'?: string;
        seed: number;
        'score-window'?: number;
      };
      const alphas = parseAlphas(a.alphas);
      const scoreWindow = checkScoreWindowOption(a['score-window']);
      if (!Number.isInteger(a.repeats) || a.repeats < 1) throw new CliError(`--repeats: expected an integer >= 1, got ${a.repeats}`, 2);
      try {
        const res = await evaluateBags({
          bags: a.bags,
          alphas,
          plotAlpha: a['plot-alpha'],
          calibrationFraction: a['calibration-fraction'],
          repeats: a.repeats,
          seed: a.seed,
          scoreWindow,
          bundle: a.bundle,
          detector: a.detector,
          detectorKind: a['detector-kind'],
          featuresTopic: a['features-topic'],
          eventsTopic: a['events-topic'],
          onNote: notes,
        });
        io.out(res.text);
        if (a.plot !== undefined) {
          fs.writeFileSync(a.plot, res.svg);
          io.out(`wrote ${path.resolve(a.plot)}\n`);
        }
      } catch (err) {
        throw asCliError(err);
      }
    },
  };
  return {
    command: 'safe',
    describe: 'SAFE failure monitor tools: calibrate the conformal band, evaluate a detector (see docs/failure-monitor.md)',
    builder: (y) => y.command(calibrate).command(evaluate).demandCommand(1, 'Specify safe calibrate or safe eval; see --help.'),
    handler: () => {},
  };
}

/** The `vla-ros safe` command, for nodes/cli/main.ts: `.command(safeCommand)`. */
export const safeCommand: CommandModule = makeSafeCommand();
