// camera_ingestion — turns camera streams into synchronised, preprocessed policy observations.
//
// Topics (relative names resolve under the node's namespace):
//   sub  cameras/<name>/image_raw              sensor_msgs/msg/Image            per camera, transport raw
//   sub  cameras/<name>/image_raw/compressed   sensor_msgs/msg/CompressedImage  per camera, transport compressed
//        (keep last 1, best effort, volatile: hears reliable and best-effort cameras; only the
//        newest frame matters, a backlog is never worked off)
//   pub  observation   vla_ros_msgs/msg/Observation   keep last 2, BEST EFFORT, volatile (OBSERVATION_QOS):
//        subscribe with best effort (e.g. QoSProfiles.sensorData) — a reliable reader gets nothing
//   pub  ~/status, /diagnostics                     1 Hz health: rate, age, drops per reason
// Parameters: CAMERA_INGESTION_PARAMETERS below (`vla-ros run camera_ingestion --help-params`).
// Lifecycle: configure loads the bundle and builds the pipeline, activate subscribes to the
// cameras, deactivate unsubscribes, cleanup drops the pipeline; ~/status runs in every state.
// The algorithms are in the modules beside this file; docs/camera-ingestion.md explains them.

import { POLICY_BUNDLE_PARAMETERS } from '../policy/bundle_parameter.js';
import { loadPolicyBundle } from '../policy/policy_bundle.js';
import { declareParameters, param, readParameters, type ParameterValues } from '../ros/parameter_schema.js';
import { LifecycleNode, type LifecyclePublisher } from '../ros/lifecycle_node.js';
import type { MessageTypeMap, RosNode, Subscription } from '../ros/node.js';
import { QoSProfiles, type QoSProfile } from '../ros/qos.js';
import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import type { Timer } from '../ros/timer.js';
import { resolveCameras, TRANSPORTS, type CameraInput } from './camera_config.js';
import { sharpDecoder } from './compressed_decoder.js';
import { plainAllocator } from './image_preprocessor.js';
import { IngestionPipeline, type DropReason, type IngestedObservation } from './ingestion_pipeline.js';
import { ingestionHealth } from './ingestion_health.js';
import { observationMessage } from './observation_message.js';
import { sharedAllocator } from './shared_tensor.js';
import { errorText } from '../error_text.js';

/**
 * The observation topic's QoS. Best effort: an observation that missed its moment is worth
 * nothing (the next one is 33 ms behind), and reliable delivery of ~600 KB per camera would
 * make DDS resend old samples and hold back new ones. Depth 2: a reader busy for part of a
 * period still finds the newest observation plus the one before, never a backlog. Volatile:
 * a late joiner must wait for a fresh observation, not replay an old one.
 */
export const OBSERVATION_QOS: QoSProfile = Object.freeze({
  history: 'keep_last',
  depth: 2,
  reliability: 'best_effort',
  durability: 'volatile',
});

/** Camera subscriptions: the sensor-data profile (best effort hears every camera driver) with depth 1. */
export const CAMERA_QOS: QoSProfile = Object.freeze({ ...QoSProfiles.sensorData, depth: 1 });

/** Per (camera, reason), at most one log line per this many seconds. */
const LOG_PERIOD = 5;

/** Flow control (keep-latest decoding, waiting for the other cameras) logs at debug; every other drop is a data problem and warns. */
const FLOW_CONTROL_REASONS: ReadonlySet<DropReason> = new Set<DropReason>(['busy', 'superseded']);

export const CAMERA_INGESTION_PARAMETERS = {
  ...POLICY_BUNDLE_PARAMETERS,
  camera_names: param.stringArray([], "Manifest cameras to ingest; empty: all of the bundle's cameras. Published in manifest order."),
  camera_topics: param.stringArray(
    [],
    'Topic per camera, in camera_names order; empty: cameras/<name>/image_raw (raw) or cameras/<name>/image_raw/compressed.',
  ),
  camera_transports: param.choiceArray(
    TRANSPORTS,
    [],
    'raw (sensor_msgs/Image) or compressed (sensor_msgs/CompressedImage) per camera; empty: all raw.',
  ),
  expected_widths: param.integerArray([], 'Source image width per camera; frames of another size are dropped. Empty or 0: any.'),
  expected_heights: param.integerArray([], 'Source image height per camera; frames of another size are dropped. Empty or 0: any.'),
  max_skew: param.double(0.02, 'Max spread of the stamps of the frames in one observation [s].', { range: [0, 1], dynamic: true }),
  max_frame_age: param.double(0.2, 'Frames older than this on the node clock (or stamped this far in its future) are dropped [s].', {
    range: [0.001, 10],
    dynamic: true,
  }),
  sync_history: param.integer(3, 'Frames kept per camera while waiting for the others (1: latest frame only).', { range: [1, 30] }),
};

