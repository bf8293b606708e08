import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { loadOrt } from '../../nodes/failure_monitor/detector.js';
import { loadMonitorSetup } from '../../nodes/failure_monitor/monitor_setup.js';
import { createScorer, scoreEpisode } from '../../nodes/failure_monitor/scorer.js';
import { packagePath } from '../../nodes/package_paths.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';

const BUNDLE = packagePath('config', 'policies', 'reference');
const file = (name: string) => `${BUNDLE}/${name}`;
const shipped = ['safe_mlp.onnx', 'safe_lstm.onnx', 'calibration.yaml', 'calibration_mlp.yaml'].every((f) => fs.existsSync(file(f)));

describe('reference bundle SAFE detectors', function () {
  before(function () {
    if (!shipped) this.skip();
  });

  // The manifest names the LSTM (band at α = 0.1); the windowed MLP is the alternative (α = 0.2).
  for (const [kind, detector, calibration, alpha] of [
    ['lstm', 'safe_lstm.onnx', 'calibration.yaml', 0.1],
    ['mlp', 'safe_mlp.onnx', 'calibration_mlp.yaml', 0.2],
  ] as const) {
    it(`${detector} follows the contract, takes the expert's features and matches ${calibration}`, async () => {
      const setup = await loadMonitorSetup({
        policyBundle: BUNDLE,
        detector: file(detector),
        calibration: file(calibration),
        detectorKind: kind,
      });
      try {
        assert.equal(setup.detector.kind, kind);
        assert.equal(setup.calibration.detectorKind, kind);
        assert.equal(setup.calibration.band.params.alpha, alpha);
        // F must be the size of the expert's `features` output.
        const bundle = loadPolicyBundle(BUNDLE);
        const ort = await loadOrt();
        const expert = await ort.InferenceSession.create(bundle.file(bundle.manifest.expert.model));
        const meta = expert.outputMetadata.find((m) => m.name === bundle.manifest.expert.outputs.features);
        await expert.release();
        assert.ok(meta !== undefined && meta.isTensor);
        assert.equal(meta.shape.at(-1), setup.detector.featureSize);
        // Scores are finite and, for nominal-size inputs, well-behaved.
        const scores = await scoreEpisode(
          createScorer(setup.detector, { window: setup.calibration.scoreWindow }),
          Array.from({ length: 30 }, (_, t) => Float32Array.from({ length: setup.detector.featureSize }, (_, i) => 0.5 * Math.sin(t + i))),
        );
        assert.ok(scores.every(Number.isFinite));
      } finally {
        await setup.detector.dispose();
      }
    });
  }

  it("loads through the manifest's failure_monitor section when the bundle has one", async function () {
    const bundle = loadPolicyBundle(BUNDLE);
    if (bundle.manifest.failureMonitor === undefined) this.skip();
    const setup = await loadMonitorSetup({ policyBundle: 'reference', detector: '', calibration: '', detectorKind: '' });
    assert.equal(setup.detector.kind, bundle.manifest.failureMonitor.detectorKind);
    await setup.detector.dispose();
  });
});
