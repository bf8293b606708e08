// MonitorCore, one configuration of the failure monitor without ROS: scoring, the alarm at the
// first crossing and its response, dropped features, episode events and the feature timeout. The
// node tests check the same through real messages.

import { strict as assert } from 'node:assert';
import { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { NodeStatus } from '../../nodes/runtime/node_status.js';
import { calibrateBand, ConformalBand } from '../../nodes/failure_monitor/conformal_band.js';
import { OnnxDetector } from '../../nodes/failure_monitor/detector.js';
import type { Response } from '../../nodes/failure_monitor/alarm_response.js';
import { MonitorCore, type MonitorLog } from '../../nodes/failure_monitor/monitor_core.js';
import { featureSequence, referenceMlpScores, TINY_MLP } from './helpers.js';

const EVENT = vla_ros_msgs.msg.EpisodeEvent;

/** A band whose threshold is `level` at every step. */
function band(level: number): ConformalBand {
  const horizon = 4;
  return new ConformalBand({
    alpha: 0.2,
    horizon,
    mu: new Array<number>(horizon).fill(level),
    sigma: new Array<number>(horizon).fill(0.25),
    h: 0,
    gamma: 0.1,
    n1: 3,
    n2: 7,
  });
}

describe('failure_monitor MonitorCore', () => {
  let core: MonitorCore | undefined;
  afterEach(async () => {
    await core?.dispose();
    core = undefined;
  });

  async function makeCore(level: number | ConformalBand, response: Response = 'hold', featureTimeout = 0.5, scoreWindow = 0) {
    const detector = await OnnxDetector.load(TINY_MLP);
    const calibration = {
      detectorKind: 'mlp' as const,
      scoreWindow,
      band: typeof level === 'number' ? band(level) : level,
      counts: { episodes: 10, d1: 3, d2: 7 },
      provenance: { created: 'now', tool: 'test', detector: 'tiny_mlp.onnx', detectorSha256: '', seed: 0, rollouts: [] },
    };
    const setup = { detector, calibration, detectorFile: TINY_MLP, calibrationFile: 'c.yaml', featuresSource: 'features' };
    let t = 10;
    const clock = { isValid: true, now: () => t, stamp: () => ({ sec: Math.floor(t), nanosec: 0 }) };
    const lines: { level: string; text: string }[] = [];
    const log: MonitorLog = {
      info: (text) => lines.push({ level: 'info', text }),
      warn: (text) => lines.push({ level: 'warn', text }),
      error: (text) => lines.push({ level: 'error', text }),
      throttle: (lvl, _period, text) => lines.push({ level: lvl, text }),
    };
    const sent = {
      score: [] as vla_ros_msgs.msg.FailureScore[],
      alarm: [] as vla_ros_msgs.msg.FailureAlarm[],
      hold: [] as vla_ros_msgs.msg.HoldRequest[],
    };
    const out = {
      score: { publish: (m: vla_ros_msgs.msg.FailureScore) => sent.score.push(m) },
      alarm: { publish: (m: vla_ros_msgs.msg.FailureAlarm) => sent.alarm.push(m) },
      hold: { publish: (m: vla_ros_msgs.msg.HoldRequest) => sent.hold.push(m) },
    };
    const status = new NodeStatus();
    core = new MonitorCore(setup, { featureTimeout, startupTimeout: 5 }, { clock, log, status, out, response: () => response });
    const advance = (dt: number) => (t += dt);
    return { core, sent, lines, status, advance };
  }

  const features = (episode: string, step: number, f: Float32Array, source = '') => ({
    header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
    episode_id: episode,
    step,
    source,
    features: f,
  });

  it('scores every step, alarms once at the first crossing and requests a hold for the episode', async () => {
    const f = featureSequence(4, 1);
    const expected = referenceMlpScores(f);
    const { core, sent, status } = await makeCore(expected[1] - 1e-6);
    core.startEpisode('e1', 'test');
    for (const [i, x] of f.entries()) await core.features(features('e1', i, x), 10);
    assert.deepEqual(
      sent.score.map((s) => s.score.toFixed(5)),
      expected.map((s) => s.toFixed(5)),
    );
    assert.deepEqual(
      sent.score.map((s) => s.alarm),
      [false, true, true, true],
    );
    assert.equal(sent.alarm.length, 1, 'once per episode');
    assert.equal(sent.alarm[0].step, 1);
    assert.deepEqual(
      sent.hold.map((h) => [h.hold, h.source, h.episode_id]),
      [[true, 'failure_monitor', 'e1']],
    );
    assert.equal(status.state, 'holding');
  });

  it("scores with the calibration's window: a long nominal episode stays under its band, where the cumulative score alarms", async () => {
    // Bands from 30 short "successes" (20–26 steps) of the same feature distribution, scored
    // independently of the scorer; then one 90-step nominal episode, longer than every one of them.
    const successes = Array.from({ length: 30 }, (_, i) => featureSequence(20 + (i % 7), 100 + i));
    const bandFor = (window: number) =>
      calibrateBand(
        successes.map((f) => referenceMlpScores(f, window)),
        { alpha: 0.2, seed: 1 },
      );
    const long = featureSequence(90, 500);
    const run = async (window: number) => {
      const made = await makeCore(bandFor(window), 'hold', 0.5, window);
      made.core.startEpisode('long', 'test');
      for (const [i, x] of long.entries()) await made.core.features(features('long', i, x), 10);
      await made.core.dispose();
      core = undefined;
      return made.sent;
    };
    const cumulative = await run(0);
    assert.equal(cumulative.alarm.length, 1, 'the cumulative score outgrows the band calibrated on shorter successes');
    assert.ok(cumulative.alarm[0].step > 20, `alarm at step ${cumulative.alarm[0].step}`);
    const windowed = await run(5);
    assert.deepEqual(
      windowed.score.map((s) => s.score.toFixed(5)),
      referenceMlpScores(long, 5).map((s) => s.toFixed(5)),
    );
    assert.equal(windowed.alarm.length, 0, 'the windowed score stays comparable to the shorter successes');
    assert.equal(windowed.hold.length, 0);
  });

  it('alarm_only raises the alarm without a hold request', async () => {
    const { core, sent, lines } = await makeCore(0, 'alarm_only');
    core.startEpisode('e1', 'test');
    await core.features(features('e1', 0, featureSequence(1, 2)[0]), 10);
    assert.equal(sent.alarm.length, 1);
    assert.equal(sent.hold.length, 0);
    assert.match(lines.at(-1)!.text, /response alarm_only: no hold requested/);
  });

  it('drops features of the wrong size (error status) and of an ended episode; warns once about a foreign source', async () => {
    const { core, sent, status, lines } = await makeCore(1e9);
    core.episodeEvent({
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
      episode_id: 'e1',
      event: EVENT.EVENT_START,
      instruction: '',
      success: false,
    });
    await core.features(features('e1', 0, new Float32Array(3)), 10);
    assert.equal(status.drops, 1);
    assert.equal(status.state, 'error');
    assert.match(status.message, /features have 3 values, the detector expects \d+/);
    await core.features(features('e1', 0, featureSequence(1, 3)[0], 'expert:other'), 10);
    await core.features(features('e1', 1, featureSequence(1, 4)[0], 'expert:other'), 10);
    assert.equal(lines.filter((l) => /features come from 'expert:other'/.test(l.text)).length, 1);
    core.episodeEvent({
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
      episode_id: 'e1',
      event: EVENT.EVENT_END,
      instruction: '',
      success: true,
    });
    const scored = sent.score.length;
    await core.features(features('e1', 2, featureSequence(1, 5)[0]), 10);
    assert.equal(sent.score.length, scored, 'late features of an ended episode are not scored');
    assert.equal(status.drops, 2);
  });

  it('a running episode without features for feature_timeout raises a timeout alarm', async () => {
    const { core, sent, advance } = await makeCore(1e9, 'hold', 0.5);
    core.rearm();
    core.instruction({ header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, id: 'e1', text: 'push' });
    await core.features(features('e1', 0, featureSequence(1, 6)[0]), 10);
    advance(0.4);
    core.checkTimeout();
    assert.equal(sent.alarm.length, 0);
    advance(0.2);
    core.checkTimeout();
    assert.equal(sent.alarm.length, 1);
    assert.equal(sent.alarm[0].reason, vla_ros_msgs.msg.FailureAlarm.REASON_FEATURE_TIMEOUT);
    assert.equal(sent.hold[0].episode_id, 'e1');
  });
});
