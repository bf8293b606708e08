// Writes rosbag2-compatible MCAP files: profile 'ros2', one schema per message type with
// encoding 'ros2msg' (the .msg text plus its dependencies, MessageRegistry.schemaText), message
// encoding 'cdr', rosbag2's `offered_qos_profiles` channel metadata, the `rosbag2` metadata
// record (ROS_DISTRO) that Humble's MCAP plugin writes, zstd- (default), lz4- or un-compressed
// chunks (or no chunks at all) and a full summary (statistics, chunk/message indexes) so indexed
// readers, `ros2 bag info/play` and Foxglove open it directly.
//
//   const bag = await McapBagWriter.create('/tmp/run.mcap');
//   await bag.addTopic('/policy_features', 'vla_ros_msgs/msg/PolicyFeatures');
//   await bag.write('/policy_features', msg, timeSec);
//   await bag.close();
//
// Calls must be awaited one at a time (an McapWriter requirement). Topics are stored fully
// qualified, as rosbag2 does: a relative name gets a leading '/'. A bag *directory* (with
// metadata.yaml and split files) is written by RosbagWriter (bag_writer.ts), on top of this.

import fs from 'node:fs/promises';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { defaultMessageRegistry, type MessageRegistry } from '../msgs/registry.js';
import { QoSProfiles, type QoSProfile } from '../ros/qos.js';
import { toNanoseconds } from '../ros/time.js';
import { chunkCompressor, type ChunkCompression } from './compression.js';
import { offeredQosProfilesYaml } from './qos_metadata.js';

export const MCAP_PROFILE = 'ros2';
export const SCHEMA_ENCODING = 'ros2msg';
export const MESSAGE_ENCODING = 'cdr';
/** The ROS distribution whose bag format we write (QoS durations, metadata version). */
export const BAG_FORMAT_DISTRO = 'humble';

export interface BagWriterOptions {
  /** Encodes the messages and provides schema texts (default: the process-wide registry). */
  registry?: MessageRegistry;
  /** Chunk compression (default zstd). */
  compression?: ChunkCompression;
  /** Uncompressed chunk size before a chunk is closed [bytes] (default 1 MiB). */
  chunkSize?: number;
  /** false: no chunks (every record at top level, no message index); default true. */
  chunked?: boolean;
  /** Written into the MCAP header's `library` field. */
  library?: string;
}

export interface TopicOptions {
  /** The QoS the publisher offered (default: reliable, volatile, depth 10). */
  qos?: QoSProfile;
  /** The recorded `offered_qos_profiles` YAML as is (copying a bag); wins over `qos`. */
  offeredQosProfiles?: string;
  /**
   * The schema to store (copying a bag whose types this registry may not know); default: the
   * registry's schemaText(type).
   */
  schema?: { encoding: string; text: string };
  /** Store the name exactly as given, a relative one included (copying a bag); default: made fully qualified. */
  nameAsRecorded?: boolean;
}

/** What has been written on one topic (for metadata.yaml and progress). */
export interface TopicStats {
  topic: string;
  type: string;
  offeredQosProfiles: string;
  count: number;
}

export class BagWriteError extends Error {
  override name = 'BagWriteError';
}

interface TopicEntry {
  channelId: number;
  type: string;
  sequence: number;
  offeredQosProfiles: string;
  count: number;
}

/** Fully qualified topic name as rosbag2 stores it. */
export function bagTopicName(topic: string): string {
  return topic.startsWith('/') ? topic : `/${topic}`;
}

/** The name a topic declared with `options` is stored under. */
export function storedTopicName(topic: string, options: TopicOptions): string {
  return options.nameAsRecorded === true ? topic : bagTopicName(topic);
}

/** The declared name `topic` refers to: itself when declared as recorded, else its fully qualified form. */
export function declaredTopicName(declared: { has(name: string): boolean }, topic: string): string {
  return declared.has(topic) ? topic : bagTopicName(topic);
}

/** A time in seconds (float) or nanoseconds (bigint) as MCAP nanoseconds. */
function toNs(time: number | bigint): bigint {
  return typeof time === 'bigint' ? time : toNanoseconds(time);
}

