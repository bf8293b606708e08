// fast_pathway — the action expert at `rate_hz`: each tick decodes a chunk from the latest latent,
// joint state and (if the expert takes them) images off the event loop, and publishes it with the
// stamps an executor needs, plus the features the failure monitor scores. Topics, lifecycle and
// tick rules: docs/fast-slow-runtime.md; parameters: `vla-ros run fast_pathway --help-params`.

import { validateExpert, robotFitProblem } from '../policy/bundle_validation.js';
import { robotMisfitText } from '../policy/shipped_bundles.js';
import type { PolicyManifest } from '../policy/manifest.js';
import { loadPolicyBundle, type PolicyBundle } from '../policy/policy_bundle.js';
import { limitsByName } from '../robots/joint_state_mapper.js';
import { LifecycleNode, type LifecycleCallbacks, type LifecyclePublisher } from '../ros/lifecycle_node.js';
import type { MessageTypeMap, RosNode } from '../ros/node.js';
import { declareParameters, readParameters } from '../ros/parameter_schema.js';
import { QoSProfiles } from '../ros/qos.js';
import { IdleWarning } from '../runtime/idle_warning.js';
import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { NodeStatus } from '../runtime/node_status.js';
import { PathwayInference } from '../runtime/pathway_inference.js';
import { ChunkInputs } from './chunk_inputs.js';
import { ChunkProducer, type ChunkRequest } from './chunk_producer.js';
import { FAST_PATHWAY_PARAMETERS, robotOf, type FastPathwayParameters } from './parameters.js';

const FAILURE_TEXT = { status: 'decode failed', log: 'decode failed', key: 'decode-failed' };

export class FastPathwayNode implements NodeInstance, LifecycleCallbacks {
  readonly lifecycle: LifecycleNode;
  private readonly params: FastPathwayParameters;
  private readonly bundle: PolicyBundle;
  private readonly manifest: PolicyManifest;
  private readonly status = new NodeStatus();
  private readonly producer: ChunkProducer;
  private readonly inference: PathwayInference;
  private readonly chunkPub: LifecyclePublisher<MessageTypeMap['vla_ros_msgs/msg/ActionChunk']>;
  private readonly featuresPub: LifecyclePublisher<MessageTypeMap['vla_ros_msgs/msg/PolicyFeatures']> | undefined;
  /** No chunk means an idle arm: the reason goes to the status every tick and, once it has lasted, to the log. */
  private readonly idle: IdleWarning;
  private episodeId = '';
  private episodeStep = 0;

