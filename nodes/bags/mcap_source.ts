// One MCAP file as a bag storage file. Two ways to read it:
//   - indexed (McapIndexedReader): when the file has a footer, a summary and chunk indexes —
//     what rosbag2, the mcap CLI, rosbags and our writer produce for a closed bag. Messages come
//     in log-time order; chunks without wanted topics or outside the time range are never read;
//     `info` needs only the summary.
//   - streaming (McapStreamReader over 1 MiB reads): files without a usable summary — unchunked
//     files, and recordings cut short by a crash. Memory stays bounded by one chunk. A cut file
//     yields every message before the cut; when the cut falls inside an uncompressed chunk
//     (rosbag2's default on Humble) the complete records in that chunk are salvaged too; a
//     partial compressed chunk is lost and reported with the time range it covered.

import fs from 'node:fs';
import { McapIndexedReader, McapStreamReader, type McapTypes } from '@mcap/core';
import { decompressHandlers } from './compression.js';
import { McapFileReadable } from './mcap_file_readable.js';
import { nsText, salvageCutChunk } from './mcap_cut_chunk.js';
import { BagReadError, type FileChannel, type RawRecord, type RecordQuery, type StorageFile, type StorageFileInfo } from './storage.js';
import { errorText } from '../error_text.js';

const MCAP_MAGIC = new Uint8Array([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);
const textDecoder = new TextDecoder();

/** Whether `head` starts with the MCAP magic. */
export function hasMcapMagic(head: Uint8Array): boolean {
  return head.length >= MCAP_MAGIC.length && MCAP_MAGIC.every((b, i) => head[i] === b);
}

/**
 * Channel ids in order of first appearance in the data (as a linear read would meet them):
 * by the first chunk holding each, then by the order of its message indexes in that chunk;
 * channels without messages last, by id.
 */
function channelOrder(reader: McapIndexedReader): number[] {
  const chunks = [...reader.chunkIndexes].sort((a, b) =>
    a.messageStartTime !== b.messageStartTime
      ? a.messageStartTime < b.messageStartTime
        ? -1
        : 1
      : a.chunkStartOffset < b.chunkStartOffset
        ? -1
        : 1,
  );
  const order: number[] = [];
  const seen = new Set<number>();
  for (const chunk of chunks) {
    for (const id of chunk.messageIndexOffsets.keys()) {
      if (!seen.has(id)) {
        seen.add(id);
        order.push(id);
      }
    }
  }
  const rest = [...reader.channelsById.keys()].filter((id) => !seen.has(id)).sort((a, b) => a - b);
  return [...order.filter((id) => reader.channelsById.has(id)), ...rest];
}

export class McapFile implements StorageFile {
  readonly storage = 'mcap' as const;
  private indexed: Promise<{ reader: McapIndexedReader; handle: fs.promises.FileHandle } | undefined> | undefined;
  private scanned: StorageFileInfo | undefined;
  private readonly channels = new Map<number, FileChannel>();

  constructor(
    readonly path: string,
    private readonly note: (text: string) => void,
    private readonly options: { readSize?: number; forceStream?: boolean } = {},
  ) {}

  /** The indexed reader when the file has a summary with chunk indexes; undefined otherwise. */
  private openIndexed(): Promise<{ reader: McapIndexedReader; handle: fs.promises.FileHandle } | undefined> {
    if (this.options.forceStream === true) return Promise.resolve(undefined);
    return (this.indexed ??= (async () => {
      const handle = await fs.promises.open(this.path, 'r');
      try {
        const reader = await McapIndexedReader.Initialize({
          readable: await McapFileReadable.open(handle, this.path),
          decompressHandlers: await decompressHandlers(),
        });
        const messages = reader.statistics?.messageCount;
        if (reader.chunkIndexes.length === 0 && (messages === undefined || messages > 0n)) {
          await handle.close();
          return undefined; // unchunked: only a linear read finds the messages
        }
        return { reader, handle };
      } catch {
        await handle.close();
        return undefined; // no footer/summary (cut recording, or written without one): stream it
      }
    })());
  }

  private channelOf(reader: McapIndexedReader, id: number): FileChannel | undefined {
    let channel = this.channels.get(id);
    if (channel === undefined) {
      const record = reader.channelsById.get(id);
      if (record === undefined) return undefined;
      channel = this.toChannel(record, reader.schemasById.get(record.schemaId));
      this.channels.set(id, channel);
    }
    return channel;
  }

  private toChannel(record: McapTypes.Channel, schema: McapTypes.Schema | undefined): FileChannel {
    return {
      id: record.id,
      topic: record.topic,
      type: schema?.name ?? '',
      messageEncoding: record.messageEncoding,
      schema: schema === undefined ? undefined : { name: schema.name, encoding: schema.encoding, text: textDecoder.decode(schema.data) },
      metadata: record.metadata,
    };
  }

  private checkProfile(header: McapTypes.Header): void {
    if (header.profile !== 'ros2') {
      this.note(
        `${this.path}: MCAP profile '${header.profile}', not 'ros2' (written by ${header.library || 'an unknown library'}); decoding what is ros2msg/cdr`,
      );
    }
  }

  async info(): Promise<StorageFileInfo> {
    const size = (await this.stat()).size;
    const indexed = await this.openIndexed();
    if (indexed !== undefined) {
      const { reader } = indexed;
      this.checkProfile(reader.header);
      const chunkCompression = new Map<string, number>();
      for (const c of reader.chunkIndexes) chunkCompression.set(c.compression, (chunkCompression.get(c.compression) ?? 0) + 1);
      const stats = reader.statistics;
      let figures: Pick<StorageFileInfo, 'topics' | 'messageCount' | 'start' | 'end' | 'truncated'>;
      if (stats !== undefined) {
        const count = Number(stats.messageCount);
        figures = {
          topics: channelOrder(reader).map((id) => ({
            channel: this.channelOf(reader, id)!,
            count: Number(stats.channelMessageCounts.get(id) ?? 0n),
          })),
          messageCount: count,
          start: count > 0 ? stats.messageStartTime : undefined,
          end: count > 0 ? stats.messageEndTime : undefined,
        };
      } else {
        // No Statistics record (it is optional; some writers leave it out): count by reading the file once, as other readers do.
        const { topics, messageCount, start, end, truncated } = await this.scan();
        figures = { topics, messageCount, start, end, ...(truncated !== undefined ? { truncated } : {}) };
      }
      return {
        path: this.path,
        storage: 'mcap',
        sizeBytes: size,
        ...figures,
        chunkCompression,
        chunked: reader.chunkIndexes.length > 0,
        indexed: true,
        writer: `${reader.header.library || 'unknown library'}, profile '${reader.header.profile}'`,
      };
    }
    return this.scan();
  }

  /** The figures of a full linear pass (made once). */
  private async scan(): Promise<StorageFileInfo> {
    if (this.scanned === undefined) {
      for await (const _ of this.streamRecords({ channel: () => false }, true)) {
        /* counting only: streamRecords fills in this.scanned */
      }
    }
    return this.scanned!;
  }

  async *records(query: RecordQuery): AsyncGenerator<RawRecord> {
    const indexed = query.order === 'file' ? undefined : await this.openIndexed();
    if (indexed === undefined) {
      yield* this.streamRecords(query, false);
      return;
    }
    const { reader } = indexed;
    this.checkProfile(reader.header);
    const wanted = channelOrder(reader).filter((id) => {
      const ch = this.channelOf(reader, id);
      return ch !== undefined && (query.channel?.(ch) ?? true);
    });
    if (wanted.length === 0) return;
    const topics = [...new Set(wanted.map((id) => this.channels.get(id)!.topic))];
    try {
      for await (const m of reader.readMessages({ topics, startTime: query.start, endTime: query.end, validateCrcs: false })) {
        const channel = this.channelOf(reader, m.channelId);
        if (channel === undefined || !wanted.includes(channel.id)) continue;
        yield { channel, logTime: m.logTime, publishTime: m.publishTime, sequence: m.sequence, data: m.data };
      }
    } catch (err) {
      throw new BagReadError(`${this.path}: cannot read its indexed data: ${errorText(err)}`);
    }
  }

  private async stat(): Promise<fs.Stats> {
    let stats: fs.Stats;
    try {
      stats = await fs.promises.stat(this.path);
    } catch (err) {
      throw new BagReadError(`cannot read bag ${this.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (!stats.isFile()) throw new BagReadError(`cannot read bag ${this.path}: not a file`);
    return stats;
  }

  /**
   * Linear read. Also collects the figures info() reports (counts, times, compression) and
   * notes a cut or damaged end — once per file, on the first complete pass.
   */
  private async *streamRecords(query: RecordQuery, countOnly: boolean): AsyncGenerator<RawRecord> {
    const stat = await this.stat();
    const reader = new McapStreamReader({ includeChunks: true, decompressHandlers: await decompressHandlers() });
    const schemas = new Map<number, McapTypes.Schema>();
    const channels = new Map<number, FileChannel>();
    const counts = new Map<number, number>();
    const chunkCompression = new Map<string, number>();
    let header: McapTypes.Header | undefined;
    let messages = 0;
    let start: bigint | undefined;
    let end: bigint | undefined;
    let stopped: string | undefined;
    const firstPass = this.scanned === undefined;
    const handle = (record: McapTypes.TypedMcapRecord): RawRecord | undefined => {
      switch (record.type) {
        case 'Header':
          header = record;
          this.checkProfileOnce(record, firstPass);
          return undefined;
        case 'Schema':
          schemas.set(record.id, record);
          return undefined;
        case 'Channel':
          if (!channels.has(record.id)) channels.set(record.id, this.toChannel(record, schemas.get(record.schemaId)));
          return undefined;
        case 'Chunk':
          chunkCompression.set(record.compression, (chunkCompression.get(record.compression) ?? 0) + 1);
          return undefined;
        case 'Message': {
          const channel = channels.get(record.channelId);
          if (channel === undefined) return undefined;
          messages++;
          counts.set(channel.id, (counts.get(channel.id) ?? 0) + 1);
          if (start === undefined || record.logTime < start) start = record.logTime;
          if (end === undefined || record.logTime > end) end = record.logTime;
          if (countOnly) return undefined;
          if (query.start !== undefined && record.logTime < query.start) return undefined;
          if (query.end !== undefined && record.logTime > query.end) return undefined;
          if (!(query.channel?.(channel) ?? true)) return undefined;
          return { channel, logTime: record.logTime, publishTime: record.publishTime, sequence: record.sequence, data: record.data };
        }
        default:
          return undefined;
      }
    };
    const stream = fs.createReadStream(this.path, { highWaterMark: this.options.readSize ?? 1024 * 1024 });
    let consumed = 0;
    try {
      outer: for await (const piece of stream) {
        consumed += (piece as Buffer).length;
        reader.append(piece as Buffer);
        for (;;) {
          let record: McapTypes.TypedMcapRecord | undefined;
          try {
            record = reader.nextRecord();
          } catch (err) {
            if (header === undefined) throw new BagReadError(`${this.path} is not an MCAP file: ${errorText(err)}`);
            const at = consumed - reader.bytesRemaining();
            stopped = `corrupt MCAP data at byte ${at} of ${stat.size} (${errorText(err)}): read the ${messages} messages before it`;
            break outer;
          }
          if (record === undefined) break;
          const out = handle(record);
          if (out !== undefined) yield out;
        }
      }
    } finally {
      stream.destroy();
    }
    if (header === undefined) {
      if (stat.size < 8 || consumed < 8) throw new BagReadError(`${this.path} is not an MCAP file (no MCAP header; ${stat.size} bytes)`);
      const head = Buffer.alloc(8);
      const fd = await fs.promises.open(this.path, 'r');
      try {
        await fd.read(head, 0, 8, 0);
      } finally {
        await fd.close();
      }
      if (!hasMcapMagic(head)) throw new BagReadError(`${this.path} is not an MCAP file`);
      // The MCAP magic, then the cut: a recording that died right after it started.
      stopped = `the file ends inside its MCAP header (${stat.size} bytes; truncated recording?): no messages`;
      if (firstPass) this.note(`${this.path}: ${stopped}`);
      this.scanned ??= {
        path: this.path,
        storage: 'mcap',
        sizeBytes: stat.size,
        topics: [],
        messageCount: 0,
        start: undefined,
        end: undefined,
        chunkCompression,
        chunked: false,
        indexed: false,
        truncated: stopped,
        writer: 'unknown (header cut)',
      };
      return;
    }
    if (stopped === undefined && !reader.done()) {
      const offset = stat.size - reader.bytesRemaining();
      const salvage = await this.salvagePartialChunk(offset, stat.size);
      for (const record of salvage.records) {
        const out = handle(record);
        if (out !== undefined) yield out;
      }
      const lost = stat.size - offset;
      stopped =
        `the file ends before the MCAP footer (truncated recording?): read the ${messages} messages before the cut` +
        (end !== undefined ? ` (up to t=${nsText(end)} s)` : '') +
        (lost > 0 ? `; the last ${lost} bytes (${((100 * lost) / stat.size).toFixed(1)}% of the file) are an incomplete record` : '') +
        (salvage.detail !== '' ? `: ${salvage.detail}` : '');
    }
    if (firstPass && stopped !== undefined) this.note(`${this.path}: ${stopped}`);
    if (this.scanned === undefined) {
      this.scanned = {
        path: this.path,
        storage: 'mcap',
        sizeBytes: stat.size,
        topics: [...channels.values()].map((channel) => ({ channel, count: counts.get(channel.id) ?? 0 })),
        messageCount: messages,
        start,
        end,
        chunkCompression,
        chunked: chunkCompression.size > 0,
        indexed: false,
        ...(stopped !== undefined ? { truncated: stopped } : {}),
        writer: `${header.library || 'unknown library'}, profile '${header.profile}'`,
      };
    }
  }

  private profileChecked = false;

  private checkProfileOnce(header: McapTypes.Header, firstPass: boolean): void {
    if (this.profileChecked || !firstPass) return;
    this.profileChecked = true;
    this.checkProfile(header);
  }

  /** The records that can still be read from a chunk cut by the end of the file (see salvageCutChunk). */
  private async salvagePartialChunk(offset: number, size: number): Promise<{ records: McapTypes.TypedMcapRecord[]; detail: string }> {
    const handle = await fs.promises.open(this.path, 'r');
    try {
      const length = size - offset;
      if (length < 9) return { records: [], detail: '' };
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, offset);
      return salvageCutChunk(buffer);
    } finally {
      await handle.close();
    }
  }

  close(): void {
    void this.indexed?.then((i) => i?.handle.close()).catch(() => undefined);
    this.indexed = undefined;
  }
}
