// failure_monitor — SAFE failure detection: scores every step of the policy's features with the
// bundle's detector against the conformal band and, at an episode's first crossing (or feature
// timeout), raises an alarm and responds (alarm_only / hold / hold_and_notify; never resumes).
// Topics, responses and lifecycle: docs/failure-monitor.md; parameters: MONITOR_PARAMETERS below.

import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { declareParameters, param, readParameters, type ParameterValues } from '../ros/parameter_schema.js';
import { LifecycleNode, type LifecyclePublisher } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import { QoSProfiles, type QoSProfile } from '../ros/qos.js';
import type { Timer } from '../ros/timer.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { EpisodeMonitor, type AlarmEvent } from './episode_monitor.js';
import { loadMonitorSetup, type MonitorSetup } from './monitor_setup.js';
import { createScorer, type SafeScorer } from './scorer.js';
import { alarmResponse, RESPONSES } from './alarm_response.js';
import { instructionEpisodeId } from './instruction_episode.js';
import { isForeignFeatureSource } from './feature_source.js';
import { errorText } from '../error_text.js';

export { RESPONSES, type Response } from './alarm_response.js';
export { instructionEpisodeId } from './instruction_episode.js';

const EVENT = vla_ros_msgs.msg.EpisodeEvent;

export const MONITOR_PARAMETERS = {
  ...POLICY_BUNDLE_PARAMETERS,
  detector: param.string('', "Detector ONNX file instead of the bundle's ('' = the bundle's)."),
  calibration: param.string('', "Calibration YAML instead of the bundle's ('' = the bundle's); must be made with this detector."),
  detector_kind: param.choice(['', 'mlp', 'lstm'], '', "Expected detector kind ('' = the bundle's, or what the files are)."),
  response: param.choice(
    RESPONSES,
    'hold',
    'On alarm: alarm_only (alarm + warning), hold (+ HoldRequest), hold_and_notify (+ ERROR log).',
    { dynamic: true },
  ),
  feature_timeout: param.double(0.5, 'Longest gap between policy features of a running episode before it counts as a failure [s].', {
    range: [0.01, 60],
    dynamic: true,
  }),
  startup_timeout: param.double(5.0, "Longest wait for an episode's first features [s]; 0 = wait indefinitely (slow first latent).", {
    range: [0, 600],
    dynamic: true,
  }),
};
/** Features: best effort matches a publisher of either reliability; deep enough for bursts. */
const FEATURES_QOS: QoSProfile = Object.freeze({ history: 'keep_last', depth: 100, reliability: 'best_effort', durability: 'volatile' });

/** What configure allocates and cleanup frees (undefined while unconfigured). */
interface Configured {
  setup: MonitorSetup;
  scorer: SafeScorer;
  monitor: EpisodeMonitor;
}

export class FailureMonitorNode implements NodeInstance {
  readonly lifecycle: LifecycleNode;
  private readonly params: ParameterValues<typeof MONITOR_PARAMETERS>;
  private configured: Configured | undefined;
  private timer: Timer | undefined;
  private readonly status = new NodeStatus();
  private readonly statusReport: StatusReport;
  private readonly scorePub: LifecyclePublisher<vla_ros_msgs.msg.FailureScore>;
  private readonly alarmPub: LifecyclePublisher<vla_ros_msgs.msg.FailureAlarm>;
  private readonly holdPub: LifecyclePublisher<vla_ros_msgs.msg.HoldRequest>;
  private warnedSource = false;
  /** The latched instruction can arrive before activation: it starts the episode on activation. */
  private pendingInstruction: vla_ros_msgs.msg.Instruction | undefined;
  /** Every message is handled in arrival order, one at a time: the detector call is async. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly node: RosNode) {
    this.params = declareParameters(node.parameters, MONITOR_PARAMETERS);
    this.lifecycle = new LifecycleNode(node, {
      onConfigure: () => this.configure(),
      onActivate: () => this.activate(),
      onDeactivate: () => this.deactivate(),
      onCleanup: () => this.cleanup(),
      onShutdown: () => this.cleanup(),
    });
    // Entities live as long as the node: the graph is the same in every lifecycle state.
    this.scorePub = this.lifecycle.createPublisher('vla_ros_msgs/msg/FailureScore', 'failure_score', 10);
    this.alarmPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/FailureAlarm', 'failure_alarm', 10);
    this.holdPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10);
    this.statusReport = reportStatus(node, this.status);
    node.createSubscription('vla_ros_msgs/msg/PolicyFeatures', 'policy_features', FEATURES_QOS, (msg) => {
      const receivedAt = node.clock.now();
      this.enqueue('policy features', () => this.onFeatures(msg, receivedAt));
    });
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => {
      this.enqueue('instruction', () => this.onInstruction(msg));
    });
    node.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (msg) => {
      this.enqueue('episode event', () => this.onEpisodeEvent(msg));
    });
  }

  /** response, feature_timeout and startup_timeout are dynamic: read where they take effect. */
  private get current(): ParameterValues<typeof MONITOR_PARAMETERS> {
    return readParameters(this.node.parameters, MONITOR_PARAMETERS);
  }

