// Every node of the suite, by executable name. Loaded lazily so that starting one node
// does not load the others' dependencies (onnxruntime, sharp, mujoco).

import type { NodeDefinition } from '../runtime/node_definition.js';

type Loader = () => Promise<NodeDefinition>;

const NODES: Readonly<Record<string, Loader>> = Object.freeze({
  camera_ingestion: async () => (await import('../camera_ingestion/node.js')).cameraIngestion,
  controller_bridge: async () => (await import('../controller_bridge/node.js')).controllerBridge,
  episode_manager: async () => (await import('../episode_manager/node.js')).episodeManager,
  failure_monitor: async () => (await import('../failure_monitor/node.js')).failureMonitor,
  fast_pathway: async () => (await import('../fast_pathway/node.js')).fastPathway,
  sim: async () => (await import('../sim/node.js')).sim,
  slow_pathway: async () => (await import('../slow_pathway/node.js')).slowPathway,
});

export function nodeExecutables(): string[] {
  return Object.keys(NODES).sort();
}

export class UnknownNodeError extends Error {
  override name = 'UnknownNodeError';
}

export async function loadNodeDefinition(exec: string): Promise<NodeDefinition> {
  const loader = NODES[exec];
  if (loader === undefined) {
    throw new UnknownNodeError(`unknown node '${exec}': vla_ros provides ${nodeExecutables().join(', ')}`);
  }
  return loader();
}
