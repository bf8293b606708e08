// Every node of the suite, by executable name. Loaded lazily so that starting one node
// does not load the others' dependencies (onnxruntime, sharp, mujoco), and so that planning a
// launch — which needs only each node's default name — loads no node at all: the embedded
// launcher's main thread then holds none of them (docs/launch-files.md).

import type { NodeDefinition } from '../runtime/node_definition.js';

interface RegisteredNode {
  /** The definition's `defaultName`, known without loading it (a test keeps the two equal). */
  readonly defaultName: string;
  readonly load: () => Promise<NodeDefinition>;
}

const NODES: Readonly<Record<string, RegisteredNode>> = Object.freeze({
  camera_ingestion: { defaultName: 'camera_ingestion', load: async () => (await import('../camera_ingestion/node.js')).cameraIngestion },
  controller_bridge: {
    defaultName: 'controller_bridge',
    load: async () => (await import('../controller_bridge/node.js')).controllerBridge,
  },
  episode_manager: { defaultName: 'episode_manager', load: async () => (await import('../episode_manager/node.js')).episodeManager },
  failure_monitor: { defaultName: 'failure_monitor', load: async () => (await import('../failure_monitor/node.js')).failureMonitor },
  fast_pathway: { defaultName: 'fast_pathway', load: async () => (await import('../fast_pathway/node.js')).fastPathway },
  sim: { defaultName: 'sim', load: async () => (await import('../sim/node.js')).sim },
  slow_pathway: { defaultName: 'slow_pathway', load: async () => (await import('../slow_pathway/node.js')).slowPathway },
});

export function nodeExecutables(): string[] {
  return Object.keys(NODES).sort();
}

export class UnknownNodeError extends Error {
  override name = 'UnknownNodeError';
}

function registered(exec: string): RegisteredNode {
  if (!Object.hasOwn(NODES, exec)) {
    throw new UnknownNodeError(`unknown node '${exec}': vla_ros provides ${nodeExecutables().join(', ')}`);
  }
  return NODES[exec];
}

/** The node's name when its launch file gives none, without loading the node. */
export function nodeDefaultName(exec: string): string {
  return registered(exec).defaultName;
}

export async function loadNodeDefinition(exec: string): Promise<NodeDefinition> {
  return registered(exec).load();
}
