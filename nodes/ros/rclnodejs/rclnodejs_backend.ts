// The port on rclnodejs (real ROS 2: DDS transport, rcl name resolution and remapping,
// native timers, `ros2 param`/`ros2 lifecycle` interoperability). Loaded only through a
// dynamic import from backend.ts when ROS 2 is sourced; never imported at top level.
//
// Parameters: the node's ParameterStore stays the source of truth (same validation and
// error messages on both backends); every declaration is mirrored into rclnodejs so that
// `ros2 param list/get/set/describe` work, and external sets are validated by the store.

/* eslint-disable @typescript-eslint/no-unnecessary-type-assertion, @typescript-eslint/no-unsafe-return,
   @typescript-eslint/no-unsafe-assignment --
   rclnodejs's typings reference interfaces.d.ts, which its install script generates from the
   sourced ROS 2 installation. Without ROS 2 (CI) those names are unresolved; on a robot they
   are real types. The casts below are needed in one of the two worlds and redundant in the
   other, so these three rules cannot hold in both; eslint.config.js lets this directive go
   unused here (only in this file), so lint passes in both worlds. */
import type * as Rcl from 'rclnodejs';
import type { SchedulerLike } from 'rxjs';
import { Clock, USE_SIM_TIME_DESCRIPTOR } from '../clock.js';
import { NodeLogger, loggerNameFor, type Logger, type LogSink } from '../logger.js';
import { applyTopicRemaps, expandTopicName, fullyQualifiedNodeName } from '../names.js';
import type { NodeConfig } from '../node_config.js';
import type {
  MessageTypeMap,
  MessageTypeName,
  Publisher,
  RosNode,
  ServiceClient,
  ServiceRequest,
  ServiceResponse,
  ServiceServer,
  ServiceTypeName,
  Subscription,
} from '../node.js';
import type { ParameterDescriptor, ParameterType, ParameterValue } from '../parameter.js';
import { collectOverrides } from '../params_file.js';
import { ParameterStore, type ParameterChange } from '../parameter_store.js';
import { QoSProfiles, resolveQoS, type QoSLike, type QoSProfile } from '../qos.js';
import { TimeBaseScheduler } from '../rx_scheduler.js';
import { SimTimeBase, type Alarm, type TimeBase, type TimeJump } from '../time_base.js';
import { fromNanoseconds, fromRosTime, toNanoseconds, type RosTime } from '../time.js';
import { PeriodicTimer, type Timer, type TimerOptions } from '../timer.js';
import type { RosBackend } from '../backend.js';
import type { RemapRule } from '../remap.js';
import { guarded } from '../guarded_callback.js';
import { errorText } from '../../error_text.js';
import { fromRclValue, PARAMETER_TYPE_OF, RCL_PARAMETER_TYPE, toRclValue } from '../parameter_message.js';

type RclModule = typeof Rcl;

function toRclQoS(rcl: RclModule, q: QoSProfile): Rcl.QoS {
  // rmw enum values: history keep_last=1 keep_all=2; reliability reliable=1 best_effort=2;
  // durability transient_local=1 volatile=2.
  return new rcl.QoS(
    (q.history === 'keep_all' ? 2 : 1) as Rcl.QoS.HistoryPolicy,
    q.depth,
    (q.reliability === 'reliable' ? 1 : 2) as Rcl.QoS.ReliabilityPolicy,
    (q.durability === 'transient_local' ? 1 : 2) as Rcl.QoS.DurabilityPolicy,
  );
}

/** A store whose declarations also appear on the rclnodejs node. */
class MirroredParameterStore extends ParameterStore {
  private mirror: ((name: string) => void) | undefined;

  attach(mirror: (name: string) => void): void {
    this.mirror = mirror;
    for (const name of this.names()) mirror(name);
  }

  override declare<T extends ParameterValue>(name: string, defaultValue: T, descriptor?: Partial<ParameterDescriptor>) {
    const value = super.declare(name, defaultValue, descriptor);
    this.mirror?.(name);
    return value;
  }

  override declareRequired(name: string, descriptor: Partial<ParameterDescriptor> & { type: ParameterType }) {
    const value = super.declareRequired(name, descriptor);
    this.mirror?.(name);
    return value;
  }
}

/** ROS time from the rclnodejs node's clock (wall time, or /clock under use_sim_time). */
class RclTimeBase implements TimeBase {
  /** Jump callbacks still registered with rclnodejs; see releaseJumpCallbacks(). */
  private readonly jumpCallbacks = new Set<() => void>();

  constructor(private readonly node: Rcl.Node) {}

