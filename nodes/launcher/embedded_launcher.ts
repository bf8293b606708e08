// Runs a launch description on the embedded backend: one worker thread per node (its own
// event loop and heap) — or per `<node_container>`, whose nodes share its thread as they share
// its process under ros2 launch — joined through a hub domain on the main thread. Stops cleanly
// on SIGINT/SIGTERM: every node is deactivated and shut down before the process exits.
//
// Two ways to start:
//   - `EmbeddedLaunch.start(description)` (`vla-ros launch`): every node starts as its launch
//     file says (autostart) and the call returns once all are running;
//   - `EmbeddedLaunch.prepare(description, { managed: true })`, then `startNodes()` and
//     `activate()` (real-time replays, `record --launch`): the hub exists before any node does,
//     so a player and a recorder join it first and miss nothing, and the nodes are configured
//     and activated in launch order through their ~/change_state services once the caller lets
//     them — under use_sim_time, after /clock runs (a node activated before the first /clock
//     sees time jump from 0 to the bag's epoch, and a timeout measured across the jump expires
//     at once).

import { Worker } from 'node:worker_threads';
import { lifecycle_msgs } from '../msgs/generated/interfaces.js';
import { EmbeddedBackend } from '../ros/backend.js';
import { EmbeddedDomain } from '../ros/embedded/domain.js';
import { PortLink } from '../ros/embedded/link_protocol.js';
import type { LogLevel } from '../ros/log_level.js';
import type { LogSink } from '../ros/logger.js';
import type { HostControl, NodeHostData } from './node_host.js';
import { shutdownHost } from './host_shutdown.js';
import type { LaunchDescription } from './launch_description.js';
import { LaunchError } from './launch_errors.js';
import { errorText } from '../error_text.js';
import { planNodes, type PlannedContainer, type PlannedNode } from './node_plan.js';
import { toolNodeConfig } from '../ros/node_config.js';

export { LaunchError } from './launch_errors.js';

export interface EmbeddedLaunchOptions {
  logLevel?: LogLevel;
  /** Where the launcher itself reports (node logs go straight to stdout/stderr). */
  log?: LogSink;
  /** Seconds to wait for a node to stop before its thread is terminated. */
  stopTimeoutSec?: number;
  /** The launcher activates the nodes (`activate()`) instead of their autostart. */
  managed?: boolean;
  /**
   * V8's young generation of each node thread [MB] (Worker resourceLimits); V8's default lets
   * it grow to tens of MB per thread. 0: V8's default.
   */
  youngGenerationMb?: number;
}

/** Young generation of a node thread unless the caller says otherwise (docs/launch-files.md). */
export const DEFAULT_YOUNG_GENERATION_MB = 4;

/** One worker thread: one node, or the nodes of one container. */
interface HostedThread {
  /** Its nodes, in launch order. */
  plans: PlannedNode[];
  container: PlannedContainer | undefined;
  worker: Worker | undefined;
  stopping: boolean;
  /** The node reported it started; a node that failed to start has nothing to stop. */
  started: boolean;
  restarts: number;
}

const STOPPED = 'stopped (the launch is stopping)';

export class EmbeddedLaunch {
  readonly hub = new EmbeddedDomain({ tag: 'hub' });
  private readonly hosted: HostedThread[] = [];
  /** Every node, in launch order. */
  private readonly plan: PlannedNode[] = [];
  private stopping = false;
  private markStopped: () => void = () => {};
  private readonly stopped = new Promise<typeof STOPPED>((resolve) => (this.markStopped = () => resolve(STOPPED)));
  private spawned: Promise<void> | undefined;

  private constructor(private readonly options: EmbeddedLaunchOptions) {}

