// A policy bundle driving the simulator in this thread, with the runtime's own pieces: the
// cameras rendered and preprocessed as camera_ingestion does (FrameSource), the tokenizer
// (InstructionEncoder), the VLM every 1/rate_hz (and at once on a new instruction) writing the
// latent the expert reads with its age, the fast pathway's decoders (decodeChunk, seeded noise per
// chunk, de-normalisation, checkChunk), and the controller bridge's chunk timeline and merge rule.
//
// Timing as the ROS pipeline has it, one chunk per 30 Hz tick: the chunk decoded from the
// observation at τ_k (arriving within the tick, the bundle's modelled latencies are < 1/30 s) has
// its action i for step k+i; at τ_k steps ≤ k+1 are already committed, so its rows from k+2 on
// are merged into the timeline. The episode runner's action of tick k moves the target from τ_k to
// τ_{k+1}: that is the bridge's step k+1. No chunk for a step (refused chunks, a too-old latent):
// the target holds.
//
// Camera failures of the simulator act on what the VLM sees: a frozen camera repeats its last
// tensor; a dropped one delivers nothing, so the VLM cannot run and the latent ages (beyond
// max_latent_age the fast pathway publishes nothing, as its node does).

import { ChunkTimeline } from '../controller_bridge/chunk_timeline.js';
import { createMergeRule, type MergeRuleName } from '../controller_bridge/merge_rule.js';
import { actionLayout } from '../controller_bridge/action_decoder.js';
import { conditioningFeeds } from '../fast_pathway/decoders/contract.js';
import { decodeChunk } from '../fast_pathway/decoders/decode.js';
import { checkChunk, denormalizeChunk, normalizeState } from '../fast_pathway/decoders/normalization.js';
import { Rng } from '../fast_pathway/decoders/rng.js';
import { float32Tensor, int64Tensor, type TensorData } from '../fast_pathway/decoders/tensor.js';
import { OnnxModel } from '../inference/onnx_model.js';
import { InstructionEncoder } from '../policy/instruction_encoder.js';
import { loadPolicyBundle, type PolicyBundle } from '../policy/policy_bundle.js';
import { quatFromEulerXyz, quatFromRotationVector, quatToEulerXyz, quatToRotationVector } from '../robots/rotation.js';
import { FrameSource, storedCameras } from './dataset_export.js';
import type { AsyncDeltaPolicy } from './episode_runner.js';
import { ACTION_DT, type ExpertObservation } from './expert.js';
import type { FrameRenderer } from './camera_rig.js';
import type { Simulator } from './simulator.js';

export interface BundlePolicyOptions {
  /** Decoder noise seed; chunk n of an episode uses seed + n (as the fast pathway). */
  seed: number;
  mergeRule: MergeRuleName;
  /** The fast pathway's max_latent_age [s]. */
  maxLatentAge: number;
}

export const DEFAULT_BUNDLE_POLICY_OPTIONS: BundlePolicyOptions = Object.freeze({ seed: 0, mergeRule: 'weighted_average', maxLatentAge: 1.0 });

/** What one tick produced (for SAFE rollouts and diagnostics). */
export interface PolicyTick {
  time: number;
  /** The decode's features (undefined: no chunk this tick). */
  features: Float32Array | undefined;
  latentAge: number;
  refused: boolean;
}

export class BundlePolicy implements AsyncDeltaPolicy {
  private timeline: ChunkTimeline;
  private latent: Record<string, TensorData> | undefined;
  private latentTick = 0;
  private latentInstruction = '';
  private lastFrames: Float32Array[] | undefined;
  private tick = 0;
  private gripper = 1;
  /** Called after each tick's decode. */
  onTick: ((t: PolicyTick) => void) | undefined;
  /** Chunks refused by checkChunk, and ticks with a too-old latent (no chunk), this episode. */
  refused = 0;
  stale = 0;

  private constructor(
    readonly bundle: PolicyBundle,
    private readonly sim: Simulator,
    private readonly frames: FrameSource,
    private readonly vlm: OnnxModel,
    private readonly expert: OnnxModel,
    private readonly encoder: InstructionEncoder,
    readonly options: BundlePolicyOptions,
  ) {
    this.timeline = this.newTimeline();
  }

  static async load(spec: string, sim: Simulator, renderer: FrameRenderer, options: BundlePolicyOptions = DEFAULT_BUNDLE_POLICY_OPTIONS): Promise<BundlePolicy> {
    const bundle = loadPolicyBundle(spec);
    const m = bundle.manifest;
    if (m.action.space !== 'ee_delta' || m.action.rotation !== 'euler_xyz' || m.action.names.length !== 7) {
      throw new Error(`bundle '${spec}': the simulator's episode runner takes ee_delta euler_xyz actions with a gripper (7 columns)`);
    }
    const frames = new FrameSource(sim, renderer, storedCameras(m.cameras, 1));
    const vlm = await OnnxModel.load(bundle.file(m.vlm.model));
    const expert = await OnnxModel.load(bundle.file(m.expert.model));
    const encoder = new InstructionEncoder(m.instruction, bundle.file(m.instruction.tokenizer));
    return new BundlePolicy(bundle, sim, frames, vlm, expert, encoder, options);
  }

