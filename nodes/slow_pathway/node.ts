// slow_pathway — the VLM (1–5 Hz): reads the latest observation and the instruction, runs the
// VLM off the event loop, and writes its latent to the latent buffer topic.
//
// Topics (relative names resolve under the node's namespace):
//   sub  observation   vla_ros_msgs/msg/Observation   best effort, latest only
//   sub  instruction   vla_ros_msgs/msg/Instruction   transient local
//   pub  latent        vla_ros_msgs/msg/LatentEntry   transient local, depth 1: latest entry wins
//   pub  ~/status, /diagnostics                       ~1 Hz
// Parameters: policy_bundle, then slowPathwayOwnParameters below (`vla-ros run slow_pathway --help-params`).
// Lifecycle (docs/fast-slow-runtime.md): activate starts the rate timer and the status, deactivate
// and cleanup stop them. The VLM worker lives as long as the node (see SlowPathwayNode.start).
//
// Never works on a stale frame and never queues: a tick with no fresh, unused observation is
// skipped, and ticks arriving while the VLM runs are dropped (one inference in flight). A new
// instruction triggers a run at once and the fast pathway discards latents of older instructions.

import { InferenceClient, InferenceClosedError } from '../inference/inference_client.js';
import { validateVlm } from '../policy/bundle_validation.js';
import { InstructionEncoder } from '../policy/instruction_encoder.js';
import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { loadPolicyBundle, type PolicyBundle } from '../policy/policy_bundle.js';
import type { PolicyManifest } from '../policy/manifest.js';
import { declareParameters, param, type ParameterValues } from '../ros/parameter_schema.js';
import { LifecycleNode, type LifecyclePublisher } from '../ros/lifecycle_node.js';
import type { MessageTypeMap, RosNode } from '../ros/node.js';
import { QoSProfiles } from '../ros/qos.js';
import type { Timer } from '../ros/timer.js';
import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { IdleWarning } from '../runtime/idle_warning.js';
import { NodeStatus } from '../runtime/node_status.js';
import { checkInstruction, instructionForLog } from '../episode_manager/instruction_text.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import { LatentProducer, observationRef, SLOW_PATHWAY_MAX_OBSERVATION_AGE, type VlmJob } from './latent_producer.js';
import { errorText } from '../error_text.js';
import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { EXECUTION_PROVIDERS } from '../inference/execution_provider.js';

/** The parameters after policy_bundle: rate_hz defaults to the bundle's VLM rate. */
function slowPathwayOwnParameters(bundleRateHz: number) {
  return {
    rate_hz: param.double(bundleRateHz, "VLM rate [Hz] (default: the bundle's vlm.rate_hz; the docs show the reference bundle's).", {
      range: [0.1, 30],
    }),
    max_observation_age: param.double(
      SLOW_PATHWAY_MAX_OBSERVATION_AGE,
      'Observations older than this [s] are not used (never work on a stale frame).',
      { range: [0.01, 10] },
    ),
    inference_threads: param.integer(1, 'onnxruntime intra-op threads for the VLM.', { range: [1, 8] }),
    execution_provider: param.choice(
      EXECUTION_PROVIDERS,
      'cpu',
      "Where onnxruntime runs the VLM (cpu; cuda / tensorrt need onnxruntime-node's GPU binaries, docs/installation.md).",
    ),
  };
}

type SlowPathwayParameters = ParameterValues<ReturnType<typeof slowPathwayOwnParameters>>;

export class SlowPathwayNode implements NodeInstance {
  readonly lifecycle: LifecycleNode;
  private readonly manifest: PolicyManifest;
  private readonly status = new NodeStatus();
  private readonly producer: LatentProducer;
  private readonly latentPub: LifecyclePublisher<MessageTypeMap['vla_ros_msgs/msg/LatentEntry']>;
  /** No latent means no chunks: a lasting reason reaches the log once. */
  private readonly idle: IdleWarning;
  private readonly refusedInstructions = { empty: 0, too_long: 0 };
  private readonly stopJumps: () => void;
  /** Backward time jumps so far: a VLM result requested before one belongs to the old timeline. */
  private jumps = 0;
  /** One inference in flight: ticks meanwhile are dropped, never queued. */
  private inFlight = false;
  private timer: Timer | undefined;
  private stopStatus: StatusReport | undefined;

  /**
   * Loads the bundle and starts the VLM worker before the node exists, so that a bundle whose
   * model does not load or fit refuses the start (one line, exit 1) instead of leaving an
   * unconfigured node; the worker therefore lives until dispose, not from configure to cleanup.
   */
  static async start(node: RosNode): Promise<SlowPathwayNode> {
    const { policy_bundle: bundleName } = declareParameters(node.parameters, POLICY_BUNDLE_PARAMETERS);
    const bundle = loadPolicyBundle(bundleName);
    const { manifest } = bundle;
    const params = declareParameters(node.parameters, slowPathwayOwnParameters(manifest.vlm.rateHz));
    const encoder = new InstructionEncoder(manifest.instruction, bundle.file(manifest.instruction.tokenizer));
    const inference = await InferenceClient.start(
      { vlm: bundle.file(manifest.vlm.model) },
      params.inference_threads,
      params.execution_provider,
    );
    const problems = validateVlm(manifest, inference.io.vlm, bundle.file(manifest.vlm.model));
    if (problems.length > 0) {
      await inference.close();
      throw new Error(`policy bundle ${bundle.dir} does not fit its VLM: ${problems.join('; ')}`);
    }
    return new SlowPathwayNode(node, bundle, encoder, params, inference);
  }