  /** Declares the parameters and loads the bundle's manifest: one that does not fit the robot refuses the start. */
  constructor(private readonly node: RosNode) {
    const params = (this.params = declareParameters(node.parameters, FAST_PATHWAY_PARAMETERS));
    const bundle = (this.bundle = loadPolicyBundle(params.policy_bundle));
    const manifest = (this.manifest = bundle.manifest);
    // A bundle trained for another arm would wait forever for joints that never come.
    const robot = robotOf(params);
    const misfit = robotFitProblem(manifest, robot);
    if (misfit !== undefined) throw new Error(`policy bundle '${bundle.dir}' does not fit the robot: ${robotMisfitText(misfit, robot)}`);
    const p = node.parameters;
    this.producer = new ChunkProducer(manifest, {
      maxLatentAge: params.max_latent_age,
      stateTimeout: params.state_timeout,
      seed: params.seed,
      frameId: params['robot.base_frame'],
      jointLimits: limitsByName(manifest.state.jointNames, robotOf(params), params.joint_state_limit_tolerance),
    });
    p.onChanged(() => {
      this.producer.maxLatentAge = readParameters(p, FAST_PATHWAY_PARAMETERS).max_latent_age;
    });
    this.idle = new IdleWarning(node.logger);
    this.inference = new PathwayInference(node, this.status, FAILURE_TEXT, () => this.producer.clear());
    this.lifecycle = new LifecycleNode(node, this);
    this.chunkPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 4);
    this.featuresPub =
      manifest.expert.outputs.features !== undefined
        ? this.lifecycle.createPublisher('vla_ros_msgs/msg/PolicyFeatures', 'policy_features', 10)
        : undefined;
    const inputs = new ChunkInputs(this.producer, this.status, node.logger);
    node.createSubscription('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal, (msg) => inputs.latent(msg));
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => {
      if (msg.id === this.episodeId) return;
      this.episodeId = msg.id;
      this.episodeStep = 0;
      this.producer.setInstruction(msg.id);
    });
    node.createSubscription('sensor_msgs/msg/JointState', params['crisp.joint_states_topic'], QoSProfiles.sensorData, (msg) =>
      inputs.jointState(msg, node.clock.now()),
    );
    node.createSubscription('vla_ros_msgs/msg/Observation', 'observation', { ...QoSProfiles.sensorData, depth: 1 }, (msg) =>
      inputs.observation(msg),
    );
  }

  /** Starts the expert worker; a model that does not load or fit fails it (and refuses an autostart). */
  onConfigure(): Promise<'success' | 'failure'> {
    const { bundle, manifest, params } = this;
    const model = bundle.file(manifest.expert.model);
    return this.inference.open({
      models: { expert: model },
      threads: params.inference_threads,
      provider: params.execution_provider,
      // The VLM is not loaded here, so latent shapes are checked by `vla-ros bundle check`.
      check: (io) => validateExpert(manifest, io.expert, undefined, model),
      misfit: `policy bundle ${bundle.dir} does not fit its expert`,
    });
  }

  onActivate(): void {
    this.inference.startTicks(1 / this.params.rate_hz, () => this.tick(), 'waiting for a latent and joint states', { precise: true });
  }

  onDeactivate(): void {
    this.inference.stopTicks();
  }

  /** Stops the ticks and the expert worker (idempotent). */
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

  private tick(): void {
    const { node, status } = this;
    const now = node.clock.now();
    if (this.inference.busy) {
      status.overrun();
      return;
    }
    const request = this.producer.request(now);
    if (!('job' in request)) {
      if (request.reason === 'error') status.set('error', request.detail);
      else this.cannotAct(now, request.reason === 'latent' ? `latent-${request.latent}` : request.reason, request.detail);
      if (request.reason === 'latent' && request.latentAge !== undefined) status.setLatentAge(request.latentAge);
      return;
    }
    status.setLatentAge(request.latentAge);
    this.inference.run(
      now + this.manifest.expert.modelledLatency,
      (client) => client.decode(request.job),
      ({ value, computeSec }) => this.publish(request, value.actions, value.features, computeSec),
    );
  }

  private cannotAct(now: number, kind: string, detail: string): void {
    this.status.set('degraded', detail);
    this.idle.idle(now, kind, detail);
  }

  private publish(request: ChunkRequest, normalised: Float32Array, features: Float32Array | undefined, computeSec: number): void {
    const { node, status } = this;
    const result = this.producer.finish(request, normalised, features, computeSec);
    if (!result.ok && result.kind === 'superseded') {
      node.logger.debug(`chunk dropped (nothing published): ${result.reason}`);
      return;
    }
    if (!result.ok) {
      status.drop();
      status.set('degraded', `chunk refused: ${result.reason}`);
      node.logger.throttle('warn', 2, `chunk refused (nothing published): ${result.reason}`, 'chunk-refused');
      return;
    }
    const { header } = result.chunk;
    this.chunkPub.publish(result.chunk);
    if (this.featuresPub !== undefined && result.features !== undefined) {
      this.featuresPub.publish({
        header,
        episode_id: this.episodeId,
        step: this.episodeStep,
        source: `expert:${this.manifest.expert.outputs.features}`,
        features: result.features,
      });
    }
    this.episodeStep++;
    const done = node.clock.now();
    status.output(done, done - request.sampledAt);
    status.setValue('compute_ms', (computeSec * 1000).toFixed(2));
    status.set('running');
    this.idle.acting();
  }
}

export const fastPathway: NodeDefinition = {
  exec: 'fast_pathway',
  defaultName: 'fast_pathway',
  summary: 'Action expert at 30 Hz: latest latent + joint state → action chunks (+ features for the failure monitor).',
  parameters: FAST_PATHWAY_PARAMETERS,
  create: (node) => new FastPathwayNode(node),
};
