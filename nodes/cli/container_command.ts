// `vla-ros container [--ros-args ...]`: a component container for vla_ros's nodes (like
// `ros2 run rclcpp_components component_container`); ros2 launch loads nodes into it from a
// <node_container> with <composable_node> children (docs/launch-files.md).

import { selectBackend, type BackendChoice } from '../ros/backend.js';
import { nodeConfigFromArgv } from '../ros/node_config.js';
import { ComponentContainer } from '../launcher/component_container.js';
import { CONTAINER_EXEC } from '../launcher/load_node_request.js';
import { CliError } from './cli_error.js';
import { ShutdownSignal } from './shutdown_signal.js';
import { errorText } from '../error_text.js';

export async function containerCommand(o: { backend: BackendChoice; rosArgv: string[] }): Promise<number> {
  let config;
  try {
    config = nodeConfigFromArgv(CONTAINER_EXEC, o.rosArgv);
  } catch (err) {
    throw new CliError(errorText(err), 2);
  }
  const backend = await selectBackend(o.backend, o.rosArgv).catch((err: unknown) => {
    throw new CliError(errorText(err), 1);
  });
  const shutdown = new ShutdownSignal();
  const host = await backend.createNode(config);
  const container = new ComponentContainer(host, backend);
  host.logger.info(`component container on the ${backend.kind} backend: load nodes with ${host.resolveName('~/_container/load_node')}`);
  // An empty container has no timer or subscription holding the event loop open.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const why = await shutdown.reason;
  clearInterval(keepAlive);
  host.logger.info(`stopping (${why})`);
  await container.stop();
  host.destroy();
  await backend.shutdown();
  return 0;
}
