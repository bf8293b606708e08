// Records topics of a running graph into a rosbag2 bag (RosbagWriter), like `ros2 bag record`.
// Where the messages come from is a RecordSource:
//   - domainRecordSource(domain): an embedded domain — the hub of a thread-per-node launch, or
//     the single domain of a deterministic (virtual-time) run. It sees every endpoint of the graph
//     (EmbeddedDomain.endpoints(), local and in other threads), so `--all` and type discovery
//     work, and each topic is subscribed with a QoS compatible with all its publishers;
//   - nodeRecordSource(node): any port node (rclnodejs on a robot). The port has no graph query
//     yet, so topics need their types (`/topic:pkg/msg/Type`) unless the node offers the
//     proposed `graphTopics()` (see docs/bags.md).
// Messages arrive as objects and are CDR-encoded by the MessageRegistry, stamped with the
// source's clock (wall, /clock or virtual time). stop() waits for pending writes and closes the
// bag, so an interrupted recording is a complete, readable bag.

import { defaultMessageRegistry, type MessageRegistry } from '../msgs/registry.js';
import type { EmbeddedDomain } from '../ros/embedded/domain.js';
import type { MessageTypeName, RosNode } from '../ros/node.js';
import { QoSProfiles, type QoSProfile } from '../ros/qos.js';
import { fromRosTime, type RosTime } from '../ros/time.js';
import type { RosbagWriter } from './bag_writer.js';
import { bagTopicName } from './mcap_writer.js';
import { offeredQosProfilesYamlList } from './qos_metadata.js';
import { errorText } from '../error_text.js';

export interface DiscoveredTopic {
  topic: string;
  type: string;
  /** QoS offered by each publisher. */
  publishers: QoSProfile[];
}

export interface RecordSource {
  /** Topics that have publishers now; undefined when this source cannot see the graph. */
  discover(): DiscoveredTopic[] | undefined;
  subscribe(topic: string, type: string, qos: QoSProfile, handler: (message: unknown) => void): { destroy(): void };
  /** The time messages are stamped with [s]. */
  now(): number;
}

export interface TopicRequest {
  topic: string;
  /** Given as `/topic:pkg/msg/Type`; needed when the source cannot discover types. */
  type?: string;
}

export interface RecorderOptions {
  /** Topics to record (exact, fully qualified after normalisation). */
  topics?: readonly TopicRequest[];
  /** Record every topic with a publisher (hidden `/_…` topics only with includeHidden). */
  all?: boolean;
  /** Topics matching this are not recorded (on top of topics/all). */
  exclude?: RegExp;
  /** Only topics matching this (on top of all). */
  regex?: RegExp;
  includeHidden?: boolean;
  /** Topics with these types are never recorded (e.g. bulky observation tensors). */
  excludeTypes?: readonly string[];
  /** Only topics whose publishers belong to these nodes (fully qualified names), for domain sources. */
  publishersOf?: ReadonlySet<string>;
  registry?: MessageRegistry;
  onNote?: (note: string) => void;
  /** Sees every recorded message as it is written (e.g. a report gathered live), with its log time [s]. */
  onMessage?: (topic: string, type: string, message: unknown, logTime: number) => void;
}

export interface RecordingSummary {
  path: string;
  messages: number;
  bytes: number;
  files: number;
  topics: { topic: string; type: string; count: number }[];
  /** Messages that could not be encoded (e.g. non-ASCII strings) and were not written. */
  dropped: number;
}

/** The QoS that hears every publisher of a topic: keep all, reliable/transient local only if all offer it. */
export function subscriptionQosFor(publishers: readonly QoSProfile[]): QoSProfile {
  const all = publishers.length > 0;
  return {
    history: 'keep_all',
    depth: 1000,
    reliability: all && publishers.every((q) => q.reliability === 'reliable') ? 'reliable' : 'best_effort',
    durability: all && publishers.every((q) => q.durability === 'transient_local') ? 'transient_local' : 'volatile',
  };
}

