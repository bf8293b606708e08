// fast_pathway — the action expert at `rate_hz` (30 Hz): each tick takes the latest latent
// (and its age), the latest joint state (by joint NAME) and, when the expert wants them, the
// latest images; decodes a chunk off the event loop; publishes it with the stamps an
// executor needs, plus the features the failure monitor scores.
//
// Topics (relative names resolve under the node's namespace):
//   sub  latent           vla_ros_msgs/msg/LatentEntry     transient local (latest entry wins)
//   sub  instruction      vla_ros_msgs/msg/Instruction     transient local
//   sub  <crisp.joint_states_topic>  sensor_msgs/msg/JointState  (default joint_states)
//   sub  observation      vla_ros_msgs/msg/Observation     its images if the expert takes them; always its
//                                                          stamp (a chunk's observation_stamp: cameras alive)
//   pub  action_chunk     vla_ros_msgs/msg/ActionChunk     reliable, depth 4
//   pub  policy_features  vla_ros_msgs/msg/PolicyFeatures  when the expert exports features
//   pub  ~/status, /diagnostics                            ~1 Hz
// Parameters: FAST_PATHWAY_PARAMETERS below (`vla-ros run fast_pathway --help-params`).
//
// Lifecycle (docs/fast-slow-runtime.md): activate starts the chunk timer and the status, deactivate
// and cleanup stop them. The expert worker lives as long as the node (see FastPathwayNode.start).
//
// A tick never waits: while a decode is in flight the tick is skipped and counted as an
// overrun (never stacked); with no fresh latent or state it publishes nothing and says why.

