// `vla-ros report <bag> [-o report.html]`: an HTML report of a run (nodes/replay/report.ts).

import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ShutdownSignal } from './shutdown_signal.js';
import { processIo, type CommandIo } from './command_io.js';
import { formatBytes, Progress } from '../bags/progress.js';
import { writeReport } from '../replay/report.js';
import { asBagCliError } from './bag_command.js';

export function makeReportCommand(io: CommandIo = processIo): CommandModule {
  return {
    command: 'report <bag>',
    describe: 'HTML report of a run: action chunks, commanded vs actual pose, latencies and latent age, failure score',
    builder: (y: Argv) =>
      y
        .positional('bag', { type: 'string', demandOption: true, describe: 'a bag: replay outputs (--record-outputs) or a recording' })
        .option('output', { alias: 'o', type: 'string', describe: 'HTML file to write (default <bag name>.html)' })
        .option('title', { type: 'string', describe: 'page title' }),
    handler: async (argv) => {
      const a = argv as unknown as { bag: string; output?: string; title?: string };
      const output = a.output ?? `${path.basename(path.resolve(a.bag)).replace(/\.(mcap|db3)$/, '')}.html`;
      const interrupt = new ShutdownSignal();
      const progress = new Progress({ label: `report ${a.bag}`, unit: 's', stream: io.progressStream });
      try {
        const r = await writeReport(a.bag, output, {
          title: a.title,
          onNote: (n) => io.err(`note: ${n}\n`),
          signal: interrupt.signal,
          onProgress: (done, total) => {
            progress.total = total;
            progress.update(done);
          },
        });
        progress.finish();
        io.out(`wrote ${path.resolve(output)} (${formatBytes(r.bytes)}${interrupt.signal.aborted ? ', interrupted: partial' : ''})\n`);
      } catch (err) {
        progress.abort();
        throw asBagCliError(err);
      } finally {
        interrupt.dispose();
      }
    },
  };
}

export const reportCommand: CommandModule = makeReportCommand();
