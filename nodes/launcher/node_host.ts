// Worker-thread entry point: hosts one node of an embedded launch on its own thread, with
// its own event loop and heap, so a slow or allocation-heavy node (VLM, simulator) cannot
// delay another node's timer. Its domain joins the launcher's hub domain over the port.

import { parentPort, threadId, workerData } from 'node:worker_threads';
import { EmbeddedBackend } from '../ros/backend.js';
import { EmbeddedDomain } from '../ros/embedded/domain.js';
import { PortLink } from '../ros/embedded/link_protocol.js';
import type { NodeConfig } from '../ros/node_config.js';
import { loadNodeDefinition } from './node_registry.js';
import { startNode, type RunningNode } from '../runtime/node_runner.js';
import { settleModelLoads } from '../inference/model_loads.js';
import { errorText } from '../error_text.js';

export interface NodeHostData {
  exec: string;
  config: NodeConfig;
}

/** Control messages between the launcher and a node host (data travels on the same port). */
export type HostControl =
  { control: 'started'; fqn: string } | { control: 'failed'; error: string } | { control: 'shutdown' } | { control: 'stopped' };

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('node_host must run in a worker thread');
  const data = workerData as NodeHostData;
  const domain = new EmbeddedDomain({ tag: `t${threadId}` });
  const link = new PortLink(port);
  domain.connect(link);
  const post = (m: HostControl) => port.postMessage(m);
  let running: RunningNode | undefined;
  port.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && (m as HostControl).control === 'shutdown') {
      void (async () => {
        try {
          // The launcher terminates this thread after 'stopped': model loads in flight must
          // finish first (model_loads.ts). A node still starting is left to fail: its next
          // load is refused.
          await settleModelLoads('the node is shutting down');
          await running?.stop();
        } finally {
          post({ control: 'stopped' });
          link.close();
        }
      })();
    }
  });
  try {
    const definition = await loadNodeDefinition(data.exec);
    running = await startNode(definition, new EmbeddedBackend(domain), data.config);
    post({ control: 'started', fqn: running.node.fullyQualifiedName });
  } catch (err) {
    post({ control: 'failed', error: errorText(err) });
    link.close();
  }
}

void main();
