// The suite a replay drives: the nodes of a launch description on one embedded domain.
//
// DeterministicSuite: every node in this thread on a VirtualTimeBase (what InProcessLaunch does),
// started in two phases so a replay is reproducible:
//   1. create every node with autostart forced off — the real asynchronous work of start-up
//      (inference workers, model loading) finishes here, before virtual time exists for anyone;
//   2. activate() drives configure → activate in launch order, interleaved with the replay:
//      virtual time does not pass while a node configures (model loading is real asynchronous
//      work), and activation callbacks run on microtasks and node timers, i.e. in virtual time,
//      so a node whose activation waits for robot state (controller_bridge) activates once the
//      replayed state arrives — at the same virtual instant in every run.
// A node the launch file keeps inactive (autostart:=false) is left alone, as under ros2 launch.
//
// ThreadedSuite (threaded_suite.ts) is the real-time counterpart (a thread per node).

import { loadNodeDefinition } from '../registry.js';
import { EmbeddedBackend } from '../ros/backend.js';
import { EmbeddedDomain } from '../ros/embedded/domain.js';
import type { LogLevel } from '../ros/log_level.js';
import type { LogSink } from '../ros/logger.js';
import type { RosNode } from '../ros/node.js';
import { fqnOf } from '../ros/node_config.js';
import { collectOverrides } from '../ros/params_file.js';
import type { VirtualTimeBase } from '../ros/time_base.js';
import { startNode, type RunningNode } from '../runtime/node_runner.js';
import type { LaunchDescription } from '../launcher/launch_description.js';
import { nodeConfigFromAction } from '../launcher/node_action_config.js';
import { errorText } from '../error_text.js';

export class ReplayError extends Error {
  override name = 'ReplayError';
}

export interface SuiteOptions {
  logLevel?: LogLevel;
  logSink?: LogSink;
}

interface SuiteNode {
  running: RunningNode;
  activate: boolean;
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

export class DeterministicSuite {
  readonly domain: EmbeddedDomain;
  readonly backend: EmbeddedBackend;
  private readonly nodes: SuiteNode[] = [];
  private activation: Promise<void> | undefined;
  private readonly problems: string[] = [];

  private constructor(
    readonly time: VirtualTimeBase,
    options: SuiteOptions,
  ) {
    this.domain = new EmbeddedDomain({ time, ...(options.logSink !== undefined ? { logSink: options.logSink } : {}) });
    this.backend = new EmbeddedBackend(this.domain);
  }

  /** Phase 1: creates every node (autostart off). On a failure the created ones are stopped. */
  static async create(description: LaunchDescription, time: VirtualTimeBase, options: SuiteOptions = {}): Promise<DeterministicSuite> {
    const suite = new DeterministicSuite(time, options);
    try {
      for (const action of description.nodes) {
        if (action.pkg !== 'vla_ros')
          throw new ReplayError(
            `${action.origin}: package '${action.pkg}' is not part of vla-ros; a deterministic replay runs vla_ros nodes only`,
          );
        const definition = await loadNodeDefinition(action.exec).catch((err: unknown) => {
          throw new ReplayError(`${action.origin}: ${errorText(err)}`);
        });
        const config = nodeConfigFromAction(action, definition.defaultName, options.logLevel ?? 'warn');
        const fqn = fqnOf(config);
        if (suite.nodes.some((n) => n.running.node.fullyQualifiedName === fqn))
          throw new ReplayError(`${action.origin}: two nodes would be named ${fqn}`);
        const wanted = collectOverrides(config.parameterSections, fqn).overrides.get('autostart')?.value;
        config.parameterSections = [
          ...config.parameterSections,
          {
            nodePattern: fqn,
            params: [{ name: 'autostart', type: 'bool', value: false, source: 'vla-ros replay (activates the nodes itself)' }],
          },
        ];
        suite.nodes.push({ running: await startNode(definition, suite.backend, config), activate: wanted !== false });
      }
    } catch (err) {
      await suite.stop();
      throw err;
    }
    return suite;
  }

  /**
   * Phase 2: configure + activate each managed node in launch order. Returns at once; the
   * transitions happen as the replay lets (virtual) time pass. Problems are kept for `problems`.
   */
  activate(): Promise<void> {
    return (this.activation ??= (async () => {
      for (const n of this.nodes) {
        const lifecycle = n.running.instance.lifecycle;
        if (lifecycle === undefined || !n.activate) continue;
        for (const step of ['configure', 'activate'] as const) {
          // configure is where nodes do real asynchronous work (loading models): virtual time
          // waits for it. activate is not tracked: it may wait for time itself (controller_bridge
          // waits for robot state), so a node's onActivate must not await untracked real work.
          const transition = lifecycle.trigger(step);
          if (step === 'configure') void this.time.track(transition);
          const outcome = await transition;
          if (!outcome.success) {
            this.problems.push(`${n.running.node.fullyQualifiedName}: ${step} failed: ${outcome.message}; it stays ${outcome.state}`);
            break;
          }
        }
      }
    })());
  }

  /** Activation failures so far. */
  get activationProblems(): readonly string[] {
    return this.problems;
  }

  /** Fully qualified names of the suite's nodes. */
  get nodeNames(): Set<string> {
    return new Set(this.nodes.map((n) => n.running.node.fullyQualifiedName));
  }

  graph(): SuiteGraph {
    return suiteGraph(this.domain, this.nodeNames);
  }

  /** A node on the suite's domain (the player, a test probe). */
  probe(name: string, namespace = '/'): Promise<RosNode> {
    return this.backend.createNode({ name, namespace, remaps: [], parameterSections: [], logLevel: 'warn', rosArgv: [] });
  }

  /** Stops the nodes in reverse start order. */
  async stop(): Promise<void> {
    while (this.nodes.length > 0) {
      const n = this.nodes.pop()!;
      try {
        await n.running.stop();
      } catch {
        /* a node that fails to stop must not keep the others running */
      }
    }
    await this.backend.shutdown();
  }
}
