// What the failure monitor loads at configure time: the detector and its calibration, from the
// policy bundle's `failure_monitor:` section or from explicit paths, checked against each other
// (same kind; the calibration made with this very detector file).

import { loadPolicyBundle } from '../policy/policy_bundle.js';
import { CalibrationError, loadCalibration, type Calibration, type DetectorKind } from './calibration_file.js';
import { fileSha256, OnnxDetector } from './detector.js';

export interface MonitorSetupParams {
  /** Bundle name or path. */
  policyBundle: string;
  /** Overrides ('' = the bundle's). */
  detector: string;
  calibration: string;
  detectorKind: '' | DetectorKind;
}

export interface MonitorSetup {
  detector: OnnxDetector;
  calibration: Calibration;
  detectorFile: string;
  calibrationFile: string;
  /** The bundle's expert output the features come from, when a bundle was used. */
  featuresSource: string | undefined;
}

export class MonitorSetupError extends Error {
  override name = 'MonitorSetupError';
}

export async function loadMonitorSetup(p: MonitorSetupParams): Promise<MonitorSetup> {
  let detectorFile = p.detector;
  let calibrationFile = p.calibration;
  let kind: DetectorKind | undefined = p.detectorKind === '' ? undefined : p.detectorKind;
  let featuresSource: string | undefined;
  if (detectorFile === '' || calibrationFile === '') {
    const bundle = loadPolicyBundle(p.policyBundle);
    const fm = bundle.manifest.failureMonitor;
    if (fm === undefined) {
      throw new MonitorSetupError(
        `policy bundle '${p.policyBundle}' (${bundle.dir}) has no failure_monitor section: add one (docs/failure-monitor.md) ` +
          'or set the detector and calibration parameters',
      );
    }
    detectorFile ||= bundle.file(fm.detector);
    calibrationFile ||= bundle.file(fm.calibration);
    kind ??= fm.detectorKind;
    featuresSource = bundle.manifest.expert.outputs.features;
  }
  const calibration = loadCalibration(calibrationFile);
  const detector = await OnnxDetector.load(detectorFile, kind);
  try {
    if (detector.kind !== calibration.detectorKind) {
      throw new CalibrationError(
        `${calibrationFile}: calibrated for a SAFE-${calibration.detectorKind.toUpperCase()} detector, but ${detectorFile} is a SAFE-${detector.kind.toUpperCase()} detector`,
      );
    }
    const sha = fileSha256(detectorFile);
    if (calibration.provenance.detectorSha256 !== sha) {
      throw new CalibrationError(
        `${calibrationFile} was computed with detector ${calibration.provenance.detector} (sha256 ${calibration.provenance.detectorSha256.slice(0, 12)}…), ` +
          `not with ${detectorFile} (sha256 ${sha.slice(0, 12)}…): recalibrate with \`vla-ros safe calibrate\``,
      );
    }
  } catch (err) {
    await detector.dispose();
    throw err;
  }
  return { detector, calibration, detectorFile, calibrationFile, featuresSource };
}

/** The log line of a loaded setup: detector, feature size, band. */
export function describeMonitorSetup(setup: MonitorSetup): string {
  const b = setup.calibration.band.params;
  return (
    `SAFE-${setup.detector.kind.toUpperCase()} detector ${setup.detectorFile} (${setup.detector.featureSize} features), ` +
    `band alpha ${b.alpha}, horizon ${b.horizon}, h ${b.h.toFixed(3)}` +
    (setup.calibration.scoreWindow > 0 ? `, score window ${setup.calibration.scoreWindow} steps` : '') +
    ` from ${setup.calibrationFile}`
  );
}