  private newTimeline(): ChunkTimeline {
    const a = this.bundle.manifest.action;
    return new ChunkTimeline(createMergeRule(this.options.mergeRule), actionLayout(a.space, a.rotation, a.gripper, this.bundle.manifest.state.jointNames.length));
  }

  /** Call before each episode (after the simulator's reset is fine: the first act() starts fresh). */
  reset(): void {
    this.timeline = this.newTimeline();
    this.latent = undefined;
    this.lastFrames = undefined;
    this.tick = 0;
    this.gripper = 1;
    this.refused = 0;
    this.stale = 0;
  }

  async release(): Promise<void> {
    await Promise.all([this.vlm.release(), this.expert.release()]);
  }

  /** The camera tensors the VLM would get now (undefined: a dropped camera, no observation). */
  private observe(): Float32Array[] | undefined {
    const m = this.bundle.manifest;
    const states = m.cameras.map((c) => this.sim.cameraState(c.name));
    if (states.includes('dropped')) return undefined;
    const fresh = this.frames.tensors();
    const out = fresh.map((t, i) => (states[i] === 'frozen' && this.lastFrames !== undefined ? this.lastFrames[i] : t));
    this.lastFrames = out;
    return out;
  }

  private async runVlm(images: Float32Array[], instruction: string): Promise<void> {
    const m = this.bundle.manifest;
    const enc = this.encoder.encode(instruction);
    const feeds: Record<string, TensorData> = {
      [m.vlm.inputs.tokenIds]: int64Tensor([1, enc.ids.length], Array.from(enc.ids, Number)),
      [m.vlm.inputs.attentionMask]: int64Tensor([1, enc.attentionMask.length], Array.from(enc.attentionMask, Number)),
    };
    m.cameras.forEach((c, i) => (feeds[m.vlm.inputs.images[c.name]] = float32Tensor([1, 3, c.height, c.width], images[i])));
    const out = await this.vlm.run(feeds, m.vlm.latentOutputs);
    this.latent = Object.fromEntries(m.vlm.latentOutputs.map((n) => [n, out[n]]));
    this.latentTick = this.tick;
    this.latentInstruction = instruction;
  }

  async act(obs: ExpertObservation & { instruction: string }): Promise<Float64Array> {
    const m = this.bundle.manifest;
    const k = this.tick;
    // The motion of this tick is step k+1, committed before this tick's chunk arrives.
    const row = this.timeline.take(k + 1);
    const action = new Float64Array(7);
    if (row !== undefined) {
      const q = quatFromRotationVector(row[3], row[4], row[5]);
      const e = quatToEulerXyz(q);
      action.set([row[0], row[1], row[2], e[0], e[1], e[2]]);
      this.gripper = row[6];
    }
    action[6] = this.gripper;

    const vlmEvery = Math.max(1, Math.round(1 / (m.vlm.rateHz * ACTION_DT)));
    const newInstruction = obs.instruction !== this.latentInstruction;
    if (this.latent === undefined || newInstruction || k % vlmEvery === 0) {
      const images = this.observe();
      if (images !== undefined) await this.runVlm(images, obs.instruction);
      else if (newInstruction) this.latent = undefined;
    }
    const latentAge = (k - this.latentTick) * ACTION_DT;
    let features: Float32Array | undefined;
    let refused = false;
    if (this.latent !== undefined && latentAge <= this.options.maxLatentAge) {
      const state = normalizeState(this.sim.jointState().position, m.state.mean, m.state.std);
      const conditioning = conditioningFeeds(m.expert, { latent: this.latent, state, latentAge });
      const r = await decodeChunk(this.expert, m.expert, { conditioning, horizon: m.action.horizon, dimension: 7, rng: new Rng(this.options.seed + k, 0) });
      features = r.features;
      const actions = denormalizeChunk(r.chunk, m.action.mean, m.action.std);
      const check = checkChunk(actions, m.action, m.action.horizon);
      if (check.ok) {
        const rows: Float64Array[] = [];
        for (let i = 0; i < m.action.horizon; i++) {
          const a = actions.subarray(7 * i, 7 * i + 7);
          const rv = quatToRotationVector(quatFromEulerXyz(a[3], a[4], a[5]));
          rows.push(Float64Array.from([a[0], a[1], a[2], rv[0], rv[1], rv[2], a[6]]));
        }
        this.timeline.insert(k, rows, k + 1);
      } else {
        refused = true;
        this.refused++;
      }
    } else {
      this.stale++;
    }
    this.onTick?.({ time: obs.time, features, latentAge, refused });
    this.tick++;
    return action;
  }
}
