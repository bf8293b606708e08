import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CalibrationError,
  formatCalibration,
  loadCalibration,
  parseCalibration,
  type Calibration,
} from '../../nodes/failure_monitor/calibration_file.js';
import { ConformalBand } from '../../nodes/failure_monitor/conformal_band.js';

function sample(h = 1.5): Calibration {
  return {
    detectorKind: 'lstm',
    scoreWindow: 0,
    band: new ConformalBand({
      alpha: 0.2,
      horizon: 3,
      mu: [0.1, 0.2, 0.30000000001],
      sigma: [0.05, 0.06, 0.07],
      h,
      gamma: 0.3,
      n1: 3,
      n2: 7,
    }),
    counts: { episodes: 10, d1: 3, d2: 7 },
    provenance: {
      created: '2025-01-01T00:00:00.000Z',
      tool: 'test',
      detector: 'safe_lstm.onnx',
      detectorSha256: 'ab'.repeat(32),
      seed: 4,
      rollouts: ['a.mcap', 'b.mcap'],
      note: 'synthetic',
    },
  };
}

/** The sample file with one line edited. */
function edited(from: RegExp, to: string): string {
  const text = formatCalibration(sample());
  assert.match(text, from);
  return text.replace(from, to);
}

describe('calibration file', () => {
  it('round-trips through YAML', () => {
    const text = formatCalibration(sample());
    assert.match(text, /^format: vla-ros\/safe-calibration@1$/m);
    assert.match(text, /^mu: \[ 0\.1, 0\.2, 0\.3 \]$/m); // 9 significant digits, flow style
    const back = parseCalibration(text, 'cal.yaml');
    assert.equal(back.detectorKind, 'lstm');
    assert.deepEqual(back.counts, { episodes: 10, d1: 3, d2: 7 });
    assert.deepEqual(back.provenance, { ...sample().provenance });
    assert.deepEqual(back.band.params.mu, [0.1, 0.2, 0.3]);
    assert.deepEqual(back.band.params.sigma, [0.05, 0.06, 0.07]);
    assert.equal(back.band.params.h, 1.5);
    assert.equal(back.band.threshold(7), 0.3 + 1.5 * 0.07);
  });

  it('stores the SAFE-MLP score window as score_window (absent = 0, the cumulative score)', () => {
    const plain = formatCalibration(sample());
    assert.doesNotMatch(plain, /score_window/, 'files of cumulative scores stay as they were');
    assert.equal(parseCalibration(plain, 'cal.yaml').scoreWindow, 0);
    const windowed: Calibration = { ...sample(), detectorKind: 'mlp', scoreWindow: 45 };
    const text = formatCalibration(windowed);
    assert.match(text, /^score_window: 45$/m);
    const back = parseCalibration(text, 'cal.yaml');
    assert.equal(back.scoreWindow, 45);
    assert.equal(back.detectorKind, 'mlp');
    assert.equal(parseCalibration(text.replace(/^score_window: 45$/m, 'score_window: 0'), 'cal.yaml').scoreWindow, 0);
  });

  it('refuses to write an infinite h, saying how many rollouts are needed', () => {
    assert.throws(() => formatCalibration(sample(Infinity)), /h is infinite: 7 D2 rollouts are too few for alpha = 0.2 .*need n2 ≥ 4/);
  });

  const cases: Array<[string, RegExp, string, RegExp]> = [
    ['a missing field', /^h: .*$/m, '', /cal\.yaml: field 'h': expected a finite number, found nothing/],
    ['an infinite h', /^h: .*$/m, 'h: .inf', /field 'h': expected a finite number \(an infinite h means too few calibration rollouts/],
    ['mu of the wrong length', /^mu: .*$/m, 'mu: [0.1, 0.2]', /field 'mu': expected 3 values \(horizon\), found "2 values"/],
    ['a non-finite sigma', /^sigma: .*$/m, 'sigma: [0.05, .nan, 0.07]', /field 'sigma\[1\]': expected a finite number, found NaN/],
    ['sigma <= 0', /^sigma: .*$/m, 'sigma: [0, 0.06, 0.07]', /field 'sigma\[0\]': expected a number > 0, found 0/],
    ['a text in mu', /^mu: .*$/m, 'mu: [0.1, x, 0.3]', /field 'mu\[1\]': expected a finite number, found "x"/],
    ['alpha outside (0, 1)', /^alpha: .*$/m, 'alpha: 1.2', /field 'alpha': expected a number in \(0, 1\), found 1.2/],
    [
      'an unknown detector kind',
      /^detector_kind: .*$/m,
      'detector_kind: gru',
      /field 'detector_kind': expected one of mlp, lstm, found "gru"/,
    ],
    ['another format', /^format: .*$/m, 'format: something@2', /field 'format': expected 'vla-ros\/safe-calibration@1'/],
    ['counts that do not add up', /^ {2}d2: 7$/m, '  d2: 8', /field 'counts': expected d1 \+ d2 = episodes/],
    ['a fractional horizon', /^horizon: .*$/m, 'horizon: 2.5', /field 'horizon': expected an integer >= 1, found 2.5/],
    [
      'a negative score window',
      /^alpha: /m,
      'score_window: -3\nalpha: ',
      /field 'score_window': expected an integer >= 0 \(steps\), found -3/,
    ],
    [
      'a fractional score window',
      /^alpha: /m,
      'score_window: 2.5\nalpha: ',
      /field 'score_window': expected an integer >= 0 \(steps\), found 2.5/,
    ],
    [
      'a text score window',
      /^alpha: /m,
      'score_window: ten\nalpha: ',
      /field 'score_window': expected an integer >= 0 \(steps\), found "ten"/,
    ],
    [
      'a score window for SAFE-LSTM',
      /^alpha: /m,
      'score_window: 4\nalpha: ',
      /field 'score_window': expected 0 or nothing for a SAFE-LSTM detector .*, found 4/,
    ],
  ];
  for (const [what, from, to, error] of cases) {
    it(`names the field for ${what}`, () => {
      assert.throws(
        () => parseCalibration(edited(from, to), 'cal.yaml'),
        (err: unknown) => err instanceof CalibrationError && error.test(err.message),
      );
    });
  }

  it('reports invalid YAML, a non-mapping and a missing file', () => {
    assert.throws(() => parseCalibration('mu: [1, 2', 'x.yaml'), /x\.yaml: not valid YAML/);
    assert.throws(() => parseCalibration('- 1\n- 2\n', 'x.yaml'), /x\.yaml: expected a YAML mapping at the top level/);
    assert.throws(() => loadCalibration('/nonexistent/cal.yaml'), /cannot read calibration file \/nonexistent\/cal\.yaml: ENOENT/);
  });

  it('loads from a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-cal-'));
    const file = path.join(dir, 'calibration.yaml');
    fs.writeFileSync(file, formatCalibration(sample()));
    assert.equal(loadCalibration(file).band.horizon, 3);
    fs.rmSync(dir, { recursive: true });
  });
});
