// One streaming API over every bag vla-ros reads:
//   - a rosbag2 bag directory (metadata.yaml + files in relative_file_paths order, split bags
//     included; a directory without metadata.yaml — a crashed recording — is read from its
//     .mcap/.db3 files in split order, with a note);
//   - a single MCAP file (rosbag2's C++ writer, the Python rosbags library, the mcap CLI, ours;
//     zstd, lz4 or uncompressed chunks, or no chunks), read indexed or streamed (mcap_source.ts);
//   - a single sqlite3 .db3 file (sqlite_source.ts; loaded whole into memory by sql.js).
//
//   const bag = await BagReader.open('runs/episode_3');
//   for await (const m of bag.messages({ topics: ['/fr3/joint_states'], start, end })) {
//     m.topic; m.type; m.logTime; m.publishTime; m.data /* CDR */; m.decode();
//   }
//   bag.close();
//
// Topics whose messages cannot be decoded (service events, unknown types without a definition,
// other encodings) are reported once with a note and skipped, unless `includeUndecodable`:
// then they are yielded and decode() throws. Which definition decodes a topic is decided in
// definitions.ts.

import fs from 'node:fs';
import path from 'node:path';
import type { MessageRegistry } from '../msgs/registry.js';
import { BagDefinitions, type TopicCodec } from './definitions.js';
import { hasMcapMagic, McapFile } from './mcap_source.js';
import { METADATA_NEWEST_VERSION, readBagMetadata, type BagMetadata } from './metadata_yaml.js';
import { hasSqliteMagic, SqliteFile } from './sqlite_source.js';
import { BagReadError, type FileChannel, type StorageFile, type StorageFileInfo, type StorageId } from './storage.js';

export { BagReadError } from './storage.js';
export type { StorageId } from './storage.js';

/** A topic of a bag (the same on every split file). Compatible with decoded_messages.ts's BagChannel. */
export interface BagTopic {
  /** Index in the bag's topic list. */
  id: number;
  topic: string;
  /** Normalised message type (`pkg/msg/Type`), or the name as recorded when it cannot be decoded. */
  type: string;
  messageEncoding: string;
  /** Encoding of the stored definition ('ros2msg', 'ros2idl', …); '' when the bag stores none. */
  schemaEncoding: string;
  /** Channel metadata; `offered_qos_profiles` as recorded. */
  metadata: ReadonlyMap<string, string>;
  /** Why its messages cannot be decoded, when they cannot. */
  problem?: string;
  /** The definition stored in the bag, when there is one (any encoding; '' in ros2msg is a message without fields). */
  schema?: { encoding: string; text: string };
}

export interface BagRecord<T = unknown> {
  topic: string;
  type: string;
  channel: BagTopic;
  /** Receive time [ns]. */
  logTime: bigint;
  /** Publish time [ns] (= logTime where the storage has none). */
  publishTime: bigint;
  sequence: number;
  /** The message as recorded: CDR with its 4-byte encapsulation header. */
  data: Uint8Array;
  /**
   * Decodes `data`. Numeric arrays are typed arrays that may share memory with `data` (which may
   * itself be a view into a whole chunk); `{ copy: true }` decodes from a private copy of the
   * message, e.g. before the message is structured-cloned to another thread.
   */
  decode(options?: { copy?: boolean }): T;
}

export interface BagReadOptions {
  /** Topics (fully qualified) or a predicate, called once per topic; default all. */
  topics?: readonly string[] | ((topic: BagTopic) => boolean);
  /** First log time to read [ns], inclusive. */
  start?: bigint;
  /** Last log time to read [ns], inclusive. */
  end?: bigint;
  /** Yield topics that cannot be decoded too (decode() throws); default: skip them with a note. */
  includeUndecodable?: boolean;
  /** 'file': storage order, even when an index could give time order (no seeks). */
  order?: 'time' | 'file';
}

