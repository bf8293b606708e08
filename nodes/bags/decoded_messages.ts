// Decoded messages of a bag, for tools that want message objects (the failure monitor's
// rollout loader, `vla-ros safe`). A thin layer over BagReader (bag_reader.ts), so it reads
// every storage that does: MCAP files (indexed or streamed, truncated ones up to the cut), bag
// directories with metadata.yaml and split files, sqlite3 .db3 bags. Channels that cannot be
// decoded are skipped with a note rather than failing the bag: rosbag2's service-event topics
// (`.srv` schemas), other schema or message encodings, unknown types without a definition.
//
//   for await (const m of readBag('/tmp/run.mcap', { topics: ['/policy_features'] })) { ... }

import type { MessageRegistry } from '../msgs/registry.js';
import { BagReader, type BagTopic } from './bag_reader.js';

export { BagReadError } from './storage.js';

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
  /** Topics to decode (fully qualified) or a predicate on channels (called once per topic); default all. */
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

function toChannel(topic: BagTopic): BagChannel {
  return {
    id: topic.id,
    topic: topic.topic,
    type: topic.type,
    messageEncoding: topic.messageEncoding,
    schemaEncoding: topic.schemaEncoding,
    metadata: topic.metadata,
    ...(topic.problem !== undefined ? { skipped: topic.problem } : {}),
  };
}

/** Streams the decoded messages of a bag (file, bag directory or .db3) in time order. */
export async function* readBag(file: string, options: ReadBagOptions = {}): AsyncGenerator<BagMessage> {
  const bag = await BagReader.open(file, { registry: options.registry, onNote: options.onNote, readSize: options.readSize });
  const wanted = options.topics;
  const channels = new Map<string, BagChannel>();
  const channelOf = (t: BagTopic): BagChannel => {
    let c = channels.get(t.topic);
    if (c === undefined) channels.set(t.topic, (c = toChannel(t)));
    return c;
  };
  try {
    const messages = bag.messages({
      topics: (t) => (wanted === undefined ? true : typeof wanted === 'function' ? wanted(channelOf(t)) : wanted.includes(t.topic)),
    });
    for await (const m of messages) {
      let message: unknown;
      try {
        message = m.decode();
      } catch {
        continue; // reported once per topic by the codec
      }
      yield {
        topic: m.topic,
        type: m.type,
        channel: channelOf(m.channel),
        logTime: m.logTime,
        publishTime: m.publishTime,
        sequence: m.sequence,
        message,
      };
    }
  } finally {
    bag.close();
  }
}

/** Every channel of a bag (topic, type, encodings), from its summary (or a read when it has none); no decoding. */
export async function bagChannels(file: string): Promise<BagChannel[]> {
  const bag = await BagReader.open(file);
  try {
    return (await bag.topics()).map((t) => {
      const { skipped: _skipped, ...channel } = toChannel(t);
      return channel;
    });
  } finally {
    bag.close();
  }
}
