// One rosbag2 sqlite3 file (.db3) as a bag storage file, read with sql.js (SQLite compiled to
// WebAssembly: no native addon, works wherever Node does).
//
// LIMIT: sql.js opens a database from a byte array, so the WHOLE .db3 file is loaded into memory
// (into the WebAssembly heap, ~1× the file size, plus the file read). Files above
// SQLITE_MAX_BYTES are refused with the command to convert them to MCAP, which streams.
// Messages are then stepped through one row at a time (bounded JS memory).
//
// Schema (rosbag2_storage_default_plugins): topics(id, name, type, serialization_format,
// offered_qos_profiles[, type_description_hash]), messages(id, topic_id, timestamp, data), and
// since Iron message_definitions(topic_type, encoding, encoded_message_definition,
// type_description_hash). Bags from Humble and before store no definitions: the standard ones are
// used (definitions.ts). Timestamps are int64 ns — read as text, because sql.js returns integers
// as doubles (which would lose the last ~3 digits).
//
// A database in WAL mode whose -wal file still holds frames (a recording that was not closed
// cleanly with the `resilient` preset) is merged in memory first: committed frames are applied,
// the torn tail is dropped, and the note says how many frames were used.

import fs from 'node:fs';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import type { SchemaInfo } from './definitions.js';
import { applyWal } from './sqlite_wal.js';
import { BagReadError, type FileChannel, type RawRecord, type RecordQuery, type StorageFile, type StorageFileInfo } from './storage.js';
import { errorText } from '../error_text.js';

/** Largest .db3 loaded into memory. */
export const SQLITE_MAX_BYTES = 1.5 * 1024 ** 3;

const SQLITE_MAGIC = 'SQLite format 3\0';

export function hasSqliteMagic(head: Uint8Array): boolean {
  return head.length >= 16 && Buffer.from(head.subarray(0, 16)).toString('latin1') === SQLITE_MAGIC;
}

let sqlJs: Promise<SqlJsStatic> | undefined;

interface TopicRow {
  channel: FileChannel;
}

export class SqliteFile implements StorageFile {
  readonly storage = 'sqlite3' as const;
  private db: Promise<Database> | undefined;
  private topics: Map<number, TopicRow> | undefined;
  private writer = 'sqlite3';
  private messagesHaveId = true;

  constructor(
    readonly path: string,
    private readonly note: (text: string) => void,
  ) {}

