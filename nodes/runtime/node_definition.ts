// How a vla-ros node is described to the runtime: one object per node, exported from the
// node's folder (nodes/<exec>/node.ts). The same definition runs under `vla-ros run`,
// `vla-ros launch` (embedded) and `ros2 launch` / `ros2 run` (rclnodejs).

import type { LifecycleNode } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import type { ParameterSchema } from '../ros/parameter_schema.js';

export interface NodeDefinition {
  /** Executable name: `vla-ros run <exec>`, `<node pkg="vla_ros" exec="<exec>"/>`. */
  readonly exec: string;
  /** Node name when no `__node` remap is given. */
  readonly defaultName: string;
  /** One line for `vla-ros run --help`. */
  readonly summary: string;
  /**
   * Every parameter the node declares, with its default (where defaults depend on other
   * parameters, as the simulator's gains on its robot, those of the default configuration):
   * `--help-params` and the docs tables are made from it.
   */
  readonly parameters: ParameterSchema;
  /** Declares parameters and creates the node's entities. Throw to refuse to start. */
  create(node: RosNode): NodeInstance | Promise<NodeInstance>;
}

export interface NodeInstance {
  /** Managed nodes expose their lifecycle; the runner configures and activates them when autostart is on. */
  readonly lifecycle?: LifecycleNode;
  /**
   * Set by a failed configure the node cannot run without (a pathway whose model does not load
   * or fit): autostart then refuses the start with this one line instead of leaving the node
   * unconfigured, as it does for a node that reports why and waits (the failure monitor).
   */
  readonly refusal?: string;
  /** Releases what the node holds outside ROS (worker threads, files) before it is destroyed. */
  dispose?(): void | Promise<void>;
}
