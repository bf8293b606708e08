// Writes a rosbag2 bag directory, as `ros2 bag record -s mcap` does: `<dir>/<name>_0.mcap`,
// split into `<name>_1.mcap`, … by size or duration, and `metadata.yaml` (version 5, Humble's
// layout) describing the files and per-topic counts. metadata.yaml is written when the bag is
// closed and refreshed at every split, so a crash leaves the files recorded so far described
// (the reader also copes with a directory that has no metadata.yaml at all).
//
// `-o run.mcap` (a path ending in .mcap) writes one MCAP file with no directory: what Foxglove
// and `ros2 bag info run.mcap` open directly.

import fs from 'node:fs';
import path from 'node:path';
import type { QoSProfile } from '../ros/qos.js';
import type { ChunkCompression } from './compression.js';
import { writeBagMetadata, type BagFileMetadata, type BagMetadata } from './metadata_yaml.js';
import {
  BagWriteError,
  declaredTopicName,
  McapBagWriter,
  storedTopicName,
  type BagWriterOptions,
  type TopicOptions,
  type TopicStats,
} from './mcap_writer.js';
import { toNanoseconds } from '../ros/time.js';

export interface RosbagWriterOptions extends BagWriterOptions {
  /** Start a new file when the current one reaches this many bytes (0: never). */
  maxBagSize?: number;
  /** Start a new file when the current one spans this many seconds (0: never). */
  maxBagDuration?: number;
  /** Replace an existing bag at the path (default: refuse, as ros2 bag record does). */
  overwrite?: boolean;
}

interface DeclaredTopic {
  type: string;
  options: TopicOptions;
  count: number;
}

export class RosbagWriter {
  private current: McapBagWriter;
  private readonly files: BagFileMetadata[] = [];
  private readonly declared = new Map<string, DeclaredTopic>();
  private total = 0;
  private closedBytes = 0;
  private closed = false;
  private start: bigint | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private end: bigint | undefined;

  private constructor(
    /** The bag directory, or the .mcap file for a single-file bag. */
    readonly path: string,
    private readonly directory: boolean,
    private readonly options: RosbagWriterOptions,
    first: McapBagWriter,
  ) {
    this.current = first;
  }

  /** Creates the bag: a directory (default) or a single `.mcap` file. */
  static async create(output: string, options: RosbagWriterOptions = {}): Promise<RosbagWriter> {
    const directory = !output.endsWith('.mcap');
    if (fs.existsSync(output)) {
      if (options.overwrite !== true) throw new BagWriteError(`${output} already exists (remove it, or choose another output)`);
      fs.rmSync(output, { recursive: true, force: true });
    }
    let first: string;
    if (directory) {
      fs.mkdirSync(output, { recursive: true });
      first = path.join(output, RosbagWriter.fileName(output, 0));
    } else {
      fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
      first = output;
    }
    return new RosbagWriter(output, directory, options, await McapBagWriter.create(first, options));
  }

  private static fileName(dir: string, index: number): string {
    return `${path.basename(path.resolve(dir))}_${index}.mcap`;
  }

  get compression(): ChunkCompression {
    return this.options.compression ?? 'zstd';
  }

  get messageCount(): number {
    return this.total;
  }

  /** Bytes written so far over all files. */
  get bytesWritten(): number {
    return this.closedBytes + this.current.bytesWritten;
  }

  /** Files written so far (paths relative to the bag directory). */
  get fileCount(): number {
    return this.closed ? this.files.length : this.files.length + 1;
  }

  topicStats(): TopicStats[] {
    return [...this.declared].map(([topic, d]) => ({
      topic,
      type: d.type,
      offeredQosProfiles: this.current.topicStats().find((s) => s.topic === topic)?.offeredQosProfiles ?? '',
      count: d.count,
    }));
  }

  hasTopic(topic: string): boolean {
    return this.declared.has(declaredTopicName(this.declared, topic));
  }

  addTopic(topic: string, type: string, qos?: QoSProfile | TopicOptions): Promise<void> {
    return this.serial(() => this.addTopicNow(topic, type, qos));
  }