  private async configure(): Promise<'success' | 'failure'> {
    const { node, status } = this;
    try {
      const setup = await loadMonitorSetup({
        policyBundle: this.params.policy_bundle,
        detector: this.params.detector,
        calibration: this.params.calibration,
        detectorKind: this.params.detector_kind,
      });
      const { feature_timeout: featureTimeout, startup_timeout: startupTimeout } = this.current;
      const monitor = new EpisodeMonitor(setup.calibration.band, { featureTimeout, startupTimeout });
      this.configured = { setup, scorer: createScorer(setup.detector), monitor };
      const b = setup.calibration.band.params;
      node.logger.info(
        `SAFE-${setup.detector.kind.toUpperCase()} detector ${setup.detectorFile} (${setup.detector.featureSize} features), ` +
          `band alpha ${b.alpha}, horizon ${b.horizon}, h ${b.h.toFixed(3)} from ${setup.calibrationFile}`,
      );
      status.setValue('detector', `SAFE-${setup.detector.kind}`);
      status.setValue('alpha', b.alpha);
      status.set('starting', 'waiting for an episode');
      return 'success';
    } catch (err) {
      node.logger.error(`cannot configure: ${errorText(err)}`);
      status.set('error', `cannot configure: ${errorText(err)}`);
      this.statusReport.publishNow();
      return 'failure';
    }
  }

  private activate(): void {
    const c = this.configured!;
    // Live from here on: a bridge that requires the monitor (require_failure_monitor) waits for this.
    if (this.status.state === 'starting') this.status.set('running', 'waiting for an episode');
    c.monitor.rearm(this.validNow());
    const latched = this.pendingInstruction;
    this.pendingInstruction = undefined;
    // Directly: lifecycle.isActive turns true only after this callback returns.
    if (latched !== undefined) this.startEpisode(c, instructionEpisodeId(latched), 'new instruction');
    const period = Math.min(0.1, Math.max(0.005, this.current.feature_timeout / 5));
    this.timer = this.node.createTimer(period, () => this.enqueue('feature timeout check', () => this.checkTimeout()));
    this.statusReport.publishNow();
  }

  private deactivate(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.status.set('starting', 'inactive: not monitoring');
    this.statusReport.publishNow();
  }

  /** Frees the detector (idempotent): configure loads it again. */
  private async cleanup(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    const c = this.configured;
    this.configured = undefined;
    await c?.setup.detector.dispose();
  }

  async dispose(): Promise<void> {
    this.statusReport();
    await this.queue;
    await this.cleanup();
  }