/** Parses `/topic` or `/topic:pkg/msg/Type` (short type names resolved against the registry). */
export function parseTopicRequest(spec: string, registry: MessageRegistry = defaultMessageRegistry()): TopicRequest {
  const colon = spec.indexOf(':');
  if (colon < 0) return { topic: bagTopicName(spec.trim()) };
  const topic = bagTopicName(spec.slice(0, colon).trim());
  const typeText = spec.slice(colon + 1).trim();
  if (typeText.includes('/')) return { topic, type: registry.normalize(typeText) };
  const matches = registry.messageTypes().filter((t) => t.endsWith(`/msg/${typeText}`));
  if (matches.length !== 1) {
    throw new Error(
      matches.length === 0
        ? `${spec}: no message type named ${typeText} (use pkg/msg/Type)`
        : `${spec}: ${typeText} is ambiguous (${matches.join(', ')}): use pkg/msg/Type`,
    );
  }
  return { topic, type: matches[0] };
}

/** Records from an embedded domain. `now` defaults to the domain's time (wall or virtual). */
export function domainRecordSource(
  domain: EmbeddedDomain,
  options: { now?: () => number; node?: string; publishersOf?: ReadonlySet<string> } = {},
): RecordSource {
  const node = options.node ?? '/rosbag2_recorder';
  return {
    discover: () => {
      const byTopic = new Map<string, DiscoveredTopic>();
      for (const e of domain.endpoints()) {
        if (e.kind !== 'publisher' || e.node === node) continue;
        if (options.publishersOf !== undefined && !options.publishersOf.has(e.node)) continue;
        let t = byTopic.get(e.topic);
        if (t === undefined) byTopic.set(e.topic, (t = { topic: e.topic, type: e.type, publishers: [] }));
        if (t.type === e.type) t.publishers.push(e.qos);
      }
      return [...byTopic.values()];
    },
    subscribe: (topic, type, qos, handler) => {
      const owner = { warn: () => {}, error: () => {} };
      return domain.addSubscription({ topic, type, qos, node }, owner, handler);
    },
    now: options.now ?? (() => domain.timeBase.now()),
  };
}

/**
 * The latest /clock of an embedded domain: what `ros2 bag record --use-sim-time` stamps records
 * with, so a suite running on simulated time is recorded on that time (log times then agree with
 * the messages' header stamps). `first` resolves with the first /clock received.
 */
export interface DomainSimClock {
  now(): number;
  readonly first: Promise<number>;
  destroy(): void;
}

export function domainSimClock(domain: EmbeddedDomain, node = '/rosbag2_recorder'): DomainSimClock {
  let latest = NaN;
  let resolveFirst!: (t: number) => void;
  const first = new Promise<number>((resolve) => (resolveFirst = resolve));
  const owner = { warn: () => {}, error: () => {} };
  const sub = domain.addSubscription({ topic: '/clock', type: 'rosgraph_msgs/msg/Clock', qos: QoSProfiles.clock, node }, owner, (m) => {
    const t = fromRosTime((m as { clock: RosTime }).clock);
    if (Number.isNaN(latest)) resolveFirst(t);
    // /clock never goes back for a recording: a late sample must not reorder the bag.
    if (!(t < latest)) latest = t;
  });
  return { now: () => latest, first, destroy: () => sub.destroy() };
}