import { InferenceClient, InferenceClosedError } from '../inference/inference_client.js';
import { robotFitProblem, validateExpert } from '../policy/bundle_validation.js';
import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { loadPolicyBundle } from '../policy/policy_bundle.js';
import type { PolicyManifest } from '../policy/manifest.js';
import { CRISP_PARAMETERS, ROBOT_PARAMETERS } from '../robots/robot_parameters.js';
import { declareParameters, param, pickParameters, readParameters, type ParameterValues } from '../ros/parameter_schema.js';
import { JOINT_STATE_LIMIT_TOLERANCE, limitsByName } from '../robots/joint_state_mapper.js';
import { LifecycleNode, type LifecyclePublisher } from '../ros/lifecycle_node.js';
import type { MessageTypeMap, RosNode } from '../ros/node.js';
import { QoSProfiles } from '../ros/qos.js';
import { fromRosTime } from '../ros/time.js';
import type { Timer } from '../ros/timer.js';
import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { IdleWarning } from '../runtime/idle_warning.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import { ChunkProducer, FAST_PATHWAY_DEFAULTS, latentEntryFromMessage, type ChunkRequest } from './chunk_producer.js';
import type { LatentEntryData } from './latent_buffer.js';
import { observationImages } from './observation_images.js';
import { errorText } from '../error_text.js';
import type { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { EXECUTION_PROVIDERS } from '../inference/execution_provider.js';

export const FAST_PATHWAY_PARAMETERS = {
  ...POLICY_BUNDLE_PARAMETERS,
  ...pickParameters(ROBOT_PARAMETERS, [
    'robot.name',
    'robot.joint_names',
    'robot.joint_position_min',
    'robot.joint_position_max',
    'robot.base_frame',
  ]),
  ...pickParameters(CRISP_PARAMETERS, ['crisp.joint_states_topic']),
  rate_hz: param.double(30, 'Chunk rate [Hz].', { range: [1, 200] }),
  max_latent_age: param.double(
    FAST_PATHWAY_DEFAULTS.maxLatentAge,
    'Stop producing chunks when the latent is older than this [s] (age = now − its observation time).',
    { range: [0.01, 60], dynamic: true },
  ),
  state_timeout: param.double(FAST_PATHWAY_DEFAULTS.stateTimeout, 'Joint states older than this [s] are not used.', {
    range: [0.001, 10],
  }),
  seed: param.integer(0, 'Seed of the decoder noise; chunk n uses seed + n, so replays are reproducible.', {
    range: [0, 2 ** 31 - 1],
  }),
  inference_threads: param.integer(1, 'onnxruntime intra-op threads.', { range: [1, 8] }),
  execution_provider: param.choice(
    EXECUTION_PROVIDERS,
    'cpu',
    "Where onnxruntime runs the action expert (cpu; cuda / tensorrt need onnxruntime-node's GPU binaries, docs/installation.md).",
  ),
  joint_state_limit_tolerance: param.double(
    JOINT_STATE_LIMIT_TOLERANCE,
    'joint_states with a position further than this outside robot.joint_position_min/max are rejected (counted) [rad].',
    { range: [0, 10] },
  ),
};

type FastPathwayParameters = ParameterValues<typeof FAST_PATHWAY_PARAMETERS>;

export class FastPathwayNode implements NodeInstance {
  readonly lifecycle: LifecycleNode;
  private readonly status = new NodeStatus();
  private readonly producer: ChunkProducer;
  private readonly chunkPub: LifecyclePublisher<MessageTypeMap['vla_ros_msgs/msg/ActionChunk']>;
  private readonly featuresPub: LifecyclePublisher<MessageTypeMap['vla_ros_msgs/msg/PolicyFeatures']> | undefined;
  /** No chunk means an idle arm: the reason goes to the status every tick and, once it has lasted, to the log. */
  private readonly idle: IdleWarning;
  private readonly stopJumps: () => void;
  /** Backward time jumps so far: a chunk requested before one belongs to the old timeline. */
  private jumps = 0;
  private episodeId = '';
  private episodeStep = 0;
  /** One decode in flight: ticks meanwhile are skipped (counted as overruns), never stacked. */
  private inFlight = false;
  private timer: Timer | undefined;
  private stopStatus: StatusReport | undefined;

  /**
   * Loads the bundle and starts the expert worker before the node exists, so that a bundle that
   * does not fit the robot, or whose model does not load or fit, refuses the start (one line,
   * exit 1: test/cli/corrupt_model.test.ts) instead of leaving an unconfigured node; the worker
   * therefore lives until dispose, not from configure to cleanup.
   */
  static async start(node: RosNode): Promise<FastPathwayNode> {
    const params = declareParameters(node.parameters, FAST_PATHWAY_PARAMETERS);
    const bundle = loadPolicyBundle(params.policy_bundle);
    const { manifest } = bundle;
    // A bundle trained for another arm would wait forever for joints that never come: refuse at start.
    const misfit = robotFitProblem(manifest, robotOf(params));
    if (misfit !== undefined) throw new Error(`policy bundle '${bundle.dir}' does not fit the robot: ${misfit}`);
    const inference = await InferenceClient.start(
      { expert: bundle.file(manifest.expert.model) },
      params.inference_threads,
      params.execution_provider,
    );
    // The VLM is not loaded here, so latent shapes are checked by `vla-ros bundle check`.
    const problems = validateExpert(manifest, inference.io.expert, undefined, bundle.file(manifest.expert.model));
    if (problems.length > 0) {
      await inference.close();
      throw new Error(`policy bundle ${bundle.dir} does not fit its expert: ${problems.join('; ')}`);
    }
    return new FastPathwayNode(node, manifest, params, inference);
  }

  private constructor(
    private readonly node: RosNode,
    private readonly manifest: PolicyManifest,
    private readonly params: FastPathwayParameters,
    private readonly inference: InferenceClient,
  ) {
    const p = node.parameters;
    this.producer = new ChunkProducer(manifest, {
      // Current, not initial: a set while the expert loaded counts.
      maxLatentAge: readParameters(p, FAST_PATHWAY_PARAMETERS).max_latent_age,
      stateTimeout: params.state_timeout,
      seed: params.seed,
      frameId: params['robot.base_frame'],
      jointLimits: limitsByName(manifest.state.jointNames, robotOf(params), params.joint_state_limit_tolerance),
    });
    p.onChanged(() => {
      this.producer.maxLatentAge = readParameters(p, FAST_PATHWAY_PARAMETERS).max_latent_age;
    });
    this.idle = new IdleWarning(node.logger);
    this.lifecycle = new LifecycleNode(node, {
      onActivate: () => this.activate(),
      onDeactivate: () => this.deactivate(),
      onCleanup: () => this.cleanup(),
      onShutdown: () => this.cleanup(),
    });
    this.chunkPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 4);
    this.featuresPub =
      manifest.expert.outputs.features !== undefined
        ? this.lifecycle.createPublisher('vla_ros_msgs/msg/PolicyFeatures', 'policy_features', 10)
        : undefined;
    node.createSubscription('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal, (msg) => this.onLatent(msg));
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => {
      if (msg.id === this.episodeId) return;
      this.episodeId = msg.id;
      this.episodeStep = 0;
      this.producer.setInstruction(msg.id);
    });
    node.createSubscription('sensor_msgs/msg/JointState', params['crisp.joint_states_topic'], QoSProfiles.sensorData, (msg) =>
      this.onJointState(msg),
    );
    node.createSubscription('vla_ros_msgs/msg/Observation', 'observation', { ...QoSProfiles.sensorData, depth: 1 }, (msg) =>
      this.onObservation(msg),
    );
    this.stopJumps = node.clock.onJump(() => {
      // Time went backwards (a replay looped): everything held refers to the "future".
      this.producer.clear();
      this.jumps++;
    });
  }

  private activate(): void {
    this.stopStatus = reportStatus(this.node, this.status);
    this.status.set('degraded', 'waiting for a latent and joint states');
    this.timer = this.node.createTimer(1 / this.params.rate_hz, () => this.tick(), { precise: true });
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

  private onLatent(msg: vla_ros_msgs.msg.LatentEntry): void {
    let entry: LatentEntryData;
    try {
      entry = latentEntryFromMessage(msg);
    } catch (err) {
      this.status.drop();
      this.node.logger.throttle('warn', 5, `malformed latent dropped: ${errorText(err)}`, 'bad-latent');
      return;
    }
    const r = this.producer.writeLatent(entry);
    if (!r.accepted) {
      this.status.drop();
      this.node.logger.throttle('debug', 5, `latent dropped: ${r.reason}`, 'latent-dropped');
    }
  }

  private onJointState(msg: MessageTypeMap['sensor_msgs/msg/JointState']): void {
    const { producer } = this;
    if (!producer.concernsJoints(msg.name)) return;
    const stamp = fromRosTime(msg.header.stamp);
    const r = producer.updateJoints(msg.name, msg.position, stamp > 0 ? stamp : this.node.clock.now());
    if (!r.ok) {
      this.status.rejected('joint_states', r.reason, producer.jointRejections(r.reason));
      this.node.logger.throttle('warn', 5, `joint_states rejected: ${r.error}`, `joint-states-${r.reason}`);
    }
  }

  private onObservation(msg: vla_ros_msgs.msg.Observation): void {
    const stamp = fromRosTime(msg.header.stamp);
    if (!this.producer.takesImages) {
      this.producer.observeCameras(stamp);
      return;
    }
    try {
      this.producer.setImages(observationImages(msg), stamp);
    } catch (err) {
      this.status.drop();
      this.node.logger.throttle('warn', 5, `malformed observation dropped: ${errorText(err)}`, 'bad-obs');
    }
  }

  private tick(): void {
    const { node, status } = this;
    const now = node.clock.now();
    if (this.inFlight) {
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
    this.inFlight = true;
    const requestedIn = this.jumps;
    node.clock
      .deliverAt(now + this.manifest.expert.modelledLatency, this.inference.decode(request.job))
      .then(({ value, computeSec }) => {
        // Time jumped back while the expert ran: the chunk would be stamped in the "future".
        if (requestedIn !== this.jumps) status.drop();
        else this.publish(request, value.actions, value.features, computeSec);
      })
      .catch((err: unknown) => {
        if (err instanceof InferenceClosedError) return; // shutting down: nothing to report
        status.set('error', `decode failed: ${errorText(err)}`);
        node.logger.throttle('error', 5, `decode failed: ${errorText(err)}`, 'decode-failed');
      })
      .finally(() => {
        this.inFlight = false;
      });
  }

  private cannotAct(now: number, kind: string, detail: string): void {
    this.status.set('degraded', detail);
    this.idle.idle(now, kind, detail);
  }

  private publish(request: ChunkRequest, normalised: Float32Array, features: Float32Array | undefined, computeSec: number): void {
    const { node, status } = this;
    const result = this.producer.finish(request, normalised, features, computeSec);
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

/** The robot facts the bundle must fit. */
function robotOf(params: FastPathwayParameters) {
  return {
    name: params['robot.name'],
    jointNames: params['robot.joint_names'],
    positionMin: params['robot.joint_position_min'],
    positionMax: params['robot.joint_position_max'],
  };
}

export const fastPathway: NodeDefinition = {
  exec: 'fast_pathway',
  defaultName: 'fast_pathway',
  summary: 'Action expert at 30 Hz: latest latent + joint state → action chunks (+ features for the failure monitor).',
  parameters: FAST_PATHWAY_PARAMETERS,
  create: (node) => FastPathwayNode.start(node),
};
