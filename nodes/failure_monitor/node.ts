// failure_monitor — SAFE failure detection: scores the policy's features against the conformal
// band and, at an episode's first crossing (or feature timeout), raises an alarm and responds.
// Wiring only: one configuration is MonitorCore (monitor_core.ts). Topics, responses and
// lifecycle: docs/failure-monitor.md; parameters: MONITOR_PARAMETERS below.

import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { declareParameters, param, readParameters, type ParameterValues } from '../ros/parameter_schema.js';
import { LifecycleNode, type LifecycleCallbacks } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import { QoSProfiles, type QoSProfile } from '../ros/qos.js';
import type { Timer } from '../ros/timer.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { describeMonitorSetup, loadMonitorSetup } from './monitor_setup.js';
import { MonitorCore, type MonitorOutputs } from './monitor_core.js';
import { MONITOR_TIMEOUT_DEFAULTS, timeoutCheckPeriod } from './episode_monitor.js';
import { RESPONSES } from './alarm_response.js';
import { instructionEpisodeId } from './instruction_episode.js';
import { errorText } from '../error_text.js';

export { RESPONSES, type Response } from './alarm_response.js';
export { instructionEpisodeId } from './instruction_episode.js';

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
  feature_timeout: param.double(
    MONITOR_TIMEOUT_DEFAULTS.featureTimeout,
    'Longest gap between policy features of a running episode before it counts as a failure [s].',
    {
      range: [0.01, 60],
      dynamic: true,
    },
  ),
  startup_timeout: param.double(
    MONITOR_TIMEOUT_DEFAULTS.startupTimeout,
    "Longest wait for an episode's first features [s]; 0 = wait indefinitely (slow first latent).",
    {
      range: [0, 600],
      dynamic: true,
    },
  ),
};
/** Features: best effort matches a publisher of either reliability; deep enough for bursts. */
const FEATURES_QOS: QoSProfile = Object.freeze({ history: 'keep_last', depth: 100, reliability: 'best_effort', durability: 'volatile' });

// Configure loads the detector and calibration; activate starts monitoring and the time-out
// check; deactivate stops them; cleanup releases the detector. Topics live as long as the node:
// the latched instruction arrives as its subscription is made and must be in before activation
// (made in configure, it comes after: the replay golden's status differs).
export class FailureMonitorNode implements NodeInstance, LifecycleCallbacks {
  readonly lifecycle: LifecycleNode;
  private readonly params: ParameterValues<typeof MONITOR_PARAMETERS>;
  /** What configure allocates and cleanup frees (undefined while unconfigured). */
  private core: MonitorCore | undefined;
  private readonly out: MonitorOutputs;
  private timer: Timer | undefined;
  private readonly status = new NodeStatus();
  private readonly statusReport: StatusReport;
  /** The latched instruction can arrive before activation: it starts the episode on activation. */
  private pendingInstruction: vla_ros_msgs.msg.Instruction | undefined;
  /** Every message is handled in arrival order, one at a time: the detector call is async. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly node: RosNode) {
    this.params = declareParameters(node.parameters, MONITOR_PARAMETERS);
    this.lifecycle = new LifecycleNode(node, this);
    this.out = {
      score: this.lifecycle.createPublisher('vla_ros_msgs/msg/FailureScore', 'failure_score', 10),
      alarm: this.lifecycle.createPublisher('vla_ros_msgs/msg/FailureAlarm', 'failure_alarm', 10),
      hold: this.lifecycle.createPublisher('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10),
    };
    this.statusReport = reportStatus(node, this.status);
    node.createSubscription('vla_ros_msgs/msg/PolicyFeatures', 'policy_features', FEATURES_QOS, (msg) => {
      const receivedAt = node.clock.now();
      this.enqueue('policy features', () => this.live?.features(msg, receivedAt));
    });
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => {
      this.enqueue('instruction', () => this.onInstruction(msg));
    });
    node.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (msg) => {
      this.enqueue('episode event', () => this.live?.episodeEvent(msg));
    });
  }

  /** response, feature_timeout and startup_timeout are dynamic: read where they take effect. */
  private get current(): ParameterValues<typeof MONITOR_PARAMETERS> {
    return readParameters(this.node.parameters, MONITOR_PARAMETERS);
  }

  async onConfigure(): Promise<'success' | 'failure'> {
    const { node, status, params: p } = this;
    try {
      const files = { policyBundle: p.policy_bundle, detector: p.detector, calibration: p.calibration, detectorKind: p.detector_kind };
      const setup = await loadMonitorSetup(files);
      const { feature_timeout: featureTimeout, startup_timeout: startupTimeout } = this.current;
      const core = new MonitorCore(
        setup,
        { featureTimeout, startupTimeout },
        {
          clock: node.clock,
          log: node.logger,
          status,
          out: this.out,
          response: () => this.current.response,
        },
      );
      this.core = core;
      node.logger.info(describeMonitorSetup(setup));
      status.setValue('detector', `SAFE-${setup.detector.kind}`);
      status.setValue('alpha', setup.calibration.band.params.alpha);
      status.set('starting', 'waiting for an episode');
      return 'success';
    } catch (err) {
      node.logger.error(`cannot configure: ${errorText(err)}`);
      status.set('error', `cannot configure: ${errorText(err)}`);
      this.statusReport.publishNow();
      return 'failure';
    }
  }

  onActivate(): void {
    const core = this.core!;
    // Live from here on: a bridge that requires the monitor (require_failure_monitor) waits for this.
    if (this.status.state === 'starting') this.status.set('running', 'waiting for an episode');
    core.rearm();
    const latched = this.pendingInstruction;
    this.pendingInstruction = undefined;
    // Directly: lifecycle.isActive turns true only after this callback returns.
    if (latched !== undefined) core.startEpisode(instructionEpisodeId(latched), 'new instruction');
    const period = timeoutCheckPeriod(this.current.feature_timeout);
    this.timer = this.node.createTimer(period, () => this.enqueue('feature timeout check', () => this.core?.checkTimeout()));
    this.statusReport.publishNow();
  }

  onDeactivate(): void {
    this.stopTimer();
    this.status.set('starting', 'inactive: not monitoring');
    this.statusReport.publishNow();
  }

  /** Idempotent: releases the detector (after the message in hand); configure loads it again. */
  async onCleanup(): Promise<void> {
    this.stopTimer();
    const core = this.core;
    this.core = undefined;
    await this.queue;
    await core?.dispose();
  }

  onShutdown(): Promise<void> {
    return this.onCleanup();
  }

  async dispose(): Promise<void> {
    this.statusReport();
    await this.queue;
    await this.onCleanup();
  }

  private stopTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private enqueue(what: string, work: () => void | Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => this.node.logger.error(`${what}: ${errorText(err)}`));
    this.node.clock.track(this.queue);
  }

  /** The configuration while active; undefined otherwise (messages are then ignored). */
  private get live(): MonitorCore | undefined {
    return this.lifecycle.isActive ? this.core : undefined;
  }

  private onInstruction(msg: vla_ros_msgs.msg.Instruction): void {
    if (this.live !== undefined) this.live.instruction(msg);
    else this.pendingInstruction = msg;
  }
}

export const failureMonitor: NodeDefinition = {
  exec: 'failure_monitor',
  defaultName: 'failure_monitor',
  summary: 'SAFE failure detection on the policy features: score vs conformal threshold, alarm and hold request.',
  parameters: MONITOR_PARAMETERS,
  create: (node) => new FailureMonitorNode(node),
};
