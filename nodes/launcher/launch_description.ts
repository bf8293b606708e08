// What a launch file evaluates to: the nodes to start, each with everything ros2 launch
// would hand it (name, namespace, parameter sources in order, remaps, arguments).

import type { ParameterOverride } from '../ros/parameter.js';
import type { RemapRule } from '../ros/remap.js';

/** Parameter sources in precedence order: later sources override earlier ones. */
export type ParameterSource =
  /** `<param from="file.yaml"/>`: a standard ROS 2 params file. */
  | { kind: 'file'; path: string }
  /**
   * `<param name=".." value=".."/>` on the node (`global: false`), or `<set_parameter>` in
   * scope (`global: true`, applied to every node, before the node's own parameters).
   */
  | { kind: 'inline'; params: ParameterOverride[]; global: boolean };

export interface NodeAction {
  pkg: string;
  exec: string;
  /** `name=` attribute; undefined: the executable's default node name. */
  name: string | undefined;
  /** Pushed namespaces joined with the node's own `namespace=`, normalised ('/' when none). */
  namespace: string;
  /**
   * A namespace was pushed or given (even '/'). launch_ros then passes `-r __ns:=` and, when
   * the node also has a name, keys its inline parameters by the node's full name.
   */
  namespaceGiven: boolean;
  parameters: ParameterSource[];
  /** `<set_remap>` rules in scope, then the node's `<remap>` children (rcl uses the first match). */
  remaps: RemapRule[];
  /** `args=` attribute, split like a shell would (no expansion). */
  args: string[];
  /** `ros_args=` attribute, split. */
  rosArgs: string[];
  output: 'screen' | 'log' | 'both' | undefined;
  respawn: boolean;
  respawnDelay: number;
  /** `file:line` of the <node> element, for error messages. */
  origin: string;
  /**
   * A `<composable_node>`: the `<node_container>` it is loaded into (its own node: pkg, exec,
   * name, …). Nodes of one container share this object.
   */
  container?: NodeAction;
}

export interface LaunchArgument {
  name: string;
  default: string | undefined;
  description: string;
  choices: string[] | undefined;
}

export interface LaunchDescription {
  /** Absolute path of the top-level launch file. */
  file: string;
  /** Arguments declared by the top-level file (for `--show-args`). */
  arguments: LaunchArgument[];
  /** Final values of all launch configurations after evaluation. */
  values: Record<string, string>;
  nodes: NodeAction[];
}
