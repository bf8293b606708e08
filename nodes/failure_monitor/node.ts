// failure_monitor — SAFE failure detection (docs/failure-monitor.md): scores every step of the
// policy's features with the bundle's detector, compares the score with the conformal threshold
// and, at the first crossing of an episode, raises an alarm and asks the controller bridge to hold.
//
// Topics (relative names resolve under the node's namespace):
//   sub  policy_features  vla_ros_msgs/msg/PolicyFeatures  best effort, depth 100: matches a reliable or best-effort publisher
//   sub  instruction      vla_ros_msgs/msg/Instruction     transient local: a new id starts an episode
//   sub  episode_events   vla_ros_msgs/msg/EpisodeEvent    START starts, RESET restarts, END ends an episode
//   pub  failure_score    vla_ros_msgs/msg/FailureScore    every scored step: s_t, δ_t, s_t ≥ δ_t
//   pub  failure_alarm    vla_ros_msgs/msg/FailureAlarm    reliable, depth 10: at most once per episode
//   pub  hold_request     vla_ros_msgs/msg/HoldRequest     reliable, depth 10: hold=true on alarm (response hold*)
//   pub  ~/status, /diagnostics                            node status at 1 Hz
// Parameters: MONITOR_PARAMETERS below (`vla-ros run failure_monitor --help-params`).
//
// Responses: alarm_only publishes the alarm and logs a warning; hold also publishes a
// HoldRequest (hold=true, source 'failure_monitor'); hold_and_notify does the same and logs the
// alarm at ERROR (so it reaches /rosout and any operator console) — it calls nothing else.
// The monitor never resumes: its hold is scoped to the alarm's episode (the bridge releases it
// when the next episode starts) or cleared explicitly by the operator.
//
// A feature timeout (no PolicyFeatures for `feature_timeout` s while an episode runs, or for
// `startup_timeout` s after it starts) is itself a failure: FailureAlarm REASON_FEATURE_TIMEOUT and
// the same response. One alarm per episode, whatever its reason.

import type { NodeDefinition } from '../runtime/node_definition.js';
import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { declareParameters, param, readParameters } from '../ros/parameter_schema.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import { QoSProfiles, type QoSProfile } from '../ros/qos.js';
import type { Timer } from '../ros/timer.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus } from '../runtime/status_reporter.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { EpisodeMonitor, type AlarmEvent } from './episode_monitor.js';
import { loadMonitorSetup, type MonitorSetup } from './monitor_setup.js';
import { createScorer, type SafeScorer } from './scorer.js';
import { errorText } from '../error_text.js';

const ALARM = vla_ros_msgs.msg.FailureAlarm;
const EVENT = vla_ros_msgs.msg.EpisodeEvent;

export const RESPONSES = ['alarm_only', 'hold', 'hold_and_notify'] as const;
export type Response = (typeof RESPONSES)[number];

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
const RESPONSE_CODE: Record<Response, number> = {
  alarm_only: ALARM.RESPONSE_ALARM_ONLY,
  hold: ALARM.RESPONSE_HOLD,
  hold_and_notify: ALARM.RESPONSE_HOLD_AND_NOTIFY,
};

/** Features: best effort matches a publisher of either reliability; deep enough for bursts. */
const FEATURES_QOS: QoSProfile = Object.freeze({ history: 'keep_last', depth: 100, reliability: 'best_effort', durability: 'volatile' });

/** Episode id of an instruction: its id, or (empty id) one derived from stamp and text. */
export function instructionEpisodeId(msg: vla_ros_msgs.msg.Instruction): string {
  if (msg.id !== '') return msg.id;
  return `${msg.header.stamp.sec}.${String(msg.header.stamp.nanosec).padStart(9, '0')}:${msg.text}`;
}

interface Active {
  setup: MonitorSetup;
  scorer: SafeScorer;
  monitor: EpisodeMonitor;
}

