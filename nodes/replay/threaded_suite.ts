// The real-time suite of a replay (and of `vla-ros record --launch`): one worker thread per node
// (nodes/launcher/node_host.ts), joined to a hub domain on this thread — what EmbeddedLaunch does,
// with two differences a replay needs:
//   - the hub exists BEFORE the nodes start, so the player and the recorder join it first and
//     miss nothing; EmbeddedLaunch.start() only returns once every node is active, and under
//     use_sim_time a node's activation can wait for /clock and robot state (controller_bridge),
//     which only the player provides;
//   - nodes are created with autostart off and then configured/activated in launch order through
//     their lifecycle services (~/change_state) once /clock runs: a node activated before the
//     first /clock sees time jump from 0 to the bag's epoch, and a timeout measured across that
//     jump expires at once (controller_bridge's activation_timeout does).
// (If EmbeddedLaunch grows `hub` and `manage` options, this file reduces to a call to it — see
// docs/bags.md.)

import { Worker } from 'node:worker_threads';
import { EmbeddedBackend } from '../ros/backend.js';
import { EmbeddedDomain } from '../ros/embedded/domain.js';
import { collectOverrides } from '../ros/params_file.js';
import { PortLink } from '../ros/embedded/link_protocol.js';
import type { LogLevel } from '../ros/log_level.js';
import { fqnOf, type NodeConfig } from '../ros/node_config.js';
import { loadNodeDefinition } from '../registry.js';
import type { HostControl, NodeHostData } from '../launcher/node_host.js';
import { shutdownHost } from '../launcher/host_shutdown.js';
import type { LaunchDescription } from '../launcher/launch_description.js';
import { nodeConfigFromAction } from '../launcher/node_action_config.js';
import { ReplayError } from './suite.js';
import { errorText } from '../error_text.js';
import { lifecycle_msgs } from '../msgs/generated/interfaces.js';

const STOPPED = 'stopped (the suite is stopping)';

interface Hosted {
  exec: string;
  config: NodeConfig;
  origin: string;
  worker: Worker | undefined;
  started: boolean;
  /** The launch file leaves autostart on (the suite activates it). */
  activate: boolean;
}

export class ThreadedSuite {
  readonly hub = new EmbeddedDomain({ tag: 'hub' });
  private readonly hosted: Hosted[] = [];
  private started: Promise<void> | undefined;
  private markStopped: () => void = () => {};
  private readonly stopped = new Promise<typeof STOPPED>((resolve) => (this.markStopped = () => resolve(STOPPED)));

  private constructor(private readonly report: (level: 'info' | 'warn' | 'error', message: string) => void) {}

  /** Validates the nodes (executables, parameters); nothing runs yet. */
  static async prepare(
    description: LaunchDescription,
    options: { logLevel?: LogLevel; report?: (level: 'info' | 'warn' | 'error', message: string) => void } = {},
  ): Promise<ThreadedSuite> {
    const suite = new ThreadedSuite(options.report ?? ((level, m) => process.stderr.write(`[${level.toUpperCase()}] [vla-ros]: ${m}\n`)));
    for (const action of description.nodes) {
      if (action.pkg !== 'vla_ros') throw new ReplayError(`${action.origin}: package '${action.pkg}' is not part of vla-ros`);
      const definition = await loadNodeDefinition(action.exec).catch((err: unknown) => {
        throw new ReplayError(`${action.origin}: ${errorText(err)}`);
      });
      const config = nodeConfigFromAction(action, definition.defaultName, options.logLevel ?? 'info');
      const fqn = fqnOf(config);
      if (suite.hosted.some((h) => fqnOf(h.config) === fqn)) throw new ReplayError(`${action.origin}: two nodes would be named ${fqn}`);
      const wanted = collectOverrides(config.parameterSections, fqn).overrides.get('autostart')?.value;
      config.parameterSections = [
        ...config.parameterSections,
        { nodePattern: fqn, params: [{ name: 'autostart', type: 'bool', value: false, source: 'vla-ros (activates the nodes itself)' }] },
      ];
      suite.hosted.push({
        exec: action.exec,
        config,
        origin: action.origin,
        worker: undefined,
        started: false,
        activate: wanted !== false,
      });
    }
    return suite;
  }

  get nodeNames(): Set<string> {
    return new Set(this.hosted.map((h) => fqnOf(h.config)));
  }

  /**
   * Configures and activates the nodes in launch order through their ~/change_state services
   * (managed nodes whose launch file leaves autostart on). Returns the transitions that failed.
   * `beforeTransition` runs before each transition: a recorder polls the graph there, so it
   * subscribes to the publishers the previous transition created before they publish (the
   * request reaches the node's thread after the subscription does: one ordered port per node).
   */
  async activate(timeoutSec = 30, beforeTransition?: () => void): Promise<string[]> {
    const problems: string[] = [];
    const backend = new EmbeddedBackend(this.hub);
    const manager = await backend.createNode({
      name: 'vla_ros_lifecycle_manager',
      namespace: '/',
      remaps: [],
      parameterSections: [],
      logLevel: 'warn',
      rosArgv: [],
    });
    try {
      for (const h of this.hosted) {
        if (!h.activate || h.worker === undefined) continue;
        const fqn = fqnOf(h.config);
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

  /** Starts every node's thread; resolves when all are created (autostart off), rejects when one fails. */
  start(): Promise<void> {
    return (this.started ??= Promise.all(this.hosted.map((h) => this.spawn(h))).then(() => undefined));
  }

  private spawn(h: Hosted): Promise<void> {
    const data: NodeHostData = { exec: h.exec, config: h.config };
    const worker = new Worker(new URL('../launcher/node_host.js', import.meta.url), { workerData: data });
    const link = new PortLink(worker);
    h.worker = worker;
    this.hub.connect(link);
    const fqn = fqnOf(h.config);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: unknown) => {
        const c = m as HostControl;
        if (c.control === 'started') {
          h.started = true;
          resolve();
        } else if (c.control === 'failed') {
          reject(new ReplayError(`${h.origin}: ${fqn} failed to start: ${c.error}`));
        }
      });
      worker.on('error', (err) => {
        this.report('error', `${fqn} crashed: ${err.stack ?? err.message}`);
        if (!h.started) reject(new ReplayError(`${fqn} crashed while starting: ${err.message}`));
      });
      worker.on('exit', () => {
        this.hub.disconnect(link);
        h.worker = undefined;
      });
    });
  }

  /** Stops every node (lifecycle shutdown in its thread); threads that do not stop in time are terminated. */
  async stop(timeoutSec = 5): Promise<void> {
    this.markStopped();
    await Promise.all(
      this.hosted.map(async (h) => {
        const worker = h.worker;
        if (worker === undefined) return;
        await shutdownHost(worker, timeoutSec * 1000, !h.started);
      }),
    );
  }
}