type CameraIngestionParameters = ParameterValues<typeof CAMERA_INGESTION_PARAMETERS>;

export class CameraIngestionNode implements NodeInstance {
  readonly lifecycle: LifecycleNode;
  private readonly params: CameraIngestionParameters;
  /** The current values: max_skew and max_frame_age are dynamic, the pipeline reads them from here. */
  private live: CameraIngestionParameters;
  private readonly status = new NodeStatus();
  private readonly observationPub: LifecyclePublisher<MessageTypeMap['vla_ros_msgs/msg/Observation']>;
  /**
   * Health and per-reason counts, refreshed just before each status report (same period,
   * scheduled first). Both run in every state: an unconfigured node reports why.
   */
  private readonly health: Timer;
  private readonly stopStatus: StatusReport;
  private readonly stopJumps: () => void;
  /** Built in configure, dropped in cleanup. */
  private pipeline: IngestionPipeline | undefined;
  /** The camera subscriptions: made in activate, destroyed in deactivate. */
  private subscriptions: Subscription[] = [];
  private sequence = 0;
  private lastObservationAt = -Infinity;

  constructor(private readonly node: RosNode) {
    const p = node.parameters;
    this.params = declareParameters(p, CAMERA_INGESTION_PARAMETERS);
    this.live = this.params;
    p.onChanged(() => {
      this.live = readParameters(p, CAMERA_INGESTION_PARAMETERS);
    });
    this.status.set('starting', 'not configured');
    this.lifecycle = new LifecycleNode(node, {
      onConfigure: () => this.configure(),
      onActivate: () => this.activate(),
      onDeactivate: () => this.stopInputs('inactive'),
      onCleanup: () => this.cleanup(),
      onShutdown: () => this.stopInputs('shut down'),
    });
    this.observationPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/Observation', 'observation', OBSERVATION_QOS);
    this.health = node.createTimer(1, () => this.refreshHealth());
    this.stopStatus = reportStatus(node, this.status);
    this.stopJumps = node.clock.onJump((jump) => {
      node.logger.info(`time jumped back ${(jump.before - jump.after).toFixed(3)} s: synchronisation restarted`);
      this.pipeline?.reset();
      this.lastObservationAt = jump.after;
    });
  }

  private configure(): 'success' | 'failure' {
    const { node, params: v } = this;
    let cameras: CameraInput[];
    try {
      const bundle = loadPolicyBundle(v.policy_bundle);
      cameras = resolveCameras(bundle.manifest.cameras, {
        names: v.camera_names,
        topics: v.camera_topics,
        transports: v.camera_transports,
        expectedWidths: v.expected_widths,
        expectedHeights: v.expected_heights,
      });
    } catch (err) {
      const message = errorText(err);
      node.logger.error(`cannot configure: ${message}`);
      this.status.set('error', message);
      return 'failure';
    }
    this.pipeline = createPipeline(node, cameras, {
      // Deterministic runs (virtual time, also under use_sim_time) wait for every JPEG decode before
      // time moves on, so which frames make an observation never depends on machine speed.
      track: node.clock.deterministic ? (work) => node.clock.track(work) : undefined,
      onObservation: (obs) => this.publish(obs),
      onDrop: (camera, reason, detail) => this.onDrop(camera, reason, detail),
      settings: () => this.live,
    });
    for (const c of cameras) {
      const s = c.spec;
      node.logger.info(
        `camera '${c.name}': ${c.transport} on ${node.resolveName(c.topic)} → float32 [3,${s.height},${s.width}] ` +
          `(${s.resize}, ${s.channelOrder})`,
      );
    }
    this.status.set('starting', 'configured');
    return 'success';
  }

