// camera_ingestion — turns camera streams into synchronised, preprocessed policy observations.
// Topics, QoS, status and lifecycle: docs/camera-ingestion.md; the algorithms are in
// the modules beside this file; parameters: ingestion_parameters.ts (docs tables generated from it).

import { loadPolicyBundle } from '../policy/policy_bundle.js';
import { declareParameters, readParameters } from '../ros/parameter_schema.js';
import { LifecycleNode, type LifecycleCallbacks, type LifecyclePublisher } from '../ros/lifecycle_node.js';
import type { MessageTypeMap, RosNode, Subscription } from '../ros/node.js';
import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import type { Timer } from '../ros/timer.js';
import { resolveCameras, type CameraInput } from './camera_config.js';
import { subscribeCameras } from './camera_subscriptions.js';
import { sharpDecoder } from './compressed_decoder.js';
import { plainAllocator } from './image_preprocessor.js';
import { CAMERA_INGESTION_PARAMETERS, type CameraIngestionParameters } from './ingestion_parameters.js';
import { IngestionPipeline, type DropReason, type IngestedObservation } from './ingestion_pipeline.js';
import { ingestionHealth } from './ingestion_health.js';
import { OBSERVATION_QOS, observationMessage } from './observation_message.js';
import { sharedAllocator } from './shared_tensor.js';
import { errorText } from '../error_text.js';

/** Per (camera, reason), at most one log line per this many seconds. */
const LOG_PERIOD = 5;

/** Flow control (keep-latest decoding, waiting for the other cameras) logs at debug; every other drop is a data problem and warns. */
const FLOW_CONTROL_REASONS: ReadonlySet<DropReason> = new Set<DropReason>(['busy', 'superseded']);

export class CameraIngestionNode implements NodeInstance, LifecycleCallbacks {
  readonly lifecycle: LifecycleNode;
  private readonly params: CameraIngestionParameters;
  /** The current values: max_skew and max_frame_age are dynamic, the pipeline reads them from here. */
  private live: CameraIngestionParameters;
  private readonly status = new NodeStatus();
  private readonly observationPub: LifecyclePublisher<MessageTypeMap['vla_ros_msgs/msg/Observation']>;
  /** Refreshes the health values just before each status report; both run in every state. */
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
    this.lifecycle = new LifecycleNode(node, this);
    // The publisher lives as long as the node: replays read the suite's graph before nodes configure.
    this.observationPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/Observation', 'observation', OBSERVATION_QOS);
    this.health = node.createTimer(1, () => this.refreshHealth());
    this.stopStatus = reportStatus(node, this.status);
    this.stopJumps = node.clock.onJump((jump) => {
      node.logger.info(`time jumped back ${(jump.before - jump.after).toFixed(3)} s: synchronisation restarted`);
      this.pipeline?.reset();
      this.lastObservationAt = jump.after;
    });
  }

  onConfigure(): 'success' | 'failure' {
    const { node, params: v } = this;
    let cameras: CameraInput[];
    try {
      cameras = resolveCameras(loadPolicyBundle(v.policy_bundle).manifest.cameras, {
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
    this.pipeline = new IngestionPipeline({
      cameras,
      syncHistory: this.live.sync_history,
      now: () => node.clock.now(),
      maxSkew: () => this.live.max_skew,
      maxFrameAge: () => this.live.max_frame_age,
      // Embedded backend: tensors over SharedArrayBuffers cross worker threads without a copy.
      // rclnodejs serialises every message anyway, so plain buffers there.
      allocate: node.backend === 'embedded' ? sharedAllocator : plainAllocator,
      decode: sharpDecoder,
      // Deterministic runs (virtual time, also under use_sim_time) wait for every JPEG decode before
      // time moves on, so which frames make an observation never depends on machine speed.
      track: node.clock.deterministic ? (work) => node.clock.track(work) : undefined,
      onObservation: (obs) => this.publish(obs),
      onDrop: (camera, reason, detail) => this.onDrop(camera, reason, detail),
      onError: (camera, message) => node.logger.error(`camera '${camera}': ${message}`),
    });
    for (const { name, transport, topic, spec: s } of cameras) {
      node.logger.info(
        `camera '${name}': ${transport} on ${node.resolveName(topic)} → float32 [3,${s.height},${s.width}] (${s.resize}, ${s.channelOrder})`,
      );
    }
    this.status.set('starting', 'configured');
    return 'success';
  }

  onActivate(): void {
    const pl = this.pipeline!;
    this.subscriptions = subscribeCameras(this.node, pl.cameras, pl);
    this.lastObservationAt = this.node.clock.now();
    this.status.set('starting', `waiting for frames from ${pl.cameras.map((c) => c.name).join(', ')}`);
  }

  onDeactivate(): void {
    this.stopInputs('inactive');
  }

  /** Drops the pipeline and its counts (idempotent); a later configure reads the bundle again. */
  onCleanup(): void {
    this.stopInputs('not configured');
    this.pipeline = undefined;
  }

  onShutdown(): void {
    this.stopInputs('shut down');
  }

  private stopInputs(why: string): void {
    for (const s of this.subscriptions) s.destroy();
    this.subscriptions = [];
    this.pipeline?.reset();
    this.status.set('starting', why);
  }

  dispose(): void {
    this.health.cancel();
    this.stopStatus();
    this.stopJumps();
    this.stopInputs('disposed');
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
    const pl = this.pipeline;
    const index = pl?.cameras.findIndex((c) => c.name === camera) ?? -1;
    const count = pl?.dropCount(reason, index) ?? 0;
    this.node.logger.throttle(
      FLOW_CONTROL_REASONS.has(reason) ? 'debug' : 'warn',
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
