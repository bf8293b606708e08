// fast_pathway — the action expert at `rate_hz` (30 Hz): each tick takes the latest latent
// (and its age), the latest joint state (by joint NAME) and, when the expert wants them, the
// latest images; decodes a chunk off the event loop; publishes it with the stamps an
// executor needs, plus the features the failure monitor scores.
//
// Topics (relative names resolve under the node's namespace):
//   sub  latent           vla_ros_msgs/msg/LatentEntry     transient local (latest entry wins)
//   sub  instruction      vla_ros_msgs/msg/Instruction     transient local
//   sub  <crisp.joint_states_topic>  sensor_msgs/msg/JointState  (default joint_states)
//   sub  observation      vla_ros_msgs/msg/Observation     only if the expert takes images
//   pub  action_chunk     vla_ros_msgs/msg/ActionChunk     reliable, depth 4
//   pub  policy_features  vla_ros_msgs/msg/PolicyFeatures  when the expert exports features
//   pub  ~/status, /diagnostics                            ~1 Hz
// Parameters: policy_bundle, rate_hz, max_latent_age, state_timeout, seed, inference_threads,
// crisp.joint_states_topic, robot.base_frame (see create()).
//
// A tick never waits: while a decode is in flight the tick is skipped and counted as an
// overrun (never stacked); with no fresh latent or state it publishes nothing and says why.

import { InferenceClient, InferenceClosedError } from '../inference/inference_client.js';
import type { DecodeJob } from '../inference/expert_decoding.js';
import { float32Of } from '../inference/named_tensor.js';
import type { TensorData } from '../inference/tensor.js';
import { robotFitProblem, validateExpert } from '../policy/bundle_validation.js';
import { loadPolicyBundle } from '../policy/policy_bundle.js';
import { JointStateMapper } from '../robots/joint_state_mapper.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import { QoSProfiles } from '../ros/qos.js';
import { fromRosTime, toRosTime } from '../ros/time.js';
import type { Timer } from '../ros/timer.js';
import type { NodeDefinition } from '../runtime/node_definition.js';
import { IdleWarning } from '../runtime/idle_warning.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus } from '../runtime/status_reporter.js';
import { conditioningFeeds } from './decoders/contract.js';
import { checkChunk, denormalizeChunk, normalizeState } from './decoders/normalization.js';
import { LatentBuffer, type LatentEntryData } from './latent_buffer.js';

