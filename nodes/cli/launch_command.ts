// `vla-ros launch <file> [name:=value ...]`: the same launch files ros2 launch reads.

import { rosEnvironment, type BackendChoice } from '../ros/backend.js';
import type { LogLevel } from '../ros/log_level.js';
import { EmbeddedLaunch } from '../launcher/embedded_launcher.js';
import { defaultLaunchContext, resolveLaunchFilePath } from '../launcher/launch_context.js';
import { loadLaunchFile, parseLaunchArguments } from '../launcher/launch_file.js';
import type { LaunchDescription } from '../launcher/launch_description.js';
import { ProcessLaunch } from '../launcher/process_launcher.js';
import { CliError } from './cli_error.js';
import { ShutdownSignal } from './shutdown_signal.js';
import { errorText } from '../error_text.js';

export interface LaunchOptions {
  file: string;
  args: string[];
  backend: BackendChoice;
  showArgs: boolean;
  print: boolean;
  duration: number | undefined;
  logLevel: LogLevel;
}

export async function launchCommand(o: LaunchOptions): Promise<number> {
  let description: LaunchDescription;
  try {
    const file = resolveLaunchFilePath(o.file);
    description = loadLaunchFile(file, parseLaunchArguments(o.args), defaultLaunchContext(), {
      onLog: (message) => process.stdout.write(`[INFO] [launch.user]: ${message}\n`),
    });
  } catch (err) {
    throw new CliError(errorText(err), 2);
  }
  if (o.showArgs) {
    process.stdout.write(formatArguments(description));
    return 0;
  }
  if (o.print) {
    process.stdout.write(formatNodes(description));
    return 0;
  }
  const useRos = o.backend === 'rclnodejs' || (o.backend === 'auto' && rosEnvironment().sourced);
  if (o.backend === 'rclnodejs' && !rosEnvironment().sourced) {
    throw new CliError('the rclnodejs backend needs a sourced ROS 2 installation: run `source /opt/ros/<distro>/setup.bash` first');
  }
  const shutdown = new ShutdownSignal();
  const launch = useRos
    ? await ProcessLaunch.start(description).catch((err: unknown) => {
        throw new CliError(errorText(err), 1);
      })
    : await EmbeddedLaunch.start(description, { logLevel: o.logLevel }).catch((err: unknown) => {
        throw new CliError(errorText(err), 1);
      });
  shutdown.startTimer(o.duration);
  process.stdout.write(
    `[INFO] [launch]: ${description.nodes.length} node(s) running on the ${useRos ? 'rclnodejs' : 'embedded'} backend; Ctrl-C to stop\n`,
  );
  const why = await shutdown.reason;
  process.stdout.write(`[INFO] [launch]: stopping (${why})\n`);
  await launch.stop();
  process.stdout.write('[INFO] [launch]: all nodes stopped\n');
  return 0;
}

function formatArguments(d: LaunchDescription): string {
  if (d.arguments.length === 0) return 'No arguments.\n';
  const lines = [`Arguments of ${d.file} (pass name:=value):`, ''];
  for (const a of d.arguments) {
    lines.push(`    '${a.name}':`);
    lines.push(`        ${a.description || 'no description given'}`);
    if (a.choices) lines.push(`        Valid choices are: ${a.choices.join(', ')}`);
    lines.push(`        (default: ${a.default === undefined ? '(required)' : `'${a.default}'`})`, '');
  }
  return lines.join('\n') + '\n';
}

function formatNodes(d: LaunchDescription): string {
  const lines = [`${d.file}`, ''];
  for (const n of d.nodes) {
    const into = n.container === undefined ? '' : `  container=${n.container.name ?? '(default)'}`;
    lines.push(`node ${n.pkg}/${n.exec}  name=${n.name ?? '(default)'}  namespace=${n.namespace}${into}   [${n.origin}]`);
    for (const p of n.parameters) {
      if (p.kind === 'file') lines.push(`    params file: ${p.path}`);
      else
        for (const v of p.params) lines.push(`    param${p.global ? ' (global)' : ''}: ${v.name} = ${JSON.stringify(v.value)} (${v.type})`);
    }
    for (const r of n.remaps) lines.push(`    remap: ${r.from} -> ${r.to}`);
  }
  return lines.join('\n') + '\n';
}
