// A full check of a bundle folder: the manifest parses, every file exists, the ONNX models
// declare what the manifest says (bundle_validation.ts), and the failure monitor's detector
// and calibration belong together and fit the expert's features. Loads the models in this
// thread — for the CLI and doctor, not for a running node.

import { loadMonitorSetup } from '../failure_monitor/monitor_setup.js';
import { OnnxModel } from '../inference/onnx_model.js';
import { validateExpert, validateVlm } from '../policy/bundle_validation.js';
import { loadPolicyBundle, type PolicyBundle } from '../policy/policy_bundle.js';
import { errorText } from '../error_text.js';

export interface BundleCheck {
  bundle: PolicyBundle | undefined;
  problems: string[];
}

/** The detector and its calibration load, belong together, and score the expert's features. */
async function failureMonitorProblems(spec: string, expert: OnnxModel): Promise<string[]> {
  let setup;
  try {
    setup = await loadMonitorSetup({ policyBundle: spec, detector: '', calibration: '', detectorKind: '' });
  } catch (err) {
    return [`failure_monitor: ${errorText(err)}`];
  }
  try {
    const name = setup.featuresSource;
    const out = expert.outputs.find((o) => o.name === name);
    const size = out?.shape.at(-1);
    return typeof size === 'number' && size !== setup.detector.featureSize
      ? [
          `failure_monitor.detector: ${setup.detectorFile} scores ${setup.detector.featureSize} features, the expert's '${name}' output has ${size}`,
        ]
      : [];
  } finally {
    await setup.detector.dispose();
  }
}

export async function checkBundle(spec: string): Promise<BundleCheck> {
  let bundle: PolicyBundle;
  try {
    bundle = loadPolicyBundle(spec);
  } catch (err) {
    return { bundle: undefined, problems: [errorText(err)] };
  }
  const m = bundle.manifest;
  const loaded: OnnxModel[] = [];
  try {
    const vlm = await OnnxModel.load(bundle.file(m.vlm.model));
    loaded.push(vlm);
    const expert = await OnnxModel.load(bundle.file(m.expert.model));
    loaded.push(expert);
    const problems = [...validateVlm(m, vlm), ...validateExpert(m, expert, vlm)];
    if (m.failureMonitor !== undefined) problems.push(...(await failureMonitorProblems(spec, expert)));
    return { bundle, problems };
  } catch (err) {
    return { bundle, problems: [errorText(err)] };
  } finally {
    for (const model of loaded) await model.release();
  }
}
