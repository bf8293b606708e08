// Writes rosbag2-compatible MCAP files: profile 'ros2', one schema per message type with
// encoding 'ros2msg' (the .msg text plus its dependencies, MessageRegistry.schemaText), message
// encoding 'cdr', rosbag2's `offered_qos_profiles` channel metadata, zstd-compressed chunks and
// a full summary (statistics, chunk/message indexes) so indexed readers, `ros2 bag info` and
// Foxglove open it directly.
//
//   const bag = await McapBagWriter.create('/tmp/run.mcap');
//   await bag.addTopic('/policy_features', 'vla_ros_msgs/msg/PolicyFeatures');
//   await bag.write('/policy_features', msg, timeSec);
//   await bag.close();
//
// Calls must be awaited one at a time (an McapWriter requirement). Topics are stored fully
// qualified, as rosbag2 does: a relative name gets a leading '/'.

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

export interface BagWriterOptions {
  /** Encodes the messages and provides schema texts (default: the process-wide registry). */
  registry?: MessageRegistry;
  /** Chunk compression (default zstd). */
  compression?: ChunkCompression;
  /** Uncompressed chunk size before a chunk is closed [bytes] (default 1 MiB). */
  chunkSize?: number;
  /** Written into the MCAP header's `library` field. */
  library?: string;
}

export class BagWriteError extends Error {
  override name = 'BagWriteError';
}

interface TopicEntry {
  channelId: number;
  type: string;
  sequence: number;
}

/** Fully qualified topic name as rosbag2 stores it. */
export function bagTopicName(topic: string): string {
  return topic.startsWith('/') ? topic : `/${topic}`;
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

  private constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle,
    private readonly writer: McapWriter,
    private readonly registry: MessageRegistry,
  ) {}

  /** Creates (or truncates) `file` and writes the MCAP header. */
  static async create(file: string, options: BagWriterOptions = {}): Promise<McapBagWriter> {
    const compressChunk = await chunkCompressor(options.compression ?? 'zstd');
    const handle = await fs.open(file, 'w');
    try {
      const writer = new McapWriter({
        writable: new FileHandleWritable(handle),
        chunkSize: options.chunkSize ?? 1024 * 1024,
        compressChunk,
      });
      await writer.start({ profile: MCAP_PROFILE, library: options.library ?? 'vla-ros bags' });
      return new McapBagWriter(file, handle, writer, options.registry ?? defaultMessageRegistry());
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Messages written so far. */
  get messageCount(): number {
    return this.count;
  }

  /**
   * Declares a topic with its message type and the QoS its publisher offered (recorded for
   * `ros2 bag play`; default: reliable, volatile, depth 10). A topic has one type.
   */
  async addTopic(topic: string, type: string, qos: QoSProfile = QoSProfiles.default): Promise<void> {
    this.assertOpen();
    const name = bagTopicName(topic);
    const normalized = this.registry.normalize(type);
    const existing = this.topics.get(name);
    if (existing !== undefined) {
      if (existing.type !== normalized) throw new BagWriteError(`${this.file}: topic ${name} already has type ${existing.type}, not ${normalized}`);
      return;
    }
    let schemaId = this.schemas.get(normalized);
    if (schemaId === undefined) {
      const text = this.registry.schemaText(normalized);
      schemaId = await this.writer.registerSchema({ name: normalized, encoding: SCHEMA_ENCODING, data: new TextEncoder().encode(text) });
      this.schemas.set(normalized, schemaId);
    }
    const channelId = await this.writer.registerChannel({
      topic: name,
      schemaId,
      messageEncoding: MESSAGE_ENCODING,
      metadata: new Map([['offered_qos_profiles', offeredQosProfilesYaml(qos)]]),
    });
    this.topics.set(name, { channelId, type: normalized, sequence: 0 });
  }

  /**
   * Writes one message on a declared topic. `logTime` is when it was received (seconds or ns);
   * `publishTime` defaults to it.
   */
  async write(topic: string, message: object, logTime: number | bigint, publishTime?: number | bigint): Promise<void> {
    this.assertOpen();
    const name = bagTopicName(topic);
    const entry = this.topics.get(name);
    if (entry === undefined) throw new BagWriteError(`${this.file}: topic ${name} was not declared with addTopic()`);
    const data = this.registry.serialize(entry.type, message);
    const log = toNs(logTime);
    await this.writer.addMessage({
      channelId: entry.channelId,
      sequence: entry.sequence++,
      logTime: log,
      publishTime: publishTime === undefined ? log : toNs(publishTime),
      data,
    });
    this.count++;
  }

  /** Writes the summary and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.writer.end();
    } finally {
      await this.handle.close();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new BagWriteError(`${this.file}: the bag is closed`);
  }
}
