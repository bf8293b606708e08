// One configuration of the failure monitor, without ROS: the detector's scorer and the episode
// monitor, fed with policy features, instructions, episode events and time-out checks, with what
// it publishes, logs and shows in the status. The node (node.ts) makes one in configure, feeds
// it while active and disposes of it (the detector) in cleanup.

import { vla_ros_msgs, type builtin_interfaces } from '../msgs/generated/interfaces.js';
import type { NodeStatus } from '../runtime/node_status.js';
import { alarmResponse, type Response } from './alarm_response.js';
import { EpisodeMonitor, type AlarmEvent } from './episode_monitor.js';
import { isForeignFeatureSource } from './feature_source.js';
import { instructionEpisodeId } from './instruction_episode.js';
import type { MonitorSetup } from './monitor_setup.js';
import { createScorer, type SafeScorer } from './scorer.js';

const EVENT = vla_ros_msgs.msg.EpisodeEvent;

/** The node's clock, as far as the monitor uses it. */
export interface MonitorClock {
  /** False before the first /clock under simulated time. */
  readonly isValid: boolean;
  now(): number;
  stamp(): builtin_interfaces.msg.Time;
}

/** The node's logger, as far as the monitor uses it. */
export interface MonitorLog {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  throttle(level: 'debug' | 'error', periodSec: number, text: string, key: string): void;
}

/** Where a message goes (a lifecycle publisher in the node). */
export interface Sink<T> {
  publish(message: T): void;
}

/** Where scores, alarms and hold requests go. */
export interface MonitorOutputs {
  readonly score: Sink<vla_ros_msgs.msg.FailureScore>;
  readonly alarm: Sink<vla_ros_msgs.msg.FailureAlarm>;
  readonly hold: Sink<vla_ros_msgs.msg.HoldRequest>;
}

export interface MonitorContext {
  readonly clock: MonitorClock;
  readonly log: MonitorLog;
  readonly status: NodeStatus;
  readonly out: MonitorOutputs;
  /** The `response` parameter now (dynamic). */
  readonly response: () => Response;
}

export class MonitorCore {
  readonly scorer: SafeScorer;
  readonly monitor: EpisodeMonitor;
  private warnedSource = false;

  constructor(
    readonly setup: MonitorSetup,
    timeouts: { readonly featureTimeout: number; readonly startupTimeout: number },
    private readonly ctx: MonitorContext,
  ) {
    this.monitor = new EpisodeMonitor(setup.calibration.band, timeouts);
    // The band was calibrated on scores of this window: score live with the same one.
    this.scorer = createScorer(setup.detector, { window: setup.calibration.scoreWindow });
  }

  /** Monitoring (re)starts: time-outs count from now. */
  rearm(): void {
    this.monitor.rearm(this.validNow());
  }

  /** Starts episode `id` (unless it is the current one and not a restart): score reset. */
  startEpisode(id: string, why: string, restart = false): void {
    // The new episode's clock starts now, for the startup timeout.
    if (!this.monitor.begin(id, this.validNow(), restart)) return;
    this.scorer.reset();
    this.ctx.status.set('running', `episode ${id}: waiting for features`);
    this.ctx.status.setValue('episode', id);
    this.ctx.log.info(`episode '${id}' ${restart ? 'restarted' : 'started'} (${why}): score reset`);
  }

  checkTimeout(): void {
    if (!this.ctx.clock.isValid) return;
    const alarm = this.monitor.checkTimeout(this.ctx.clock.now());
    if (alarm !== undefined) this.raise(alarm);
  }

  /** Scores one PolicyFeatures message received at `receivedAt`. */
  async features(msg: vla_ros_msgs.msg.PolicyFeatures, receivedAt: number): Promise<void> {
    const { status, log, clock } = this.ctx;
    const route = this.monitor.route(msg.episode_id);
    if (route === 'stale') {
      status.drop();
      log.throttle('debug', 5, `dropped features of ended episode '${msg.episode_id}'`, 'stale');
      return;
    }
    if (route === 'new_episode') this.startEpisode(msg.episode_id, 'features of a new episode; no instruction seen for it');
    const expected = this.setup.featuresSource;
    if (!this.warnedSource && isForeignFeatureSource(msg.source, expected)) {
      this.warnedSource = true;
      log.warn(`features come from '${msg.source}', but the bundle's detector was trained on 'expert:${expected}'`);
    }
    const features = msg.features instanceof Float32Array ? msg.features : Float32Array.from(msg.features);
    if (features.length !== this.scorer.featureSize) {
      const problem = `${features.length} values, the detector expects ${this.scorer.featureSize}`;
      status.drop();
      status.set('error', `features have ${problem}`);
      log.throttle('error', 5, `dropped features: ${problem}`, 'size');
      return;
    }
    const started = performance.now();
    const { stepScore, score } = await this.scorer.step(features);
    const d = this.monitor.scored(msg.step, score, receivedAt);
    status.output(clock.now(), (performance.now() - started) / 1000);
    const { threshold, exceeds: alarm } = d;
    this.ctx.out.score.publish({
      header: msg.header,
      episode_id: d.episodeId,
      step: msg.step,
      step_score: stepScore,
      score,
      threshold,
      alarm,
    });
    status.setValue('step', d.index);
    status.setValue('score', score.toFixed(4));
    status.setValue('threshold', d.threshold.toFixed(4));
    if (d.alarm !== undefined) this.raise(d.alarm);
    else if (status.state === 'running' || status.state === 'starting') status.set('running', `episode ${d.episodeId}: step ${d.index}`);
  }

  instruction(msg: vla_ros_msgs.msg.Instruction): void {
    const id = instructionEpisodeId(msg);
    if (this.monitor.route(id) === 'new_episode') this.startEpisode(id, 'new instruction');
  }

  episodeEvent(msg: vla_ros_msgs.msg.EpisodeEvent): void {
    if (msg.event === EVENT.EVENT_START) {
      // A START always starts: only late *features* of an ended episode are stale, and an id
      // used again (a caller-chosen one, a sim seed run again) must be monitored again.
      const route = this.monitor.route(msg.episode_id);
      if (route !== 'current') this.startEpisode(msg.episode_id, 'START event', route === 'stale');
    } else if (msg.event === EVENT.EVENT_RESET) this.startEpisode(msg.episode_id, 'RESET event', true);
    else if (msg.event === EVENT.EVENT_END && this.monitor.end(msg.episode_id)) {
      this.ctx.log.info(`episode '${msg.episode_id}' ended (${msg.success ? 'success' : 'failure'} label)`);
      if (this.ctx.status.state === 'running') this.ctx.status.set('running', 'waiting for an episode');
    }
  }

  /** Releases the detector. */
  dispose(): Promise<void> {
    return this.setup.detector.dispose();
  }

  private raise(alarm: AlarmEvent): void {
    const r = alarmResponse(alarm, this.ctx.response(), this.ctx.clock.stamp());
    this.ctx.out.alarm.publish(r.alarm);
    if (r.hold !== undefined) this.ctx.out.hold.publish(r.hold);
    this.ctx.status.set(r.health, r.line);
    this.ctx.log[r.log.level](r.log.text);
  }

  /** Now, or NaN before the first /clock: time-outs start at the first valid clock. */
  private validNow(): number {
    return this.ctx.clock.isValid ? this.ctx.clock.now() : NaN;
  }
}
