// `vla-ros bag info <bag>` and `vla-ros bag convert <in> <out>` (docs/bags.md).

import type { Argv, CommandModule } from 'yargs';
import { BagReader } from '../bags/bag_reader.js';
import { bagInfoJson, formatBagInfo } from '../bags/bag_info.js';
import { copyBag } from '../bags/bag_copy.js';
import { BagWriteError } from '../bags/mcap_writer.js';
import { BagMetadataError } from '../bags/metadata_yaml.js';
import { CHUNK_COMPRESSIONS, type ChunkCompression } from '../bags/compression.js';
import { ShutdownSignal } from './shutdown_signal.js';
import { processIo, type CommandIo } from './command_io.js';
import { formatBytes, Progress } from '../bags/progress.js';
import { BagReadError } from '../bags/storage.js';
import { toNanoseconds } from '../ros/time.js';
import { CliError } from './cli_error.js';

/** Bag errors are the user's input: one line, exit 1. */
export function asBagCliError(err: unknown): unknown {
  if (err instanceof BagReadError || err instanceof BagWriteError || err instanceof BagMetadataError) return new CliError(err.message, 1);
  if (err instanceof RangeError) return new CliError(err.message, 2);
  return err;
}

export function makeBagCommand(io: CommandIo = processIo): CommandModule {
  const info: CommandModule = {
    command: 'info <bag>',
    describe: 'Topics, types, counts, duration, storage and compression of a bag (directory, .mcap or .db3)',
    builder: (y: Argv) =>
      y
        .positional('bag', { type: 'string', demandOption: true, describe: 'bag directory, .mcap or .db3 file' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
    handler: async (argv) => {
      const a = argv as unknown as { bag: string; json: boolean };
      try {
        const bag = await BagReader.open(a.bag);
        try {
          const info = await bag.info();
          io.out(a.json ? `${bagInfoJson(info)}\n` : formatBagInfo(info));
        } finally {
          bag.close();
        }
      } catch (err) {
        throw asBagCliError(err);
      }
    },
  };
  const convert: CommandModule = {
    command: 'convert <input> <output>',
    describe: 'Copy a bag (sqlite3, MCAP, split directory) into a rosbag2 MCAP bag (directory, or a single .mcap)',
    builder: (y: Argv) =>
      y
        .positional('input', { type: 'string', demandOption: true })
        .positional('output', { type: 'string', demandOption: true, describe: 'bag directory to create, or a file ending in .mcap' })
        .option('compression', { choices: CHUNK_COMPRESSIONS, default: 'zstd' })
        .option('topics', { type: 'string', array: true, describe: 'copy only these topics' })
        .option('start', { type: 'number', describe: 'seconds from the bag start to begin at' })
        .option('duration', { type: 'number', describe: 'seconds to copy' })
        .option('max-bag-size', { type: 'number', default: 0, describe: 'split into files of this many bytes (0: one file)' })
        .option('overwrite', { type: 'boolean', default: false }),
    handler: async (argv) => {
      const a = argv as unknown as {
        input: string;
        output: string;
        compression: ChunkCompression;
        topics?: string[];
        start?: number;
        duration?: number;
        maxBagSize: number;
        overwrite: boolean;
      };
      const interrupt = new ShutdownSignal();
      try {
        const bag = await BagReader.open(a.input);
        const info = await bag.info();
        bag.close();
        const startNs = info.start !== undefined && a.start !== undefined ? info.start + toNanoseconds(a.start) : undefined;
        const endNs = a.duration !== undefined ? (startNs ?? info.start ?? 0n) + toNanoseconds(a.duration) : undefined;
        const progress = new Progress({ label: `convert ${a.input}`, total: info.messageCount, unit: 'msg', stream: io.progressStream });
        const r = await copyBag(a.input, a.output, {
          compression: a.compression,
          topics: a.topics,
          start: startNs,
          end: endNs,
          maxBagSize: a.maxBagSize,
          overwrite: a.overwrite,
          signal: interrupt.signal,
          onNote: (n) => io.err(`note: ${n}\n`),
          onProgress: (n) => progress.update(n),
        });
        progress.finish();
        io.out(
          `${r.interrupted ? 'interrupted: ' : ''}wrote ${r.messages} messages on ${r.topics} topics to ${a.output} (${formatBytes(r.bytes)})\n`,
        );
      } catch (err) {
        throw asBagCliError(err);
      } finally {
        interrupt.dispose();
      }
    },
  };
  return {
    command: 'bag',
    describe: 'Bags: `info` describes one, `convert` copies one into rosbag2 MCAP',
    builder: (y: Argv) => y.command(info).command(convert).demandCommand(1, 'Specify bag info or bag convert'),
    handler: () => {},
  };
}

export const bagCommand = makeBagCommand();