export class McapBagWriter {
  private readonly topics = new Map<string, TopicEntry>();
  private readonly schemas = new Map<string, number>();
  private closed = false;
  private count = 0;
  private firstNs: bigint | undefined;
  private lastNs: bigint | undefined;
  /** Serialises calls: McapWriter must not be entered twice. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle,
    private readonly writable: FileHandleWritable,
    private readonly writer: McapWriter,
    private readonly registry: MessageRegistry,
  ) {}

  /** Creates (or truncates) `file` and writes the MCAP header and the rosbag2 metadata record. */
  static async create(file: string, options: BagWriterOptions = {}): Promise<McapBagWriter> {
    const compressChunk = await chunkCompressor(options.compression ?? 'zstd');
    const handle = await fs.open(file, 'w');
    try {
      const writable = new FileHandleWritable(handle);
      const writer = new McapWriter({
        writable,
        chunkSize: options.chunkSize ?? 1024 * 1024,
        compressChunk,
        useChunks: options.chunked ?? true,
      });
      await writer.start({ profile: MCAP_PROFILE, library: options.library ?? 'vla-ros bags' });
      await writer.addMetadata({ name: 'rosbag2', metadata: new Map([['ROS_DISTRO', BAG_FORMAT_DISTRO]]) });
      return new McapBagWriter(file, handle, writable, writer, options.registry ?? defaultMessageRegistry());
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Messages written so far. */
  get messageCount(): number {
    return this.count;
  }

  /** Bytes written to the file so far (chunks in progress not included). */
  get bytesWritten(): number {
    return Number(this.writable.position());
  }

  /** Log time of the first / last message written [ns]. */
  get timeRange(): { start: bigint; end: bigint } | undefined {
    return this.firstNs === undefined ? undefined : { start: this.firstNs, end: this.lastNs! };
  }

  /** Per-topic figures, in declaration order. */
  topicStats(): TopicStats[] {
    return [...this.topics].map(([topic, e]) => ({ topic, type: e.type, offeredQosProfiles: e.offeredQosProfiles, count: e.count }));
  }

  /** Whether `topic` has been declared. */
  hasTopic(topic: string): boolean {
    return this.topics.has(declaredTopicName(this.topics, topic));
  }

  /**
   * Declares a topic with its message type and the QoS its publisher offered (recorded for
   * `ros2 bag play`; default: reliable, volatile, depth 10). A topic has one type.
   */
  async addTopic(topic: string, type: string, qos: QoSProfile | TopicOptions = QoSProfiles.default): Promise<void> {
    return this.serial(() => this.addTopicNow(topic, type, 'history' in qos ? { qos } : qos));
  }

  private async addTopicNow(topic: string, type: string, options: TopicOptions): Promise<void> {
    this.assertOpen();
    const name = storedTopicName(topic, options);
    const normalized = options.schema !== undefined && !this.registry.has(type) ? type : this.registry.normalize(type);
    const existing = this.topics.get(name);
    if (existing !== undefined) {
      if (existing.type !== normalized)
        throw new BagWriteError(`${this.file}: topic ${name} already has type ${existing.type}, not ${normalized}`);
      return;
    }
    let schemaId = this.schemas.get(normalized);
    if (schemaId === undefined) {
      const schema = options.schema ?? { encoding: SCHEMA_ENCODING, text: this.registry.schemaText(normalized) };
      schemaId = await this.writer.registerSchema({
        name: normalized,
        encoding: schema.encoding,
        data: new TextEncoder().encode(schema.text),
      });
      this.schemas.set(normalized, schemaId);
    }
    const offered = options.offeredQosProfiles ?? offeredQosProfilesYaml(options.qos ?? QoSProfiles.default);
    const channelId = await this.writer.registerChannel({
      topic: name,
      schemaId,
      messageEncoding: MESSAGE_ENCODING,
      metadata: new Map([['offered_qos_profiles', offered]]),
    });
    this.topics.set(name, { channelId, type: normalized, sequence: 0, offeredQosProfiles: offered, count: 0 });
  }

  /**
   * Writes one message on a declared topic. `logTime` is when it was received (seconds or ns);
   * `publishTime` defaults to it.
   */
  async write(topic: string, message: object, logTime: number | bigint, publishTime?: number | bigint): Promise<void> {
    return this.serial(() => {
      const entry = this.entry(topic);
      return this.writeNow(entry, this.registry.serialize(entry.type, message), logTime, publishTime);
    });
  }

  /** Writes a message that is already CDR-encoded (recording raw bytes, copying a bag). */
  async writeSerialized(topic: string, data: Uint8Array, logTime: number | bigint, publishTime?: number | bigint): Promise<void> {
    return this.serial(() => this.writeNow(this.entry(topic), data, logTime, publishTime));
  }

  private async writeNow(
    entry: TopicEntry,
    data: Uint8Array,
    logTime: number | bigint,
    publishTime: number | bigint | undefined,
  ): Promise<void> {
    const log = toNs(logTime);
    await this.writer.addMessage({
      channelId: entry.channelId,
      sequence: entry.sequence++,
      logTime: log,
      publishTime: publishTime === undefined ? log : toNs(publishTime),
      data,
    });
    entry.count++;
    this.count++;
    if (this.firstNs === undefined || log < this.firstNs) this.firstNs = log;
    if (this.lastNs === undefined || log > this.lastNs) this.lastNs = log;
  }

  /** Adds an MCAP metadata record (e.g. provenance of a replay's outputs). */
  async addMetadata(name: string, values: Record<string, string>): Promise<void> {
    return this.serial(async () => {
      this.assertOpen();
      await this.writer.addMetadata({ name, metadata: new Map(Object.entries(values)) });
    });
  }

  /** Writes the summary and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    this.closed = true;
    try {
      await this.writer.end();
    } finally {
      await this.handle.close();
    }
  }

  private entry(topic: string): TopicEntry {
    this.assertOpen();
    const name = declaredTopicName(this.topics, topic);
    const entry = this.topics.get(name);
    if (entry === undefined) throw new BagWriteError(`${this.file}: topic ${name} was not declared with addTopic()`);
    return entry;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new BagWriteError(`${this.file}: the bag is closed`);
  }
}
