// The launch file a bag command (record --launch, replay) runs its suite from, with defaults for
// the arguments the file declares and the user left out (e.g. use_sim_time:=true for a replay,
// the command's --log-level for log_level).

import { defaultLaunchContext, resolveLaunchFilePath } from '../launcher/launch_context.js';
import type { LaunchDescription } from '../launcher/launch_description.js';
import { loadLaunchFile, parseLaunchArguments } from '../launcher/launch_file.js';
import { CliError } from './cli_error.js';
import { errorText } from '../error_text.js';

export function loadSuiteLaunch(
  file: string,
  launchArgs: readonly string[],
  defaults: Readonly<Record<string, string>>,
  onLog: (message: string) => void,
): LaunchDescription {
  try {
    const args = parseLaunchArguments([...launchArgs]);
    const path = resolveLaunchFilePath(file);
    // A first, silent evaluation only to learn which arguments the file declares.
    const declared = new Set(loadLaunchFile(path, {}, defaultLaunchContext(), { onLog: () => {} }).arguments.map((d) => d.name));
    for (const [name, value] of Object.entries(defaults)) if (declared.has(name) && args[name] === undefined) args[name] = value;
    return loadLaunchFile(path, args, defaultLaunchContext(), { onLog });
  } catch (err) {
    throw new CliError(errorText(err), 2);
  }
}
