// Launch descriptions built by hand for the benchmarks: what `vla-ros launch` would start for a
// `<node pkg="vla_ros" exec=".." output="screen">` element, without writing a launch file.

import type { LaunchDescription, NodeAction, ParameterSource } from '../nodes/launcher/launch_description.js';
import type { ParameterOverride } from '../nodes/ros/parameter.js';

export interface NodeActionOptions {
  /** `file:line` (or just the file) the node comes from, for error messages. */
  origin: string;
  /** Node name; default: the executable's name. */
  name?: string;
  /** Default: '/'. */
  namespace?: string;
}

/** A vla_ros node with these parameter sources (in precedence order), no remaps, arguments or respawn. */
export function nodeAction(exec: string, parameters: ParameterSource[], options: NodeActionOptions): NodeAction {
  return {
    pkg: 'vla_ros',
    exec,
    name: options.name ?? exec,
    namespace: options.namespace ?? '/',
    namespaceGiven: options.namespace !== undefined,
    parameters,
    remaps: [],
    args: [],
    rosArgs: [],
    output: 'screen',
    respawn: false,
    respawnDelay: 0,
    origin: options.origin,
  };
}

/** A parameter override given by a benchmark. */
export function benchParam(name: string, type: ParameterOverride['type'], value: ParameterOverride['value']): ParameterOverride {
  return { name, type, value, source: 'bench' };
}

/** The node's own inline parameters (`<param name value>` children), as one source. */
export function inlineParameters(params: ParameterOverride[]): ParameterSource {
  return { kind: 'inline', params, global: false };
}

/** A description of `nodes` as if `file` were a launch file declaring no arguments. */
export function launchDescription(file: string, nodes: NodeAction[]): LaunchDescription {
  return { file, arguments: [], values: {}, nodes };
}
