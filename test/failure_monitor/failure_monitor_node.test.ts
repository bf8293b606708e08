import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { failureMonitor } from '../../nodes/failure_monitor/node.js';
import { formatCalibration } from '../../nodes/failure_monitor/calibration_file.js';
import { calibrateBand, ConformalBand } from '../../nodes/failure_monitor/conformal_band.js';
import { fileSha256, OnnxDetector } from '../../nodes/failure_monitor/detector.js';
import { createScorer, scoreEpisode } from '../../nodes/failure_monitor/scorer.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { LogRecord } from '../../nodes/ros/logger.js';
import type { Publisher, RosNode } from '../../nodes/ros/node.js';
import type { ParameterOverride } from '../../nodes/ros/parameter.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { startNode, type RunningNode } from '../../nodes/runtime/node_runner.js';
import { featureSequence, referenceLstmScores, referenceMlpScores, TINY_LSTM, TINY_MLP } from './helpers.js';

const { REASON_SCORE, REASON_FEATURE_TIMEOUT, RESPONSE_HOLD, RESPONSE_ALARM_ONLY, RESPONSE_HOLD_AND_NOTIFY } =
  vla_ros_msgs.msg.FailureAlarm;
const { EVENT_START, EVENT_RESET, EVENT_END } = vla_ros_msgs.msg.EpisodeEvent;

/** A calibration with a flat threshold δ_t = level for the given detector file. */
function writeCalibration(dir: string, detector: string, kind: 'mlp' | 'lstm', level: number, horizon = 4): string {
  const file = path.join(dir, `${kind}.yaml`);
  fs.writeFileSync(
    file,
    formatCalibration({
      detectorKind: kind,
      scoreWindow: 0,
      band: new ConformalBand({
        alpha: 0.2,
        horizon,
        mu: new Array<number>(horizon).fill(level - 0.5),
        sigma: new Array<number>(horizon).fill(0.25),
        h: 2,
        gamma: 0.1,
        n1: 3,
        n2: 7,
      }),
      counts: { episodes: 10, d1: 3, d2: 7 },
      provenance: {
        created: 'now',
        tool: 'test',
        detector: path.basename(detector),
        detectorSha256: fileSha256(detector),
        seed: 0,
        rollouts: [],
      },
    }),
  );
  return file;
}

