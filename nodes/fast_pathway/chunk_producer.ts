// The fast pathway's per-tick logic without ROS: the latest latent (and its age), the latest
// joint state (by joint NAME) and, when the expert wants them, the latest images → one decode
// job; the decoded chunk → the ActionChunk message (de-normalised, refused when non-finite or
// out of the bundle's bounds, stamped for the tick that sampled it). fast_pathway/node.ts wires it
// to topics and runs the job on its inference worker; `vla-ros sim eval` drives it in-thread.

import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import type { DecodeJob } from '../inference/expert_decoding.js';
import { float32Of } from '../inference/named_tensor.js';
import type { TensorData } from '../inference/tensor.js';
import type { PolicyManifest } from '../policy/manifest.js';
import { JointStateMapper, type JointStateLimits, type JointStateRejection, type UpdateResult } from '../robots/joint_state_mapper.js';
import { fromRosTime, toRosTime } from '../ros/time.js';
import { conditioningFeeds } from '../inference/decoders/contract.js';
import { checkChunk, denormalizeChunk, normalizeState } from '../inference/decoders/normalization.js';
import { LatentBuffer, type LatentEntryData, type WriteResult } from './latent_buffer.js';
import { errorText } from '../error_text.js';

/** A LatentEntry message as the latent buffer holds it (throws on a malformed tensor). */
export function latentEntryFromMessage(msg: vla_ros_msgs.msg.LatentEntry): LatentEntryData {
  return {
    version: msg.version,
    instructionId: msg.instruction_id,
    observationTime: fromRosTime(msg.header.stamp),
    readyTime: fromRosTime(msg.ready_time),
    tensors: msg.tensors.map((t) => ({ name: t.name, ...float32Of(t) })),
  };
}

/** Defaults of fast_pathway's parameters that the core uses (the node declares them; sim eval runs with them). */
export const FAST_PATHWAY_DEFAULTS = { maxLatentAge: 1.0, stateTimeout: 0.1 } as const;

export interface ChunkProducerOptions {
  /** No chunks from a latent older than this [s] (age = now − its observation time). */
  maxLatentAge: number;
  /** Joint states older than this [s] are not used. */
  stateTimeout: number;
  /** Decoder noise seed: chunk n (n published so far) uses seed + n. */
  seed: number;
  /** frame_id of the chunks (pose actions are in this frame). */
  frameId: string;
  /** joint_states with positions beyond these are rejected (robot facts); none: not checked. */
  jointLimits?: JointStateLimits;
}

/** What one tick decodes, and what the chunk is stamped with. */
export interface ChunkRequest {
  job: DecodeJob;
  /** The tick's time: action 0 of the chunk is meant for it [s]. */
  sampledAt: number;
  latent: LatentEntryData;
  latentAge: number;
  /**
   * Capture time of the newest camera image behind the chunk [s]: the latent's, or a newer
   * observation heard since (the camera stream this chunk was sampled on; it ages when cameras stop).
   */
  observedAt: number;
}

/** Why a tick decodes nothing (for the node's status). */
export type NoRequest =
  | { reason: 'latent'; latent: 'empty' | 'too_old' | 'no_instruction'; detail: string; latentAge?: number }
  | { reason: 'state' | 'images' | 'error'; detail: string };

/**
 * `refused`: the chunk breaks the bundle's action bounds (or is not finite). `superseded`: a new
 * instruction arrived while the expert ran, so the chunk answers the old one — not a fault, but it
 * must not reach the bridge, nor its features the failure monitor as the new episode's first step.
 */
export type ChunkResult =
  | { ok: true; chunk: vla_ros_msgs.msg.ActionChunk; features: Float32Array | undefined }
  | { ok: false; kind: 'refused' | 'superseded'; reason: string };

export class ChunkProducer {
  readonly latents: LatentBuffer;
  private readonly joints: JointStateMapper;
  private readonly wantsImages: boolean;
  private images: Record<string, TensorData> | undefined;
  /** Capture time of the newest observation heard [s]. */
  private camerasStamp = -Infinity;
  private published = 0;

  constructor(
    readonly manifest: PolicyManifest,
    private readonly options: ChunkProducerOptions,
  ) {
    this.latents = new LatentBuffer(options.maxLatentAge);
    this.joints = new JointStateMapper(manifest.state.jointNames, options.jointLimits);
    this.wantsImages = Object.keys(manifest.expert.inputs.images ?? {}).length > 0;
  }

  /** True when the expert takes images (then the node subscribes to observations). */
  get takesImages(): boolean {
    return this.wantsImages;
  }

  /** Chunks published so far (their sequence numbers are 1..n). */
  get sequence(): number {
    return this.published;
  }

  set maxLatentAge(seconds: number) {
    this.latents.maxAge = seconds;
  }

