// `vla-ros sim run` (and `npm start`): the whole suite on the built-in sim with a policy bundle
// (launch/sim.launch.xml on the embedded backend, one worker thread per node, wall time), for a
// number of episodes or a bounded time, with per-episode progress on the console.
//
// Recording hook: `hooks.onRunning` is called with the launch's hub domain, which every topic of
// every node passes through, once the suite runs; whatever it returns is awaited before the suite
// stops. An MCAP recorder and the end-of-run report plug in there.

import { EmbeddedLaunch } from '../launcher/embedded_launcher.js';
import { defaultLaunchContext, resolveLaunchFilePath } from '../launcher/launch_context.js';
import { loadLaunchFile } from '../launcher/launch_file.js';
import { EmbeddedBackend } from '../ros/backend.js';
import type { EmbeddedDomain } from '../ros/embedded/domain.js';
import type { LogLevel } from '../ros/log_level.js';
import { QoSProfiles } from '../ros/qos.js';
import { fromRosTime } from '../ros/time.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { EpisodeProgress, formatEpisodeLine } from '../sim/run/episode_progress.js';
import { CliError } from './cli_error.js';
import { ShutdownSignal } from './shutdown_signal.js';
import { errorText } from '../error_text.js';
import { toolNodeConfig } from '../ros/node_config.js';

const { EVENT_END } = vla_ros_msgs.msg.EpisodeEvent;
/** Console status of the episode in progress, every this many wall seconds. */
const STATUS_PERIOD_SEC = 5;

export interface SimRunHooks {
  /** The suite runs; `hub` carries every topic. The returned function runs before the suite stops. */
  onRunning?(hub: EmbeddedDomain): Promise<(() => Promise<void>) | void>;
}

export interface SimRunOptions {
  robot: string;
  policy: string;
  task: string;
  seed: number;
  /** Stop after this many finished episodes. */
  episodes: number;
  /** Stop after this many wall seconds whatever happened (undefined: no limit). */
  duration: number | undefined;
  /** Simulated seconds after which an episode ends as failed. */
  episodeTimeout: number;
  realTimeFactor: number;
  logLevel: LogLevel;
  /** Launch the failure monitor (default true); false runs the arm unmonitored, said at start. */
  failureMonitor?: boolean;
  hooks?: SimRunHooks;
  out?: (text: string) => void;
}

export async function simRun(o: SimRunOptions): Promise<number> {
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  let description;
  try {
    description = loadLaunchFile(
      resolveLaunchFilePath('sim.launch.xml'),
      {
        robot: o.robot,
        policy: o.policy,
        task: o.task,
        seed: String(o.seed),
        real_time_factor: String(o.realTimeFactor),
        auto_reset: 'true',
        episode_timeout: String(o.episodeTimeout),
        log_level: o.logLevel,
        failure_monitor: String(o.failureMonitor ?? true),
      },
      defaultLaunchContext(),
    );
  } catch (err) {
    throw new CliError(errorText(err), 2);
  }
  if (o.failureMonitor === false) {
    out('[WARN] [sim run]: --no-failure-monitor: NO FAILURE MONITOR — predicted failures will not hold the arm\n');
  }
  const shutdown = new ShutdownSignal();
  const launch = await EmbeddedLaunch.start(description, { logLevel: o.logLevel }).catch((err: unknown) => {
    throw new CliError(errorText(err), 1);
  });
  const backend = new EmbeddedBackend(launch.hub);
  const probe = await backend.createNode(toolNodeConfig('sim_run_progress'));
  const progress = new EpisodeProgress(o.failureMonitor ?? true);
  let simTime = 0;
  let resolveDone!: (why: string) => void;
  const done = new Promise<string>((resolve) => (resolveDone = resolve));
  // Episodes start from the sim's own announcement (transient local: the first episode started
  // before this probe existed); they end with the episode manager's END (success label).
  probe.createSubscription('std_msgs/msg/String', 'sim/episode', QoSProfiles.transientLocal, (m) => {
    let episode: { id?: unknown; instruction?: unknown };
    try {
      episode = JSON.parse(m.data) as typeof episode;
    } catch {
      return;
    }
    if (typeof episode.id !== 'string' || typeof episode.instruction !== 'string') return;
    progress.start(episode.id, episode.instruction, simTime);
    out(`episode ${progress.finished.length} started: "${episode.instruction}"\n`);
  });
  probe.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (m) => {
    const t = fromRosTime(m.header.stamp);
    if (m.event === EVENT_END) {
      const line = progress.end(m.episode_id, m.success, t);
      if (line !== undefined) out(formatEpisodeLine(line) + '\n');
      if (progress.finished.length >= o.episodes) resolveDone(`${o.episodes} episode(s) done`);
    }
  });
  probe.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (m) => {
    simTime = fromRosTime(m.header.stamp);
    progress.chunk(m.latent_age);
  });
  probe.createSubscription('vla_ros_msgs/msg/FailureScore', 'failure_score', 10, (m) =>
    progress.score(m.episode_id, m.score, m.alarm, fromRosTime(m.header.stamp)),
  );
  probe.createSubscription('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10, (m) => {
    if (m.hold) progress.hold(m.episode_id);
  });
  // A failure monitor that cannot start keeps the arm held (the bridge requires it): stop with its reason.
  let monitorError: string | undefined;
  probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', 'failure_monitor/status', 10, (m) => {
    if (m.state !== vla_ros_msgs.msg.PathwayStatus.STATE_ERROR || monitorError !== undefined) return;
    monitorError = m.message;
    resolveDone('the failure monitor cannot start');
  });
  const status = setInterval(() => {
    const s = progress.status(simTime);
    if (s !== undefined) out(s + '\n');
  }, STATUS_PERIOD_SEC * 1000);
  const beforeStop = await o.hooks?.onRunning?.(launch.hub);
  shutdown.startTimer(o.duration);
  out(
    `[INFO] [sim run]: the suite runs on the built-in ${o.robot} sim with policy '${o.policy}' ` +
      `(${description.nodes.length} nodes, ${o.realTimeFactor}× real time); stopping after ${o.episodes} episode(s)` +
      `${o.duration === undefined ? '' : ` or ${o.duration} s`}; Ctrl-C to stop\n`,
  );
  const why = await Promise.race([shutdown.reason, done]);
  // The --duration timer must not keep the process alive once the episodes are done.
  shutdown.dispose();
  clearInterval(status);
  // Stopped by Ctrl-C, SIGTERM or --duration: the episode in progress counts, marked interrupted.
  const partial = progress.interrupt(simTime);
  if (partial !== undefined) out(formatEpisodeLine(partial) + '\n');
  out(`[INFO] [sim run]: stopping (${why})\n`);
  probe.destroy();
  if (typeof beforeStop === 'function') await beforeStop();
  await launch.stop();
  out(`summary: ${progress.summary()}\n`);
  if (monitorError !== undefined) {
    throw new CliError(
      `failure_monitor: ${monitorError}: the arm was held; fix the bundle's failure_monitor section or its detector, or run without a monitor (--no-failure-monitor)`,
      1,
    );
  }
  return 0;
}