describe('failure_monitor node', () => {
  let dir: string;
  let time: VirtualTimeBase;
  let backend: EmbeddedBackend;
  let running: RunningNode | undefined;
  let probe: RosNode;
  let logs: LogRecord[];
  let scores: vla_ros_msgs.msg.FailureScore[];
  let alarms: vla_ros_msgs.msg.FailureAlarm[];
  let holds: vla_ros_msgs.msg.HoldRequest[];
  let featuresPub: Publisher<vla_ros_msgs.msg.PolicyFeatures>;
  let instructionPub: Publisher<vla_ros_msgs.msg.Instruction>;
  let eventsPub: Publisher<vla_ros_msgs.msg.EpisodeEvent>;

  async function start(params: Record<string, string | number | boolean>, beforeStart?: () => void): Promise<void> {
    time = new VirtualTimeBase(50);
    logs = [];
    backend = new EmbeddedBackend({ time, logSink: (r) => logs.push(r) });
    probe = await backend.createNode({
      name: 'probe',
      namespace: '/arm',
      remaps: [],
      parameterSections: [],
      logLevel: 'error',
      rosArgv: [],
    });
    scores = [];
    alarms = [];
    holds = [];
    probe.createSubscription('vla_ros_msgs/msg/FailureScore', 'failure_score', 100, (m) => scores.push(m));
    probe.createSubscription('vla_ros_msgs/msg/FailureAlarm', 'failure_alarm', 10, (m) => alarms.push(m));
    probe.createSubscription('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10, (m) => holds.push(m));
    featuresPub = probe.createPublisher('vla_ros_msgs/msg/PolicyFeatures', 'policy_features', 10);
    instructionPub = probe.createPublisher('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal);
    eventsPub = probe.createPublisher('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10);
    beforeStart?.();
    const overrides: ParameterOverride[] = Object.entries(params).map(([name, value]) => ({
      name,
      type: typeof value === 'number' ? 'double' : typeof value === 'boolean' ? 'bool' : 'string',
      value,
      source: 'test',
    }));
    running = await startNode(failureMonitor, backend, {
      name: 'failure_monitor',
      namespace: '/arm',
      remaps: [],
      parameterSections: [{ nodePattern: '/**', params: overrides }],
      logLevel: 'info',
      rosArgv: [],
    });
    await time.flush();
  }

  const header = () => ({ stamp: { sec: Math.floor(time.now()), nanosec: 0 }, frame_id: '' });
  const instruction = (id: string) => instructionPub.publish({ header: header(), id, text: 'push the red cube' });
  const event = (id: string, e: number, success = false) =>
    eventsPub.publish({ header: header(), episode_id: id, event: e, instruction: 'x', success });

  /** Publishes features at 30 Hz, one step per 1/30 s of virtual time. */
  async function steps(episode: string, features: Float32Array[], firstStep = 0): Promise<void> {
    for (let i = 0; i < features.length; i++) {
      featuresPub.publish({ header: header(), episode_id: episode, step: firstStep + i, source: 'features', features: features[i] });
      await time.advanceBy(1 / 30);
    }
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-fm-'));
    running = undefined;
  });
  afterEach(async () => {
    await running?.stop();
    await backend.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes s_t and δ_t every step, raises the alarm once and requests a hold (SAFE-MLP)', async () => {
    const episode = featureSequence(10, 5);
    const expected = referenceMlpScores(episode);
    const level = (expected[3] + expected[4]) / 2; // crossed at step 4
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', level) });
    assert.equal(running!.instance.lifecycle!.state, 'active');
    instruction('ep-a');
    await time.flush();
    await steps('ep-a', episode, 100);

    assert.equal(scores.length, 10);
    scores.forEach((s, t) => {
      assert.equal(s.episode_id, 'ep-a');
      assert.equal(s.step, 100 + t);
      assert.ok(Math.abs(s.score - expected[t]) < 1e-5, `step ${t}: ${s.score} vs ${expected[t]}`);
      assert.ok(Math.abs(s.threshold - level) < 1e-5);
      assert.equal(s.alarm, t >= 4);
    });
    assert.equal(alarms.length, 1);
    const a = alarms[0];
    assert.deepEqual([a.episode_id, a.step, a.reason, a.response], ['ep-a', 104, REASON_SCORE, RESPONSE_HOLD]);
    assert.ok(Math.abs(a.score - expected[4]) < 1e-5);
    assert.match(a.detail, /SAFE score .* >= conformal threshold .* at step 4 \(alpha 0.2\)/);
    assert.equal(holds.length, 1);
    assert.deepEqual([holds[0].hold, holds[0].source, holds[0].episode_id], [true, 'failure_monitor', 'ep-a']);
    assert.match(holds[0].reason, /policy failure predicted \(episode ep-a\)/);
    assert.ok(logs.some((l) => l.level === 'warn' && /episode 'ep-a': policy failure predicted: .*hold requested/.test(l.message)));

    // A new instruction starts a new episode: the cumulative score restarts and can alarm again.
    instruction('ep-b');
    await time.flush();
    await steps('ep-b', episode.slice(0, 6));
    const b = scores.slice(10);
    assert.ok(Math.abs(b[0].score - expected[0]) < 1e-5);
    assert.equal(alarms.length, 2);
    assert.equal(alarms[1].episode_id, 'ep-b');
    assert.equal(holds.length, 2);
    // Late features of the superseded episode are dropped.
    await steps('ep-a', episode.slice(0, 1), 110);
    assert.equal(scores.length, 16);
  });

  it('alarm_only publishes the alarm without a hold; hold_and_notify logs an ERROR', async () => {
    const episode = featureSequence(6, 6);
    const level = referenceMlpScores(episode)[1] - 1e-3;
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', level), response: 'alarm_only' });
    event('e1', EVENT_START);
    await time.flush();
    await steps('e1', episode);
    assert.deepEqual(
      alarms.map((a) => [a.step, a.response]),
      [[1, RESPONSE_ALARM_ONLY]],
    );
    assert.equal(holds.length, 0);
    assert.ok(logs.some((l) => l.level === 'warn' && /response alarm_only: no hold requested/.test(l.message)));

    const setResult = running!.node.parameters.set('response', 'hold_and_notify');
    assert.equal(setResult.successful, true);
    event('e2', EVENT_START);
    await time.flush();
    await steps('e2', episode);
    assert.deepEqual(
      alarms.map((a) => a.response),
      [RESPONSE_ALARM_ONLY, RESPONSE_HOLD_AND_NOTIFY],
    );
    assert.equal(holds.length, 1);
    // An operator must resume: the hold names no episode, so the bridge keeps it across episodes.
    assert.equal(holds[0].episode_id, '');
    assert.ok(
      logs.some(
        (l) =>
          l.level === 'error' &&
          /episode 'e2': policy failure predicted: .*hold requested; an operator must inspect and resume/.test(l.message),
      ),
    );
  });

  it('a START with an id used before starts that episode again: scored, able to alarm and hold', async () => {
    const episode = featureSequence(6, 6);
    const level = referenceMlpScores(episode)[1] - 1e-3;
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', level) });
    for (const id of ['A', 'B', 'A']) {
      event(id, EVENT_START);
      await time.flush();
    }
    await steps('A', episode);
    assert.equal(scores.length, episode.length, 'the features of the restarted episode A are scored, not dropped as stale');
    assert.deepEqual(
      holds.map((h) => [h.hold, h.episode_id]),
      [[true, 'A']],
    );
  });

  it('a feature timeout while an episode runs is a failure: alarm and hold, once', async () => {
    const episode = featureSequence(3, 7);
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', 100), feature_timeout: 0.5 });
    instruction('ep-t');
    await time.flush();
    await steps('ep-t', episode);
    const lastFeatures = time.now() - 1 / 30;
    await time.advanceBy(0.4);
    assert.equal(alarms.length, 0);
    await time.advanceBy(0.3);
    assert.equal(alarms.length, 1);
    const a = alarms[0];
    assert.deepEqual([a.episode_id, a.reason, a.response, a.step], ['ep-t', REASON_FEATURE_TIMEOUT, RESPONSE_HOLD, 2]);
    assert.match(a.detail, /no policy features for 0\.5\d\d s \(feature_timeout 0\.5 s\) after step 3/);
    // Detected within one check period (feature_timeout / 5 = 0.1 s) of the deadline.
    const detectedAt = a.header.stamp.sec + a.header.stamp.nanosec / 1e9;
    assert.ok(
      detectedAt - lastFeatures > 0.5 && detectedAt - lastFeatures <= 0.61,
      `detected ${detectedAt - lastFeatures} s after the last features`,
    );
    assert.equal(holds.length, 1);
    assert.match(holds[0].reason, /policy features timed out \(episode ep-t\)/);
    await time.advanceBy(5);
    assert.equal(alarms.length, 1, 'once per episode');

    // An ended episode has no timeout.
    instruction('ep-u');
    await time.flush();
    await steps('ep-u', episode);
    event('ep-u', EVENT_END, true);
    await time.advanceBy(5);
    assert.equal(alarms.length, 1);
  });

  it('starts the episode of an instruction latched before it was active', async () => {
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', 100), startup_timeout: 1 }, () =>
      instruction('early'),
    );
    assert.ok(
      logs.some((l) => /episode 'early' started \(new instruction\)/.test(l.message)),
      logs.map((l) => l.message).join('\n'),
    );
    await time.advanceBy(1.2);
    assert.deepEqual(
      alarms.map((a) => [a.episode_id, a.reason]),
      [['early', REASON_FEATURE_TIMEOUT]],
    );
  });

  it('waits startup_timeout for the first features of an episode', async () => {
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', 100), startup_timeout: 2 });
    instruction('slow');
    await time.flush();
    await time.advanceBy(1.9);
    assert.equal(alarms.length, 0);
    await time.advanceBy(0.3);
    assert.equal(alarms.length, 1);
    assert.match(alarms[0].detail, /no policy features 2\.\d+ s after the episode started \(startup_timeout 2 s\)/);
  });

  it('SAFE-LSTM: a RESET restarts the recurrent state; features of an unseen episode start it', async () => {
    const episode = featureSequence(8, 8);
    const expected = referenceLstmScores(episode);
    await start({ detector: TINY_LSTM, calibration: writeCalibration(dir, TINY_LSTM, 'lstm', 2), policy_bundle: 'does-not-matter' });
    // No instruction seen: the features' episode id starts the episode.
    await steps('ep-l', episode.slice(0, 5));
    event('ep-l', EVENT_RESET);
    await time.flush();
    await steps('ep-l', episode);
    const got = scores.map((s) => s.score);
    for (let t = 0; t < 5; t++) assert.ok(Math.abs(got[t] - expected[t]) < 1e-5);
    for (let t = 0; t < 8; t++) assert.ok(Math.abs(got[5 + t] - expected[t]) < 1e-5, `after reset, step ${t}`);
    assert.ok(
      scores.every((s) => Math.abs(s.step_score - s.score) < 1e-7),
      'for an LSTM, step_score = score',
    );
    assert.ok(logs.some((l) => /episode 'ep-l' started \(features of a new episode; no instruction seen for it\)/.test(l.message)));
    assert.ok(logs.some((l) => /episode 'ep-l' restarted \(RESET event\)/.test(l.message)));
  });

  it('drops features of the wrong size with an error status instead of scoring them', async () => {
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', 100) });
    instruction('x');
    await time.flush();
    await steps('x', [new Float32Array(7)]);
    assert.equal(scores.length, 0);
    assert.ok(logs.some((l) => l.level === 'error' && /dropped features: 7 values, the detector expects 4/.test(l.message)));
  });

  it('refuses to configure with a calibration made for another detector, or a bad file', async () => {
    const cal = writeCalibration(dir, TINY_MLP, 'mlp', 1);
    await start({ detector: TINY_LSTM, calibration: cal });
    assert.equal(running!.instance.lifecycle!.state, 'unconfigured');
    assert.ok(
      logs.some(
        (l) =>
          l.level === 'error' &&
          /cannot configure: .*mlp\.yaml: calibrated for a SAFE-MLP detector, but .*tiny_lstm\.onnx is a SAFE-LSTM detector/.test(
            l.message,
          ),
      ),
    );
    await running!.stop();
    await backend.shutdown();

    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, fs.readFileSync(cal, 'utf8').replace(/^sigma: .*$/m, 'sigma: [1, 2]'));
    await start({ detector: TINY_MLP, calibration: bad });
    assert.equal(running!.instance.lifecycle!.state, 'unconfigured');
    assert.ok(logs.some((l) => /bad\.yaml: field 'sigma': expected 4 values \(horizon\)/.test(l.message)));
    await running!.stop();
    await backend.shutdown();

    const stale = writeCalibration(dir, TINY_LSTM, 'lstm', 1);
    fs.writeFileSync(stale, fs.readFileSync(stale, 'utf8').replace(/detector_sha256: \w+/, `detector_sha256: "${'0'.repeat(64)}"`));
    await start({ detector: TINY_LSTM, calibration: stale });
    assert.ok(
      logs.some((l) =>
        /was computed with detector tiny_lstm\.onnx \(sha256 000000000000…\), not with .*tiny_lstm\.onnx .*recalibrate with `vla-ros safe calibrate`/.test(
          l.message,
        ),
      ),
    );
  });

  it('a truncated detector: ERROR on ~/status at once (what a bridge with require_failure_monitor holds on); a working one reports RUNNING on activation', async () => {
    const statuses: vla_ros_msgs.msg.PathwayStatus[] = [];
    const truncated = path.join(dir, 'safe_mlp.onnx');
    const bytes = fs.readFileSync(TINY_MLP);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await start({ detector: truncated, calibration: writeCalibration(dir, TINY_MLP, 'mlp', 1) }, () =>
      probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', 'failure_monitor/status', 10, (m) => statuses.push(m)),
    );
    assert.equal(running!.instance.lifecycle!.state, 'unconfigured');
    assert.equal(statuses.length, 1, 'published at once, not at the next 1 Hz tick');
    assert.equal(statuses[0].state, vla_ros_msgs.msg.PathwayStatus.STATE_ERROR);
    assert.match(statuses[0].message, /^cannot configure: /);
    await running!.stop();
    await backend.shutdown();

    statuses.length = 0;
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', 1) }, () =>
      probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', 'failure_monitor/status', 10, (m) => statuses.push(m)),
    );
    assert.equal(running!.instance.lifecycle!.state, 'active');
    assert.deepEqual(
      statuses.map((m) => [m.state, m.message]),
      [[vla_ros_msgs.msg.PathwayStatus.STATE_RUNNING, 'waiting for an episode']],
    );
  });

  it('startup_timeout counts from the first /clock when the instruction comes before it (simulated time)', async () => {
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', 1), use_sim_time: true, startup_timeout: 2 });
    assert.equal(running!.instance.lifecycle!.state, 'active');
    instructionPub.publish({ header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, id: 'ep-early', text: 'push the red cube' });
    await time.flush();
    const clock = probe.createPublisher('rosgraph_msgs/msg/Clock', '/clock', 'clock');
    const T = 1_700_000_000;
    for (let t = 0; t <= 3; t += 0.05) {
      clock.publish({ clock: toRosTime(T + t) });
      await time.advanceBy(0.05);
      if (t < 1.9) assert.equal(alarms.length, 0, `no alarm ${t.toFixed(2)} s after the first /clock`);
    }
    assert.equal(alarms.length, 1, 'the startup timeout still fires');
    assert.match(alarms[0].detail, /no policy features 2\.\d{3} s after the episode started \(startup_timeout 2 s\)/);
  });

  it('alarms live exactly where the offline tools say the band is crossed', async () => {
    // Calibrate on "successes" (low-level features), then run "failures" through the node.
    const detector = await OnnxDetector.load(TINY_LSTM);
    const scorer = createScorer(detector);
    const successes = [];
    for (let i = 0; i < 30; i++) successes.push(await scoreEpisode(scorer, featureSequence(20 + (i % 7), 100 + i)));
    const band = calibrateBand(successes, { alpha: 0.3, seed: 2 });
    const episodes = Array.from({ length: 6 }, (_, i) => featureSequence(25, 300 + i).map((f) => f.map((x) => x * (0.5 + i * 0.4))));
    const offline = [];
    for (const e of episodes) offline.push(band.firstCrossing(await scoreEpisode(scorer, e)));
    await detector.dispose();
    const file = path.join(dir, 'cal.yaml');
    fs.writeFileSync(
      file,
      formatCalibration({
        detectorKind: 'lstm',
        scoreWindow: 0,
        band,
        counts: { episodes: 30, d1: band.params.n1, d2: band.params.n2 },
        provenance: {
          created: 'now',
          tool: 'test',
          detector: 'tiny_lstm.onnx',
          detectorSha256: fileSha256(TINY_LSTM),
          seed: 2,
          rollouts: [],
        },
      }),
    );
    await start({ detector: TINY_LSTM, calibration: file });
    for (let i = 0; i < episodes.length; i++) {
      instruction(`live${i}`);
      await time.flush();
      await steps(`live${i}`, episodes[i]);
    }
    const live = episodes.map((_, i) => {
      const a = alarms.find((x) => x.episode_id === `live${i}`);
      return a === undefined ? -1 : a.step;
    });
    assert.deepEqual(live, offline);
    assert.ok(offline.some((x) => x >= 0) && offline.some((x) => x < 0), `a mix of alarms and none: ${offline.join(', ')}`);
  });

  it('declares its parameters with types, defaults and choices', async () => {
    await start({ detector: TINY_MLP, calibration: writeCalibration(dir, TINY_MLP, 'mlp', 1) });
    const p = running!.node.parameters;
    assert.deepEqual(
      ['policy_bundle', 'detector', 'calibration', 'detector_kind', 'response', 'feature_timeout', 'startup_timeout'].map(
        (n) => p.describe(n).type,
      ),
      ['string', 'string', 'string', 'string', 'string', 'double', 'double'],
    );
    assert.equal(p.get('policy_bundle'), 'reference');
    assert.equal(p.get('response'), 'hold');
    assert.equal(p.get('feature_timeout'), 0.5);
    assert.equal(p.set('response', 'stop').successful, false);
    assert.equal(p.set('detector', '/x.onnx').successful, false, 'read-only after start');
  });
});
