import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { McapBagWriter } from '../../nodes/bags/mcap_writer.js';
import { CliError } from '../../nodes/cli/cli_error.js';
import { makeSafeCommand, parseAlphas } from '../../nodes/cli/safe_command.js';
import { loadCalibration } from '../../nodes/failure_monitor/calibration_file.js';
import { fileSha256, OnnxDetector } from '../../nodes/failure_monitor/detector.js';
import { packagePath } from '../../nodes/package_paths.js';
import { gaussian, seededRandom } from '../../nodes/random/seeded_random.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { TINY_LSTM, TINY_MLP } from './helpers.js';

interface EpisodeSpec {
  id: string;
  success: boolean | undefined;
  features: Float32Array[];
}

/** Writes episodes into a bag the way the suite records them (see docs/failure-monitor.md). */
async function writeBag(
  file: string,
  episodes: EpisodeSpec[],
  topics = { features: '/policy_features', events: '/episode_events' },
): Promise<void> {
  const bag = await McapBagWriter.create(file);
  await bag.addTopic(topics.features, 'vla_ros_msgs/msg/PolicyFeatures');
  await bag.addTopic(topics.events, 'vla_ros_msgs/msg/EpisodeEvent');
  await bag.addTopic('/instruction', 'vla_ros_msgs/msg/Instruction', QoSProfiles.transientLocal);
  let t = 1000;
  const header = () => ({ stamp: { sec: Math.floor(t), nanosec: 0 }, frame_id: '' });
  for (const ep of episodes) {
    await bag.write('/instruction', { header: header(), id: ep.id, text: 'push the cube' }, t);
    await bag.write(topics.events, { header: header(), episode_id: ep.id, event: 0, instruction: 'push the cube', success: false }, t);
    for (let s = 0; s < ep.features.length; s++) {
      t += 1 / 30;
      await bag.write(topics.features, { header: header(), episode_id: ep.id, step: s, source: 'features', features: ep.features[s] }, t);
    }
    t += 0.5;
    if (ep.success !== undefined)
      await bag.write(
        topics.events,
        { header: header(), episode_id: ep.id, event: 2, instruction: 'push the cube', success: ep.success },
        t,
      );
    t += 1;
  }
  await bag.close();
}

/** Two feature prototypes the tiny MLP scores low (successes) and high (failures), found by search. */
async function prototypes(): Promise<{ low: Float32Array; high: Float32Array }> {
  const detector = await OnnxDetector.load(TINY_MLP);
  const random = seededRandom(11);
  let low = { f: new Float32Array(4), p: Infinity };
  let high = { f: new Float32Array(4), p: -Infinity };
  for (let i = 0; i < 200; i++) {
    const f = Float32Array.from({ length: 4 }, () => 3 * gaussian(random));
    const { logit } = await detector.run(f);
    if (logit < low.p) low = { f, p: logit };
    if (logit > high.p) high = { f, p: logit };
  }
  await detector.dispose();
  return { low: low.f, high: high.f };
}

function episodes(
  prefix: string,
  n: number,
  failure: boolean,
  seed: number,
  proto: { low: Float32Array; high: Float32Array },
): EpisodeSpec[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const length = 20 + Math.floor(random() * 10);
    const onset = 5 + Math.floor(random() * 5);
    return {
      id: `${prefix}${i}`,
      success: !failure,
      features: Array.from({ length }, (_, t) => {
        const base = failure && t >= onset ? proto.high : proto.low;
        return Float32Array.from(base, (x) => x + 0.3 * gaussian(random));
      }),
    };
  });
}

