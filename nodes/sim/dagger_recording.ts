// On-policy episodes labelled by the scripted expert (DAgger, `vla-ros sim collect --policy`).
//
// The policy bundle drives the arm through the shipped pipeline's cores — the closed loop that
// `vla-ros sim eval` runs (eval/closed_loop.ts: ingestion, slow and fast pathways, the
// controller bridge's ControlLoop, modelled latencies) — and at every action instant the expert
// says what it would do from there: its observation is the state every node sees at that instant
// and, as the previous target its ee_delta action is relative to, the bridge's latest published
// target. The export records the states the POLICY visits with the EXPERT's actions, in the
// format of the expert demonstrations (dataset_export.ts), so the training script aggregates both.
//
// The bridge publishes at 50 Hz, so its latest target is up to one tick (20 ms) behind the
// waypoint of the instant; the expert's translation step is bounded by its speed whatever the
// start, so the lag shifts where a step starts, not how long it is.

import { EpisodeRecorder, type EpisodeRecording, type FrameSource } from './dataset_export.js';
import { expertPolicy } from './episode_runner.js';
import type { ScriptedExpert } from './expert.js';
import type { CameraRig, FrameRenderer } from './camera_rig.js';
import { runClosedLoopEpisode, type ActionInstant, type LoopSetting } from './eval/closed_loop.js';
import type { BundlePolicy } from './eval/bundle_policy.js';
import type { Simulator } from './simulator.js';

export interface PolicyRecordOptions {
  /** Render and store the cameras every this many ticks. */
  imageEvery: number;
  /** Average-pool factor of the stored camera tensors. */
  pool: number;
  /** Give up after this much episode time [s]. */
  maxTime: number;
  /** How the policy runs (DAGGER_SETTING in `vla-ros sim collect`). */
  setting: LoopSetting;
  /** fast_pathway max_latent_age [s]. */
  maxLatentAge: number;
  /** Decoder noise seed of this episode. */
  decoderSeed: number;
}

/** `vla-ros sim eval`'s base setting: async, weighted_average, +100 ms VLM latency. */
export const DAGGER_SETTING: LoopSetting = Object.freeze({ mode: 'async', mergeRule: 'weighted_average', addedVlmLatency: 0.1 });
/** `vla-ros sim eval`'s default max_latent_age [s]. */
export const DAGGER_MAX_LATENT_AGE = 1.0;

/** Runs `policy` for episode `index` of `sim` and records the visited states with the expert's labels. */
export async function recordPolicyEpisode(
  sim: Simulator,
  rig: CameraRig,
  renderer: FrameRenderer,
  frames: FrameSource,
  policy: BundlePolicy,
  index: number,
  o: PolicyRecordOptions,
): Promise<EpisodeRecording> {
  // The closed loop resets the simulator: the recorder and the expert are made at instant 0.
  let recorder: EpisodeRecorder | undefined;
  let expert: ScriptedExpert | undefined;
  const label = (instant: ActionInstant): void => {
    if (recorder === undefined || expert === undefined) {
      recorder = new EpisodeRecorder(sim, frames, o);
      expert = expertPolicy(sim, sim.episode!, true);
    }
    const ee = sim.eePose();
    const b = instant.bridgeTarget;
    // Before the bridge's first target the arm holds the reset pose: its target is where it is.
    const target: typeof ee = b === undefined ? ee : { p: [b[0], b[1], b[2]], q: [b[3], b[4], b[5], b[6]] };
    const action = expert.act({
      time: instant.time,
      target,
      ee,
      objectPose: (colour) => sim.physics.objectPose(colour),
      gripperWidth: sim.gripperState().width,
    });
    recorder.record(instant.time, action);
  };
  const r = await runClosedLoopEpisode(sim, rig, renderer, policy, {
    ...o.setting,
    index,
    maxTime: o.maxTime,
    decoderSeed: o.decoderSeed,
    maxLatentAge: o.maxLatentAge,
    onActionInstant: label,
  });
  if (recorder === undefined) throw new Error(`episode ${index}: the closed loop reached no action instant`);
  return recorder.finish(index, r, 'policy', 0);
}
