// Reads rosbag2-style MCAP files as a stream (McapStreamReader over a file stream): no index
// needed, memory bounded by one chunk, and a truncated recording (a crashed `ros2 bag record`)
// still yields every message before the cut, with a note. Messages are decoded with a
// MessageRegistry that registers the bag's own schemas (the recording's definitions win over
// ours). Channels that cannot be decoded are skipped with a note rather than failing the bag:
// rosbag2's service-event topics (`.srv` schemas, which @foxglove/rosmsg cannot parse), other
// schema or message encodings, channels without a schema.
//
//   for await (const m of readBag('/tmp/run.mcap', { topics: ['/policy_features'] })) { ... }

import fs from 'node:fs';
import { McapStreamReader, type McapTypes } from '@mcap/core';
import { MessageRegistry } from '../msgs/registry.js';
import { decompressHandlers } from './compression.js';
import { MESSAGE_ENCODING, SCHEMA_ENCODING } from './mcap_writer.js';

export class BagReadError extends Error {
  override name = 'BagReadError';
}

export interface BagChannel {
  id: number;
  topic: string;
  /** Normalised message type (`pkg/msg/Type`), or the schema name as recorded when skipped. */
  type: string;
  messageEncoding: string;
  schemaEncoding: string;
  metadata: ReadonlyMap<string, string>;
  /** Why its messages are not decoded, when they are not. */
  skipped?: string;
}

export interface BagMessage<T = unknown> {
  topic: string;
  type: string;
  channel: BagChannel;
  /** Receive time [ns]. */
  logTime: bigint;
  publishTime: bigint;
  sequence: number;
  message: T;
}

export interface ReadBagOptions {
  /** Topics to decode (fully qualified) or a predicate on channels; default all. */
  topics?: readonly string[] | ((channel: BagChannel) => boolean);
  /**
   * Registry to decode with; the bag's schemas are registered into it. Default: a fresh one per
   * bag, so bags recorded with different definitions never disturb each other.
   */
  registry?: MessageRegistry;
  /** Told about skipped channels, undecodable messages and truncation (default: ignored). */
  onNote?: (note: string) => void;
  /** Bytes per read from the file (default 1 MiB). */
  readSize?: number;
}

const decoder = new TextDecoder();

/** Streams the decoded messages of an MCAP bag in file order (rosbag2 writes them in time order). */
export async function* readBag(file: string, options: ReadBagOptions = {}): AsyncGenerator<BagMessage> {
  const note = options.onNote ?? (() => {});
  let registry = options.registry;
  const schemas = new Map<number, McapTypes.Schema>();
  const channels = new Map<number, BagChannel>();
  const wanted = options.topics;
  const selected = (ch: BagChannel) =>
    wanted === undefined ? true : typeof wanted === 'function' ? wanted(ch) : wanted.includes(ch.topic);
  const failedMessages = new Set<number>();
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (err) {
    throw new BagReadError(`cannot read bag ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!stat.isFile()) throw new BagReadError(`bag ${file} is not a file (a rosbag2 directory? pass the .mcap file inside it)`);

  const reader = new McapStreamReader({ decompressHandlers: await decompressHandlers() });
  let headerChecked = false;
  let messages = 0;

  const onChannel = (record: McapTypes.Channel): void => {
    const schema = schemas.get(record.schemaId);
    const channel: BagChannel = {
      id: record.id,
      topic: record.topic,
      type: schema?.name ?? '',
      messageEncoding: record.messageEncoding,
      schemaEncoding: schema?.encoding ?? '',
      metadata: record.metadata,
    };
    channels.set(record.id, channel);
    if (!selected(channel)) {
      channel.skipped = 'not selected';
      return;
    }
    const skip = (why: string) => {
      channel.skipped = why;
      note(`${file}: topic ${record.topic} skipped: ${why}`);
    };
    if (schema === undefined) return skip('it has no schema');
    if (record.messageEncoding !== MESSAGE_ENCODING || schema.encoding !== SCHEMA_ENCODING) {
      return skip(`encoding ${record.messageEncoding}/${schema.encoding}, not ${MESSAGE_ENCODING}/${SCHEMA_ENCODING}`);
    }
    registry ??= new MessageRegistry();
    try {
      channel.type = registry.register(schema.name, decoder.decode(schema.data));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return skip(/service definition/.test(why) ? `${schema.name} is a service (.srv) schema (a rosbag2 service-event topic), which is not decoded` : why);
    }
  };

  const stream = fs.createReadStream(file, { highWaterMark: options.readSize ?? 1024 * 1024 });
  try {
    for await (const piece of stream) {
      reader.append(piece as Buffer);
      for (;;) {
        let record: McapTypes.TypedMcapRecord | undefined;
        try {
          record = reader.nextRecord();
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          throw new BagReadError(headerChecked ? `${file}: corrupt MCAP data after ${messages} messages: ${why}` : `${file} is not an MCAP file: ${why}`);
        }
        if (record === undefined) break;
        switch (record.type) {
          case 'Header':
            headerChecked = true;
            if (record.profile !== '' && record.profile !== 'ros2') note(`${file}: MCAP profile '${record.profile}', not 'ros2'; decoding what is ros2msg/cdr`);
            break;
          case 'Schema':
            schemas.set(record.id, record);
            break;
          case 'Channel':
            if (!channels.has(record.id)) onChannel(record);
            break;
          case 'Message': {
            const channel = channels.get(record.channelId);
            if (channel === undefined || channel.skipped !== undefined) break;
            let message: unknown;
            try {
              message = registry!.deserialize(channel.type, record.data);
            } catch (err) {
              if (!failedMessages.has(channel.id)) {
                failedMessages.add(channel.id);
                note(`${file}: topic ${channel.topic}: a message cannot be decoded (further ones not reported): ${err instanceof Error ? err.message : String(err)}`);
              }
              break;
            }
            messages++;
            yield {
              topic: channel.topic,
              type: channel.type,
              channel,
              logTime: record.logTime,
              publishTime: record.publishTime,
              sequence: record.sequence,
              message,
            };
            break;
          }
          default:
            break;
        }
      }
    }
  } finally {
    stream.destroy();
  }
  if (!headerChecked) throw new BagReadError(`${file} is not an MCAP file (no MCAP header; ${stat.size} bytes)`);
  if (!reader.done()) {
    note(`${file}: the file ends before the MCAP footer (truncated recording?): read the ${messages} messages before the cut`);
  }
}

/** Every channel of a bag (topic, type, encodings), read from its records; no decoding. */
export async function bagChannels(file: string): Promise<BagChannel[]> {
  const found: BagChannel[] = [];
  const iterator = readBag(file, {
    topics: (ch) => {
      found.push(ch);
      return false;
    },
  });
  for await (const _ of iterator) {
    /* nothing is selected */
  }
  return found.map(({ skipped: _skipped, ...channel }) => channel);
}
