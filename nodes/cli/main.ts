// The `vla-ros` command line: run one node, launch a suite, check the installation.
// Everything from `--ros-args` on is ROS's, exactly as for `ros2 run`, and is passed
// through untouched.

import yargs, { type Argv, type CommandModule } from 'yargs';
import { readFileSync } from 'node:fs';
import { packagePath } from '../package_paths.js';
import { CliError } from './cli_error.js';
import { UsageCheck, UsageError } from './usage_check.js';
import { errorTextWithStack } from '../error_text.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Splits `[...cli args] --ros-args [...ros args]`. */
export function splitRosArgs(argv: string[]): { cli: string[]; ros: string[] } {
  const i = argv.indexOf('--ros-args');
  return i < 0 ? { cli: argv, ros: [] } : { cli: argv.slice(0, i), ros: argv.slice(i) };
}

const BACKENDS = ['auto', 'embedded', 'rclnodejs'] as const;

function withBackend<T>(y: Argv<T>) {
  return y.option('backend', {
    choices: BACKENDS,
    default: 'auto' as const,
    describe: 'auto: rclnodejs when ROS 2 is sourced and loads, else embedded',
  });
}

// Commands defined as whole modules (options and handler together), loaded only when asked for:
// each pulls in its own dependencies (bags, onnxruntime, the simulator), and every start of
// `vla-ros` would otherwise pay for all of them.
const COMMAND_MODULES: Readonly<Record<string, () => Promise<CommandModule>>> = {
  safe: async () => (await import('./safe_command.js')).safeCommand,
  record: async () => (await import('./record_command.js')).recordCommand,
  replay: async () => (await import('./replay_command.js')).replayCommand,
  bag: async () => (await import('./bag_command.js')).bagCommand,
  report: async () => (await import('./report_command.js')).reportCommand,
  sim: async () => (await import('./sim_command.js')).simCommand,
};

/** The command modules this command line needs: the one it names, or all (help, a typo, none). */
async function commandModules(cli: readonly string[]): Promise<CommandModule[]> {
  const named = cli.find((a) => !a.startsWith('-'));
  const wanted = named !== undefined && Object.hasOwn(COMMAND_MODULES, named) ? [named] : Object.keys(COMMAND_MODULES);
  const known = new Set(['run', 'container', 'launch', 'doctor', 'nodes', 'bundle']);
  if (named !== undefined && known.has(named)) return [];
  return Promise.all(wanted.map((name) => COMMAND_MODULES[name]()));
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  // `vla-ros … | head`: a reader that stops early is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const { cli, ros } = splitRosArgs(argv);
  let exitCode = 0;
  const parser = yargs(cli);
  const usage = new UsageCheck(parser, cli);
  usage
    .install(parser)
    .scriptName('vla-ros')
    .usage('$0 <command> [options]\n\nRun Vision-Language-Action policies on ROS 2 robot arms.')
    .command(
      'run <node>',
      'Run one node (like `ros2 run vla_ros <node>`); ROS arguments follow --ros-args',
      (y) =>
        withBackend(y)
          .positional('node', { type: 'string', demandOption: true, describe: 'node executable, see `vla-ros nodes`' })
          .option('help-params', { type: 'boolean', default: false, describe: 'list the parameters the node declares and exit' })
          .example('$0 run episode_manager --ros-args -p instruction:="touch the blue block"', '')
          .example('$0 run episode_manager --ros-args -r __ns:=/fr3 --params-file config/nodes.yaml', ''),
      async (a) => {
        exitCode = await (
          await import('./run_command.js')
        ).runCommand({ exec: a.node, backend: a.backend, helpParams: a['help-params'], rosArgv: ros });
      },
    )
    .command(
      'container',
      'A component container: ros2 launch loads the nodes of a <node_container> into this one process; ROS arguments follow --ros-args',
      (y) => withBackend(y).example('$0 container --ros-args -r __node:=vla_container -r __ns:=/fr3', ''),
      async (a) => {
        exitCode = await (await import('./container_command.js')).containerCommand({ backend: a.backend, rosArgv: ros });
      },
    )
    .command(
      'launch <file> [args..]',
      'Launch a suite from a ROS 2 XML launch file (embedded backend without ROS 2)',
      (y) =>
        withBackend(y)
          .positional('file', {
            type: 'string',
            demandOption: true,
            describe: 'launch file path, or a file name in the package launch/ folder',
          })
          .positional('args', { type: 'string', array: true, default: [] as string[], describe: 'launch arguments, name:=value' })
          .option('show-args', { type: 'boolean', default: false, describe: 'list the launch file arguments and exit' })
          .option('print', { type: 'boolean', default: false, describe: 'print the nodes that would start, with parameters, and exit' })
          .option('duration', { type: 'number', describe: 'stop after this many seconds (default: until Ctrl-C)' })
          .option('log-level', { choices: ['debug', 'info', 'warn', 'error', 'fatal'] as const, default: 'info' as const })
          .example('$0 launch bringup.launch.xml robot:=fr3', '')
          .example('$0 launch bringup.launch.xml robot:=ur5e namespace:=/ur --print', '')
          .example('$0 launch sim.launch.xml container:=true', "the suite's nodes on one thread: less memory, shared event loop"),
      async (a) => {
        exitCode = await (
          await import('./launch_command.js')
        ).launchCommand({
          file: a.file,
          args: a.args,
          backend: a.backend,
          showArgs: a['show-args'],
          print: a.print,
          duration: a.duration,
          logLevel: a['log-level'],
        });
      },
    )
    .command(
      'doctor',
      'Check this installation: ROS 2, backend, rclnodejs, onnxruntime, policy bundles, robot configs',
      (y) => y,
      async () => {
        exitCode = await (await import('./doctor.js')).doctorCommand();
      },
    )
    .command(
      'nodes',
      'List the node executables vla-ros provides',
      (y) => y,
      async () => {
        exitCode = await (await import('./nodes_command.js')).nodesCommand();
      },
    )
    .command(
      'bundle <action> [bundles..]',
      'Policy bundles: `check` validates manifests against their ONNX models',
      (y) =>
        y
          .positional('action', { choices: ['check'] as const, demandOption: true })
          .positional('bundles', {
            type: 'string',
            array: true,
            default: [] as string[],
            describe: 'bundle folders or names in config/policies (default: all shipped)',
          })
          .example('$0 bundle check', 'check every shipped bundle')
          .example('$0 bundle check ./my_policy', 'check your own export'),
      async (a) => {
        exitCode = await (await import('./bundle_command.js')).bundleCheckCommand(a.bundles);
      },
    )
    .command(await commandModules(cli))
    .demandCommand(1, 'Specify a command; see --help.')
    .recommendCommands()
    .version(packageVersion())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns ?? 100));
  try {
    await parser.parseAsync();
    // Problems found where no handler (and so no middleware) ran, e.g. a missing subcommand.
    usage.throwIfAny();
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(
        err.message
          .split('\n')
          .map((line) => `vla-ros: ${line}\n`)
          .join(''),
      );
      if (err instanceof UsageError) process.stderr.write(`${err.hint}\n`);
      return err.exitCode;
    }
    process.stderr.write(`vla-ros: ${errorTextWithStack(err)}\n`);
    return 1;
  }
  return exitCode;
}