export const fastPathway: NodeDefinition = {
  exec: 'fast_pathway',
  defaultName: 'fast_pathway',
  summary: 'Action expert at 30 Hz: latest latent + joint state → action chunks (+ features for the failure monitor).',
  async create(node) {
    const p = node.parameters;
    const bundle = loadPolicyBundle(
      p.declare('policy_bundle', 'reference', {
        type: 'string',
        description: 'Policy bundle: a folder with manifest.yaml, or the name of one in config/policies/.',
        readOnly: true,
      }),
    );
    const { manifest } = bundle;
    // A bundle trained for another arm would wait forever for joints that never come: refuse at start.
    const robot = {
      name: p.declare('robot.name', '', { type: 'string', description: 'Robot model (from config/robots/<robot>.yaml).', readOnly: true }),
      jointNames: p.declare('robot.joint_names', [] as string[], { type: 'string_array', description: "The robot's joints: the bundle's state joints must be among them.", readOnly: true }),
    };
    const misfit = robotFitProblem(manifest, robot);
    if (misfit !== undefined) throw new Error(`policy bundle '${bundle.dir}' does not fit the robot: ${misfit}`);
    const rateHz = p.declare('rate_hz', 30, { type: 'double', description: 'Chunk rate [Hz].', range: { from: 1, to: 200 }, readOnly: true });
    const maxLatentAge = p.declare('max_latent_age', 1.0, {
      type: 'double',
      description: 'Stop producing chunks when the latent is older than this [s] (age = now − its observation time).',
      range: { from: 0.01, to: 60 },
    });
    const stateTimeout = p.declare('state_timeout', 0.1, {
      type: 'double',
      description: 'Joint states older than this [s] are not used.',
      range: { from: 0.001, to: 10 },
    });
    const seed = p.declare('seed', 0, {
      type: 'integer',
      description: 'Seed of the decoder noise; chunk n uses seed + n, so replays are reproducible.',
      range: { from: 0, to: 2 ** 31 - 1 },
    });
    const threads = p.declare('inference_threads', 1, { type: 'integer', description: 'onnxruntime intra-op threads.', range: { from: 1, to: 8 }, readOnly: true });
    const jointStatesTopic = p.declare('crisp.joint_states_topic', 'joint_states', { type: 'string', description: 'Robot joint states (sensor_msgs/JointState).', readOnly: true });
    const baseFrame = p.declare('robot.base_frame', 'base', { type: 'string', description: 'frame_id of published chunks (pose actions are in this frame).' });
    p.onChanged((changes) => {
      for (const c of changes) if (c.name === 'max_latent_age') buffer.maxAge = c.value as number;
    });

    const inference = await InferenceClient.start({ expert: bundle.file(manifest.expert.model) }, threads);
    // The VLM is not loaded here, so latent shapes are checked by `vla-ros bundle check`.
    const problems = validateExpert(manifest, inference.io.expert, undefined, bundle.file(manifest.expert.model));
    if (problems.length > 0) {
      await inference.close();
      throw new Error(`policy bundle ${bundle.dir} does not fit its expert: ${problems.join('; ')}`);
    }

    const status = new NodeStatus();
    const buffer = new LatentBuffer(maxLatentAge);
    const joints = new JointStateMapper(manifest.state.jointNames);
    const horizon = manifest.action.horizon;
    const dimension = manifest.action.names.length;
    const wantsImages = Object.keys(manifest.expert.inputs.images ?? {}).length > 0;
    let latestImages: Record<string, TensorData> | undefined;
    let episodeId = '';
    let episodeStep = 0;
    let sequence = 0;
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
        entry = {
          version: msg.version,
          instructionId: msg.instruction_id,
          observationTime: fromRosTime(msg.header.stamp),
          readyTime: fromRosTime(msg.ready_time),
          tensors: msg.tensors.map((t) => ({ name: t.name, ...float32Of(t) })),
        };
      } catch (err) {
        status.drop();
        node.logger.throttle('warn', 5, `malformed latent dropped: ${err instanceof Error ? err.message : String(err)}`, 'bad-latent');
        return;
      }
      const r = buffer.write(entry);
      if (!r.accepted) {
        status.drop();
        node.logger.throttle('debug', 5, `latent dropped: ${r.reason}`, 'latent-dropped');
      }
    });
    node.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (msg) => {
      if (msg.id === episodeId) return;
      episodeId = msg.id;
      episodeStep = 0;
      buffer.setInstruction(msg.id);
    });
    node.createSubscription('sensor_msgs/msg/JointState', jointStatesTopic, QoSProfiles.sensorData, (msg) => {
      const stamp = fromRosTime(msg.header.stamp);
      joints.update(msg.name, msg.position, stamp > 0 ? stamp : node.clock.now());
    });
    if (wantsImages) {
      node.createSubscription('vla_ros_msgs/msg/Observation', 'observation', { ...QoSProfiles.sensorData, depth: 1 }, (msg) => {
        try {
          latestImages = Object.fromEntries(
            msg.images.map((t) => {
              const { dims, data } = float32Of(t);
              return [t.name, { type: 'float32', dims: [1, ...dims], data } satisfies TensorData];
            }),
          );
        } catch (err) {
          status.drop();
          node.logger.throttle('warn', 5, `malformed observation dropped: ${err instanceof Error ? err.message : String(err)}`, 'bad-obs');
        }
      });
    }
    // Counts backward time jumps: a chunk requested before one belongs to the old timeline.
    let jumps = 0;
    const stopJumps = node.clock.onJump(() => {
      // Time went backwards (a replay looped): everything held refers to the "future".
      buffer.clear();
      joints.clear();
      latestImages = undefined;
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
      const latent = buffer.read(now);
      if (!('entry' in latent)) {
        cannotAct(now, `latent-${latent.reason}`, latent.detail);
        if (latent.reason === 'too_old') status.setLatentAge(latent.age);
        return;
      }
      status.setLatentAge(latent.age);
      const state = joints.latest(now, stateTimeout);
      if (!('positions' in state)) {
        cannotAct(now, 'joints', state.missing);
        return;
      }
      if (wantsImages && latestImages === undefined) {
        cannotAct(now, 'observation', 'no observation yet');
        return;
      }
      let job: DecodeJob;
      try {
        job = {
          model: 'expert',
          decoding: manifest.expert.decoding,
          horizon,
          dimension,
          conditioning: conditioningFeeds(manifest.expert, {
            latent: Object.fromEntries(latent.entry.tensors.map((t) => [t.name, { type: 'float32', dims: t.dims, data: t.data } satisfies TensorData])),
            state: normalizeState(state.positions, manifest.state.mean, manifest.state.std),
            latentAge: latent.age,
            images: latestImages,
          }),
          actionsInput: manifest.expert.inputs.actions,
          timeInput: manifest.expert.inputs.time,
          actionsOutput: manifest.expert.outputs.actions,
          featuresOutput: manifest.expert.outputs.features,
          seed: seed + sequence,
        };
      } catch (err) {
        status.set('error', err instanceof Error ? err.message : String(err));
        return;
      }
      inFlight = true;
      const entry = latent.entry;
      const age = latent.age;
      const requestedIn = jumps;
      node.clock
        .deliverAt(now + manifest.expert.modelledLatency, inference.decode(job))
        .then(({ value, computeSec }) => {
          // Time jumped back while the expert ran: the chunk would be stamped in the "future".
          if (requestedIn !== jumps) status.drop();
          else publish(now, entry, age, value.actions, value.features, computeSec);
        })
        .catch((err: unknown) => {
          if (err instanceof InferenceClosedError) return; // shutting down: nothing to report
          status.set('error', `decode failed: ${err instanceof Error ? err.message : String(err)}`);
          node.logger.throttle('error', 5, `decode failed: ${err instanceof Error ? err.message : String(err)}`, 'decode-failed');
        })
        .finally(() => {
          inFlight = false;
        });
    }

    function publish(
      sampledAt: number,
      latent: LatentEntryData,
      latentAge: number,
      normalised: Float32Array,
      features: Float32Array | undefined,
      computeSec: number,
    ): void {
      const actions = denormalizeChunk(normalised, manifest.action.mean, manifest.action.std);
      const check = checkChunk(actions, manifest.action, horizon);
      if (!check.ok) {
        status.drop();
        status.set('degraded', `chunk refused: ${check.message}`);
        node.logger.throttle('warn', 2, `chunk refused (nothing published): ${check.message}`, 'chunk-refused');
        return;
      }
      const stamp = toRosTime(sampledAt);
      const header = { stamp, frame_id: baseFrame };
      sequence++;
      chunkPub.publish({
        header,
        start_time: stamp,
        dt: manifest.action.dt,
        horizon,
        action_space: manifest.action.space,
        rotation: manifest.action.rotation,
        gripper: manifest.action.gripper === 'none' ? '' : manifest.action.gripper,
        dimension_names: manifest.action.names,
        data: Float32Array.from(actions),
        sequence,
        latent_version: latent.version,
        latent_age: latentAge,
        inference_latency: computeSec,
      });
      if (featuresPub !== undefined && features !== undefined) {
        featuresPub.publish({ header, episode_id: episodeId, step: episodeStep, source: `expert:${manifest.expert.outputs.features}`, features });
      }
      episodeStep++;
      const done = node.clock.now();
      status.output(done, done - sampledAt);
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

