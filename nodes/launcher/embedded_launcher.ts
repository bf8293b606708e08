// Runs a launch description on the embedded backend: one worker thread per node (its own
// event loop and heap), joined through a hub domain on the main thread. Stops cleanly on
// SIGINT/SIGTERM: every node is deactivated and shut down before the process exits.
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
import { planNodes, type PlannedNode } from './node_plan.js';
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
}

interface HostedNode {
  plan: PlannedNode;
  worker: Worker | undefined;
  stopping: boolean;
  /** The node reported it started; a node that failed to start has nothing to stop. */
  started: boolean;
  restarts: number;
}

const STOPPED = 'stopped (the launch is stopping)';

export class EmbeddedLaunch {
  readonly hub = new EmbeddedDomain({ tag: 'hub' });
  private readonly hosted: HostedNode[] = [];
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
      launch.hosted.push({ plan: p, worker: undefined, stopping: false, started: false, restarts: 0 });
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
    return this.hosted.filter((h) => h.worker !== undefined).map((h) => h.plan.fqn);
  }

  /** Fully qualified names of every node of the launch, running or not. */
  get plannedNames(): Set<string> {
    return new Set(this.hosted.map((h) => h.plan.fqn));
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
      for (const h of this.hosted) {
        if (!h.plan.activate || h.worker === undefined) continue;
        const fqn = h.plan.fqn;
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

  private spawn(h: HostedNode): Promise<void> {
    const data: NodeHostData = { exec: h.plan.action.exec, config: h.plan.config };
    const worker = new Worker(new URL('./node_host.js', import.meta.url), { workerData: data });
    const link = new PortLink(worker);
    h.worker = worker;
    h.stopping = false;
    h.started = false;
    this.hub.connect(link);
    const fqn = h.plan.fqn;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: unknown) => {
        const c = m as HostControl;
        if (c.control === 'started') {
          started = true;
          h.started = true;
          this.report('info', `started ${fqn} (${h.plan.action.exec}) on thread ${worker.threadId}`);
          resolve();
        } else if (c.control === 'failed') {
          reject(new LaunchError(`${h.plan.action.origin}: ${fqn} failed to start: ${c.error}`));
        }
      });
      worker.on('error', (err) => {
        this.report('error', `${fqn} crashed: ${err.stack ?? err.message}`);
        if (!started) reject(new LaunchError(`${fqn} crashed while starting: ${err.message}`));
      });
      worker.on('exit', (code) => {
        this.hub.disconnect(link);
        h.worker = undefined;
        if (h.stopping || this.stopping) return;
        this.report('error', `${fqn} exited unexpectedly (code ${code})`);
        // A managed node would come back unconfigured: only autostarted nodes are respawned.
        if (started && h.plan.action.respawn && this.options.managed !== true) {
          h.restarts++;
          this.report('warn', `respawning ${fqn} in ${h.plan.action.respawnDelay} s (restart ${h.restarts})`);
          setTimeout(() => {
            if (!this.stopping) this.spawn(h).catch((e: unknown) => this.report('error', String(e)));
          }, h.plan.action.respawnDelay * 1000);
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
        if (!stoppedInTime) this.report('warn', `${h.plan.fqn} did not stop within ${timeoutMs / 1000} s; its thread was terminated`);
      }),
    );
  }
}
