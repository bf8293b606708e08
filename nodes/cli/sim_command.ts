// `vla-ros sim …`: offline tools around the built-in simulator (no ROS).
//   vla-ros sim collect --out DIR ...     expert episodes as a training export (sim_collect_command.ts)

import type { CommandModule } from 'yargs';
import { makeCollectCommand } from './sim_collect_command.js';

const processIo = { out: (t: string) => void process.stdout.write(t), err: (t: string) => void process.stderr.write(t) };

export const simCommand: CommandModule = {
  command: 'sim',
  describe: 'Built-in simulator tools: collect expert episodes for training',
  builder: (y) => y.command(makeCollectCommand(processIo)).demandCommand(1, 'Specify a sim subcommand; see --help.'),
  handler: () => {},
};
