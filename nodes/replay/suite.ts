// The suite a replay drives: the nodes of a launch description, run by the launchers
// (nodes/launcher/): InProcessLaunch on bag time for deterministic replays, EmbeddedLaunch (a
// thread per node) for real-time ones, both `managed` — the replay activates the nodes itself.
// This module holds what a replay needs on top: its error type and the suite's topic graph.

import type { EmbeddedDomain } from '../ros/embedded/domain.js';

export class ReplayError extends Error {
  override name = 'ReplayError';
}

/** Topics the suite's nodes publish and subscribe to, from the domain's graph. */
export interface SuiteGraph {
  published: Set<string>;
  subscribed: Set<string>;
  /** topic → type, as the suite uses it. */
  types: Map<string, string>;
}

export function suiteGraph(domain: EmbeddedDomain, nodes: ReadonlySet<string>): SuiteGraph {
  const graph: SuiteGraph = { published: new Set(), subscribed: new Set(), types: new Map() };
  for (const e of domain.endpoints()) {
    if (!nodes.has(e.node)) continue;
    (e.kind === 'publisher' ? graph.published : graph.subscribed).add(e.topic);
    graph.types.set(e.topic, e.type);
  }
  return graph;
}