  private enqueue(what: string, work: () => void | Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => this.node.logger.error(`${what}: ${errorText(err)}`));
    this.node.clock.track(this.queue);
  }

  /** The configuration while active; undefined otherwise (messages are then ignored). */
  private get live(): Configured | undefined {
    return this.lifecycle.isActive ? this.configured : undefined;
  }

  /** Now, or NaN before the first /clock: time-outs start at the first valid clock. */
  private validNow(): number {
    return this.node.clock.isValid ? this.node.clock.now() : NaN;
  }

  private startEpisode(c: Configured, id: string, why: string, restart = false): void {
    // The new episode's clock starts now, for the startup timeout.
    if (!c.monitor.begin(id, this.validNow(), restart)) return;
    c.scorer.reset();
    this.status.set('running', `episode ${id}: waiting for features`);
    this.status.setValue('episode', id);
    this.node.logger.info(`episode '${id}' ${restart ? 'restarted' : 'started'} (${why}): score reset`);
  }

  private raise(alarm: AlarmEvent): void {
    const r = alarmResponse(alarm, this.current.response, this.node.clock.stamp());
    this.alarmPub.publish(r.alarm);
    if (r.hold !== undefined) this.holdPub.publish(r.hold);
    this.status.set(r.health, r.line);
    this.node.logger[r.log.level](r.log.text);
  }

  private checkTimeout(): void {
    if (!this.node.clock.isValid) return;
    const alarm = this.configured?.monitor.checkTimeout(this.node.clock.now());
    if (alarm !== undefined) this.raise(alarm);
  }

  private async onFeatures(msg: vla_ros_msgs.msg.PolicyFeatures, receivedAt: number): Promise<void> {
    const { node, status } = this;
    const c = this.live;
    if (c === undefined) return;
    const route = c.monitor.route(msg.episode_id);
    if (route === 'stale') {
      status.drop();
      node.logger.throttle('debug', 5, `dropped features of ended episode '${msg.episode_id}'`, 'stale');
      return;
    }
    if (route === 'new_episode') this.startEpisode(c, msg.episode_id, 'features of a new episode; no instruction seen for it');
    const expected = c.setup.featuresSource;
    if (!this.warnedSource && isForeignFeatureSource(msg.source, expected)) {
      this.warnedSource = true;
      node.logger.warn(`features come from '${msg.source}', but the bundle's detector was trained on 'expert:${expected}'`);
    }
    const features = msg.features instanceof Float32Array ? msg.features : Float32Array.from(msg.features);
    if (features.length !== c.scorer.featureSize) {
      const problem = `${features.length} values, the detector expects ${c.scorer.featureSize}`;
      status.drop();
      status.set('error', `features have ${problem}`);
      node.logger.throttle('error', 5, `dropped features: ${problem}`, 'size');
      return;
    }
    const started = performance.now();
    const { stepScore, score } = await c.scorer.step(features);
    const d = c.monitor.scored(msg.step, score, receivedAt);
    status.output(node.clock.now(), (performance.now() - started) / 1000);
    this.scorePub.publish({
      header: msg.header,
      episode_id: d.episodeId,
      step: msg.step,
      step_score: stepScore,
      score,
      threshold: d.threshold,
      alarm: d.exceeds,
    });
    status.setValue('step', d.index);
    status.setValue('score', score.toFixed(4));
    status.setValue('threshold', d.threshold.toFixed(4));
    if (d.alarm !== undefined) this.raise(d.alarm);
    else if (status.state === 'running' || status.state === 'starting') status.set('running', `episode ${d.episodeId}: step ${d.index}`);
  }

  private onInstruction(msg: vla_ros_msgs.msg.Instruction): void {
    const c = this.live;
    if (c === undefined) {
      this.pendingInstruction = msg;
      return;
    }
    const id = instructionEpisodeId(msg);
    if (c.monitor.route(id) === 'new_episode') this.startEpisode(c, id, 'new instruction');
  }

  private onEpisodeEvent(msg: vla_ros_msgs.msg.EpisodeEvent): void {
    const c = this.live;
    if (c === undefined) return;
    if (msg.event === EVENT.EVENT_START) {
      // A START always starts: only late *features* of an ended episode are stale, and an id
      // used again (a caller-chosen one, a sim seed run again) must be monitored again.
      const route = c.monitor.route(msg.episode_id);
      if (route !== 'current') this.startEpisode(c, msg.episode_id, 'START event', route === 'stale');
    } else if (msg.event === EVENT.EVENT_RESET) this.startEpisode(c, msg.episode_id, 'RESET event', true);
    else if (msg.event === EVENT.EVENT_END && c.monitor.end(msg.episode_id)) {
      this.node.logger.info(`episode '${msg.episode_id}' ended (${msg.success ? 'success' : 'failure'} label)`);
      if (this.status.state === 'running') this.status.set('running', 'waiting for an episode');
    }
  }
}

export const failureMonitor: NodeDefinition = {
  exec: 'failure_monitor',
  defaultName: 'failure_monitor',
  summary: 'SAFE failure detection on the policy features: score vs conformal threshold, alarm and hold request.',
  parameters: MONITOR_PARAMETERS,
  create: (node) => new FailureMonitorNode(node),
};
