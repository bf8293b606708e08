// Backends behind the port, and how one is chosen: rclnodejs when a ROS 2 installation is
// sourced (and its native addon loads), the embedded backend otherwise. rclnodejs is only
// ever imported here, lazily, so nothing that must run without ROS 2 pulls it in.

import type { NodeConfig } from './node_config.js';
import type { BackendKind, RosNode } from './node.js';
import { EmbeddedDomain, type DomainOptions } from './embedded/domain.js';
import { EmbeddedNode } from './embedded/embedded_node.js';
import { errorText } from '../error_text.js';

export interface RosBackend {
  readonly kind: BackendKind;
  createNode(config: NodeConfig): Promise<RosNode>;
  /** Destroys the backend's nodes and releases the middleware. */
  shutdown(): Promise<void>;
}

export type BackendChoice = BackendKind | 'auto';

export interface RosEnvironment {
  /** A ROS 2 setup file has been sourced. */
  sourced: boolean;
  distro: string | undefined;
  amentPrefixPath: string[];
}

export function rosEnvironment(env: NodeJS.ProcessEnv = process.env): RosEnvironment {
  const prefixes = (env.AMENT_PREFIX_PATH ?? '').split(':').filter((p) => p.length > 0);
  return {
    sourced: prefixes.length > 0 && (env.ROS_VERSION === undefined || env.ROS_VERSION === '2'),
    distro: env.ROS_DISTRO,
    amentPrefixPath: prefixes,
  };
}

export class EmbeddedBackend implements RosBackend {
  readonly kind = 'embedded' as const;
  readonly domain: EmbeddedDomain;
  private readonly nodes = new Set<RosNode>();

  constructor(domainOrOptions: EmbeddedDomain | DomainOptions = {}) {
    this.domain = domainOrOptions instanceof EmbeddedDomain ? domainOrOptions : new EmbeddedDomain(domainOrOptions);
  }

  createNode(config: NodeConfig): Promise<RosNode> {
    const node = new EmbeddedNode(this.domain, config);
    this.nodes.add(node);
    return Promise.resolve(node);
  }

  shutdown(): Promise<void> {
    for (const n of this.nodes) n.destroy();
    this.nodes.clear();
    return Promise.resolve();
  }
}

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/**
 * Picks the backend. 'auto' uses rclnodejs when ROS 2 is sourced and loads, else embedded.
 * Asking for 'rclnodejs' explicitly fails with a one-line fix when it cannot be used.
 */
export async function selectBackend(choice: BackendChoice, argv: string[] = []): Promise<RosBackend> {
  if (choice === 'embedded') return new EmbeddedBackend();
  const env = rosEnvironment();
  if (!env.sourced) {
    if (choice === 'rclnodejs') {
      throw new BackendUnavailableError(
        'the rclnodejs backend needs a sourced ROS 2 installation: run `source /opt/ros/<distro>/setup.bash` first',
      );
    }
    return new EmbeddedBackend();
  }
  const { RclnodejsBackend } = await import('./rclnodejs/rclnodejs_backend.js');
  try {
    return await RclnodejsBackend.create(argv);
  } catch (err) {
    const reason = errorText(err);
    if (choice === 'rclnodejs') throw new BackendUnavailableError(`rclnodejs could not be loaded: ${reason}`);
    process.stderr.write(`[WARN] ROS 2 is sourced but rclnodejs failed to load (${reason}); using the embedded backend\n`);
    return new EmbeddedBackend();
  }
}
