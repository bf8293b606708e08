// slow_pathway — the VLM (1–5 Hz): reads the latest observation and the instruction, runs the
// VLM off the event loop, and writes its latent to the latent buffer topic.
//
// Topics (relative names resolve under the node's namespace):
//   sub  observation   vla_ros_msgs/msg/Observation   best effort, latest only
//   sub  instruction   vla_ros_msgs/msg/Instruction   transient local
//   pub  latent        vla_ros_msgs/msg/LatentEntry   transient local, depth 1: latest entry wins
//   pub  ~/status, /diagnostics                       ~1 Hz
// Parameters: policy_bundle, then slowPathwayOwnParameters below (`vla-ros run slow_pathway --help-params`).
//
// Never works on a stale frame and never queues: a tick with no fresh, unused observation is
// skipped, and ticks arriving while the VLM runs are dropped (exhaustMap). A new instruction
// triggers a run at once and the fast pathway discards latents of older instructions.

import { Subject, exhaustMap, filter, from, interval, map, merge, type Subscription as RxSubscription } from 'rxjs';
import { InferenceClient, InferenceClosedError } from '../inference/inference_client.js';
import { validateVlm } from '../policy/bundle_validation.js';
import { InstructionEncoder } from '../policy/instruction_encoder.js';
import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { loadPolicyBundle } from '../policy/policy_bundle.js';
import { declareParameters, param } from '../ros/parameter_schema.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import { QoSProfiles } from '../ros/qos.js';
import type { NodeDefinition } from '../runtime/node_definition.js';
import { IdleWarning } from '../runtime/idle_warning.js';
import { NodeStatus } from '../runtime/node_status.js';
import { checkInstruction, instructionForLog } from '../episode_manager/instruction_text.js';
import { reportStatus } from '../runtime/status_reporter.js';
import { LatentProducer, observationRef, SLOW_PATHWAY_MAX_OBSERVATION_AGE, type VlmJob } from './latent_producer.js';
import { errorText } from '../error_text.js';

/** The parameters after policy_bundle: rate_hz defaults to the bundle's VLM rate. */
function slowPathwayOwnParameters(bundleRateHz: number) {
  return {
    rate_hz: param.double(bundleRateHz, "VLM rate [Hz] (default: the bundle's vlm.rate_hz; the docs show the reference bundle's).", {
      range: [0.1, 30],
    }),
    // Dynamic as before, though the node reads it once at start.
    max_observation_age: param.double(
      SLOW_PATHWAY_MAX_OBSERVATION_AGE,
      'Observations older than this [s] are not used (never work on a stale frame).',
      { range: [0.01, 10], dynamic: true },
    ),
    inference_threads: param.integer(1, 'onnxruntime intra-op threads for the VLM.', { range: [1, 8] }),
  };
}

