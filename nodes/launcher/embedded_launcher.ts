// Runs a launch description on the embedded backend: one worker thread per node (its own
// event loop and heap), joined through a hub domain on the main thread. Stops cleanly on
// SIGINT/SIGTERM: every node is deactivated and shut down before the process exits.

import { Worker } from 'node:worker_threads';
import { EmbeddedDomain } from '../ros/embedded/domain.js';
import { PortLink } from '../ros/embedded/link_protocol.js';
import type { LogLevel } from '../ros/log_level.js';
import type { LogSink } from '../ros/logger.js';
import { loadNodeDefinition } from '../registry.js';
import type { NodeConfig } from '../ros/node_config.js';
import { fqnOf } from '../ros/node_config.js';
import type { HostControl, NodeHostData } from './node_host.js';
import { shutdownHost } from './host_shutdown.js';
import type { LaunchDescription, NodeAction } from './launch_description.js';
import { nodeConfigFromAction } from './node_action_config.js';
import { errorText } from '../error_text.js';

export interface EmbeddedLaunchOptions {
  logLevel?: LogLevel;
  /** Where the launcher itself reports (node logs go straight to stdout/stderr). */
  log?: LogSink;
  /** Seconds to wait for a node to stop before its thread is terminated. */
  stopTimeoutSec?: number;
}

interface HostedNode {
  action: NodeAction;
  exec: string;
  config: NodeConfig;
  worker: Worker | undefined;
  link: PortLink | undefined;
  stopping: boolean;
  /** The node reported it started; a node that failed to start has nothing to stop. */
  started: boolean;
  restarts: number;
}

export class LaunchError extends Error {
  override name = 'LaunchError';
}

export class EmbeddedLaunch {
  readonly hub = new EmbeddedDomain({ tag: 'hub' });
  private readonly hosted: HostedNode[] = [];
  private stopping = false;

  private constructor(private readonly options: EmbeddedLaunchOptions) {}

  /** Validates every node first (executable exists, parameters load), then starts them all. */
  static async start(description: LaunchDescription, options: EmbeddedLaunchOptions = {}): Promise<EmbeddedLaunch> {
    const launch = new EmbeddedLaunch(options);
    for (const action of description.nodes) {
      if (action.pkg !== 'vla_ros') {
        throw new LaunchError(
          `${action.origin}: package '${action.pkg}' is not part of vla-ros; the embedded launcher only runs vla_ros nodes ` +
            `(run other packages with ros2 launch)`,
        );
      }
      const definition = await loadNodeDefinition(action.exec).catch((err: unknown) => {
        throw new LaunchError(`${action.origin}: ${errorText(err)}`);
      });
      let config: NodeConfig;
      try {
        config = nodeConfigFromAction(action, definition.defaultName, options.logLevel ?? 'info');
      } catch (err) {
        throw new LaunchError(`${action.origin}: ${errorText(err)}`);
      }
      if (action.args.length > 0) {
        launch.report('warn', `${action.origin}: vla_ros nodes take no non-ROS arguments; ignoring args="${action.args.join(' ')}"`);
      }
      launch.hosted.push({
        action,
        exec: action.exec,
        config,
        worker: undefined,
        link: undefined,
        stopping: false,
        started: false,
        restarts: 0,
      });
    }
    const names = new Set<string>();
    for (const h of launch.hosted) {
      const fqn = fqnOf(h.config);
      if (names.has(fqn)) throw new LaunchError(`${h.action.origin}: two nodes would be named ${fqn}`);
      names.add(fqn);
    }
    try {
      await Promise.all(launch.hosted.map((h) => launch.spawn(h)));
    } catch (err) {
      await launch.stop();
      throw err;
    }
    return launch;
  }

  /** Fully qualified names of the running nodes. */
  get nodeNames(): string[] {
    return this.hosted.filter((h) => h.worker !== undefined).map((h) => fqnOf(h.config));
  }

  private report(level: 'info' | 'warn' | 'error', message: string): void {
    const sink = this.options.log;
    if (sink) sink({ level, name: 'launch', time: Date.now() / 1000, message });
    else (level === 'info' ? process.stdout : process.stderr).write(`[${level.toUpperCase()}] [launch]: ${message}\n`);
  }

  private spawn(h: HostedNode): Promise<void> {
    const data: NodeHostData = { exec: h.exec, config: h.config };
    const worker = new Worker(new URL('./node_host.js', import.meta.url), { workerData: data });
    const link = new PortLink(worker);
    h.worker = worker;
    h.link = link;
    h.stopping = false;
    h.started = false;
    this.hub.connect(link);
    const fqn = fqnOf(h.config);
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: unknown) => {
        const c = m as HostControl;
        if (c.control === 'started') {
          started = true;
          h.started = true;
          this.report('info', `started ${fqn} (${h.exec}) on thread ${worker.threadId}`);
          resolve();
        } else if (c.control === 'failed') {
          reject(new LaunchError(`${h.action.origin}: ${fqn} failed to start: ${c.error}`));
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
        if (started && h.action.respawn) {
          h.restarts++;
          this.report('warn', `respawning ${fqn} in ${h.action.respawnDelay} s (restart ${h.restarts})`);
          setTimeout(() => {
            if (!this.stopping) this.spawn(h).catch((e: unknown) => this.report('error', String(e)));
          }, h.action.respawnDelay * 1000);
        }
      });
    });
  }

  /** Stops all nodes (deactivate, shutdown, destroy); terminates threads that do not stop in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    const timeoutMs = (this.options.stopTimeoutSec ?? 5) * 1000;
    await Promise.all(
      this.hosted.map(async (h) => {
        const worker = h.worker;
        if (worker === undefined) return;
        h.stopping = true;
        const { stoppedInTime } = await shutdownHost(worker, timeoutMs, !h.started);
        if (!stoppedInTime) this.report('warn', `${fqnOf(h.config)} did not stop within ${timeoutMs / 1000} s; its thread was terminated`);
      }),
    );
  }
}
