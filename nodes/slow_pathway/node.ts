// slow_pathway — the VLM at `rate_hz` (1–5 Hz): runs it off the event loop on the latest fresh
// observation and the instruction, and writes its latent to the latent buffer topic. Topics,
// lifecycle and tick rules: docs/fast-slow-runtime.md; parameters: `--help-params`.

import type { TensorData } from '../inference/tensor.js';
import { checkInstruction, instructionForLog } from '../episode_manager/instruction_text.js';
import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { validateVlm } from '../policy/bundle_validation.js';
import { InstructionEncoder } from '../policy/instruction_encoder.js';
import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { loadPolicyBundle, type PolicyBundle } from '../policy/policy_bundle.js';
import type { PolicyManifest } from '../policy/manifest.js';
import { declareParameters } from '../ros/parameter_schema.js';
import { LifecycleNode, type LifecycleCallbacks, type LifecyclePublisher } from '../ros/lifecycle_node.js';
import type { MessageTypeMap, RosNode } from '../ros/node.js';
import { QoSProfiles } from '../ros/qos.js';
import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { IdleWarning } from '../runtime/idle_warning.js';
import { NodeStatus } from '../runtime/node_status.js';
import { PathwayInference } from '../runtime/pathway_inference.js';
import { LatentProducer, observationRef, type VlmJob } from './latent_producer.js';
import { slowPathwayOwnParameters, type SlowPathwayParameters } from './parameters.js';

const FAILURE_TEXT = { status: 'VLM failed', log: 'VLM inference failed', key: 'vlm-failed' };

export class SlowPathwayNode implements NodeInstance, LifecycleCallbacks {
  readonly lifecycle: LifecycleNode;
  private readonly bundle: PolicyBundle;
  private readonly manifest: PolicyManifest;
  private readonly params: SlowPathwayParameters;
  private readonly status = new NodeStatus();
  private readonly producer: LatentProducer;
  private readonly inference: PathwayInference;
  private readonly latentPub: LifecyclePublisher<MessageTypeMap['vla_ros_msgs/msg/LatentEntry']>;
  /** No latent means no chunks: a lasting reason reaches the log once. */
  private readonly idle: IdleWarning;
  private readonly refusedInstructions = { empty: 0, too_long: 0 };

  /** Declares the parameters (rate_hz defaults to the bundle's VLM rate, so the manifest loads here). */
  constructor(private readonly node: RosNode) {
    const { policy_bundle: bundleName } = declareParameters(node.parameters, POLICY_BUNDLE_PARAMETERS);
    this.bundle = loadPolicyBundle(bundleName);
    this.manifest = this.bundle.manifest;
    this.params = declareParameters(node.parameters, slowPathwayOwnParameters(this.manifest.vlm.rateHz));
    const encoder = new InstructionEncoder(this.manifest.instruction, this.bundle.file(this.manifest.instruction.tokenizer));
    this.producer = new LatentProducer(this.manifest, encoder, this.params.max_observation_age);
    this.idle = new IdleWarning(node.logger);
    this.inference = new PathwayInference(node, this.status, FAILURE_TEXT, () => this.producer.clear());
    this.lifecycle = new LifecycleNode(node, this);
    this.latentPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal);
    node.createSubscription('vla_ros_msgs/msg/Observation', 'observation', { ...QoSProfiles.sensorData, depth: 1 }, (msg) => {
      if (this.producer.observe(observationRef(msg))) this.runNow();
    });
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => this.onInstruction(msg));
  }

  /** Starts the VLM worker; a model that does not load or fit fails it (and refuses an autostart). */
  onConfigure(): Promise<'success' | 'failure'> {
    const { bundle, manifest, params } = this;
    const model = bundle.file(manifest.vlm.model);
    return this.inference.open({
      models: { vlm: model },
      threads: params.inference_threads,
      provider: params.execution_provider,
      check: (io) => validateVlm(manifest, io.vlm, model),
      misfit: `policy bundle ${bundle.dir} does not fit its VLM`,
    });
  }

  onActivate(): void {
    this.inference.startTicks(1 / this.params.rate_hz, () => this.tick(), 'waiting for an instruction and an observation');
  }

  onDeactivate(): void {
    this.inference.stopTicks();
  }

  /** Stops the ticks and the VLM worker (idempotent). */
  onCleanup(): Promise<void> {
    return this.inference.close();
  }

  onShutdown(): Promise<void> {
    return this.inference.close();
  }

  get refusal(): string | undefined {
    return this.inference.refusal;
  }

  dispose(): Promise<void> {
    return this.inference.dispose();
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
    if (this.inference.ticking) this.tick();
  }

  /** Ticks that arrive while the VLM runs are dropped, never queued. */
  private tick(): void {
    const job = this.pickJob();
    if (job === undefined || this.inference.busy) return;
    const { manifest } = this;
    this.inference.run(
      job.requestedAt + manifest.vlm.modelledLatency,
      (client) => {
        const { feeds, truncated } = this.producer.start(job);
        if (truncated)
          this.node.logger.once(
            'warn',
            `instruction "${instructionForLog(job.instruction.text)}" is longer than ${manifest.instruction.maxTokens} tokens: truncated`,
          );
        return client.run('vlm', feeds, manifest.vlm.latentOutputs);
      },
      ({ value, computeSec }) => this.publish(job, value, computeSec),
    );
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

  private publish(job: VlmJob, outputs: Record<string, TensorData>, computeSec: number): void {
    const ready = this.node.clock.now();
    const result = this.producer.finish(job, outputs, ready, computeSec);
    if (!result.ok) {
      this.status.drop();
      return;
    }
    this.latentPub.publish(result.latent);
    this.status.output(ready, ready - job.requestedAt);
    this.status.set('running');
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
  create: (node) => new SlowPathwayNode(node),
};
