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
// A tick never waits: while a decode is in flight the tick is skipped and counted as an
// overrun (never stacked); with no fresh latent or state it publishes nothing and says why.

import { InferenceClient, InferenceClosedError } from '../inference/inference_client.js';
import { float32Of } from '../inference/named_tensor.js';
import type { TensorData } from '../inference/tensor.js';
import { robotFitProblem, validateExpert } from '../policy/bundle_validation.js';
import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { loadPolicyBundle } from '../policy/policy_bundle.js';
import { CRISP_PARAMETERS, ROBOT_PARAMETERS } from '../robots/robot_parameters.js';
import { declareParameters, param, pickParameters, readParameters } from '../ros/parameter_schema.js';
import { JOINT_STATE_LIMIT_TOLERANCE, limitsByName } from '../robots/joint_state_mapper.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import { QoSProfiles } from '../ros/qos.js';
import { fromRosTime } from '../ros/time.js';
import type { Timer } from '../ros/timer.js';
import type { NodeDefinition } from '../runtime/node_definition.js';
import { IdleWarning } from '../runtime/idle_warning.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus } from '../runtime/status_reporter.js';
import { ChunkProducer, FAST_PATHWAY_DEFAULTS, latentEntryFromMessage, type ChunkRequest } from './chunk_producer.js';
import type { LatentEntryData } from './latent_buffer.js';
import { errorText } from '../error_text.js';

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
  // Dynamic as before, though the node reads it once at start.
  state_timeout: param.double(FAST_PATHWAY_DEFAULTS.stateTimeout, 'Joint states older than this [s] are not used.', {
    range: [0.001, 10],
    dynamic: true,
  }),
  // Dynamic as before, though the node reads it once at start.
  seed: param.integer(0, 'Seed of the decoder noise; chunk n uses seed + n, so replays are reproducible.', {
    range: [0, 2 ** 31 - 1],
    dynamic: true,
  }),
  inference_threads: param.integer(1, 'onnxruntime intra-op threads.', { range: [1, 8] }),
  joint_state_limit_tolerance: param.double(
    JOINT_STATE_LIMIT_TOLERANCE,
    'joint_states with a position further than this outside robot.joint_position_min/max are rejected (counted) [rad].',
    { range: [0, 10] },
  ),
};

