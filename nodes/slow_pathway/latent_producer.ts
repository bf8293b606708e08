// The slow pathway's per-tick logic without ROS: which observation the VLM looks at (the latest,
// never a stale one, never the same one twice for an instruction), its feeds (camera tensors +
// the tokenised instruction), and the LatentEntry its outputs become (dropped when a newer
// instruction arrived meanwhile). slow_pathway/node.ts wires it to topics, schedules it and runs
// the VLM on its inference worker; `vla-ros sim eval` drives it in-thread.

import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { toNamedTensor } from '../inference/named_tensor.js';
import type { TensorData } from '../inference/tensor.js';
import type { InstructionEncoder } from '../policy/instruction_encoder.js';
import type { PolicyManifest } from '../policy/manifest.js';
import { fromRosTime, toRosTime, type RosTime } from '../ros/time.js';
import { vlmFeeds } from './vlm_inputs.js';

/**
 * An observation as the slow pathway holds it: its stamp and sequence, and the message itself
 * (built only when the VLM runs on it: `sim eval` preprocesses only the frames the VLM sees).
 */
export interface ObservationRef {
  stamp: RosTime;
  sequence: number;
  message(): vla_ros_msgs.msg.Observation;
}

/** A received Observation message as an ObservationRef. */
export function observationRef(msg: vla_ros_msgs.msg.Observation): ObservationRef {
  return { stamp: msg.header.stamp, sequence: msg.sequence, message: () => msg };
}

/** Default of slow_pathway's max_observation_age [s] (the node declares it; sim eval runs with it). */
export const SLOW_PATHWAY_MAX_OBSERVATION_AGE = 0.25;

export interface VlmJob {
  observation: ObservationRef;
  instruction: vla_ros_msgs.msg.Instruction;
  requestedAt: number;
}

/** Why a tick runs no VLM: nothing to do (`idle`), or a reason for the status. */
export type NoJob = { reason: 'idle' } | { reason: 'no_observation'; detail: string } | { reason: 'stale'; detail: string };

export type LatentResult = { ok: true; latent: vla_ros_msgs.msg.LatentEntry } | { ok: false; reason: string };

export class LatentProducer {
  private latestObservation: ObservationRef | undefined;
  private instruction: vla_ros_msgs.msg.Instruction | undefined;
  private lastUsed: { sequence: number; instructionId: string } | undefined;
  private answered: string | undefined;
  private version = 0;

  constructor(
    readonly manifest: PolicyManifest,
    private readonly encoder: InstructionEncoder,
    /** Observations older than this [s] are not used. */
    public maxObservationAge: number,
  ) {}

  /** Takes the latest observation; true when the VLM should run at once (the first one for an unanswered instruction). */
  observe(observation: ObservationRef): boolean {
    this.latestObservation = observation;
    const i = this.instruction;
    return i !== undefined && this.answered !== i.id && this.lastUsed === undefined && seenAfter(observation, i, Infinity);
  }

  /** Takes an instruction; true when it is a new one (the VLM should run at once). */
  setInstruction(msg: vla_ros_msgs.msg.Instruction): boolean {
    if (this.instruction?.id === msg.id) return false;
    this.instruction = msg;
    this.lastUsed = undefined;
    return true;
  }

  /** The instruction was refused: nothing to answer until the next one. */
  clearInstruction(): void {
    this.instruction = undefined;
  }

  /** Time went backwards (a replay looped): older observations now look like they are from the future. */
  clear(): void {
    this.latestObservation = undefined;
    this.lastUsed = undefined;
    // The fast pathway dropped its latent too: answer the next observation at once, as at the
    // start of an episode, rather than at the next period.
    this.answered = undefined;
  }

  /** The VLM job of a tick at `now`, or why there is none. */
  pick(now: number): VlmJob | NoJob {
    const instruction = this.instruction;
    if (instruction === undefined) return { reason: 'idle' };
    const obs = this.latestObservation;
    if (obs === undefined) return { reason: 'no_observation', detail: 'no observation yet' };
    const age = now - fromRosTime(obs.stamp);
    if (age > this.maxObservationAge) {
      return { reason: 'stale', detail: `latest observation is ${age.toFixed(3)} s old > max_observation_age ${this.maxObservationAge} s` };
    }
    const used = this.lastUsed;
    if (used !== undefined && used.sequence === obs.sequence && used.instructionId === instruction.id) return { reason: 'idle' };
    if (!seenAfter(obs, instruction, now)) return { reason: 'idle' };
    return { observation: obs, instruction, requestedAt: now };
  }

  /**
   * The VLM's feeds for `job`, which is now running (marked here, not in `pick`: a job dropped
   * while the VLM is busy has not used its observation). `truncated`: the instruction was cut.
   */
  start(job: VlmJob): { feeds: Record<string, TensorData>; truncated: boolean } {
    this.lastUsed = { sequence: job.observation.sequence, instructionId: job.instruction.id };
    const encoded = this.encoder.encode(job.instruction.text);
    return { feeds: vlmFeeds(this.manifest.vlm, this.manifest.cameras, job.observation.message(), encoded), truncated: encoded.truncated };
  }

  /** The VLM's outputs for `job`, ready at `ready` → the latent to publish, or why it is dropped. */
  finish(job: VlmJob, outputs: Record<string, TensorData>, ready: number, computeSec: number): LatentResult {
    // A newer instruction arrived while the VLM ran: this latent answers an old question.
    if (this.instruction?.id !== job.instruction.id)
      return { ok: false, reason: `instruction '${job.instruction.id}' was replaced while the VLM ran` };
    const tensors = this.manifest.vlm.latentOutputs.map((name) => toNamedTensor(name, outputs[name]));
    this.version++;
    this.answered = job.instruction.id;
    return {
      ok: true,
      latent: {
        header: { stamp: job.observation.stamp, frame_id: '' },
        ready_time: toRosTime(ready),
        version: this.version,
        instruction_id: job.instruction.id,
        instruction: job.instruction.text,
        inference_latency: computeSec,
        tensors,
      },
    };
  }
}

/**
 * An instruction is answered from what the cameras saw after it was given (its header stamp; 0:
 * unknown, any frame will do): the last frame before it can show another scene — the one a
 * simulator reset or an operator has just changed — and the next frame is at most a camera period
 * away. A stamp later than `now` (another machine's clock) is not trusted either: a skewed clock
 * must not keep the VLM from running.
 */
function seenAfter(observation: ObservationRef, instruction: vla_ros_msgs.msg.Instruction, now: number): boolean {
  const given = fromRosTime(instruction.header.stamp);
  return given <= 0 || given > now || fromRosTime(observation.stamp) > given;
}
