// What every storage file (an MCAP file, a sqlite3 .db3) gives the bag reader: its channels
// (topic, type, encodings, schema, recorded QoS), raw CDR records in time or file order, and a
// description for `vla-ros bag info`. bag_reader.ts turns these into one stream over a bag.

import type { SchemaInfo } from './definitions.js';

export type StorageId = 'mcap' | 'sqlite3';

/**
 * Bad bag input (a file that is not a bag, damaged beyond what can be read, an unsupported
 * variant): the one line the CLI prints, exit 1. Control characters from the file (topic names,
 * SQLite messages) are escaped so it stays one line. Any other error escaping a bag reader is a bug.
 */
export class BagReadError extends Error {
  override name = 'BagReadError';

  constructor(message: string) {
    // eslint-disable-next-line no-control-regex
    super(message.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  }
}

export interface FileChannel {
  /** Id within the file. */
  id: number;
  topic: string;
  /** Type name as stored (schema name for MCAP, `type` column for sqlite3). */
  type: string;
  messageEncoding: string;
  schema: SchemaInfo | undefined;
  /** Channel metadata; rosbag2 stores `offered_qos_profiles` here. */
  metadata: ReadonlyMap<string, string>;
}

export interface RawRecord {
  channel: FileChannel;
  /** Receive time [ns]. */
  logTime: bigint;
  publishTime: bigint;
  sequence: number;
  /** CDR bytes (encapsulation header included). */
  data: Uint8Array;
}

export interface RecordQuery {
  /** Only channels for which this holds (default all). */
  channel?: (channel: FileChannel) => boolean;
  /** Inclusive log-time range [ns]. */
  start?: bigint;
  end?: bigint;
  /** 'time': log-time order (indexed MCAP, sqlite3); 'file': as stored (default: what is cheapest). */
  order?: 'time' | 'file';
}

export interface FileTopicInfo {
  channel: FileChannel;
  count: number;
}

export interface StorageFileInfo {
  path: string;
  storage: StorageId;
  sizeBytes: number;
  topics: FileTopicInfo[];
  messageCount: number;
  /** Log-time range of the messages [ns]; undefined when there are none. */
  start: bigint | undefined;
  end: bigint | undefined;
  /** Chunk compressions with their chunk counts ('' = uncompressed), MCAP only. */
  chunkCompression: Map<string, number>;
  chunked: boolean;
  /** The file has a usable summary/index (MCAP) — fast info and seeks. */
  indexed: boolean;
  /** Set when the file is damaged or cut: what could be read and what was lost. */
  truncated?: string;
  /** MCAP header profile / library, or sqlite3 schema version and distro. */
  writer: string;
}

export interface StorageFile {
  readonly path: string;
  readonly storage: StorageId;
  info(): Promise<StorageFileInfo>;
  records(query: RecordQuery): AsyncGenerator<RawRecord>;
  close(): void;
}