export const fastPathway: NodeDefinition = {
  exec: 'fast_pathway',
  defaultName: 'fast_pathway',
  summary: 'Action expert at 30 Hz: latest latent + joint state → action chunks (+ features for the failure monitor).',
  parameters: FAST_PATHWAY_PARAMETERS,
  async create(node) {
    const p = node.parameters;
    const v = declareParameters(p, FAST_PATHWAY_PARAMETERS);
    const bundle = loadPolicyBundle(v.policy_bundle);
    const { manifest } = bundle;
    // A bundle trained for another arm would wait forever for joints that never come: refuse at start.
    const robot = {
      name: v['robot.name'],
      jointNames: v['robot.joint_names'],
      positionMin: v['robot.joint_position_min'],
      positionMax: v['robot.joint_position_max'],
    };
    const misfit = robotFitProblem(manifest, robot);
    if (misfit !== undefined) throw new Error(`policy bundle '${bundle.dir}' does not fit the robot: ${misfit}`);
    const { rate_hz: rateHz, state_timeout: stateTimeout, seed, inference_threads: threads } = v;
    const jointStatesTopic = v['crisp.joint_states_topic'];
    const jointStateTolerance = v.joint_state_limit_tolerance;
    const baseFrame = v['robot.base_frame'];

    const inference = await InferenceClient.start({ expert: bundle.file(manifest.expert.model) }, threads);
    // The VLM is not loaded here, so latent shapes are checked by `vla-ros bundle check`.
    const problems = validateExpert(manifest, inference.io.expert, undefined, bundle.file(manifest.expert.model));
    if (problems.length > 0) {
      await inference.close();
      throw new Error(`policy bundle ${bundle.dir} does not fit its expert: ${problems.join('; ')}`);
    }

    const status = new NodeStatus();
    const producer = new ChunkProducer(manifest, {
      // Current, not initial: a set while the expert loaded counts.
      maxLatentAge: readParameters(p, FAST_PATHWAY_PARAMETERS).max_latent_age,
      stateTimeout,
      seed,
      frameId: baseFrame,
      jointLimits: limitsByName(manifest.state.jointNames, robot, jointStateTolerance),
    });
    p.onChanged(() => {
      producer.maxLatentAge = readParameters(p, FAST_PATHWAY_PARAMETERS).max_latent_age;
    });
    let episodeId = '';
    let episodeStep = 0;
    let inFlight = false;
    let timer: Timer | undefined;
    let stopStatus: (() => void) | undefined;

    const lifecycle = new LifecycleNode(node, {
      onActivate: () => {
        stopStatus = reportStatus(node, status);
        status.set('degraded', 'waiting for a latent and joint states');
        timer = node.createTimer(1 / rateHz, tick, { precise: true });
      },
      onDeactivate: () => {
        timer?.cancel();
        stopStatus?.();
        status.set('holding', 'inactive');
      },
    });
    const chunkPub = lifecycle.createPublisher('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 4);
    const featuresPub =
      manifest.expert.outputs.features !== undefined
        ? lifecycle.createPublisher('vla_ros_msgs/msg/PolicyFeatures', 'policy_features', 10)
        : undefined;

    node.createSubscription('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal, (msg) => {
      let entry: LatentEntryData;
      try {
        entry = latentEntryFromMessage(msg);
      } catch (err) {
        status.drop();
        node.logger.throttle('warn', 5, `malformed latent dropped: ${errorText(err)}`, 'bad-latent');
        return;
      }
      const r = producer.writeLatent(entry);
      if (!r.accepted) {
        status.drop();
        node.logger.throttle('debug', 5, `latent dropped: ${r.reason}`, 'latent-dropped');
      }
    });
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => {
      if (msg.id === episodeId) return;
      episodeId = msg.id;
      episodeStep = 0;
      producer.setInstruction(msg.id);
    });
    node.createSubscription('sensor_msgs/msg/JointState', jointStatesTopic, QoSProfiles.sensorData, (msg) => {
      if (!producer.concernsJoints(msg.name)) return;
      const stamp = fromRosTime(msg.header.stamp);
      const r = producer.updateJoints(msg.name, msg.position, stamp > 0 ? stamp : node.clock.now());
      if (!r.ok) {
        status.rejected('joint_states', r.reason, producer.jointRejections(r.reason));
        node.logger.throttle('warn', 5, `joint_states rejected: ${r.error}`, `joint-states-${r.reason}`);
      }
    });
    node.createSubscription('vla_ros_msgs/msg/Observation', 'observation', { ...QoSProfiles.sensorData, depth: 1 }, (msg) => {
      const stamp = fromRosTime(msg.header.stamp);
      if (!producer.takesImages) {
        producer.observeCameras(stamp);
        return;
      }
      try {
        const images = Object.fromEntries(
          msg.images.map((t) => {
            const { dims, data } = float32Of(t);
            return [t.name, { type: 'float32', dims: [1, ...dims], data } satisfies TensorData];
          }),
        );
        producer.setImages(images, stamp);
      } catch (err) {
        status.drop();
        node.logger.throttle('warn', 5, `malformed observation dropped: ${errorText(err)}`, 'bad-obs');
      }
    });
    // Counts backward time jumps: a chunk requested before one belongs to the old timeline.
    let jumps = 0;
    const stopJumps = node.clock.onJump(() => {
      // Time went backwards (a replay looped): everything held refers to the "future".
      producer.clear();
      jumps++;
    });

    // No chunk means an idle arm: the reason goes to the status every tick and, once it has lasted, to the log.
    const idle = new IdleWarning(node.logger);
    function cannotAct(now: number, kind: string, detail: string): void {
      status.set('degraded', detail);
      idle.idle(now, kind, detail);
    }

    function tick(): void {
      const now = node.clock.now();
      if (inFlight) {
        status.overrun();
        return;
      }
      const request = producer.request(now);
      if (!('job' in request)) {
        if (request.reason === 'error') status.set('error', request.detail);
        else cannotAct(now, request.reason === 'latent' ? `latent-${request.latent}` : request.reason, request.detail);
        if (request.reason === 'latent' && request.latentAge !== undefined) status.setLatentAge(request.latentAge);
        return;
      }
      status.setLatentAge(request.latentAge);
      inFlight = true;
      const requestedIn = jumps;
      node.clock
        .deliverAt(now + manifest.expert.modelledLatency, inference.decode(request.job))
        .then(({ value, computeSec }) => {
          // Time jumped back while the expert ran: the chunk would be stamped in the "future".
          if (requestedIn !== jumps) status.drop();
          else publish(request, value.actions, value.features, computeSec);
        })
        .catch((err: unknown) => {
          if (err instanceof InferenceClosedError) return; // shutting down: nothing to report
          status.set('error', `decode failed: ${errorText(err)}`);
          node.logger.throttle('error', 5, `decode failed: ${errorText(err)}`, 'decode-failed');
        })
        .finally(() => {
          inFlight = false;
        });
    }

    function publish(request: ChunkRequest, normalised: Float32Array, features: Float32Array | undefined, computeSec: number): void {
      const result = producer.finish(request, normalised, features, computeSec);
      if (!result.ok) {
        status.drop();
        status.set('degraded', `chunk refused: ${result.reason}`);
        node.logger.throttle('warn', 2, `chunk refused (nothing published): ${result.reason}`, 'chunk-refused');
        return;
      }
      const { header } = result.chunk;
      chunkPub.publish(result.chunk);
      if (featuresPub !== undefined && result.features !== undefined) {
        featuresPub.publish({
          header,
          episode_id: episodeId,
          step: episodeStep,
          source: `expert:${manifest.expert.outputs.features}`,
          features: result.features,
        });
      }
      episodeStep++;
      const done = node.clock.now();
      status.output(done, done - request.sampledAt);
      status.setValue('compute_ms', (computeSec * 1000).toFixed(2));
      status.set('running');
      idle.acting();
    }

    return {
      lifecycle,
      dispose: async () => {
        stopJumps();
        await inference.close();
      },
    };
  },
};