  setInstruction(id: string): void {
    this.latents.setInstruction(id);
  }

  writeLatent(entry: LatentEntryData): WriteResult {
    return this.latents.write(entry);
  }

  /** False when a joint_states message names none of the policy's joints (e.g. a gripper's): not ours, not an error. */
  concernsJoints(names: readonly string[]): boolean {
    return this.joints.concerns(names);
  }

  /** One sensor_msgs/JointState (any joint order, possibly a subset), stamped `stamp`; rejected whole when invalid. */
  updateJoints(names: readonly string[], positions: ArrayLike<number>, stamp: number): UpdateResult {
    return this.joints.update(names, positions, stamp);
  }

  /** joint_states messages rejected so far for `reason`. */
  jointRejections(reason: JointStateRejection): number {
    return this.joints.rejected.get(reason) ?? 0;
  }

  /** An observation captured at `stamp` [s] was heard (its images go to `setImages` when the expert takes them). */
  observeCameras(stamp: number): void {
    if (stamp > this.camerasStamp) this.camerasStamp = stamp;
  }

  /** The latest observation's images ([1,3,H,W] float32 per camera), captured at `stamp` [s]. */
  setImages(images: Record<string, TensorData>, stamp: number): void {
    this.images = images;
    this.observeCameras(stamp);
  }

  /** Time went backwards (a replay looped): everything held refers to the "future". */
  clear(): void {
    this.latents.clear();
    this.joints.clear();
    this.images = undefined;
    this.camerasStamp = -Infinity;
  }

  /** The decode job of a tick at `now`, or why there is none. */
  request(now: number): ChunkRequest | NoRequest {
    const m = this.manifest;
    const latent = this.latents.read(now);
    if (!('entry' in latent)) {
      return latent.reason === 'too_old'
        ? { reason: 'latent', latent: latent.reason, detail: latent.detail, latentAge: latent.age }
        : { reason: 'latent', latent: latent.reason, detail: latent.detail };
    }
    const state = this.joints.latest(now, this.options.stateTimeout);
    if (!('positions' in state)) return { reason: 'state', detail: state.missing };
    if (this.wantsImages && this.images === undefined) return { reason: 'images', detail: 'no observation yet' };
    try {
      const job: DecodeJob = {
        model: 'expert',
        decoding: m.expert.decoding,
        horizon: m.action.horizon,
        dimension: m.action.names.length,
        conditioning: conditioningFeeds(m.expert, {
          latent: Object.fromEntries(
            latent.entry.tensors.map((t) => [t.name, { type: 'float32', dims: t.dims, data: t.data } satisfies TensorData]),
          ),
          state: normalizeState(state.positions, m.state.mean, m.state.std),
          latentAge: latent.age,
          images: this.images,
        }),
        actionsInput: m.expert.inputs.actions,
        timeInput: m.expert.inputs.time,
        actionsOutput: m.expert.outputs.actions,
        featuresOutput: m.expert.outputs.features,
        seed: this.options.seed + this.published,
      };
      const observedAt = Math.max(latent.entry.observationTime, this.camerasStamp);
      return { job, sampledAt: now, latent: latent.entry, latentAge: latent.age, observedAt };
    } catch (err) {
      return { reason: 'error', detail: errorText(err) };
    }
  }

  /** The decoded (normalised) chunk of `request` → the ActionChunk to publish, or why it is refused. */
  finish(request: ChunkRequest, normalised: Float32Array, features: Float32Array | undefined, computeSec: number): ChunkResult {
    const m = this.manifest;
    // (A request needs an instruction: the latent buffer answers none without one.)
    const current = this.latents.instructionId;
    if (request.latent.instructionId !== current) {
      return {
        ok: false,
        kind: 'superseded',
        reason: `instruction '${request.latent.instructionId}' was replaced by '${current}' while the expert ran`,
      };
    }
    const actions = denormalizeChunk(normalised, m.action.mean, m.action.std);
    const check = checkChunk(actions, m.action, m.action.horizon);
    if (!check.ok) return { ok: false, kind: 'refused', reason: check.message };
    const stamp = toRosTime(request.sampledAt);
    this.published++;
    return {
      ok: true,
      features,
      chunk: {
        header: { stamp, frame_id: this.options.frameId },
        start_time: stamp,
        dt: m.action.dt,
        horizon: m.action.horizon,
        action_space: m.action.space,
        rotation: m.action.rotation,
        gripper: m.action.gripper === 'none' ? '' : m.action.gripper,
        dimension_names: m.action.names,
        data: Float32Array.from(actions),
        sequence: this.published,
        latent_version: request.latent.version,
        latent_age: request.latentAge,
        inference_latency: computeSec,
        observation_stamp: toRosTime(request.observedAt),
      },
    };
  }
}