  private constructor(
    private readonly node: RosNode,
    bundle: PolicyBundle,
    encoder: InstructionEncoder,
    private readonly params: SlowPathwayParameters,
    private readonly inference: InferenceClient,
  ) {
    this.manifest = bundle.manifest;
    this.producer = new LatentProducer(this.manifest, encoder, params.max_observation_age);
    this.idle = new IdleWarning(node.logger);
    this.lifecycle = new LifecycleNode(node, {
      onActivate: () => this.activate(),
      onDeactivate: () => this.deactivate(),
      onCleanup: () => this.cleanup(),
      onShutdown: () => this.cleanup(),
    });
    this.latentPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal);
    node.createSubscription('vla_ros_msgs/msg/Observation', 'observation', { ...QoSProfiles.sensorData, depth: 1 }, (msg) => {
      if (this.producer.observe(observationRef(msg))) this.runNow();
    });
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => this.onInstruction(msg));
    this.stopJumps = node.clock.onJump(() => {
      this.producer.clear();
      this.jumps++;
    });
  }

  private activate(): void {
    this.stopStatus = reportStatus(this.node, this.status);
    this.status.set('degraded', 'waiting for an instruction and an observation');
    this.timer = this.node.createTimer(1 / this.params.rate_hz, () => this.tick());
  }

  private deactivate(): void {
    this.stopTimers();
    this.status.set('holding', 'inactive');
  }

  /** Nothing but the timers was started since configure (idempotent). */
  private cleanup(): void {
    this.stopTimers();
  }

  private stopTimers(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.stopStatus?.();
    this.stopStatus = undefined;
  }

  async dispose(): Promise<void> {
    this.stopJumps();
    this.stopTimers();
    await this.inference.close();
  }

  private onInstruction(msg: vla_ros_msgs.msg.Instruction): void {
    // Anyone can publish here, not only the episode manager: the same limits. A refused one
    // leaves no instruction, so the pathways stop (nothing answers the new id).
    const check = checkInstruction(msg.text);
    if (!check.ok) {
      this.producer.clearInstruction();
      this.status.drop();
      this.status.setValue(`instructions_${check.reason}`, ++this.refusedInstructions[check.reason]);
      this.node.logger.throttle(
        'warn',
        5,
        `instruction '${instructionForLog(msg.id)}' refused: ${check.error}`,
        `instruction-${check.reason}`,
      );
      return;
    }
    if (!this.producer.setInstruction(msg)) return;
    this.node.logger.info(`instruction '${instructionForLog(msg.id)}': "${instructionForLog(msg.text)}"`);
    this.runNow();
  }

  /** Runs the VLM at once, outside the rate (a new instruction, or the first observation for it), while active. */
  private runNow(): void {
    if (this.timer !== undefined) this.tick();
  }

  private tick(): void {
    const job = this.pickJob();
    // Ticks that arrive while the VLM runs are dropped, never queued.
    if (job === undefined || this.inFlight) return;
    this.inFlight = true;
    void this.runVlm(job).finally(() => {
      this.inFlight = false;
    });
  }

  private pickJob(): VlmJob | undefined {
    const now = this.node.clock.now();
    const job = this.producer.pick(now);
    // 'idle': nothing new to answer (no instruction, or this observation was used) — not a fault.
    if ('observation' in job || job.reason === 'idle') {
      this.idle.acting();
      return 'observation' in job ? job : undefined;
    }
    if (job.reason === 'stale') this.status.drop();
    this.status.set('degraded', job.detail);
    this.idle.idle(now, job.reason, job.detail);
    return undefined;
  }

  private async runVlm(job: VlmJob): Promise<void> {
    const { node, status, producer, manifest } = this;
    try {
      const { feeds, truncated } = producer.start(job);
      if (truncated)
        node.logger.once(
          'warn',
          `instruction "${instructionForLog(job.instruction.text)}" is longer than ${manifest.instruction.maxTokens} tokens: truncated`,
        );
      const done = this.inference.run('vlm', feeds, manifest.vlm.latentOutputs);
      const requestedIn = this.jumps;
      const { value: outputs, computeSec } = await node.clock.deliverAt(job.requestedAt + manifest.vlm.modelledLatency, done);
      // Time jumped back while the VLM ran: the latent is stamped in the "future"; drop it.
      if (requestedIn !== this.jumps) {
        status.drop();
        return;
      }
      const ready = node.clock.now();
      const result = producer.finish(job, outputs, ready, computeSec);
      if (!result.ok) {
        status.drop();
        return;
      }
      this.latentPub.publish(result.latent);
      status.output(ready, ready - job.requestedAt);
      status.set('running');
    } catch (err) {
      if (err instanceof InferenceClosedError) return; // shutting down: nothing to report
      status.set('error', `VLM failed: ${errorText(err)}`);
      node.logger.throttle('error', 5, `VLM inference failed: ${errorText(err)}`, 'vlm-failed');
    }
  }
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
  create: (node) => SlowPathwayNode.start(node),
};
