// Runs a launch description in this thread, on one domain — with a VirtualTimeBase this is the
// deterministic mode (replays, closed-loop evaluation, tests): every node, message and timer
// is ordered by virtual time, inference results arrive at modelled latencies, and two runs of
// the same inputs give the same outputs. With wall time it is a single-thread launch (debugging).
//
// Two ways to start:
//   - default: each node starts as its launch file says (autostart), one after the other; on
//     virtual time, time passes while a node starts, since activation may wait on the clock
//     (the controller bridge waits for robot state);
//   - `managed: true` (deterministic replays), in two phases so a replay is reproducible:
//     1. `start` creates every node with autostart off — the real asynchronous work of start-up
//        (inference workers, model loading) finishes here, before virtual time exists for anyone;
//     2. `activate()` drives configure → activate in launch order, interleaved with the replay:
//        virtual time does not pass while a node configures (model loading is real asynchronous
//        work), and activation callbacks run on microtasks and node timers, i.e. in virtual
//        time, so a node whose activation waits for robot state activates once the replayed
//        state arrives — at the same virtual instant in every run.

import { EmbeddedBackend } from '../ros/backend.js';
import { EmbeddedDomain, type DomainOptions } from '../ros/embedded/domain.js';
import type { LogLevel } from '../ros/log_level.js';
import type { RosNode } from '../ros/node.js';
import { startNode, type RunningNode } from '../runtime/node_runner.js';
import type { LaunchDescription } from './launch_description.js';
import { planNodes } from './node_plan.js';
import { loadNodeDefinition } from './node_registry.js';
import type { NodeDefinition } from '../runtime/node_definition.js';
import { toolNodeConfig } from '../ros/node_config.js';

export interface InProcessLaunchOptions extends DomainOptions {
  logLevel?: LogLevel;
  /** Create the nodes inactive; `activate()` configures and activates them in launch order. */
  managed?: boolean;
}

interface InProcessNode {
  running: RunningNode;
  /** managed: the launch file leaves autostart on, so activate() activates it. */
  activate: boolean;
}

export class InProcessLaunch {
  readonly domain: EmbeddedDomain;
  readonly backend: EmbeddedBackend;
  private readonly nodes: InProcessNode[] = [];
  private activation: Promise<void> | undefined;
  private readonly problems: string[] = [];

  private constructor(
    options: InProcessLaunchOptions,
    private readonly managed = options.managed ?? false,
  ) {
    this.domain = new EmbeddedDomain(options);
    this.backend = new EmbeddedBackend(this.domain);
  }

  /** Starts (managed: creates) every node of `description` in order; on a failure the started ones are stopped. */
  static async start(description: LaunchDescription, options: InProcessLaunchOptions = {}): Promise<InProcessLaunch> {
    const launch = new InProcessLaunch(options);
    const managed = launch.managed;
    try {
      const plan = await planNodes(description, {
        logLevel: options.logLevel ?? 'warn',
        managed,
        otherPackages: 'the in-process launcher runs vla_ros nodes only',
      });
      // Every definition loads before the first node starts, as each node's check did before.
      const definitions: NodeDefinition[] = [];
      for (const p of plan) definitions.push(await loadNodeDefinition(p.action.exec));
      for (const [i, p] of plan.entries()) {
        const starting = startNode(definitions[i], launch.backend, p.config);
        launch.nodes.push({ running: await (managed ? starting : launch.whileTimePasses(starting)), activate: p.activate });
      }
    } catch (err) {
      await launch.stop();
      throw err;
    }
    return launch;
  }

  /**
   * managed, phase 2: configure + activate each node in launch order. Returns at once; the
   * transitions happen as (virtual) time is let pass. Problems are kept for `activationProblems`.
   */
  activate(): Promise<void> {
    const time = this.domain.virtualTime;
    return (this.activation ??= (async () => {
      for (const n of this.nodes) {
        const lifecycle = n.running.instance.lifecycle;
        if (lifecycle === undefined || !n.activate) continue;
        for (const step of ['configure', 'activate'] as const) {
          // configure is where nodes do real asynchronous work (loading models): virtual time
          // waits for it. activate is not tracked: it may wait for time itself (controller_bridge
          // waits for robot state), so a node's onActivate must not await untracked real work.
          const transition = lifecycle.trigger(step);
          if (step === 'configure' && time !== undefined) void time.track(transition);
          const outcome = await transition;
          if (!outcome.success) {
            const why = n.running.instance.refusal ?? outcome.message;
            this.problems.push(`${n.running.node.fullyQualifiedName}: ${step} failed: ${why}; it stays ${outcome.state}`);
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
    return this.nodes.map((n) => n.running.node.fullyQualifiedName);
  }

  /** A node of this launch, by fully qualified name. */
  node(fqn: string): RosNode | undefined {
    return this.nodes.find((n) => n.running.node.fullyQualifiedName === fqn)?.running.node;
  }

  /** A node on the launch's domain (a player, a test probe). */
  probe(name: string, namespace = '/'): Promise<RosNode> {
    return this.backend.createNode(toolNodeConfig(name, { namespace }));
  }

  /**
   * Stops the nodes in reverse start order (lifecycle shutdown, dispose, destroy); a node that
   * fails to stop does not keep the others running.
   */
  async stop(): Promise<void> {
    while (this.nodes.length > 0) {
      const n = this.nodes.pop()!;
      const stopping = n.running.stop();
      // managed: a replay stops its suite at the end of the bag; time does not pass any more.
      await (this.managed ? stopping : this.whileTimePasses(stopping)).catch(() => undefined);
    }
    await this.backend.shutdown();
  }
}