export const slowPathway: NodeDefinition = {
  exec: 'slow_pathway',
  defaultName: 'slow_pathway',
  summary: 'VLM at 1–5 Hz: observation + instruction → latent (latent buffer topic).',
  /** With the default bundle's rate. */
  get parameters() {
    const rate = loadPolicyBundle(POLICY_BUNDLE_PARAMETERS.policy_bundle.default).manifest.vlm.rateHz;
    return { ...POLICY_BUNDLE_PARAMETERS, ...slowPathwayOwnParameters(rate) };
  },
  async create(node) {
    const { policy_bundle: bundleName } = declareParameters(node.parameters, POLICY_BUNDLE_PARAMETERS);
    const bundle = loadPolicyBundle(bundleName);
    const { manifest } = bundle;
    const v = declareParameters(node.parameters, slowPathwayOwnParameters(manifest.vlm.rateHz));
    const { rate_hz: rateHz, max_observation_age: maxObservationAge, inference_threads: threads } = v;

    const encoder = new InstructionEncoder(manifest.instruction, bundle.file(manifest.instruction.tokenizer));
    const status = new NodeStatus();
    const inference = await InferenceClient.start({ vlm: bundle.file(manifest.vlm.model) }, threads);
    const problems = validateVlm(manifest, inference.io.vlm, bundle.file(manifest.vlm.model));
    if (problems.length > 0) {
      await inference.close();
      throw new Error(`policy bundle ${bundle.dir} does not fit its VLM: ${problems.join('; ')}`);
    }

    const producer = new LatentProducer(manifest, encoder, maxObservationAge);
    // Runs the VLM at once, outside the rate: a new instruction, or the first observation for it.
    const runNow = new Subject<void>();
    let pipeline: RxSubscription | undefined;
    let stopStatus: (() => void) | undefined;

    const lifecycle = new LifecycleNode(node, {
      onActivate: () => {
        stopStatus = reportStatus(node, status);
        status.set('degraded', 'waiting for an instruction and an observation');
        const ticks = merge(interval(1000 / rateHz, node.scheduler), runNow);
        pipeline = ticks
          .pipe(
            map(() => pickJob()),
            filter((job): job is VlmJob => job !== undefined),
            // Ticks that arrive while the VLM runs are dropped, never queued.
            exhaustMap((job) => from(runVlm(job))),
          )
          .subscribe();
      },
      onDeactivate: () => {
        pipeline?.unsubscribe();
        stopStatus?.();
        status.set('holding', 'inactive');
      },
    });
    const latentPub = lifecycle.createPublisher('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal);

    node.createSubscription('vla_ros_msgs/msg/Observation', 'observation', { ...QoSProfiles.sensorData, depth: 1 }, (msg) => {
      if (producer.observe(observationRef(msg))) runNow.next();
    });
    const refusedInstructions = { empty: 0, too_long: 0 };
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => {
      // Anyone can publish here, not only the episode manager: the same limits. A refused one
      // leaves no instruction, so the pathways stop (nothing answers the new id).
      const check = checkInstruction(msg.text);
      if (!check.ok) {
        producer.clearInstruction();
        status.drop();
        status.setValue(`instructions_${check.reason}`, ++refusedInstructions[check.reason]);
        node.logger.throttle(
          'warn',
          5,
          `instruction '${instructionForLog(msg.id)}' refused: ${check.error}`,
          `instruction-${check.reason}`,
        );
        return;
      }
      if (!producer.setInstruction(msg)) return;
      node.logger.info(`instruction '${instructionForLog(msg.id)}': "${instructionForLog(msg.text)}"`);
      runNow.next();
    });
    // Counts backward time jumps: a VLM result requested before one belongs to the old timeline.
    let jumps = 0;
    const stopJumps = node.clock.onJump(() => {
      producer.clear();
      jumps++;
    });

    // No latent means no chunks: a lasting reason reaches the log once (IdleWarning).
    const idle = new IdleWarning(node.logger);
    function pickJob(): VlmJob | undefined {
      const now = node.clock.now();
      const job = producer.pick(now);
      // 'idle': nothing new to answer (no instruction, or this observation was used) — not a fault.
      if ('observation' in job || job.reason === 'idle') {
        idle.acting();
        return 'observation' in job ? job : undefined;
      }
      if (job.reason === 'stale') status.drop();
      status.set('degraded', job.detail);
      idle.idle(now, job.reason, job.detail);
      return undefined;
    }

    async function runVlm(job: VlmJob): Promise<void> {
      try {
        const { feeds, truncated } = producer.start(job);
        if (truncated)
          node.logger.once(
            'warn',
            `instruction "${instructionForLog(job.instruction.text)}" is longer than ${manifest.instruction.maxTokens} tokens: truncated`,
          );
        const done = inference.run('vlm', feeds, manifest.vlm.latentOutputs);
        const requestedIn = jumps;
        const { value: outputs, computeSec } = await node.clock.deliverAt(job.requestedAt + manifest.vlm.modelledLatency, done);
        // Time jumped back while the VLM ran: the latent is stamped in the "future"; drop it.
        if (requestedIn !== jumps) {
          status.drop();
          return;
        }
        const ready = node.clock.now();
        const result = producer.finish(job, outputs, ready, computeSec);
        if (!result.ok) {
          status.drop();
          return;
        }
        latentPub.publish(result.latent);
        status.output(ready, ready - job.requestedAt);
        status.set('running');
      } catch (err) {
        if (err instanceof InferenceClosedError) return; // shutting down: nothing to report
        status.set('error', `VLM failed: ${errorText(err)}`);
        node.logger.throttle('error', 5, `VLM inference failed: ${errorText(err)}`, 'vlm-failed');
      }
    }

    return {
      lifecycle,
      dispose: async () => {
        stopJumps();
        pipeline?.unsubscribe();
        await inference.close();
      },
    };
  },
};