/** Waits for the domain's first /clock, or throws after `timeoutSec` wall seconds. */
export async function waitForSimClock(clock: DomainSimClock, timeoutSec: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no /clock within ${timeoutSec} s: nothing publishes simulated time, so the recording cannot use it`)),
      timeoutSec * 1000,
    );
  });
  try {
    return await Promise.race([clock.first, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a port node offers when the proposed graph query exists (docs/bags.md, "Port addition"). */
interface GraphAwareNode {
  graphTopics(): { topic: string; type: string; publishers: QoSProfile[] }[];
}

/** Records through a port node (rclnodejs on a robot, or any backend). */
export function nodeRecordSource(node: RosNode): RecordSource {
  const graph = (node as unknown as Partial<GraphAwareNode>).graphTopics;
  return {
    discover: () => (typeof graph === 'function' ? graph.call(node).filter((t) => t.topic !== '') : undefined),
    subscribe: (topic, type, qos, handler) => node.createSubscription(type as MessageTypeName, topic, qos, handler),
    now: () => node.clock.now(),
  };
}

export class BagRecorder {
  private readonly subscriptions = new Map<string, { destroy(): void }>();
  private readonly failed = new Set<string>();
  private readonly registry: MessageRegistry;
  private pending: Promise<unknown> = Promise.resolve();
  private dropped = 0;
  private stopped = false;
  private started = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly writer: RosbagWriter,
    private readonly source: RecordSource,
    private readonly options: RecorderOptions,
  ) {
    this.registry = options.registry ?? defaultMessageRegistry();
    const requested = options.topics ?? [];
    if (requested.length === 0 && options.all !== true) throw new Error('nothing to record: name topics, or record all of them');
    if (source.discover() === undefined) {
      const untyped = requested.filter((t) => t.type === undefined).map((t) => t.topic);
      if (options.all === true || untyped.length > 0) {
        throw new Error(
          `this backend cannot list the graph's topics, so ${options.all === true ? '--all is not possible' : `the type of ${untyped.join(', ')} is unknown`}: ` +
            'give topics with their types, as /topic:pkg/msg/Type',
        );
      }
    }
  }

  private note(text: string): void {
    this.options.onNote?.(text);
  }

  /** Subscribes to what is there now and, with `pollIntervalSec`, keeps discovering new topics (wall-clock polling). */
  start(pollIntervalSec?: number): void {
    this.started = true;
    this.poll();
    if (pollIntervalSec !== undefined && pollIntervalSec > 0) {
      this.timer = setInterval(() => this.poll(), pollIntervalSec * 1000);
      this.timer.unref();
    }
  }

  private wants(topic: string, type: string): boolean {
    const o = this.options;
    if (o.exclude?.test(topic) === true) return false;
    if (o.excludeTypes?.includes(type) === true) return false;
    if (o.topics?.some((t) => t.topic === topic) === true) return true;
    if (o.all !== true) return false;
    if (o.includeHidden !== true && /\/_/.test(topic)) return false;
    return o.regex === undefined || o.regex.test(topic);
  }

  /** Subscribes to newly wanted topics (call after the graph may have changed). */
  poll(): void {
    if (this.stopped || !this.started) return;
    const found = this.source.discover();
    const candidates: DiscoveredTopic[] =
      found !== undefined
        ? found.filter((t) => this.wants(t.topic, t.type))
        : (this.options.topics ?? []).filter((r) => r.type !== undefined).map((r) => ({ topic: r.topic, type: r.type!, publishers: [] }));
    for (const c of candidates) {
      if (this.subscriptions.has(c.topic) || this.failed.has(c.topic)) continue;
      const requested = this.options.topics?.find((t) => t.topic === c.topic)?.type;
      if (requested !== undefined && requested !== c.type && c.publishers.length > 0) {
        this.failed.add(c.topic);
        this.note(`not recording ${c.topic}: it has type ${c.type}, not ${requested}`);
        continue;
      }
      if (!this.registry.has(c.type)) {
        this.failed.add(c.topic);
        this.note(`not recording ${c.topic}: no definition of ${c.type} is known (the bag needs one for its schema)`);
        continue;
      }
      this.subscribe(c.topic, c.type, c.publishers);
    }
  }

  private subscribe(topic: string, type: string, publishers: QoSProfile[]): void {
    const qos = subscriptionQosFor(publishers);
    const offered = publishers.length > 0 ? offeredQosProfilesYamlList(publishers) : undefined;
    this.pending = this.pending.then(() => this.writer.addTopic(topic, type, offered !== undefined ? { offeredQosProfiles: offered } : {}));
    let warned = false;
    const handle = this.source.subscribe(topic, type, qos, (message) => {
      if (this.stopped) return;
      const at = this.source.now();
      this.options.onMessage?.(topic, type, message, at);
      this.pending = this.pending
        .then(() => this.writer.write(topic, message as object, at))
        .catch((err: unknown) => {
          this.dropped++;
          if (!warned) {
            warned = true;
            this.note(`${topic}: a message could not be written (${errorText(err)}); further failures on this topic are only counted`);
          }
        });
    });
    this.subscriptions.set(topic, handle);
  }

  /** Topics being recorded. */
  get recordedTopics(): string[] {
    return [...this.subscriptions.keys()];
  }

  get messageCount(): number {
    return this.writer.messageCount;
  }

  /** Unsubscribes, writes what is pending and closes the bag. */
  async stop(): Promise<RecordingSummary> {
    if (!this.stopped) {
      this.stopped = true;
      if (this.timer !== undefined) clearInterval(this.timer);
      for (const s of this.subscriptions.values()) s.destroy();
    }
    await this.pending;
    await this.writer.close();
    return {
      path: this.writer.path,
      messages: this.writer.messageCount,
      bytes: this.writer.bytesWritten,
      files: this.writer.fileCount,
      topics: this.writer.topicStats().map(({ topic, type, count }) => ({ topic, type, count })),
      dropped: this.dropped,
    };
  }
}
