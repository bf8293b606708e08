// `vla-ros run <node> [--ros-args ...]`: one node in this process, like `ros2 run`.

import { selectBackend, type BackendChoice } from '../ros/backend.js';
import { nodeConfigFromArgv } from '../ros/node_config.js';
import { loadNodeDefinition, UnknownNodeError } from '../launcher/node_registry.js';
import { ParameterOverrideError, startNode } from '../runtime/node_runner.js';
import { describeNodeParameters } from '../runtime/parameter_help.js';
import { CliError } from './cli_error.js';
import { ShutdownSignal } from './shutdown_signal.js';
import { errorText } from '../error_text.js';

export interface RunOptions {
  exec: string;
  backend: BackendChoice;
  helpParams: boolean;
  rosArgv: string[];
}

export async function runCommand(o: RunOptions): Promise<number> {
  const definition = await loadNodeDefinition(o.exec).catch((err: unknown) => {
    throw new CliError(errorText(err), err instanceof UnknownNodeError ? 2 : 1);
  });
  if (o.helpParams) {
    process.stdout.write(describeNodeParameters(definition));
    return 0;
  }
  let config;
  try {
    config = nodeConfigFromArgv(definition.defaultName, o.rosArgv);
  } catch (err) {
    throw new CliError(errorText(err), 2);
  }
  const backend = await selectBackend(o.backend, o.rosArgv).catch((err: unknown) => {
    throw new CliError(errorText(err), 1);
  });
  const shutdown = new ShutdownSignal();
  let running;
  try {
    running = await startNode(definition, backend, config);
  } catch (err) {
    await backend.shutdown();
    // Parameters the node cannot take are bad usage (2); anything else is a failure to start (1).
    throw new CliError(errorText(err), err instanceof ParameterOverrideError ? 2 : 1);
  }
  running.node.logger.info(`running on the ${backend.kind} backend; Ctrl-C to stop`);
  const why = await shutdown.reason;
  running.node.logger.info(`stopping (${why})`);
  await running.stop();
  await backend.shutdown();
  return 0;
}
