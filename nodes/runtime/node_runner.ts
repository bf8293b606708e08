// Starts and stops one node on a backend: create, check that every parameter meant for it
// exists (a typo in a YAML file is an error, not a silently ignored value), and drive
// managed nodes to active when `autostart` is true (as a Nav2 lifecycle manager would).

import type { RosBackend } from '../ros/backend.js';
import type { NodeConfig } from '../ros/node_config.js';
import type { RosNode } from '../ros/node.js';
import { ParameterError } from '../ros/parameter_store.js';
import type { NodeDefinition, NodeInstance } from './node_definition.js';

export interface RunningNode {
  readonly node: RosNode;
  readonly instance: NodeInstance;
  /** Deactivates and shuts down a managed node, disposes it and destroys its entities. */
  stop(): Promise<void>;
}

export async function startNode(definition: NodeDefinition, backend: RosBackend, config: NodeConfig): Promise<RunningNode> {
  const node = await backend.createNode(config);
  let instance: NodeInstance;
  try {
    const autostart = node.parameters.declare('autostart', true, {
      type: 'bool',
      description: 'Managed nodes: configure and activate right after start. Set false to drive them with `ros2 lifecycle set`.',
      readOnly: true,
    });
    instance = await definition.create(node);
    const unknown = node.parameters.unusedOverrides();
    if (unknown.length > 0) {
      await instance.dispose?.();
      throw new ParameterError(
        `node ${node.fullyQualifiedName} (${definition.exec}) has no parameter ${unknown.join('; ')}. ` +
          `\`vla-ros run ${definition.exec} --help-params\` lists the parameters it declares.`,
      );
    }
    if (instance.lifecycle !== undefined && autostart) {
      for (const step of ['configure', 'activate'] as const) {
        const outcome = await instance.lifecycle.trigger(step);
        if (!outcome.success) {
          node.logger.error(`autostart: ${outcome.message}; the node stays ${outcome.state}`);
          break;
        }
      }
    }
  } catch (err) {
    node.destroy();
    throw err;
  }
  let stopped = false;
  return {
    node,
    instance,
    async stop() {
      if (stopped) return;
      stopped = true;
      const lc = instance.lifecycle;
      if (lc !== undefined && lc.state !== 'finalized') await lc.shutdown();
      await instance.dispose?.();
      node.destroy();
    },
  };
}
