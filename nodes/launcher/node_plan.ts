// What every way of running a launch description does before a node runs: check that each
// <node> is a vla_ros node, load its definition, resolve its name, parameters and log level, and
// refuse two nodes with one name — so a launch fails before anything starts.
//
// `managed`: the launcher activates the nodes itself, in launch order (replays and recordings
// must join the graph before the nodes start publishing, and a node must not activate before
// /clock runs). Autostart is then forced off, and `activate` remembers whether the launch file
// wanted the node active (a node it keeps inactive stays so, as under ros2 launch).

import type { LogLevel } from '../ros/log_level.js';
import { fqnOf, type NodeConfig } from '../ros/node_config.js';
import { collectOverrides } from '../ros/params_file.js';
import { loadNodeDefinition } from './node_registry.js';
import type { NodeDefinition } from '../runtime/node_definition.js';
import { errorText } from '../error_text.js';
import { LaunchError } from './launch_errors.js';
import type { LaunchDescription, NodeAction } from './launch_description.js';
import { nodeConfigFromAction } from './node_action_config.js';

export interface PlannedNode {
  action: NodeAction;
  definition: NodeDefinition;
  config: NodeConfig;
  /** Fully qualified name. */
  fqn: string;
  /** managed: the launch file leaves the node's autostart on, so the launcher activates it. */
  activate: boolean;
}

export interface NodePlanOptions {
  logLevel: LogLevel;
  managed: boolean;
  /** The end of the message for a node of another package. */
  otherPackages?: string;
}

export async function planNodes(description: LaunchDescription, options: NodePlanOptions): Promise<PlannedNode[]> {
  const planned: PlannedNode[] = [];
  for (const action of description.nodes) {
    if (action.pkg !== 'vla_ros') {
      throw new LaunchError(
        `${action.origin}: package '${action.pkg}' is not part of vla-ros${options.otherPackages !== undefined ? `; ${options.otherPackages}` : ''}`,
      );
    }
    const definition = await loadNodeDefinition(action.exec).catch((err: unknown) => {
      throw new LaunchError(`${action.origin}: ${errorText(err)}`);
    });
    let config: NodeConfig;
    try {
      config = nodeConfigFromAction(action, definition.defaultName, options.logLevel);
    } catch (err) {
      throw new LaunchError(`${action.origin}: ${errorText(err)}`);
    }
    const fqn = fqnOf(config);
    if (planned.some((p) => p.fqn === fqn)) throw new LaunchError(`${action.origin}: two nodes would be named ${fqn}`);
    let activate = true;
    if (options.managed) {
      activate = collectOverrides(config.parameterSections, fqn).overrides.get('autostart')?.value !== false;
      config.parameterSections = [
        ...config.parameterSections,
        { nodePattern: fqn, params: [{ name: 'autostart', type: 'bool', value: false, source: 'vla-ros (activates the nodes itself)' }] },
      ];
    }
    planned.push({ action, definition, config, fqn, activate });
  }
  return planned;
}