  private async addTopicNow(topic: string, type: string, qos?: QoSProfile | TopicOptions): Promise<void> {
    const options: TopicOptions = qos === undefined ? {} : 'history' in qos ? { qos } : qos;
    await this.current.addTopic(topic, type, options);
    const name = storedTopicName(topic, options);
    if (!this.declared.has(name))
      this.declared.set(name, { type: this.current.topicStats().find((s) => s.topic === name)!.type, options, count: 0 });
  }

  write(topic: string, message: object, logTime: number | bigint, publishTime?: number | bigint): Promise<void> {
    return this.serial(async () => {
      await this.splitIfDue(logTime);
      await this.current.write(topic, message, logTime, publishTime);
      this.count(topic, logTime);
    });
  }

  writeSerialized(topic: string, data: Uint8Array, logTime: number | bigint, publishTime?: number | bigint): Promise<void> {
    return this.serial(async () => {
      await this.splitIfDue(logTime);
      await this.current.writeSerialized(topic, data, logTime, publishTime);
      this.count(topic, logTime);
    });
  }

  /** Adds an MCAP metadata record to the current file. */
  addMetadata(name: string, values: Record<string, string>): Promise<void> {
    return this.serial(() => this.current.addMetadata(name, values));
  }

  /** Closes the current file and writes metadata.yaml (after pending writes). Safe to call twice. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (this.closed) return;
    this.closed = true;
    await this.current.close();
    this.files.push(this.fileFigures(this.current));
    if (this.directory) writeBagMetadata(this.path, this.metadata(this.files));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new BagWriteError(`${this.path}: the bag is closed`));
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private count(topic: string, logTime: number | bigint): void {
    const d = this.declared.get(declaredTopicName(this.declared, topic));
    if (d !== undefined) d.count++;
    this.total++;
    const ns = typeof logTime === 'bigint' ? logTime : toNanoseconds(logTime);
    if (this.start === undefined || ns < this.start) this.start = ns;
    if (this.end === undefined || ns > this.end) this.end = ns;
  }

  private async splitIfDue(logTime: number | bigint): Promise<void> {
    if (!this.directory || this.closed) return;
    const maxSize = this.options.maxBagSize ?? 0;
    const maxDuration = this.options.maxBagDuration ?? 0;
    const range = this.current.timeRange;
    const ns = typeof logTime === 'bigint' ? logTime : toNanoseconds(logTime);
    const bySize = maxSize > 0 && this.current.bytesWritten >= maxSize;
    const byDuration = maxDuration > 0 && range !== undefined && Number(ns - range.start) / 1e9 >= maxDuration;
    if (!bySize && !byDuration) return;
    await this.current.close();
    this.closedBytes += this.current.bytesWritten;
    this.files.push(this.fileFigures(this.current));
    this.current = await McapBagWriter.create(path.join(this.path, RosbagWriter.fileName(this.path, this.files.length)), this.options);
    for (const [topic, d] of this.declared) await this.current.addTopic(topic, d.type, d.options);
    writeBagMetadata(this.path, this.metadata([...this.files, this.fileFigures(this.current)]));
  }

  private fileFigures(w: McapBagWriter): BagFileMetadata {
    const range = w.timeRange;
    return {
      path: path.basename(w.file),
      startingTimeNs: range?.start ?? 0n,
      durationNs: range === undefined ? 0n : range.end - range.start,
      messageCount: w.messageCount,
    };
  }

  private metadata(files: BagFileMetadata[]): BagMetadata {
    const qosOf = new Map(this.current.topicStats().map((s) => [s.topic, s.offeredQosProfiles]));
    return {
      version: 5,
      storageIdentifier: 'mcap',
      relativeFilePaths: files.map((f) => f.path),
      startingTimeNs: this.start ?? 0n,
      durationNs: this.start === undefined ? 0n : this.end! - this.start,
      messageCount: this.total,
      topics: [...this.declared].map(([name, d]) => ({
        name,
        type: d.type,
        serializationFormat: 'cdr',
        offeredQosProfiles: qosOf.get(name) ?? '',
        messageCount: d.count,
      })),
      compressionFormat: '',
      compressionMode: '',
      files,
    };
  }
}
