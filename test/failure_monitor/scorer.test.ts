import { strict as assert } from 'node:assert';
import { checkDetectorSignature, DetectorError, OnnxDetector, type ValueInfo } from '../../nodes/failure_monitor/detector.js';
import { LstmScorer, MlpScorer, checkScoreWindow, createScorer, scoreEpisode, sigmoid } from '../../nodes/failure_monitor/scorer.js';
import {
  BAD_NAMES,
  TINY_LSTM,
  TINY_MLP,
  featureSequence,
  referenceLstmScores,
  referenceMlpScores,
  referenceMlpStepScores,
} from './helpers.js';

const closeAll = (a: readonly number[], b: readonly number[], tol = 1e-5) => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `step ${i}: ${x} vs ${b[i]}`));
};

describe('SAFE scorers on ONNX detectors', () => {
  let mlp: OnnxDetector;
  let lstm: OnnxDetector;
  before(async () => {
    mlp = await OnnxDetector.load(TINY_MLP);
    lstm = await OnnxDetector.load(TINY_LSTM);
  });
  after(async () => {
    await mlp.dispose();
    await lstm.dispose();
  });

  it('reads kind and sizes from the files', () => {
    assert.deepEqual([mlp.kind, mlp.featureSize, mlp.hiddenSize], ['mlp', 4, 0]);
    assert.deepEqual([lstm.kind, lstm.featureSize, lstm.hiddenSize], ['lstm', 4, 3]);
    assert.ok(createScorer(mlp) instanceof MlpScorer);
    assert.ok(createScorer(lstm) instanceof LstmScorer);
  });

  it('SAFE-MLP: the score is the cumulative sum of per-step sigmoids, restarted by reset()', async () => {
    const episode = featureSequence(12, 1);
    const scorer = createScorer(mlp);
    const expected = referenceMlpScores(episode);
    const steps = [];
    for (const f of episode) steps.push(await scorer.step(f));
    closeAll(
      steps.map((s) => s.score),
      expected,
    );
    // step_score is this step's σ(logit): the increments of the cumulative score.
    steps.forEach((s, t) => assert.ok(Math.abs(s.stepScore - (expected[t] - (t > 0 ? expected[t - 1] : 0))) < 1e-5));
    assert.equal(scorer.steps, 12);
    // A new episode starts from zero: the same features give the same curve.
    closeAll(await scoreEpisode(scorer, episode), expected);
    scorer.reset();
    assert.equal(scorer.steps, 0);
    const first = await scorer.step(episode[5]);
    assert.ok(Math.abs(first.score - first.stepScore) < 1e-12);
  });

  it('SAFE-MLP with a score window: s_t sums the step scores of the last W steps only, restarted by reset()', async () => {
    const episode = featureSequence(12, 5);
    const p = referenceMlpStepScores(episode);
    const scorer = createScorer(mlp, { window: 3 });
    assert.ok(scorer instanceof MlpScorer);
    assert.equal(scorer.window, 3);
    const expected = referenceMlpScores(episode, 3);
    // Independent of the reference's slicing: the first W steps are cumulative, then p_{t-2} + p_{t-1} + p_t.
    assert.ok(Math.abs(expected[1] - (p[0] + p[1])) < 1e-12);
    assert.ok(Math.abs(expected[7] - (p[5] + p[6] + p[7])) < 1e-12);
    const steps = [];
    for (const f of episode) steps.push(await scorer.step(f));
    closeAll(
      steps.map((s) => s.score),
      expected,
    );
    closeAll(
      steps.map((s) => s.stepScore),
      p,
    );
    const cumulative = referenceMlpScores(episode);
    assert.ok(cumulative[11] - expected[11] > 1, 'the window drops the early steps');
    // reset() empties the window: the next episode does not carry the last one's steps.
    closeAll(await scoreEpisode(scorer, episode), expected);
    closeAll(await scoreEpisode(scorer, episode.slice(6)), referenceMlpScores(episode.slice(6), 3));
    scorer.reset();
    const first = await scorer.step(episode[4]);
    assert.ok(Math.abs(first.score - first.stepScore) < 1e-12);
  });

  it('SAFE-MLP windows: 1 is the step score, one longer than the episode is the cumulative score, 0 is cumulative', async () => {
    const episode = featureSequence(9, 6);
    const p = referenceMlpStepScores(episode);
    closeAll(await scoreEpisode(createScorer(mlp, { window: 1 }), episode), p);
    closeAll(await scoreEpisode(createScorer(mlp, { window: 10 }), episode), referenceMlpScores(episode));
    closeAll(await scoreEpisode(createScorer(mlp, { window: 0 }), episode), referenceMlpScores(episode));
    closeAll(await scoreEpisode(createScorer(mlp, {}), episode), referenceMlpScores(episode));
    // A long episode's windowed score stays bounded by W while the cumulative one keeps growing.
    const long = featureSequence(200, 7);
    const windowed = await scoreEpisode(createScorer(mlp, { window: 4 }), long);
    closeAll(windowed, referenceMlpScores(long, 4));
    assert.ok(windowed.every((s) => s > 0 && s <= 4));
  });

  it('refuses a bad window, and any window > 0 for SAFE-LSTM', () => {
    for (const bad of [-1, 1.5, NaN, Infinity]) {
      assert.throws(
        () => createScorer(mlp, { window: bad }),
        (err: unknown) => err instanceof RangeError && /score window: expected an integer >= 0 \(steps\), got/.test(err.message),
      );
      assert.throws(() => new MlpScorer(mlp, { window: bad }), RangeError);
    }
    assert.equal(checkScoreWindow(0), 0);
    assert.equal(checkScoreWindow(30), 30);
    assert.throws(
      () => createScorer(lstm, { window: 2 }),
      (err: unknown) => err instanceof RangeError && /score window 2: a score window applies to SAFE-MLP detectors only/.test(err.message),
    );
    assert.ok(createScorer(lstm, { window: 0 }) instanceof LstmScorer);
  });

  it('SAFE-LSTM: the recurrent state is carried between steps and reset per episode', async () => {
    const episode = featureSequence(12, 2);
    const scorer = createScorer(lstm);
    const expected = referenceLstmScores(episode);
    closeAll(await scoreEpisode(scorer, episode), expected);
    // Mid-episode, the score depends on the history: a fresh state scores step 6 differently.
    const fresh = referenceLstmScores([episode[6]])[0];
    assert.ok(Math.abs(fresh - expected[6]) > 1e-3, 'the state must matter');
    // Without reset the history continues; after reset the episode replays exactly.
    const continued = await scorer.step(episode[0]);
    assert.ok(Math.abs(continued.score - expected[0]) > 1e-4);
    scorer.reset();
    const again = [];
    for (const f of episode) again.push((await scorer.step(f)).score);
    closeAll(again, expected);
    // LSTM scores are sigmoids in (0, 1), not cumulative.
    assert.ok(again.every((s) => s > 0 && s < 1));
  });

  it('MLP and LSTM score the same episode with resets between episodes', async () => {
    const a = featureSequence(8, 3);
    const b = featureSequence(5, 4);
    for (const [detector, reference] of [
      [mlp, referenceMlpScores],
      [lstm, referenceLstmScores],
    ] as const) {
      const scorer = createScorer(detector);
      const curves = [];
      for (const episode of [a, b, a]) curves.push(await scoreEpisode(scorer, episode));
      closeAll(curves[0], reference(a));
      closeAll(curves[1], reference(b));
      closeAll(curves[2], curves[0], 1e-7);
    }
  });

  it('refuses feature vectors of the wrong length', async () => {
    await assert.rejects(mlp.run(new Float32Array(5)), /expects 4 features, got 5/);
  });

  it('checks files against the detector contract', async () => {
    await assert.rejects(
      OnnxDetector.load(BAD_NAMES),
      /bad_names\.onnx: SAFE-MLP detector inputs must be features \(features \[1,F\] → logit \[1,1\]\); the model has x/,
    );
    await assert.rejects(
      OnnxDetector.load(TINY_MLP, 'lstm'),
      /the policy bundle says detector_kind 'lstm', but the model is a SAFE-MLP detector/,
    );
    await assert.rejects(OnnxDetector.load('/nonexistent.onnx'), /detector file \/nonexistent\.onnx does not exist/);
  });

  describe('checkDetectorSignature', () => {
    const t = (name: string, shape: Array<number | string>, type = 'float32'): ValueInfo => ({ name, isTensor: true, type, shape });
    const lstmIn = [t('features', [1, 8]), t('h_in', [1, 1, 16]), t('c_in', [1, 1, 16])];
    const lstmOut = [t('logit', [1, 1]), t('h_out', [1, 1, 16]), t('c_out', [1, 1, 16])];

    it('accepts both contracts and a symbolic batch dimension', () => {
      assert.deepEqual(checkDetectorSignature([t('features', ['N', 8])], [t('logit', ['N', 1])], 'd.onnx'), {
        kind: 'mlp',
        featureSize: 8,
        hiddenSize: 0,
      });
      assert.deepEqual(checkDetectorSignature(lstmIn, lstmOut, 'd.onnx', 'lstm'), { kind: 'lstm', featureSize: 8, hiddenSize: 16 });
    });

    const bad: Array<[string, ValueInfo[], ValueInfo[], RegExp]> = [
      [
        'a symbolic feature size',
        [t('features', [1, 'F'])],
        [t('logit', [1, 1])],
        /tensor 'features': dimension 1 must be a fixed size, found F/,
      ],
      ['a wrong rank', [t('features', [8])], [t('logit', [1, 1])], /tensor 'features': expected rank 2/],
      ['a float64 input', [t('features', [1, 8], 'float64')], [t('logit', [1, 1])], /tensor 'features': expected float32, found float64/],
      ['a logit of two values', [t('features', [1, 8])], [t('logit', [1, 2])], /tensor 'logit': dimension 1 must be 1, found 2/],
      ['a missing output', [t('features', [1, 8])], [t('score', [1, 1])], /outputs must be logit .*the model has score/],
      ['an LSTM without c_out', lstmIn, lstmOut.slice(0, 2), /SAFE-LSTM detector outputs must be logit, h_out, c_out/],
      [
        'state sizes that differ',
        lstmIn,
        [lstmOut[0], lstmOut[1], t('c_out', [1, 1, 8])],
        /tensor 'c_out' has state size 8, but h_in has 16/,
      ],
    ];
    for (const [what, inputs, outputs, error] of bad) {
      it(`refuses ${what}`, () => {
        assert.throws(
          () => checkDetectorSignature(inputs, outputs, 'd.onnx'),
          (err: unknown) => err instanceof DetectorError && error.test(err.message),
        );
      });
    }
  });

  it('sigmoid is stable for large logits', () => {
    assert.equal(sigmoid(-1000), 0);
    assert.equal(sigmoid(1000), 1);
    assert.equal(sigmoid(0), 0.5);
  });
});
