// A policy bundle run in this thread, for closed-loop evaluation: the same steps as the
// slow pathway (camera preprocessing → tokenised instruction → VLM → latent tensors) and the fast
// pathway (latent + age + normalised state → expert decode → de-normalise → bounds check), built
// from the modules those nodes use, on the bundle's own ONNX sessions. No threads and no
// messages: the evaluation schedules the calls on simulated time and models their latency.

import type { vla_ros_msgs } from '../../msgs/generated/interfaces.js';
import { ImagePreprocessor } from '../../camera_ingestion/image_preprocessor.js';
import { checkChunk, conditioningFeeds, denormalizeChunk, normalizeState } from '../../fast_pathway/decoders/index.js';
import { decodeOnModel } from '../../inference/decode_on_model.js';
import { toNamedTensor } from '../../inference/named_tensor.js';
import { OnnxModel } from '../../inference/onnx_model.js';
import type { TensorData } from '../../inference/tensor.js';
import { validateExpert, validateVlm } from '../../policy/bundle_validation.js';
import { InstructionEncoder } from '../../policy/instruction_encoder.js';
import type { PolicyManifest } from '../../policy/manifest.js';
import { loadPolicyBundle, type PolicyBundle } from '../../policy/policy_bundle.js';
import { vlmFeeds } from '../../slow_pathway/vlm_inputs.js';
import type { LatentTensor } from '../../fast_pathway/latent_buffer.js';

/** An rgb8 camera frame as the simulator renders it (step = 3·width). */
export interface CameraFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ChunkOutcome =
  | { ok: true; actions: Float64Array; features: Float32Array | undefined }
  | { ok: false; reason: string };

export class BundlePolicy {
  private readonly preprocessors: Map<string, ImagePreprocessor>;

  private constructor(
    readonly bundle: PolicyBundle,
    private readonly vlm: OnnxModel,
    private readonly expert: OnnxModel,
    private readonly encoder: InstructionEncoder,
  ) {
    this.preprocessors = new Map(bundle.manifest.cameras.map((c) => [c.name, new ImagePreprocessor(c)]));
  }

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

  /** The VLM on one observation: the latent tensors under the manifest's latent output names. */
  async latent(frames: ReadonlyMap<string, CameraFrame>, instruction: string): Promise<LatentTensor[]> {
    const m = this.manifest;
    const images = m.cameras.map((c) => {
      const frame = frames.get(c.name);
      if (frame === undefined) throw new Error(`no frame for camera '${c.name}'`);
      const r = this.preprocessors.get(c.name)!.process({ width: frame.width, height: frame.height, encoding: 'rgb8', is_bigendian: 0, step: frame.width * 3, data: frame.data });
      if (!r.ok) throw new Error(`camera '${c.name}': ${r.reason}`);
      return toNamedTensor(c.name, { type: 'float32', dims: [3, c.height, c.width], data: r.tensor });
    });
    const observation: vla_ros_msgs.msg.Observation = {
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
      sequence: 0,
      camera_names: m.cameras.map((c) => c.name),
      camera_stamps: m.cameras.map(() => ({ sec: 0, nanosec: 0 })),
      images,
    };
    const feeds = vlmFeeds(m.vlm, m.cameras, observation, this.encoder.encode(instruction));
    const out = await this.vlm.run(feeds, m.vlm.latentOutputs);
    return m.vlm.latentOutputs.map((name) => {
      const t = out[name];
      if (t.type !== 'float32') throw new Error(`VLM output '${name}' is ${t.type}, not float32`);
      return { name, dims: t.dims, data: t.data };
    });
  }

  /** One action chunk (de-normalised, row-major horizon × D), refused when non-finite or out of bounds. */
  async chunk(latent: readonly LatentTensor[], latentAge: number, jointPositions: ArrayLike<number>, seed: number): Promise<ChunkOutcome> {
    const m = this.manifest;
    const horizon = m.action.horizon;
    const result = await decodeOnModel(this.expert, {
      model: 'expert',
      decoding: m.expert.decoding,
      horizon,
      dimension: m.action.names.length,
      conditioning: conditioningFeeds(m.expert, {
        latent: Object.fromEntries(latent.map((t) => [t.name, { type: 'float32', dims: t.dims, data: t.data } satisfies TensorData])),
        state: normalizeState(jointPositions, m.state.mean, m.state.std),
        latentAge,
      }),
      actionsInput: m.expert.inputs.actions,
      timeInput: m.expert.inputs.time,
      actionsOutput: m.expert.outputs.actions,
      featuresOutput: m.expert.outputs.features,
      seed,
    });
    const actions = denormalizeChunk(result.actions, m.action.mean, m.action.std);
    const check = checkChunk(actions, m.action, horizon);
    if (!check.ok) return { ok: false, reason: check.message };
    return { ok: true, actions, features: result.features };
  }

  async release(): Promise<void> {
    await Promise.all([this.vlm.release(), this.expert.release()]);
  }
}