  now(): number {
    return fromNanoseconds(this.node.now().nanoseconds);
  }

  at(time: number, fn: () => void): Alarm {
    const delay = Math.max(time - this.now(), 1e-6);
    let timer: Rcl.Timer | undefined = this.node.createTimer(toNanoseconds(delay), () => {
      this.release(timer);
      timer = undefined;
      fn();
    });
    return {
      cancel: () => {
        this.release(timer);
        timer = undefined;
      },
    };
  }

  private release(timer: Rcl.Timer | undefined): void {
    if (timer === undefined) return;
    timer.cancel();
    this.node.destroyTimer(timer);
  }

  onJump(listener: (jump: TimeJump) => void): () => void {
    const clock = this.node.getClock();
    let before = this.now();
    const callbacks: Rcl.ClockCallbackObject = {
      _pre_callback: () => {
        before = this.now();
      },
      _post_callback: (info) => {
        if (info.delta < 0n) listener({ before, after: before + Number(info.delta) / 1e9 });
      },
    };
    // Report backward jumps of any size; forward jumps are ordinary progress.
    clock.addClockCallback(callbacks, false, BigInt(Number.MAX_SAFE_INTEGER), -1n);
    const remove = () => {
      if (this.jumpCallbacks.delete(remove)) clock.removeClockCallback(callbacks);
    };
    this.jumpCallbacks.add(remove);
    return remove;
  }

  /**
   * Removes every jump callback still registered. rclnodejs keeps a native reference for each
   * one, and a process with one left never exits, even after rcl shutdown.
   */
  releaseJumpCallbacks(): void {
    for (const remove of [...this.jumpCallbacks]) remove();
  }
}

class RclNode implements RosNode {
  readonly backend = 'rclnodejs' as const;
  readonly name: string;
  readonly namespace: string;
  readonly fullyQualifiedName: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly scheduler: SchedulerLike;
  readonly parameters: ParameterStore;
  private readonly remaps: RemapRule[];
  /** A `ros2 param set` (or other external set) is being validated by the store. */
  private applyingExternalSet = false;
  /** Our store's state is being copied into rclnodejs. */
  private mirroring = false;
  /** Set under use_sim_time: timers then run on it instead of on rcl's clock. */
  private simTime: SimTimeBase | undefined;
  /** Set otherwise: the rcl clock, whose jump callbacks must be released on destroy. */
  private rclTime: RclTimeBase | undefined;

  constructor(
    private readonly rcl: RclModule,
    readonly native: Rcl.Node,
    config: NodeConfig,
  ) {
    this.name = native.name();
    this.namespace = native.namespace() === '' ? '/' : native.namespace();
    this.fullyQualifiedName = fullyQualifiedNodeName(this.namespace, this.name);
    this.remaps = config.remaps;
    const { overrides, nodeSpecific } = collectOverrides(config.parameterSections, this.fullyQualifiedName);
    const store = new MirroredParameterStore(this.fullyQualifiedName, overrides, nodeSpecific);
    this.parameters = store;
    // rclnodejs declares use_sim_time itself (its TimeSource follows it). Overrides from our
    // parameter sources win, as on the embedded backend.
    const nativeSimTime = native.hasParameter('use_sim_time') ? Boolean(native.getParameter('use_sim_time').value) : false;
    const simTime = store.declare('use_sim_time', nativeSimTime, USE_SIM_TIME_DESCRIPTOR);
    native.addOnSetParametersCallback((params) => {
      // Our own declarations and updates being copied into rclnodejs: already validated.
      if (this.mirroring) return { successful: true, reason: '' };
      this.applyingExternalSet = true;
      try {
        return store.setMany(
          params.map((p) => {
            const type = PARAMETER_TYPE_OF[p.type as number] ?? 'string';
            return { name: p.name, type, value: fromRclValue(type, p.value) };
          }),
        );
      } finally {
        this.applyingExternalSet = false;
      }
    });
    if (simTime !== nativeSimTime) {
      this.mirror(() => native.setParameter(new rcl.Parameter('use_sim_time', RCL_PARAMETER_TYPE.bool as Rcl.ParameterType, simTime)));
    }
    store.attach((name) => this.mirrorDeclaration(name));
    store.onChanged((changes) => this.mirrorChanges(changes));

    // Simulated time: we follow /clock ourselves with a best-effort subscription. rclnodejs
    // 2.2's TimeSource subscribes /clock as *reliable*, which never matches the best-effort
    // /clock that rosbag2 (`ros2 bag play --clock`) and rclcpp's ClockQoS publish.
    let base: TimeBase;
    if (simTime) {
      const sim = new SimTimeBase();
      this.simTime = sim;
      native.createSubscription('rosgraph_msgs/msg/Clock' as never, '/clock', { qos: toRclQoS(rcl, QoSProfiles.clock) }, (m: unknown) =>
        sim.setTime(fromRosTime((m as { clock: RosTime }).clock)),
      );
      base = sim;
    } else {
      this.rclTime = new RclTimeBase(native);
      base = this.rclTime;
    }
    this.clock = new Clock(base, simTime ? 'sim' : 'system');
    this.scheduler = new TimeBaseScheduler(base);
    const rclLogger = native.getLogger();
    const sink: LogSink = (r) => {
      rclLogger[r.level](r.message);
    };
    this.logger = new NodeLogger(loggerNameFor(this.namespace, this.name), () => this.clock.now(), sink, config.logLevel);
  }