export const failureMonitor: NodeDefinition = {
  exec: 'failure_monitor',
  defaultName: 'failure_monitor',
  summary: 'SAFE failure detection on the policy features: score vs conformal threshold, alarm and hold request.',
  parameters: MONITOR_PARAMETERS,
  create(node) {
    const p = node.parameters;
    const v = declareParameters(p, MONITOR_PARAMETERS);
    // response, feature_timeout and startup_timeout are dynamic: read where they take effect.
    const current = () => readParameters(p, MONITOR_PARAMETERS);

    const status = new NodeStatus();
    let active: Active | undefined;
    let timer: Timer | undefined;
    let warnedSource = false;
    /** The latched instruction can arrive before activation: it starts the episode on activation. */
    let pendingInstruction: vla_ros_msgs.msg.Instruction | undefined;
    // Every message is handled in arrival order, one at a time: the detector call is async.
    let queue: Promise<void> = Promise.resolve();
    const enqueue = (what: string, work: () => void | Promise<void>): void => {
      queue = queue.then(work).catch((err: unknown) => node.logger.error(`${what}: ${errorText(err)}`));
      node.clock.track(queue);
    };

    const release = async () => {
      timer?.cancel();
      timer = undefined;
      const a = active;
      active = undefined;
      await a?.setup.detector.dispose();
    };

    const lifecycle = new LifecycleNode(node, {
      onConfigure: async () => {
        try {
          const setup = await loadMonitorSetup({
            policyBundle: v.policy_bundle,
            detector: v.detector,
            calibration: v.calibration,
            detectorKind: v.detector_kind,
          });
          const { feature_timeout: featureTimeout, startup_timeout: startupTimeout } = current();
          const monitor = new EpisodeMonitor(setup.calibration.band, {
            featureTimeout,
            startupTimeout,
          });
          active = { setup, scorer: createScorer(setup.detector), monitor };
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
          stopStatus.publishNow();
          return 'failure';
        }
      },
      onActivate: () => {
        const a = active!;
        // Live from here on: a bridge that requires the monitor (require_failure_monitor) waits for this.
        if (status.state === 'starting') status.set('running', 'waiting for an episode');
        a.monitor.rearm(validNow());
        const latched = pendingInstruction;
        pendingInstruction = undefined;
        // Directly: lifecycle.isActive turns true only after this callback returns.
        if (latched !== undefined) startEpisode(a, instructionEpisodeId(latched), 'new instruction');
        const period = Math.min(0.1, Math.max(0.005, current().feature_timeout / 5));
        timer = node.createTimer(period, () => enqueue('feature timeout check', () => checkTimeout()));
        stopStatus.publishNow();
      },
      onDeactivate: () => {
        timer?.cancel();
        timer = undefined;
        status.set('starting', 'inactive: not monitoring');
        stopStatus.publishNow();
      },
      onCleanup: release,
      onShutdown: release,
    });

    const scorePub = lifecycle.createPublisher('vla_ros_msgs/msg/FailureScore', 'failure_score', 10);
    const alarmPub = lifecycle.createPublisher('vla_ros_msgs/msg/FailureAlarm', 'failure_alarm', 10);
    const holdPub = lifecycle.createPublisher('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10);
    const stopStatus = reportStatus(node, status);

    /** Now, or NaN before the first /clock: time-outs start at the first valid clock. */
    const validNow = () => (node.clock.isValid ? node.clock.now() : NaN);
    const startEpisode = (a: Active, id: string, why: string, restart = false) => {
      // The new episode's clock starts now, for the startup timeout.
      if (!a.monitor.begin(id, validNow(), restart)) return;
      a.scorer.reset();
      status.set('running', `episode ${id}: waiting for features`);
      status.setValue('episode', id);
      node.logger.info(`episode '${id}' ${restart ? 'restarted' : 'started'} (${why}): score reset`);
    };

    const raise = (alarm: AlarmEvent) => {
      const response = current().response;
      const stamp = node.clock.stamp();
      alarmPub.publish({
        header: { stamp, frame_id: '' },
        episode_id: alarm.episodeId,
        step: alarm.step,
        reason: alarm.reason === 'score' ? ALARM.REASON_SCORE : ALARM.REASON_FEATURE_TIMEOUT,
        score: alarm.score,
        threshold: alarm.threshold,
        response: RESPONSE_CODE[response],
        detail: alarm.detail,
      });
      const what = alarm.reason === 'score' ? 'policy failure predicted' : 'policy features timed out';
      const line = `episode '${alarm.episodeId}': ${what}: ${alarm.detail}`;
      if (response === 'alarm_only') {
        node.logger.warn(`${line} (response alarm_only: no hold requested)`);
        status.set('degraded', line);
        return;
      }
      holdPub.publish({
        header: { stamp, frame_id: '' },
        hold: true,
        source: 'failure_monitor',
        reason: `${what} (episode ${alarm.episodeId}): ${alarm.detail}`,
        // `hold`: the episode's hold, released by the bridge when the next episode starts;
        // `hold_and_notify`: unscoped, since an operator must inspect and resume.
        episode_id: response === 'hold_and_notify' ? '' : alarm.episodeId,
      });
      status.set('holding', line);
      if (response === 'hold_and_notify') node.logger.error(`${line}: hold requested; an operator must inspect and resume`);
      else node.logger.warn(`${line}: hold requested`);
    };

    const checkTimeout = () => {
      if (!node.clock.isValid) return;
      const alarm = active?.monitor.checkTimeout(node.clock.now());
      if (alarm !== undefined) raise(alarm);
    };

    const onFeatures = async (msg: vla_ros_msgs.msg.PolicyFeatures, receivedAt: number) => {
      const a = active;
      if (a === undefined || !lifecycle.isActive) return;
      const route = a.monitor.route(msg.episode_id);
      if (route === 'stale') {
        status.drop();
        node.logger.throttle('debug', 5, `dropped features of ended episode '${msg.episode_id}'`, 'stale');
        return;
      }
      if (route === 'new_episode') startEpisode(a, msg.episode_id, 'features of a new episode; no instruction seen for it');
      const expected = a.setup.featuresSource;
      if (!warnedSource && expected !== undefined && msg.source !== '' && msg.source !== expected && msg.source !== `expert:${expected}`) {
        warnedSource = true;
        node.logger.warn(`features come from '${msg.source}', but the bundle's detector was trained on 'expert:${expected}'`);
      }
      const features = msg.features instanceof Float32Array ? msg.features : Float32Array.from(msg.features);
      if (features.length !== a.scorer.featureSize) {
        status.drop();
        status.set('error', `features have ${features.length} values, the detector expects ${a.scorer.featureSize}`);
        node.logger.throttle(
          'error',
          5,
          `dropped features: ${features.length} values, the detector expects ${a.scorer.featureSize}`,
          'size',
        );
        return;
      }
      const started = performance.now();
      const { stepScore, score } = await a.scorer.step(features);
      const d = a.monitor.scored(msg.step, score, receivedAt);
      status.output(node.clock.now(), (performance.now() - started) / 1000);
      scorePub.publish({
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
      if (d.alarm !== undefined) raise(d.alarm);
      else if (status.state === 'running' || status.state === 'starting') status.set('running', `episode ${d.episodeId}: step ${d.index}`);
    };

    node.createSubscription('vla_ros_msgs/msg/PolicyFeatures', 'policy_features', FEATURES_QOS, (msg) => {
      const receivedAt = node.clock.now();
      enqueue('policy features', () => onFeatures(msg, receivedAt));
    });
    const onInstruction = (msg: vla_ros_msgs.msg.Instruction) => {
      const a = active;
      if (a === undefined || !lifecycle.isActive) {
        pendingInstruction = msg;
        return;
      }
      const id = instructionEpisodeId(msg);
      if (a.monitor.route(id) === 'new_episode') startEpisode(a, id, 'new instruction');
    };
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => {
      enqueue('instruction', () => onInstruction(msg));
    });
    node.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (msg) => {
      enqueue('episode event', () => {
        const a = active;
        if (a === undefined || !lifecycle.isActive) return;
        if (msg.event === EVENT.EVENT_START) {
          // A START always starts: only late *features* of an ended episode are stale, and an id
          // used again (a caller-chosen one, a sim seed run again) must be monitored again.
          const route = a.monitor.route(msg.episode_id);
          if (route !== 'current') startEpisode(a, msg.episode_id, 'START event', route === 'stale');
        } else if (msg.event === EVENT.EVENT_RESET) startEpisode(a, msg.episode_id, 'RESET event', true);
        else if (msg.event === EVENT.EVENT_END && a.monitor.end(msg.episode_id)) {
          node.logger.info(`episode '${msg.episode_id}' ended (${msg.success ? 'success' : 'failure'} label)`);
          if (status.state === 'running') status.set('running', 'waiting for an episode');
        }
      });
    });

    return {
      lifecycle,
      async dispose() {
        stopStatus();
        await queue;
        await release();
      },
    };
  },
};