export interface OpenBagOptions {
  /** Registry the bag's own definitions go into (default: a fresh one per bag). */
  registry?: MessageRegistry;
  /** Told about skipped topics, definition fallbacks, truncation (default: ignored). */
  onNote?: (note: string) => void;
  /** Read MCAP files linearly even when they have an index (tests, benchmarks). */
  forceStream?: boolean;
  /** Bytes per read of a streamed MCAP file (default 1 MiB). */
  readSize?: number;
}

export interface BagTopicInfo extends BagTopic {
  count: number;
  /** 'bag' when the bag's own definition decodes it, 'standard' for ours. */
  definition: 'bag' | 'standard' | undefined;
}

export interface BagInfo {
  path: string;
  storage: StorageId;
  /** Per storage file. */
  files: StorageFileInfo[];
  topics: BagTopicInfo[];
  messageCount: number;
  start: bigint | undefined;
  end: bigint | undefined;
  sizeBytes: number;
  /** The bag's metadata.yaml, when it has one. */
  metadata: BagMetadata | undefined;
  notes: string[];
}

interface TopicEntry {
  topic: BagTopic;
  codec: TopicCodec;
}

/** The number in `name_12.mcap`, for split order. */
function splitIndex(file: string): number {
  const m = /_(\d+)\.(?:mcap|db3)$/.exec(file);
  return m === null ? -1 : Number(m[1]);
}

