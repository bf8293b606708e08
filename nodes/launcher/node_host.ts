// Worker-thread entry point: hosts one node of an embedded launch — or a `<node_container>`'s
// nodes — on its own thread, with its own event loop and heap, so a slow or allocation-heavy
// node (VLM, simulator) cannot delay another thread's timer. Its domain joins the launcher's hub
// domain over the port.

import { parentPort, threadId, workerData } from 'node:worker_threads';
import { EmbeddedBackend } from '../ros/backend.js';
import { EmbeddedDomain } from '../ros/embedded/domain.js';
import { PortLink } from '../ros/embedded/link_protocol.js';
import type { NodeConfig } from '../ros/node_config.js';
import type { RosNode } from '../ros/node.js';
import { loadNodeDefinition } from './node_registry.js';
import { startNode, type RunningNode } from '../runtime/node_runner.js';
import { ComponentContainer } from './component_container.js';
import { settleModelLoads } from '../inference/model_loads.js';
import { errorText } from '../error_text.js';

export interface NodeHostData {
  /** The nodes of this thread, in launch order (one, unless they share a container). */
  nodes: Array<{ exec: string; config: NodeConfig }>;
  /** A `<node_container>`: its own node, which serves ~/_container/* and loads `nodes`. */
  container?: NodeConfig;
}

/** Control messages between the launcher and a node host (data travels on the same port). */
export type HostControl =
  { control: 'started'; fqns: string[] } | { control: 'failed'; error: string } | { control: 'shutdown' } | { control: 'stopped' };

/** The nodes a host runs, and how to stop them all (the last started first). */
interface Hosted {
  stop(): Promise<void>;
}

async function startAll(data: NodeHostData, backend: EmbeddedBackend): Promise<Hosted & { fqns: string[] }> {
  if (data.container !== undefined) {
    const host: RosNode = await backend.createNode(data.container);
    const container = new ComponentContainer(host, backend);
    const stop = async () => {
      await container.stop();
      host.destroy();
    };
    try {
      for (const n of data.nodes) await container.add(n.exec, n.config);
    } catch (err) {
      await stop();
      throw err;
    }
    return { fqns: container.nodes.map((r) => r.node.fullyQualifiedName), stop };
  }
  const running: RunningNode[] = [];
  const stop = async () => {
    while (running.length > 0) await running.pop()!.stop();
  };
  try {
    for (const n of data.nodes) running.push(await startNode(await loadNodeDefinition(n.exec), backend, n.config));
  } catch (err) {
    await stop();
    throw err;
  }
  return { fqns: running.map((r) => r.node.fullyQualifiedName), stop };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('node_host must run in a worker thread');
  const data = workerData as NodeHostData;
  const domain = new EmbeddedDomain({ tag: `t${threadId}` });
  const link = new PortLink(port);
  domain.connect(link);
  const post = (m: HostControl) => port.postMessage(m);
  let hosted: Hosted | undefined;
  port.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && (m as HostControl).control === 'shutdown') {
      void (async () => {
        try {
          // The launcher terminates this thread after 'stopped': model loads in flight must
          // finish first (model_loads.ts). A node still starting is left to fail: its next
          // load is refused.
          await settleModelLoads('the node is shutting down');
          await hosted?.stop();
        } finally {
          post({ control: 'stopped' });
          link.close();
        }
      })();
    }
  });
  try {
    const started = await startAll(data, new EmbeddedBackend(domain));
    hosted = started;
    post({ control: 'started', fqns: started.fqns });
  } catch (err) {
    post({ control: 'failed', error: errorText(err) });
    link.close();
  }
}

void main();
