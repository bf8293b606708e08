// What two embedded domains (in different threads) say to each other: endpoint discovery
// and data, the way DDS participants do, over a MessagePort. Messages are structured-cloned.

import type { QoSProfile } from '../qos.js';

export interface EndpointInfo {
  /** Unique across the process: `<thread>:<counter>`. */
  id: string;
  kind: 'publisher' | 'subscription';
  /** Fully qualified topic name. */
  topic: string;
  /** Normalised `pkg/msg/Type`. */
  type: string;
  qos: QoSProfile;
  /** Fully qualified name of the owning node. */
  node: string;
}

export interface ServiceInfo {
  id: string;
  name: string;
  type: string;
  node: string;
}

export type LinkMessage =
  | { op: 'endpoint_add'; info: EndpointInfo }
  | { op: 'endpoint_remove'; id: string }
  | { op: 'service_add'; info: ServiceInfo }
  | { op: 'service_remove'; id: string }
  /** A sample from publisher `pub`; `target` restricts it to one subscription (transient-local replay). */
  | { op: 'data'; topic: string; pub: string; message: unknown; target?: string }
  | { op: 'request'; service: string; requestId: string; request: unknown }
  | { op: 'response'; requestId: string; response?: unknown; error?: string };

export interface DomainLink {
  send(message: LinkMessage): void;
  onMessage(handler: (message: LinkMessage) => void): void;
  close(): void;
}

/** A link over a worker_threads MessagePort (or a worker's parentPort). */
export class PortLink implements DomainLink {
  constructor(
    private readonly port: {
      postMessage(value: unknown): void;
      on(event: 'message', listener: (value: unknown) => void): unknown;
      close?(): void;
    },
  ) {}

  send(message: LinkMessage): void {
    this.port.postMessage({ vlaRosLink: message });
  }

  onMessage(handler: (message: LinkMessage) => void): void {
    this.port.on('message', (value: unknown) => {
      if (typeof value === 'object' && value !== null && 'vlaRosLink' in value) {
        handler((value as { vlaRosLink: LinkMessage }).vlaRosLink);
      }
    });
  }

  close(): void {
    this.port.close?.();
  }
}