  /** Validates every node (executable exists, parameters load); nothing runs yet. */
  static async prepare(description: LaunchDescription, options: EmbeddedLaunchOptions = {}): Promise<EmbeddedLaunch> {
    const launch = new EmbeddedLaunch(options);
    const plan = await planNodes(description, {
      logLevel: options.logLevel ?? 'info',
      managed: options.managed ?? false,
      otherPackages: 'the embedded launcher only runs vla_ros nodes (run other packages with ros2 launch)',
    });
    for (const p of plan) {
      if (p.action.args.length > 0) {
        launch.report('warn', `${p.action.origin}: vla_ros nodes take no non-ROS arguments; ignoring args="${p.action.args.join(' ')}"`);
      }
      launch.plan.push(p);
      const shared = p.container === undefined ? undefined : launch.hosted.find((h) => h.container === p.container);
      if (shared !== undefined) shared.plans.push(p);
      else launch.hosted.push({ plans: [p], container: p.container, worker: undefined, stopping: false, started: false, restarts: 0 });
    }
    return launch;
  }

  /** Validates every node first, then starts them all; returns once every node runs. */
  static async start(description: LaunchDescription, options: EmbeddedLaunchOptions = {}): Promise<EmbeddedLaunch> {
    const launch = await EmbeddedLaunch.prepare(description, options);
    try {
      await launch.startNodes();
    } catch (err) {
      await launch.stop();
      throw err;
    }
    return launch;
  }

  /** Starts every node's thread; resolves when all have started, rejects when one fails. */
  startNodes(): Promise<void> {
    return (this.spawned ??= Promise.all(this.hosted.map((h) => this.spawn(h))).then(() => undefined));
  }

  /** Fully qualified names of the running nodes. */
  get nodeNames(): string[] {
    return this.plan.filter((p) => this.threadOf(p).worker !== undefined).map((p) => p.fqn);
  }

  /** Fully qualified names of every node of the launch, running or not. */
  get plannedNames(): Set<string> {
    return new Set(this.plan.map((p) => p.fqn));
  }

  /** The worker threads running now, each with the nodes it hosts (their fully qualified names). */
  get threads(): Array<{ threadId: number; nodes: string[] }> {
    return this.hosted.flatMap((h) => (h.worker === undefined ? [] : [{ threadId: h.worker.threadId, nodes: h.plans.map((p) => p.fqn) }]));
  }

  private threadOf(p: PlannedNode): HostedThread {
    return this.hosted.find((h) => h.plans.includes(p))!;
  }

  /**
   * managed: configures and activates the nodes in launch order through their ~/change_state
   * services (managed nodes whose launch file leaves autostart on). Returns the transitions that
   * failed. `beforeTransition` runs before each transition: a recorder polls the graph there,
   * so it subscribes to the publishers the previous transition created before they publish (the
   * request reaches the node's thread after the subscription does: one ordered port per node).
   */
  async activate(timeoutSec = 30, beforeTransition?: () => void): Promise<string[]> {
    const problems: string[] = [];
    const backend = new EmbeddedBackend(this.hub);
    const manager = await backend.createNode(toolNodeConfig('vla_ros_lifecycle_manager'));
    try {
      for (const p of this.plan) {
        if (!p.activate || this.threadOf(p).worker === undefined) continue;
        const fqn = p.fqn;
        const client = manager.createClient('lifecycle_msgs/srv/ChangeState', `${fqn}/change_state`);
        if (!(await client.waitForService(1))) continue; // not a managed node
        for (const [id, step] of [
          [lifecycle_msgs.msg.Transition.TRANSITION_CONFIGURE, 'configure'],
          [lifecycle_msgs.msg.Transition.TRANSITION_ACTIVATE, 'activate'],
        ] as const) {
          beforeTransition?.();
          // The call has no timeout of its own: its timer would keep the process alive after
          // stop(); this one is unref'd, and stop() ends the wait at once.
          let timer: NodeJS.Timeout | undefined;
          const outcome = await Promise.race([
            client.call({ transition: { id, label: step } }).then(
              (r) => (r.success ? 'ok' : 'failed (see its log)'),
              (err: unknown) => `failed: ${errorText(err)}`,
            ),
            this.stopped,
            new Promise<string>((resolve) => {
              timer = setTimeout(() => resolve(`no answer within ${timeoutSec} s`), timeoutSec * 1000);
              timer.unref();
            }),
          ]);
          clearTimeout(timer);
          if (outcome === STOPPED) return problems;
          if (outcome !== 'ok') {
            problems.push(`${fqn}: ${step} ${outcome}`);
            break;
          }
        }
      }
    } finally {
      await backend.shutdown();
    }
    return problems;
  }