  private activate(): void {
    const { node } = this;
    const pl = this.pipeline!;
    this.subscriptions = pl.cameras.map((c, i) =>
      c.transport === 'raw'
        ? node.createSubscription('sensor_msgs/msg/Image', c.topic, CAMERA_QOS, (m) =>
            pl.raw(i, {
              width: m.width,
              height: m.height,
              encoding: m.encoding,
              is_bigendian: m.is_bigendian,
              step: m.step,
              data: m.data,
              stamp: m.header.stamp,
            }),
          )
        : node.createSubscription('sensor_msgs/msg/CompressedImage', c.topic, CAMERA_QOS, (m) =>
            pl.compressed(i, { stamp: m.header.stamp, format: m.format, data: m.data }),
          ),
    );
    this.lastObservationAt = node.clock.now();
    this.status.set('starting', `waiting for frames from ${pl.cameras.map((c) => c.name).join(', ')}`);
  }

  private cleanup(): void {
    this.stopInputs('not configured');
    this.pipeline = undefined;
  }

  private stopInputs(why: string): void {
    this.destroySubscriptions();
    this.pipeline?.reset();
    this.status.set('starting', why);
  }

  private destroySubscriptions(): void {
    for (const s of this.subscriptions) s.destroy();
    this.subscriptions = [];
  }

  dispose(): void {
    this.health.cancel();
    this.stopStatus();
    this.stopJumps();
    this.destroySubscriptions();
  }

  private publish(obs: IngestedObservation): void {
    const now = this.node.clock.now();
    this.sequence = (this.sequence + 1) >>> 0;
    this.observationPub.publish(observationMessage(obs, this.pipeline!.cameras, this.sequence));
    this.lastObservationAt = now;
    // Latency: the observation's age when published (exposure stamp → here, our processing included).
    this.status.output(now, now - obs.time);
    if (this.status.state !== 'running') this.status.set('running');
  }

  private onDrop(camera: string, reason: DropReason, detail: string): void {
    this.status.drop();
    const level = FLOW_CONTROL_REASONS.has(reason) ? 'debug' : 'warn';
    const pl = this.pipeline;
    const count =
      pl?.dropCount(
        reason,
        pl.cameras.findIndex((c) => c.name === camera),
      ) ?? 0;
    this.node.logger.throttle(
      level,
      LOG_PERIOD,
      `camera '${camera}': dropped frame (${reason}, ${count} so far): ${detail}`,
      `${camera}:${reason}`,
    );
  }

  private refreshHealth(): void {
    const pl = this.pipeline;
    if (pl === undefined) return;
    const { values, stall } = ingestionHealth(pl, {
      now: this.node.clock.now(),
      lastObservationAt: this.lastObservationAt,
      active: this.lifecycle.isActive,
      maxSkew: this.live.max_skew,
    });
    for (const [key, value] of values) this.status.setValue(key, value);
    if (stall !== undefined) this.status.set(stall.state, stall.message);
  }
}

export const cameraIngestion: NodeDefinition = {
  exec: 'camera_ingestion',
  defaultName: 'camera_ingestion',
  summary: 'Synchronises and preprocesses camera images into policy observations (observation).',
  parameters: CAMERA_INGESTION_PARAMETERS,
  create: (node) => new CameraIngestionNode(node),
};

interface PipelineHooks {
  track: ((work: Promise<unknown>) => void) | undefined;
  onObservation: (obs: IngestedObservation) => void;
  onDrop: (camera: string, reason: DropReason, detail: string) => void;
  settings: () => CameraIngestionParameters;
}

function createPipeline(node: RosNode, cameras: CameraInput[], hooks: PipelineHooks): IngestionPipeline {
  return new IngestionPipeline({
    cameras,
    syncHistory: hooks.settings().sync_history,
    now: () => node.clock.now(),
    maxSkew: () => hooks.settings().max_skew,
    maxFrameAge: () => hooks.settings().max_frame_age,
    // Embedded backend: tensors over SharedArrayBuffers cross worker threads without a copy.
    // rclnodejs serialises every message anyway, so plain buffers there.
    allocate: node.backend === 'embedded' ? sharedAllocator : plainAllocator,
    decode: sharpDecoder,
    track: hooks.track,
    onObservation: hooks.onObservation,
    onDrop: hooks.onDrop,
    onError: (camera, message) => node.logger.error(`camera '${camera}': ${message}`),
  });
}