  private mirror(copy: () => void): void {
    this.mirroring = true;
    try {
      copy();
    } finally {
      this.mirroring = false;
    }
  }

  private mirrorDeclaration(name: string): void {
    if (name === 'use_sim_time' || this.native.hasParameter(name)) return;
    const d = this.parameters.describe(name);
    const typeId = RCL_PARAMETER_TYPE[d.type] as Rcl.ParameterType;
    const range =
      d.range === undefined
        ? undefined
        : d.type === 'integer'
          ? new this.rcl.IntegerRange(BigInt(d.range.from), BigInt(d.range.to), BigInt(d.range.step ?? 0))
          : new this.rcl.FloatingPointRange(d.range.from, d.range.to, d.range.step ?? 0);
    const descriptor = new this.rcl.ParameterDescriptor(name, typeId, d.description, d.readOnly, range);
    const constraints = [d.additionalConstraints, d.choices ? `one of: ${d.choices.join(', ')}` : undefined].filter(Boolean);
    if (constraints.length > 0) descriptor.additionalConstraints = constraints.join('; ');
    const value = this.parameters.get(name);
    this.mirror(() => this.native.declareParameter(new this.rcl.Parameter(name, typeId, toRclValue(d.type, value)), descriptor, true));
  }

  private mirrorChanges(changes: readonly ParameterChange[]): void {
    if (this.applyingExternalSet) return; // rclnodejs applies them itself once our callback accepts
    for (const c of changes) {
      const typeId = RCL_PARAMETER_TYPE[c.type] as Rcl.ParameterType;
      this.mirror(() => this.native.setParameter(new this.rcl.Parameter(c.name, typeId, toRclValue(c.type, c.value))));
    }
  }

  resolveName(name: string): string {
    return applyTopicRemaps(expandTopicName(name, this.name, this.namespace), this.remaps, this.name, this.namespace);
  }

  createPublisher<K extends MessageTypeName>(type: K, topic: string, qos?: QoSLike): Publisher<MessageTypeMap[K]> {
    const profile = resolveQoS(qos);
    const pub = this.native.createPublisher(type as never, topic, { qos: toRclQoS(this.rcl, profile) });
    return {
      topic: this.resolveName(topic),
      type,
      qos: profile,
      publish: (message) => pub.publish(message as never),
      // rclnodejs 2.2 implements subscriptionCount as a getter (its typings say method).
      subscriptionCount: () => (pub as unknown as { subscriptionCount: number }).subscriptionCount,
      destroy: () => this.native.destroyPublisher(pub),
    };
  }

  createSubscription<K extends MessageTypeName>(
    type: K,
    topic: string,
    qos: QoSLike,
    handler: (message: MessageTypeMap[K]) => void,
  ): Subscription {
    const profile = resolveQoS(qos);
    const onMessage = guarded(this.logger, `subscription callback on '${topic}'`, (msg: unknown) => handler(msg as MessageTypeMap[K]));
    const sub = this.native.createSubscription(
      type as never,
      topic,
      { qos: toRclQoS(this.rcl, profile), enableTypedArray: true },
      onMessage,
    );
    return { topic: this.resolveName(topic), type, qos: profile, destroy: () => this.native.destroySubscription(sub) };
  }

  createTimer(periodSec: number, callback: () => void, _options?: TimerOptions): Timer {
    if (!(periodSec > 0) || !Number.isFinite(periodSec)) {
      throw new RangeError(`timer period must be a positive number of seconds, got ${periodSec}`);
    }
    const tick = guarded(this.logger, 'timer callback', callback);
    if (this.simTime !== undefined) return new PeriodicTimer(this.simTime, periodSec, tick);
    // rcl timers are precise already (docs/platform-notes.md); `precise` is moot.
    const timer = this.native.createTimer(toNanoseconds(periodSec), tick);
    let canceled = false;
    return {
      period: periodSec,
      get canceled() {
        return canceled;
      },
      missedTicks: 0,
      cancel: () => {
        if (canceled) return;
        canceled = true;
        timer.cancel();
        this.native.destroyTimer(timer);
      },
      reset: () => timer.reset(),
    };
  }

