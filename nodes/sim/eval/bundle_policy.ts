// A policy bundle's models loaded in this thread, for closed-loop evaluation: the VLM and the
// expert on the bundle's own ONNX sessions and its instruction encoder. What they are fed and what
// their outputs become is the pathways' own logic (slow_pathway/latent_producer.ts,
// fast_pathway/chunk_producer.ts); closed_loop.ts drives those cores on simulated time.

import { decodeOnModel } from '../../inference/decode_on_model.js';
import type { DecodeJob, DecodeJobResult } from '../../inference/expert_decoding.js';
import { OnnxModel } from '../../inference/onnx_model.js';
import type { TensorData } from '../../inference/tensor.js';
import { validateExpert, validateVlm } from '../../policy/bundle_validation.js';
import { InstructionEncoder } from '../../policy/instruction_encoder.js';
import type { PolicyManifest } from '../../policy/manifest.js';
import { loadPolicyBundle, type PolicyBundle } from '../../policy/policy_bundle.js';

export class BundlePolicy {
  private constructor(
    readonly bundle: PolicyBundle,
    private readonly vlm: OnnxModel,
    private readonly expert: OnnxModel,
    readonly encoder: InstructionEncoder,
  ) {}

  /** Loads `spec` (a folder or a name in config/policies/) and checks its models against the manifest. */
  static async load(spec: string): Promise<BundlePolicy> {
    const bundle = loadPolicyBundle(spec);
    const m = bundle.manifest;
    const vlm = await OnnxModel.load(bundle.file(m.vlm.model));
    const expert = await OnnxModel.load(bundle.file(m.expert.model));
    const problems = [...validateVlm(m, vlm), ...validateExpert(m, expert, vlm)];
    if (problems.length > 0) {
      await Promise.all([vlm.release(), expert.release()]);
      throw new Error(`policy bundle ${bundle.dir} does not fit its models: ${problems.join('; ')}`);
    }
    return new BundlePolicy(bundle, vlm, expert, new InstructionEncoder(m.instruction, bundle.file(m.instruction.tokenizer)));
  }

  get manifest(): PolicyManifest {
    return this.bundle.manifest;
  }

  /** Cameras the VLM looks at (their names in the manifest). */
  get cameraNames(): string[] {
    return this.manifest.cameras.map((c) => c.name);
  }

  /** The VLM on the slow pathway's feeds: its latent outputs. */
  runVlm(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    return this.vlm.run(feeds, this.manifest.vlm.latentOutputs);
  }

  /** The fast pathway's decode job, as its inference worker runs it. */
  decode(job: DecodeJob): Promise<DecodeJobResult> {
    return decodeOnModel(this.expert, job);
  }

  async release(): Promise<void> {
    await Promise.all([this.vlm.release(), this.expert.release()]);
  }
}