describe('vla-ros safe calibrate | eval', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  let proto: { low: Float32Array; high: Float32Array };

  async function run(args: string[]): Promise<void> {
    await yargs(args)
      .command(makeSafeCommand({ out: (t) => out.push(t), err: (t) => err.push(t) }))
      .strict()
      .fail((message, error) => {
        throw error ?? new CliError(message, 2);
      })
      .parseAsync();
  }

  before(async () => {
    proto = await prototypes();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-safe-'));
    out = [];
    err = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('calibrate builds the band from the successful episodes only and writes the calibration file', async () => {
    const a = path.join(dir, 'a.mcap');
    const b = path.join(dir, 'b.mcap');
    await writeBag(a, [...episodes('s', 12, false, 1, proto), ...episodes('f', 4, true, 2, proto)]);
    await writeBag(b, [...episodes('t', 8, false, 3, proto), { id: 'cut', success: undefined, features: [proto.low] }]);
    const output = path.join(dir, 'calibration.yaml');
    await run(['safe', 'calibrate', '--alpha', '0.2', '--detector', TINY_MLP, '-o', output, '--seed', '3', a, b]);
    const cal = loadCalibration(output);
    assert.equal(cal.detectorKind, 'mlp');
    assert.deepEqual(cal.counts, { episodes: 20, d1: 6, d2: 14 });
    assert.equal(cal.band.params.alpha, 0.2);
    assert.equal(cal.band.horizon, 29); // the longest successful episode
    assert.ok(Number.isFinite(cal.band.params.h));
    assert.equal(cal.provenance.detectorSha256, fileSha256(TINY_MLP));
    assert.deepEqual(cal.provenance.rollouts, ['a.mcap', 'b.mcap']);
    assert.equal(cal.provenance.seed, 3);
    assert.match(
      out.join(''),
      /SAFE-MLP band \(cumulative score\) from 20 successful episodes \(D1 6, D2 14; 4 failures ignored\), alpha 0\.2: horizon 29 steps/,
    );
    assert.match(err.join(''), /note: b\.mcap: episode 'cut' \(1 steps\) has no EVENT_END on \/episode_events, so no label: left out/);
    // The band is increasing (cumulative scores) and above μ.
    const d = cal.band.thresholds();
    assert.ok(d[28] > d[0]);
  });

  it('calibrate --score-window N scores the curves over the last N steps and records the window; eval can use it', async () => {
    const a = path.join(dir, 'a.mcap');
    await writeBag(a, [...episodes('s', 20, false, 1, proto), ...episodes('f', 6, true, 2, proto)]);
    const windowed = path.join(dir, 'windowed.yaml');
    const cumulative = path.join(dir, 'cumulative.yaml');
    await run(['safe', 'calibrate', '--detector', TINY_MLP, '--score-window', '4', '-o', windowed, a]);
    await run(['safe', 'calibrate', '--detector', TINY_MLP, '-o', cumulative, a]);
    const w = loadCalibration(windowed);
    const c = loadCalibration(cumulative);
    assert.equal(w.scoreWindow, 4);
    assert.equal(c.scoreWindow, 0);
    assert.match(fs.readFileSync(windowed, 'utf8'), /^score_window: 4$/m);
    assert.doesNotMatch(fs.readFileSync(cumulative, 'utf8'), /score_window/);
    assert.match(out.join(''), /SAFE-MLP band \(score summed over the last 4 steps\) from 20 successful episodes/);
    assert.match(out.join(''), /SAFE-MLP band \(cumulative score\) from 20 successful episodes/);
    // Same split, same episodes: while every D1 curve is still running (the shortest has 20
    // steps) the windowed mean is the cumulative mean minus its value 4 steps earlier.
    const [mw, mc] = [w.band.params.mu, c.band.params.mu];
    for (let t = 0; t < 20; t++) {
      const expected = t < 4 ? mc[t] : mc[t] - mc[t - 4];
      assert.ok(Math.abs(mw[t] - expected) < 1e-6 * Math.max(1, mc[t]), `mu[${t}]: ${mw[t]} vs ${expected}`);
    }
    assert.ok(mw[19] < mc[19] / 2);

    out.length = 0;
    await run(['safe', 'eval', '--detector', TINY_MLP, '--score-window', '4', '--repeats', '1', a]);
    assert.match(out.join(''), /^score: score summed over the last 4 steps$/m);
    out.length = 0;
    await run(['safe', 'eval', '--detector', TINY_MLP, '--repeats', '1', a]);
    assert.match(out.join(''), /^score: cumulative score$/m);

    for (const bad of ['-1', '2.5', 'x']) {
      await assert.rejects(
        run(['safe', 'calibrate', '--detector', TINY_MLP, '--score-window', bad, a]),
        (e: unknown) =>
          e instanceof CliError &&
          e.exitCode === 2 &&
          /^--score-window: expected an integer >= 0 \(steps; 0 = cumulative score\), got/.test(e.message),
      );
    }
    await assert.rejects(
      run(['safe', 'eval', '--detector', TINY_MLP, '--score-window', '-2', a]),
      (e: unknown) => e instanceof CliError && e.exitCode === 2 && /--score-window: expected an integer >= 0/.test(e.message),
    );
    await assert.rejects(
      run(['safe', 'calibrate', '--detector', TINY_LSTM, '--score-window', '4', a]),
      (e: unknown) => e instanceof CliError && e.exitCode === 2 && /a score window applies to SAFE-MLP detectors only/.test(e.message),
    );
  });

  it("eval scores with the window of the bundle's calibration when the detector is the bundle's", async () => {
    // A copy of the reference bundle whose SAFE-MLP detector is the tiny one, calibrated with a window.
    const bundle = path.join(dir, 'bundle');
    fs.cpSync(packagePath('config', 'policies', 'reference'), bundle, { recursive: true });
    fs.copyFileSync(TINY_MLP, path.join(bundle, 'safe_mlp.onnx'));
    const manifest = path.join(bundle, 'manifest.yaml');
    fs.writeFileSync(
      manifest,
      fs
        .readFileSync(manifest, 'utf8')
        .replace('detector: safe_lstm.onnx', 'detector: safe_mlp.onnx')
        .replace('detector_kind: lstm', 'detector_kind: mlp')
        .replace('calibration: calibration.yaml', 'calibration: calibration_mlp.yaml'),
    );
    const a = path.join(dir, 'a.mcap');
    await writeBag(a, [...episodes('s', 12, false, 1, proto), ...episodes('f', 4, true, 2, proto)]);
    const calibration = path.join(bundle, 'calibration_mlp.yaml');
    await run(['safe', 'calibrate', '--bundle', bundle, '--score-window', '6', '-o', calibration, a]);
    assert.equal(loadCalibration(calibration).scoreWindow, 6);
    out.length = 0;
    await run(['safe', 'eval', '--bundle', bundle, '--repeats', '1', a]);
    assert.match(out.join(''), /^score: score summed over the last 6 steps$/m);
    out.length = 0;
    await run(['safe', 'eval', '--bundle', bundle, '--score-window', '0', '--repeats', '1', a]);
    assert.match(out.join(''), /^score: cumulative score$/m, 'the option overrides the file');
  });

  it('eval prints ROC-AUC, TPR, TNR, balanced accuracy and T-det per alpha and writes the plot', async () => {
    const a = path.join(dir, 'a.mcap');
    await writeBag(a, [...episodes('s', 30, false, 4, proto), ...episodes('f', 12, true, 5, proto)]);
    const plot = path.join(dir, 'plot.svg');
    await run(['safe', 'eval', '--detector', TINY_MLP, '--alphas', '0.05,0.2,0.5', '--repeats', '3', '--plot', plot, a]);
    const text = out.join('');
    assert.match(text, /SAFE-MLP detector tiny_mlp\.onnx \(the --detector option\): 42 labelled episodes \(30 successes, 12 failures\)/);
    assert.match(text, /protocol: 3 random splits; each calibrates the band on 15 successes/);
    const auc = Number(/ROC-AUC \(rollout score max_t s_t\): ([\d.]+)/.exec(text)?.[1]);
    assert.ok(auc > 0.95, `ROC-AUC ${auc}`);
    const rows = [...text.matchAll(/^\| +([\d.]+) \| ([\d.]+) \| ([\d.]+) \| +([\d.]+) +\| ([\d.]+) \|/gm)].map((m) =>
      m.slice(1).map(Number),
    );
    assert.deepEqual(
      rows.map((r) => r[0]),
      [0.05, 0.2, 0.5],
    );
    // 15 calibration successes → n2 = 10: α = 0.05 needs rank ⌈11·0.95⌉ = 11 > 10, so it never fires.
    assert.deepEqual(rows[0].slice(1), [0, 1, 0.5, 1]);
    assert.match(text, /h = ∞ in 3\/3 splits/);
    const [, tpr, tnr, bal, tDet] = rows[1];
    assert.ok(tpr > 0.9 && tnr > 0.6 && Math.abs(bal - (tpr + tnr) / 2) < 2e-3 && tDet < 0.6, `row ${rows[1].join(' ')}`);
    const svg = fs.readFileSync(plot, 'utf8');
    assert.match(svg, /^<svg /);
    assert.match(svg, /successes \(15\)/);
    assert.match(svg, /failures \(12\)/);
    assert.match(text, /wrote .*plot\.svg/);
  });

  it('works with an LSTM detector too', async () => {
    const a = path.join(dir, 'a.mcap');
    await writeBag(a, [...episodes('s', 12, false, 6, proto), ...episodes('f', 4, true, 7, proto)]);
    const output = path.join(dir, 'lstm.yaml');
    await run(['safe', 'calibrate', '--detector', TINY_LSTM, '--detector-kind', 'lstm', '-o', output, a]);
    assert.equal(loadCalibration(output).detectorKind, 'lstm');
    await run(['safe', 'eval', '--detector', TINY_LSTM, '--repeats', '1', a]);
    assert.match(out.join(''), /SAFE-LSTM detector tiny_lstm\.onnx/);
  });

  it('finds topics by type, under any name, and asks which one when a bag has several', async () => {
    const a = path.join(dir, 'ns.mcap');
    await writeBag(a, episodes('s', 4, false, 8, proto), { features: '/fr3/policy_features', events: '/fr3/episode_events' });
    await run(['safe', 'calibrate', '--alpha', '0.5', '--detector', TINY_MLP, '-o', path.join(dir, 'c.yaml'), a]);
    assert.equal(loadCalibration(path.join(dir, 'c.yaml')).counts.episodes, 4);
    await assert.rejects(
      run(['safe', 'calibrate', '--detector', TINY_MLP, '--features-topic', '/other', '-o', path.join(dir, 'c.yaml'), a]),
      /no vla_ros_msgs\/msg\/PolicyFeatures topic named \/other; the bag has \/instruction .*\/fr3\/policy_features \(vla_ros_msgs\/msg\/PolicyFeatures\)/,
    );
    const two = path.join(dir, 'two.mcap');
    const bag = await McapBagWriter.create(two);
    await bag.addTopic('/left/policy_features', 'vla_ros_msgs/msg/PolicyFeatures');
    await bag.addTopic('/right/policy_features', 'vla_ros_msgs/msg/PolicyFeatures');
    await bag.addTopic('/episode_events', 'vla_ros_msgs/msg/EpisodeEvent');
    await bag.close();
    await assert.rejects(
      run(['safe', 'eval', '--detector', TINY_MLP, two]),
      /two\.mcap: several vla_ros_msgs\/msg\/PolicyFeatures topics \(\/left\/policy_features, \/right\/policy_features\): choose one with --features-topic/,
    );
  });

  it('gives clear errors: no successes, missing topics, bad files, bad options', async () => {
    const fails = path.join(dir, 'fails.mcap');
    await writeBag(fails, episodes('f', 3, true, 9, proto));
    await assert.rejects(
      run(['safe', 'calibrate', '--detector', TINY_MLP, fails]),
      (e: unknown) =>
        e instanceof CliError && /no successful episodes in .*fails\.mcap \(3 labelled episodes, all failures\)/.test(e.message),
    );

    const noFeatures = path.join(dir, 'events.mcap');
    const bag = await McapBagWriter.create(noFeatures);
    await bag.addTopic('/episode_events', 'vla_ros_msgs/msg/EpisodeEvent');
    await bag.close();
    await assert.rejects(
      run(['safe', 'calibrate', '--detector', TINY_MLP, noFeatures]),
      /events\.mcap: no vla_ros_msgs\/msg\/PolicyFeatures topic; the bag has \/episode_events \(vla_ros_msgs\/msg\/EpisodeEvent\)/,
    );

    const text = path.join(dir, 'notes.mcap');
    fs.writeFileSync(text, 'not a bag');
    await assert.rejects(run(['safe', 'eval', '--detector', TINY_MLP, text]), /notes\.mcap is not an MCAP file/);

    const few = path.join(dir, 'few.mcap');
    await writeBag(few, episodes('s', 2, false, 10, proto));
    await assert.rejects(
      run(['safe', 'calibrate', '--alpha', '0.2', '--detector', TINY_MLP, '-o', path.join(dir, 'x.yaml'), few]),
      /h is infinite: 1 D2 rollouts are too few for alpha = 0\.2/,
    );
    await assert.rejects(
      run(['safe', 'calibrate', '--alpha', '1.5', '--detector', TINY_MLP, few]),
      (e: unknown) => e instanceof CliError && e.exitCode === 2 && /--alpha: expected a number in \(0, 1\), got 1\.5/.test(e.message),
    );
    await assert.rejects(
      run(['safe', 'calibrate', '--detector', '/nonexistent.onnx', few]),
      /detector file \/nonexistent\.onnx does not exist/,
    );
    await assert.rejects(
      run(['safe', 'calibrate', '--detector', TINY_LSTM, '--detector-kind', 'mlp', few]),
      /says detector_kind 'mlp', but the model is a SAFE-LSTM detector/,
    );
    await assert.rejects(
      run(['safe', 'eval', '--detector', TINY_MLP, few]),
      /evaluation needs at least 2 successful episodes to calibrate and 1 to test/,
    );
    await assert.rejects(run(['safe', 'calibrate']), /Not enough non-option arguments/);
    assert.throws(() => parseAlphas('0.1,x'), /--alphas: expected comma-separated numbers in \(0, 1\), got 'x'/);
    assert.deepEqual(parseAlphas('0.02, 0.5'), [0.02, 0.5]);
  });
});
