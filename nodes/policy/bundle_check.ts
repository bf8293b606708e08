// A full check of a bundle folder: the manifest parses, every file exists, and the ONNX
// models declare what the manifest says (bundle_validation.ts). Loads the models in this
// thread — for the CLI and doctor, not for a running node.

import { OnnxModel } from '../inference/onnx_model.js';
import { validateExpert, validateVlm } from './bundle_validation.js';
import { loadPolicyBundle, type PolicyBundle } from './policy_bundle.js';

export interface BundleCheck {
  bundle: PolicyBundle | undefined;
  problems: string[];
}

export async function checkBundle(spec: string): Promise<BundleCheck> {
  let bundle: PolicyBundle;
  try {
    bundle = loadPolicyBundle(spec);
  } catch (err) {
    return { bundle: undefined, problems: [err instanceof Error ? err.message : String(err)] };
  }
  const m = bundle.manifest;
  const loaded: OnnxModel[] = [];
  try {
    const vlm = await OnnxModel.load(bundle.file(m.vlm.model));
    loaded.push(vlm);
    const expert = await OnnxModel.load(bundle.file(m.expert.model));
    loaded.push(expert);
    return { bundle, problems: [...validateVlm(m, vlm), ...validateExpert(m, expert, vlm)] };
  } catch (err) {
    return { bundle, problems: [err instanceof Error ? err.message : String(err)] };
  } finally {
    for (const model of loaded) await model.release();
  }
}
