// Runs a launch description in this thread, on one domain — with a VirtualTimeBase this is the
// deterministic mode (replays, closed-loop evaluation, tests): every node, message and timer
// is ordered by virtual time, inference results arrive at modelled latencies, and two runs of
// the same inputs give the same outputs. With wall time it is a single-thread launch (debugging).

import { EmbeddedBackend } from '../ros/backend.js';
import { EmbeddedDomain, type DomainOptions } from '../ros/embedded/domain.js';
import type { LogLevel } from '../ros/log_level.js';
import type { RosNode } from '../ros/node.js';
import { fqnOf } from '../ros/node_config.js';
import { loadNodeDefinition } from '../registry.js';
import { startNode, type RunningNode } from '../runtime/node_runner.js';
import { LaunchError } from './embedded_launcher.js';
import type { LaunchDescription } from './launch_description.js';
import { nodeConfigFromAction } from './node_action_config.js';

export interface InProcessLaunchOptions extends DomainOptions {
  logLevel?: LogLevel;
}

export class InProcessLaunch {
  readonly domain: EmbeddedDomain;
  readonly backend: EmbeddedBackend;
  private readonly running: RunningNode[] = [];

  private constructor(options: InProcessLaunchOptions) {
    this.domain = new EmbeddedDomain(options);
    this.backend = new EmbeddedBackend(this.domain);
  }

  /** Starts every node of `description` in order; on a failure the started ones are stopped. */
  static async start(description: LaunchDescription, options: InProcessLaunchOptions = {}): Promise<InProcessLaunch> {
    const launch = new InProcessLaunch(options);
    try {
      for (const action of description.nodes) {
        if (action.pkg !== 'vla_ros') throw new LaunchError(`${action.origin}: package '${action.pkg}' is not part of vla-ros`);
        const definition = await loadNodeDefinition(action.exec);
        const config = nodeConfigFromAction(action, definition.defaultName, options.logLevel ?? 'info');
        if (launch.running.some((r) => r.node.fullyQualifiedName === fqnOf(config))) {
          throw new LaunchError(`${action.origin}: two nodes would be named ${fqnOf(config)}`);
        }
        launch.running.push(await launch.whileTimePasses(startNode(definition, launch.backend, config)));
      }
    } catch (err) {
      await launch.stop();
      throw err;
    }
    return launch;
  }

  /**
   * Awaits `work`; on virtual time, lets time pass meanwhile (1 ms steps), because starting a
   * node may wait on its clock (the controller bridge waits for robot state before activating).
   * Gives up after `limitSec` of virtual time.
   */
  async whileTimePasses<T>(work: Promise<T>, limitSec = 60): Promise<T> {
    const time = this.domain.virtualTime;
    if (time === undefined) return work;
    let settled = false;
    const mark = () => {
      settled = true;
    };
    work.then(mark, mark);
    const end = time.now() + limitSec;
    while (!settled && time.now() < end) await time.advanceBy(0.001);
    return work;
  }

  /** Fully qualified names of the running nodes, in start order. */
  get nodeNames(): string[] {
    return this.running.map((r) => r.node.fullyQualifiedName);
  }

  /** A node of this launch, by fully qualified name. */
  node(fqn: string): RosNode | undefined {
    return this.running.find((r) => r.node.fullyQualifiedName === fqn)?.node;
  }

  /** A probe node on the same domain (to publish inputs and record outputs). */
  probe(name: string, namespace = '/'): Promise<RosNode> {
    return this.backend.createNode({ name, namespace, remaps: [], parameterSections: [], logLevel: 'warn', rosArgv: [] });
  }

  /** Stops the nodes in reverse start order (lifecycle shutdown, dispose, destroy). */
  async stop(): Promise<void> {
    while (this.running.length > 0) await this.whileTimePasses(this.running.pop()!.stop());
    await this.backend.shutdown();
  }
}
