// What every way of running a launch description does before a node runs: check that each
// <node> is a vla_ros node, resolve its name, parameters and log level, and refuse two nodes
// with one name — so a launch fails before anything starts. No node's implementation is loaded
// here (the registry knows each default name): the embedded launcher plans on its main thread,
// which runs no node and should not hold every node's modules.
//
// `managed`: the launcher activates the nodes itself, in launch order (replays and recordings
// must join the graph before the nodes start publishing, and a node must not activate before
// /clock runs). Autostart is then forced off, and `activate` remembers whether the launch file
// wanted the node active (a node it keeps inactive stays so, as under ros2 launch).

import type { LogLevel } from '../ros/log_level.js';
import { fqnOf, type NodeConfig } from '../ros/node_config.js';
import { collectOverrides } from '../ros/params_file.js';
import { nodeDefaultName } from './node_registry.js';
import { errorText } from '../error_text.js';
import { LaunchError } from './launch_errors.js';
import type { LaunchDescription, NodeAction } from './launch_description.js';
import { nodeConfigFromAction } from './node_action_config.js';
import { CONTAINER_EXEC, CONTAINER_PACKAGE } from './load_node_request.js';

export interface PlannedNode {
  action: NodeAction;
  /** The node's name when the launch file gives none. */
  defaultName: string;
  config: NodeConfig;
  /** Fully qualified name. */
  fqn: string;
  /** managed: the launch file leaves the node's autostart on, so the launcher activates it. */
  activate: boolean;
  /** A `<composable_node>`: the component container it is loaded into. */
  container?: PlannedContainer;
}

/** A `<node_container>`: vla_ros's component container, shared by the nodes loaded into it. */
export interface PlannedContainer {
  action: NodeAction;
  config: NodeConfig;
  fqn: string;
}

export interface NodePlanOptions {
  logLevel: LogLevel;
  managed: boolean;
  /** The end of the message for a node of another package. */
  otherPackages?: string;
}

/** Plans every node of `description`; a launch that cannot run rejects with a LaunchError (nothing has started). */
export function planNodes(description: LaunchDescription, options: NodePlanOptions): Promise<PlannedNode[]> {
  // Planning loads nothing (it once loaded each node's definition): a promise still, so that
  // every refusal reaches the launchers as a rejection.
  return new Promise((resolve) => resolve(plan(description, options)));
}

function plan(description: LaunchDescription, options: NodePlanOptions): PlannedNode[] {
  const planned: PlannedNode[] = [];
  const containers = new Map<NodeAction, PlannedContainer>();
  const containerOf = (action: NodeAction): PlannedContainer => {
    let container = containers.get(action);
    if (container !== undefined) return container;
    if (action.pkg !== CONTAINER_PACKAGE || action.exec !== CONTAINER_EXEC) {
      throw new LaunchError(
        `${action.origin}: <node_container> runs ${action.pkg}/${action.exec}; vla_ros's nodes load into ${CONTAINER_PACKAGE}/${CONTAINER_EXEC}`,
      );
    }
    let config: NodeConfig;
    try {
      config = nodeConfigFromAction(action, CONTAINER_EXEC, options.logLevel);
    } catch (err) {
      throw new LaunchError(`${action.origin}: ${errorText(err)}`);
    }
    container = { action, config, fqn: fqnOf(config) };
    containers.set(action, container);
    return container;
  };
  const nameTaken = (fqn: string) => planned.some((p) => p.fqn === fqn || p.container?.fqn === fqn);
  for (const action of description.nodes) {
    const container = action.container === undefined ? undefined : containerOf(action.container);
    if (action.pkg !== 'vla_ros') {
      throw new LaunchError(
        `${action.origin}: package '${action.pkg}' is not part of vla-ros${options.otherPackages !== undefined ? `; ${options.otherPackages}` : ''}`,
      );
    }
    let defaultName: string;
    let config: NodeConfig;
    try {
      defaultName = nodeDefaultName(action.exec);
      config = nodeConfigFromAction(action, defaultName, options.logLevel);
    } catch (err) {
      throw new LaunchError(`${action.origin}: ${errorText(err)}`);
    }
    const fqn = fqnOf(config);
    if (nameTaken(fqn) || container?.fqn === fqn) throw new LaunchError(`${action.origin}: two nodes would be named ${fqn}`);
    if (container !== undefined && planned.some((p) => p.fqn === container.fqn)) {
      throw new LaunchError(`${container.action.origin}: two nodes would be named ${container.fqn}`);
    }
    let activate = true;
    if (options.managed) {
      activate = collectOverrides(config.parameterSections, fqn).overrides.get('autostart')?.value !== false;
      config.parameterSections = [
        ...config.parameterSections,
        { nodePattern: fqn, params: [{ name: 'autostart', type: 'bool', value: false, source: 'vla-ros (activates the nodes itself)' }] },
      ];
    }
    planned.push({ action, defaultName, config, fqn, activate, ...(container !== undefined ? { container } : {}) });
  }
  return planned;
}