  createService<K extends ServiceTypeName>(
    type: K,
    name: string,
    handler: (request: ServiceRequest<K>) => ServiceResponse<K> | Promise<ServiceResponse<K>>,
  ): ServiceServer {
    const service = this.native.createService(type as never, name, (request: unknown, response: { send(r: unknown): void }) => {
      Promise.resolve()
        .then(() => handler(request as ServiceRequest<K>))
        .then(
          (result) => response.send(result),
          (err: unknown) => this.logger.error(`service '${name}' handler failed: ${errorText(err)}`),
        );
    });
    return { name: this.resolveName(name), type, destroy: () => this.native.destroyService(service) };
  }

  createClient<K extends ServiceTypeName>(type: K, name: string): ServiceClient<K> {
    const client = this.native.createClient(type as never, name);
    return {
      name: this.resolveName(name),
      type,
      isServiceReady: () => client.isServiceServerAvailable(),
      waitForService: (timeoutSec) => client.waitForService(Math.round(timeoutSec * 1000)),
      call: async (request, timeoutSec) => {
        try {
          const options = timeoutSec !== undefined ? { timeout: Math.round(timeoutSec * 1000) } : {};
          return (await client.sendRequestAsync(request as never, options)) as ServiceResponse<K>;
        } catch (err) {
          // Same wording as the embedded backend, so callers and logs read alike.
          const why = client.isServiceServerAvailable() ? `did not answer within ${timeoutSec} s` : 'is not available';
          throw new Error(`service '${this.resolveName(name)}' ${why} (${errorText(err)})`, {
            cause: err,
          });
        }
      },
      destroy: () => this.native.destroyClient(client),
    };
  }

  countPublishers(topic: string): number {
    return this.native.countPublishers(this.resolveName(topic));
  }

  countSubscribers(topic: string): number {
    return this.native.countSubscribers(this.resolveName(topic));
  }

  destroy(): void {
    this.rclTime?.releaseJumpCallbacks();
    this.native.destroy();
  }
}

export class RclnodejsBackend implements RosBackend {
  readonly kind = 'rclnodejs' as const;
  private readonly nodes = new Set<RclNode>();

  private constructor(private readonly rcl: RclModule) {}

  /** Initialises rcl with the process's ROS arguments (rcl parses --ros-args itself). */
  static async create(argv: string[]): Promise<RclnodejsBackend> {
    // rclnodejs's ESM build puts its whole API on the default export.
    const imported = (await import('rclnodejs')) as RclModule & { default?: RclModule };
    const rcl = imported.default ?? imported;
    await rcl.init(undefined, ['vla-ros', ...argv]);
    // rclnodejs shuts rcl down on SIGINT by itself, under our nodes' feet; the CLI's orderly
    // shutdown (deactivate, shutdown, destroy, then rcl) takes that over.
    rcl.removeSignalHandlers();
    return new RclnodejsBackend(rcl);
  }

  createNode(config: NodeConfig): Promise<RosNode> {
    // Remaps go to rcl as node arguments, so rcl resolves names exactly as resolveName() says.
    const args = config.remaps.flatMap((r) => ['-r', `${r.nodeName !== undefined ? `${r.nodeName}:` : ''}${r.from}:=${r.to}`]);
    // The constructor's typings stop at `options`; at run time it takes (…, args, useGlobalArguments).
    const NodeWithArgs = this.rcl.Node as unknown as new (
      name: string,
      namespace: string,
      context: undefined,
      options: undefined,
      args: string[],
      useGlobalArguments: boolean,
    ) => Rcl.Node;
    const native = new NodeWithArgs(
      config.name,
      config.namespace === '/' ? '' : config.namespace,
      undefined,
      undefined,
      args.length > 0 ? ['--ros-args', ...args] : [],
      config.useGlobalArguments ?? true,
    );
    const node = new RclNode(this.rcl, native, config);
    this.nodes.add(node);
    native.spin();
    return Promise.resolve(node);
  }

  shutdown(): Promise<void> {
    for (const n of this.nodes) n.destroy();
    this.nodes.clear();
    if (!this.rcl.isShutdown()) this.rcl.shutdown();
    return Promise.resolve();
  }
}