  private report(level: 'info' | 'warn' | 'error', message: string): void {
    const sink = this.options.log;
    if (sink) sink({ level, name: 'launch', time: Date.now() / 1000, message });
    else (level === 'info' ? process.stdout : process.stderr).write(`[${level.toUpperCase()}] [launch]: ${message}\n`);
  }

  private spawn(h: HostedThread): Promise<void> {
    const data: NodeHostData = {
      nodes: h.plans.map((p) => ({ exec: p.action.exec, config: p.config })),
      ...(h.container !== undefined ? { container: h.container.config } : {}),
    };
    const young = this.options.youngGenerationMb ?? DEFAULT_YOUNG_GENERATION_MB;
    const worker = new Worker(new URL('./node_host.js', import.meta.url), {
      workerData: data,
      ...(young > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: young } } : {}),
    });
    const link = new PortLink(worker);
    h.worker = worker;
    h.stopping = false;
    h.started = false;
    this.hub.connect(link);
    // What the launch file calls this thread: its node, or its container.
    const first = h.plans[0];
    const what = h.container?.fqn ?? first.fqn;
    const origin = h.container?.action.origin ?? first.action.origin;
    const respawn = h.container?.action ?? first.action;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: unknown) => {
        const c = m as HostControl;
        if (c.control === 'started') {
          started = true;
          h.started = true;
          for (const p of h.plans) {
            const where = h.container !== undefined ? `in container ${h.container.fqn} ` : '';
            this.report('info', `started ${p.fqn} (${p.action.exec}) ${where}on thread ${worker.threadId}`);
          }
          resolve();
        } else if (c.control === 'failed') {
          reject(new LaunchError(`${origin}: ${what} failed to start: ${c.error}`));
        }
      });
      worker.on('error', (err) => {
        this.report('error', `${what} crashed: ${err.stack ?? err.message}`);
        if (!started) reject(new LaunchError(`${what} crashed while starting: ${err.message}`));
      });
      worker.on('exit', (code) => {
        this.hub.disconnect(link);
        h.worker = undefined;
        if (h.stopping || this.stopping) return;
        this.report('error', `${what} exited unexpectedly (code ${code})`);
        // A managed node would come back unconfigured: only autostarted nodes are respawned.
        if (started && respawn.respawn && this.options.managed !== true) {
          h.restarts++;
          this.report('warn', `respawning ${what} in ${respawn.respawnDelay} s (restart ${h.restarts})`);
          setTimeout(() => {
            if (!this.stopping) this.spawn(h).catch((e: unknown) => this.report('error', String(e)));
          }, respawn.respawnDelay * 1000);
        }
      });
    });
  }

  /** Stops all nodes (deactivate, shutdown, destroy); terminates threads that do not stop in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.markStopped();
    const timeoutMs = (this.options.stopTimeoutSec ?? 5) * 1000;
    await Promise.all(
      this.hosted.map(async (h) => {
        const worker = h.worker;
        if (worker === undefined) return;
        h.stopping = true;
        const { stoppedInTime } = await shutdownHost(worker, timeoutMs, !h.started);
        const what = h.container?.fqn ?? h.plans[0].fqn;
        if (!stoppedInTime) this.report('warn', `${what} did not stop within ${timeoutMs / 1000} s; its thread was terminated`);
      }),
    );
  }
}