  private open(): Promise<Database> {
    return (this.db ??= (async () => {
      let size: number;
      try {
        size = fs.statSync(this.path).size;
      } catch (err) {
        throw new BagReadError(`cannot read bag ${this.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      if (size > SQLITE_MAX_BYTES) {
        throw new BagReadError(
          `${this.path} is ${(size / 1024 ** 3).toFixed(1)} GiB: sqlite3 bags are loaded whole into memory (sql.js), up to ` +
            `${SQLITE_MAX_BYTES / 1024 ** 3} GiB per file. Convert it to MCAP, which streams: ` +
            '`ros2 bag convert -i <bag> -o out.yaml` with `output_bags: [{uri: out, storage_id: mcap}]`',
        );
      }
      const SQL = await (sqlJs ??= initSqlJs());
      let image: Uint8Array;
      let wal: Uint8Array | undefined;
      const walFile = `${this.path}-wal`;
      try {
        image = fs.readFileSync(this.path);
        wal = fs.statSync(walFile, { throwIfNoEntry: false })?.isFile() === true ? fs.readFileSync(walFile) : undefined;
      } catch (err) {
        throw new BagReadError(`cannot read bag ${this.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      if (wal !== undefined && wal.length > 0) {
        const merged = applyWal(image, wal);
        if (merged !== undefined) {
          image = merged.image;
          this.note(
            `${this.path}: merged ${merged.frames} committed frames of its write-ahead log (${walFile})` +
              (merged.torn > 0 ? `; ${merged.torn} uncommitted or torn frames at its end were dropped` : ''),
          );
        }
      }
      try {
        const db = new SQL.Database(image);
        db.exec('SELECT count(*) FROM sqlite_master');
        return db;
      } catch (err) {
        throw new BagReadError(`${this.path} is not a readable SQLite database: ${errorText(err)}`);
      }
    })());
  }

  private tableColumns(db: Database, table: string): Set<string> {
    const result = db.exec(`PRAGMA table_info(${table})`);
    return new Set((result[0]?.values ?? []).map((row) => String(row[1])));
  }

  /** Runs SQL on the bag: an SQLite error (a damaged or foreign database) becomes one line naming the file. */
  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      if (err instanceof BagReadError) throw err;
      throw new BagReadError(`${this.path}: not a rosbag2 sqlite3 bag: ${errorText(err)}`);
    }
  }

  /** A timestamp column read as text: integer ns, or a BagReadError (NULL, a real, text). */
  private nanoseconds(value: unknown, what: string): bigint {
    const text = typeof value === 'string' ? value.trim() : '';
    if (!/^-?\d+$/.test(text))
      throw new BagReadError(
        `${this.path}: not a rosbag2 sqlite3 bag: ${what} is ${value === null ? 'NULL' : JSON.stringify(value)}, not an integer timestamp [ns]`,
      );
    return BigInt(text);
  }

  private async channels(): Promise<Map<number, TopicRow>> {
    if (this.topics !== undefined) return this.topics;
    const db = await this.open();
    return this.guard(() => this.readChannels(db));
  }

  private readChannels(db: Database): Map<number, TopicRow> {
    const columns = this.tableColumns(db, 'topics');
    const messageColumns = this.tableColumns(db, 'messages');
    if (!columns.has('name') || !messageColumns.has('data')) {
      throw new BagReadError(`${this.path} is an SQLite database but not a rosbag2 bag (no topics/messages tables)`);
    }
    // offered_qos_profiles came later than the other columns (early rosbag2 releases lack it).
    const missing = [
      ...['id', 'type', 'serialization_format'].filter((c) => !columns.has(c)).map((c) => `topics.${c}`),
      ...['topic_id', 'timestamp'].filter((c) => !messageColumns.has(c)).map((c) => `messages.${c}`),
    ];
    if (missing.length > 0) throw new BagReadError(`${this.path}: not a rosbag2 sqlite3 bag: no column ${missing.join(', ')}`);
    this.messagesHaveId = messageColumns.has('id');
    const definitions = new Map<string, SchemaInfo>();
    if (this.tableColumns(db, 'message_definitions').has('encoded_message_definition')) {
      for (const [type, encoding, text] of db.exec('SELECT topic_type, encoding, encoded_message_definition FROM message_definitions')[0]
        ?.values ?? []) {
        if (typeof type === 'string' && type !== '') definitions.set(type, { name: type, encoding: String(encoding), text: String(text) });
      }
    }
    const schemaColumns = this.tableColumns(db, 'schema');
    const schema = schemaColumns.has('schema_version')
      ? db.exec(`SELECT schema_version, ${schemaColumns.has('ros_distro') ? 'ros_distro' : "''"} FROM schema`)[0]?.values[0]
      : undefined;
    this.writer =
      schema !== undefined
        ? `rosbag2 sqlite3 schema ${String(schema[0])}${schema[1] ? `, ${String(schema[1])}` : ''}`
        : 'rosbag2 sqlite3 (no schema table: Foxy or older)';
    const qosColumn = columns.has('offered_qos_profiles') ? 'offered_qos_profiles' : "''";
    const rows = db.exec(`SELECT id, name, type, serialization_format, ${qosColumn} FROM topics ORDER BY id`)[0]?.values ?? [];
    this.topics = new Map(
      rows.map(([id, name, type, format, qos]) => {
        const t = String(type ?? '');
        // The service-event definitions of Iron+ are stored under the service's name (pkg/srv/Srv).
        const schemaOf = definitions.get(t) ?? definitions.get(t.replace(/_Event$/, ''));
        return [
          Number(id),
          {
            channel: {
              id: Number(id),
              topic: String(name ?? ''),
              type: t,
              messageEncoding: String(format ?? ''),
              schema: schemaOf,
              metadata: new Map([['offered_qos_profiles', String(qos ?? '')]]),
            },
          },
        ];
      }),
    );
    return this.topics;
  }

  async info(): Promise<StorageFileInfo> {
    const db = await this.open();
    const topics = await this.channels();
    const { counts, min, max, total } = this.guard(() => {
      const perTopic = new Map(
        (db.exec('SELECT topic_id, count(*) FROM messages GROUP BY topic_id')[0]?.values ?? []).map(([id, n]) => [Number(id), Number(n)]),
      );
      const [first, last, n] = db.exec('SELECT CAST(min(timestamp) AS TEXT), CAST(max(timestamp) AS TEXT), count(*) FROM messages')[0]
        ?.values[0] ?? [null, null, 0];
      return { counts: perTopic, min: first, max: last, total: n };
    });
    return {
      path: this.path,
      storage: 'sqlite3',
      sizeBytes: fs.statSync(this.path).size,
      topics: [...topics.values()].map((t) => ({ channel: t.channel, count: counts.get(t.channel.id) ?? 0 })),
      messageCount: Number(total),
      start: min === null ? undefined : this.nanoseconds(min, 'the first message timestamp'),
      end: max === null ? undefined : this.nanoseconds(max, 'the last message timestamp'),
      chunkCompression: new Map(),
      chunked: false,
      indexed: true,
      writer: this.writer,
    };
  }

  async *records(query: RecordQuery): AsyncGenerator<RawRecord> {
    const db = await this.open();
    const topics = await this.channels();
    const wanted = [...topics.values()].filter((t) => query.channel?.(t.channel) ?? true).map((t) => t.channel.id);
    if (wanted.length === 0) return;
    const where = [`topic_id IN (${wanted.join(',')})`];
    const params: string[] = [];
    if (query.start !== undefined) {
      where.push('timestamp >= CAST(? AS INTEGER)');
      params.push(String(query.start));
    }
    if (query.end !== undefined) {
      where.push('timestamp <= CAST(? AS INTEGER)');
      params.push(String(query.end));
    }
    const id = this.messagesHaveId ? 'id' : 'rowid';
    const statement = this.guard(() =>
      db.prepare(
        `SELECT topic_id, CAST(timestamp AS TEXT), data, ${id} FROM messages WHERE ${where.join(' AND ')} ORDER BY timestamp, ${id}`,
      ),
    );
    let read = 0;
    try {
      this.guard(() => statement.bind(params));
      for (;;) {
        let row: ReturnType<typeof statement.get>;
        try {
          if (!statement.step()) break;
          row = statement.get();
        } catch (err) {
          this.note(`${this.path}: the database is damaged (${errorText(err)}): read the ${read} messages before the damage`);
          break;
        }
        const channel = topics.get(Number(row[0]))?.channel;
        if (channel === undefined) continue;
        const ns = this.nanoseconds(row[1], `the timestamp of message ${String(row[3])}`);
        const data = row[2] instanceof Uint8Array ? row[2] : new Uint8Array(0);
        read++;
        yield { channel, logTime: ns, publishTime: ns, sequence: Number(row[3]), data };
      }
    } finally {
      statement.free();
    }
  }

  close(): void {
    void this.db?.then((db) => db.close()).catch(() => undefined);
    this.db = undefined;
    this.topics = undefined;
  }
}
