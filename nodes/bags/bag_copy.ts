// `vla-ros bag convert`: copies a bag (any storage vla-ros reads: sqlite3, MCAP from any writer,
// split directories) into a rosbag2 MCAP bag as vla-ros writes it — the messages' CDR bytes are
// copied unchanged; each topic keeps its recorded QoS; the schema is the bag's own definition, or
// the standard one where the bag had none (old sqlite3 bags) or a wrong one. Also the way to turn a
// sqlite3 bag too big for memory-bound reading into a streamable MCAP bag.

import { defaultMessageRegistry } from '../msgs/registry.js';
import { BagReader, type BagReadOptions } from './bag_reader.js';
import { RosbagWriter, type RosbagWriterOptions } from './bag_writer.js';
import { BagWriteError, SCHEMA_ENCODING } from './mcap_writer.js';
import { BagReadError } from './storage.js';

export interface CopyOptions extends RosbagWriterOptions {
  topics?: readonly string[];
  start?: bigint;
  end?: bigint;
  /** Copy topics that cannot be decoded too (service events), with their stored schema. Default true. */
  includeUndecodable?: boolean;
  onNote?: (note: string) => void;
  onProgress?: (messages: number, total: number) => void;
  signal?: AbortSignal;
}

export interface CopySummary {
  messages: number;
  topics: number;
  bytes: number;
  interrupted: boolean;
}

/**
 * Copies every message of the selected topics, or fails: a topic the bag has no definition for is
 * stored with its type name and an empty, encoding-less schema (what rosbag2's own writer stores
 * for a type it has no definition of), and a copy that ends with fewer messages than the input
 * holds (damaged data) is a BagWriteError naming both counts.
 */
export async function copyBag(input: string, output: string, o: CopyOptions = {}): Promise<CopySummary> {
  const registry = defaultMessageRegistry();
  const bag = await BagReader.open(input, { onNote: o.onNote });
  let writer: RosbagWriter | undefined;
  let messages = 0;
  try {
    const info = await bag.info();
    const unknown = (o.topics ?? []).filter((t) => !info.topics.some((i) => i.topic === t));
    if (unknown.length > 0)
      throw new BagReadError(
        `${input} has no topic ${unknown.join(', ')} (its topics: ${info.topics.map((t) => t.topic).join(', ') || 'none'})`,
      );
    writer = await RosbagWriter.create(output, o);
    const declared = new Set<string>();
    let expected = 0;
    for (const t of info.topics) {
      if (o.topics !== undefined && !o.topics.includes(t.topic)) continue;
      if (t.problem !== undefined && o.includeUndecodable === false) continue;
      const own = t.schema !== undefined && (t.definition === 'bag' || (t.problem !== undefined && t.schema.encoding === SCHEMA_ENCODING));
      let schema: { encoding: string; text: string } | undefined = own ? t.schema : undefined;
      if (schema === undefined && registry.has(t.type)) schema = { encoding: SCHEMA_ENCODING, text: registry.schemaText(t.type) };
      if (schema === undefined && t.schema !== undefined) schema = t.schema;
      if (schema === undefined) {
        o.onNote?.(
          `${t.topic} (${t.type}): no definition in the bag and none known: copied with its type name and no definition, as rosbag2 does`,
        );
        schema = { encoding: '', text: '' };
      }
      const qos = t.metadata.get('offered_qos_profiles');
      await writer.addTopic(t.topic, t.type, {
        schema,
        nameAsRecorded: true,
        ...(qos !== undefined && qos !== '' ? { offeredQosProfiles: qos } : {}),
      });
      declared.add(t.topic);
      expected += t.count;
    }
    const read: BagReadOptions = { topics: [...declared], start: o.start, end: o.end, includeUndecodable: o.includeUndecodable ?? true };
    for await (const m of bag.messages(read)) {
      if (o.signal?.aborted === true) break;
      await writer.writeSerialized(m.topic, m.data, m.logTime, m.publishTime);
      messages++;
      if (messages % 100 === 0) o.onProgress?.(messages, info.messageCount);
    }
    o.onProgress?.(messages, info.messageCount);
    await writer.close();
    const interrupted = o.signal?.aborted === true;
    // Only a whole-bag copy knows how many messages it must write (a time range is checked by the reader).
    if (!interrupted && o.start === undefined && o.end === undefined && messages !== expected) {
      throw new BagWriteError(
        `${input}: copied ${messages} of its ${expected} messages (the rest cannot be read: see the notes); ${output} is incomplete`,
      );
    }
    return { messages, topics: declared.size, bytes: writer.bytesWritten, interrupted };
  } finally {
    await writer?.close();
    bag.close();
  }
}