function readHead(file: string): Uint8Array {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new BagReadError(`cannot read bag ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const head = Buffer.alloc(16);
    const n = fs.readSync(fd, head, 0, 16, 0);
    return head.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

export class BagReader {
  private readonly entries = new Map<string, TopicEntry>();
  private readonly definitions: BagDefinitions;
  private readonly notes: string[] = [];
  private infoCache: Promise<BagInfo> | undefined;

  private constructor(
    readonly path: string,
    readonly storage: StorageId,
    private readonly sources: StorageFile[],
    readonly metadata: BagMetadata | undefined,
    private readonly onNote: (note: string) => void,
    registry: MessageRegistry | undefined,
  ) {
    this.definitions = new BagDefinitions((n) => this.note(n), registry);
  }

  /** Opens a bag directory, an .mcap file or a .db3 file. */
  static async open(bagPath: string, options: OpenBagOptions = {}): Promise<BagReader> {
    const early: string[] = [];
    const note = (n: string) => early.push(n);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(bagPath);
    } catch (err) {
      throw new BagReadError(`cannot read bag ${bagPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    let files: string[];
    let metadata: BagMetadata | undefined;
    let storage: StorageId;
    if (stat.isDirectory()) {
      metadata = readBagMetadata(bagPath);
      if (metadata !== undefined) {
        if (metadata.version > METADATA_NEWEST_VERSION) {
          note(
            `${bagPath}: metadata.yaml version ${metadata.version} is newer than the newest vla-ros knows (${METADATA_NEWEST_VERSION}): read as version ${METADATA_NEWEST_VERSION}, as rosbag2 does (fields added since are ignored)`,
          );
        }
        if (metadata.compressionMode !== '' && metadata.compressionMode.toLowerCase() !== 'none') {
          throw new BagReadError(
            `${bagPath}: recorded with rosbag2 ${metadata.compressionFormat} compression in ${metadata.compressionMode} mode, which vla-ros does not read; ` +
              'decompress it with `ros2 bag convert` (output_bags without compression), or record with MCAP chunk compression instead',
          );
        }
        files = metadata.relativeFilePaths.map((f) => path.join(bagPath, f));
        // An entry that is not a file (empty: the directory itself; a folder; a name with a NUL byte) is as good as missing.
        const isFile = (f: string) => {
          try {
            return fs.statSync(f, { throwIfNoEntry: false })?.isFile() === true;
          } catch {
            return false; // a name fs refuses (a NUL byte)
          }
        };
        const listed = (f: string) => JSON.stringify(path.relative(bagPath, f));
        const missing = files.filter((f) => !isFile(f));
        if (missing.length === files.length && files.length > 0)
          throw new BagReadError(`${bagPath}: metadata.yaml lists ${missing.map(listed).join(', ')}, none of which is a file that exists`);
        for (const m of missing) note(`${bagPath}: metadata.yaml lists ${listed(m)}, which is missing or not a file: skipped`);
        files = files.filter(isFile);
        const unlisted = fs.readdirSync(bagPath).filter((f) => /\.(mcap|db3)$/.test(f) && !metadata!.relativeFilePaths.includes(f));
        if (unlisted.length > 0)
          note(`${bagPath}: ${unlisted.join(', ')} not listed in metadata.yaml (recorded after it was written?): not read`);
        storage = metadata.storageIdentifier === 'sqlite3' ? 'sqlite3' : 'mcap';
        if (metadata.storageIdentifier !== 'sqlite3' && metadata.storageIdentifier !== 'mcap') {
          throw new BagReadError(`${bagPath}: storage '${metadata.storageIdentifier}' is not supported (only mcap and sqlite3)`);
        }
      } else {
        const found = fs.readdirSync(bagPath).filter((f) => /\.(mcap|db3)$/.test(f));
        if (found.length === 0) throw new BagReadError(`${bagPath} is not a bag: no metadata.yaml and no .mcap or .db3 files`);
        const kinds = new Set(found.map((f) => path.extname(f)));
        if (kinds.size > 1) throw new BagReadError(`${bagPath} has both .mcap and .db3 files and no metadata.yaml: pass one file`);
        files = found.sort((a, b) => splitIndex(a) - splitIndex(b) || a.localeCompare(b)).map((f) => path.join(bagPath, f));
        storage = kinds.has('.db3') ? 'sqlite3' : 'mcap';
        note(`${bagPath}: no metadata.yaml (a recording that did not finish?): reading ${found.length} file(s) in split order`);
      }
    } else {
      const head = readHead(bagPath);
      if (hasSqliteMagic(head)) storage = 'sqlite3';
      else if (hasMcapMagic(head) || bagPath.endsWith('.mcap') || head.length < 8) storage = 'mcap';
      else throw new BagReadError(`${bagPath} is not an MCAP file or a rosbag2 sqlite3 file`);
      files = [bagPath];
    }
    const pending: string[] = [];
    let forward: (n: string) => void = (n) => pending.push(n);
    const fileNote = (n: string) => forward(n);
    const sources: StorageFile[] = files.map((f) =>
      storage === 'sqlite3'
        ? new SqliteFile(f, fileNote)
        : new McapFile(f, fileNote, { forceStream: options.forceStream, readSize: options.readSize }),
    );
    const reader = new BagReader(bagPath, storage, sources, metadata, options.onNote ?? (() => {}), options.registry);
    forward = (n) => reader.note(n);
    for (const n of [...early, ...pending]) reader.note(n);
    return reader;
  }

  /** The storage files, in reading order. */
  get files(): string[] {
    return this.sources.map((s) => s.path);
  }

  private note(text: string): void {
    if (this.notes.includes(text)) return;
    this.notes.push(text);
    this.onNote(text);
  }

  private entryFor(channel: FileChannel): TopicEntry {
    let entry = this.entries.get(channel.topic);
    if (entry === undefined) {
      const codec = this.definitions.codec(channel.topic, channel.type, channel.schema, channel.messageEncoding);
      const topic: BagTopic = {
        id: this.entries.size,
        topic: channel.topic,
        type: codec.type,
        messageEncoding: channel.messageEncoding,
        schemaEncoding: channel.schema?.encoding ?? '',
        metadata: channel.metadata,
        ...(codec.problem !== undefined ? { problem: codec.problem } : {}),
        ...(channel.schema !== undefined && (channel.schema.text !== '' || channel.schema.encoding !== '')
          ? { schema: { encoding: channel.schema.encoding, text: channel.schema.text } }
          : {}),
      };
      entry = { topic, codec };
      this.entries.set(channel.topic, entry);
    }
    return entry;
  }

  /** Topics, types, counts, times, storage and compression; cheap for indexed files. */
  info(): Promise<BagInfo> {
    return (this.infoCache ??= (async () => {
      const files: StorageFileInfo[] = [];
      for (const s of this.sources) files.push(await s.info());
      const counts = new Map<string, number>();
      for (const f of files) {
        for (const t of f.topics) {
          this.entryFor(t.channel);
          counts.set(t.channel.topic, (counts.get(t.channel.topic) ?? 0) + t.count);
        }
      }
      // Where the bag's definition and ours differ, the first message decides which one is used.
      const undecided = new Set(
        [...this.entries.values()].filter((e) => e.codec.undecided && (counts.get(e.topic.topic) ?? 0) > 0).map((e) => e.topic.topic),
      );
      if (undecided.size > 0) {
        for await (const m of this.messages({ topics: [...undecided], order: 'file' })) {
          if (!undecided.delete(m.topic)) continue;
          try {
            m.decode();
          } catch {
            /* noted by the codec */
          }
          if (undecided.size === 0) break;
        }
      }
      const starts = files.map((f) => f.start).filter((t): t is bigint => t !== undefined);
      const ends = files.map((f) => f.end).filter((t): t is bigint => t !== undefined);
      return {
        path: this.path,
        storage: this.storage,
        files,
        topics: [...this.entries.values()].map((e) => ({
          ...e.topic,
          count: counts.get(e.topic.topic) ?? 0,
          definition: e.codec.problem ? undefined : e.codec.definitionOrigin,
        })),
        messageCount: files.reduce((n, f) => n + f.messageCount, 0),
        start: starts.length > 0 ? starts.reduce((a, b) => (a < b ? a : b)) : undefined,
        end: ends.length > 0 ? ends.reduce((a, b) => (a > b ? a : b)) : undefined,
        sizeBytes: files.reduce((n, f) => n + f.sizeBytes, 0),
        metadata: this.metadata,
        notes: this.notes,
      };
    })());
  }

  /** Every topic of the bag (reads the summaries, or the whole bag when it has none). */
  async topics(): Promise<BagTopicInfo[]> {
    return (await this.info()).topics;
  }

  /** The bag's messages, file after file, in log-time order within a file (storage order when unindexed). */
  async *messages(options: BagReadOptions = {}): AsyncGenerator<BagRecord> {
    const wanted = options.topics;
    const decided = new Map<string, boolean>();
    const select = (channel: FileChannel): boolean => {
      const known = decided.get(channel.topic);
      if (known !== undefined) return known;
      const { topic } = this.entryFor(channel);
      const chosen = wanted === undefined ? true : typeof wanted === 'function' ? wanted(topic) : wanted.includes(topic.topic);
      let take = chosen;
      if (chosen && topic.problem !== undefined && options.includeUndecodable !== true) {
        this.note(`${this.path}: topic ${topic.topic} skipped: ${topic.problem}`);
        take = false;
      }
      decided.set(channel.topic, take);
      return take;
    };
    for (const source of this.sources) {
      for await (const raw of source.records({ channel: select, start: options.start, end: options.end, order: options.order })) {
        const entry = this.entryFor(raw.channel);
        const { codec, topic } = entry;
        const data = raw.data;
        yield {
          topic: topic.topic,
          type: topic.type,
          channel: topic,
          logTime: raw.logTime,
          publishTime: raw.publishTime,
          sequence: raw.sequence,
          data,
          decode: (o?: { copy?: boolean }) => codec.decode(o?.copy === true ? data.slice() : data),
        };
      }
    }
  }

  /** Releases open files and the sqlite3 databases held in memory. */
  close(): void {
    for (const s of this.sources) s.close();
  }
}

/** Opens `bagPath`, yields its messages, closes it. */
export async function* readBagRecords(bagPath: string, options: BagReadOptions & OpenBagOptions = {}): AsyncGenerator<BagRecord> {
  const bag = await BagReader.open(bagPath, options);
  try {
    yield* bag.messages(options);
  } finally {
    bag.close();
  }
}
