// rosbag2's bag directory description, metadata.yaml (rosbag2_storage/yaml.hpp): which storage
// plugin, which files (relative_file_paths, in recording order), per-topic metadata and counts,
// start time and duration. Readers accept every version rosbag2 has written (1 … 9: Foxy wrote
// 4, Humble writes 5, Iron+ add `files`, type_description_hash, custom_data, ros_distro); the
// writer writes version 5 exactly as `ros2 bag record` on Humble does (checked against a bag
// recorded with Humble's rosbag2 and `ros2 bag info`), so Humble and every later release read it.

import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { BagReadError } from './storage.js';
import { errorText } from '../error_text.js';

export const METADATA_FILE = 'metadata.yaml';
/** The version `ros2 bag record` on Humble writes; later releases read it. */
export const METADATA_VERSION = 5;
/** The newest version vla-ros knows (rosbag2 on Jazzy/Rolling writes 9). */
export const METADATA_NEWEST_VERSION = 9;

export interface BagTopicMetadata {
  name: string;
  type: string;
  serializationFormat: string;
  /** The YAML list of offered QoS profiles, as recorded. */
  offeredQosProfiles: string;
  typeDescriptionHash?: string;
  messageCount: number;
}

export interface BagFileMetadata {
  path: string;
  startingTimeNs: bigint;
  durationNs: bigint;
  messageCount: number;
}

export interface BagMetadata {
  version: number;
  storageIdentifier: string;
  relativeFilePaths: string[];
  startingTimeNs: bigint;
  durationNs: bigint;
  messageCount: number;
  topics: BagTopicMetadata[];
  compressionFormat: string;
  compressionMode: string;
  /** Per-file figures (version ≥ 5 writers that fill it; empty otherwise). */
  files: BagFileMetadata[];
  rosDistro?: string;
}

/** A metadata.yaml that cannot be read (a BagReadError: one line, exit 1). */
export class BagMetadataError extends BagReadError {
  override name = 'BagMetadataError';
}

type Yaml = Record<string, unknown>;

const isObject = (v: unknown): v is Yaml => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A YAML value for an error message (bigints included, at most 80 characters). */
function shown(raw: unknown): string {
  if (typeof raw === 'bigint') return raw.toString();
  const text = JSON.stringify(raw, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(raw);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A YAML integer as bigint: yaml parses large ones (ns since the epoch) as numbers that lose precision, so they are re-read from the text. */
function bigintAt(raw: unknown, where: string, file: string): bigint {
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
  if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) return BigInt(raw.trim());
  throw new BagMetadataError(`${file}: ${where} is not an integer (${shown(raw)})`);
}

function numberAt(raw: unknown, where: string, file: string): number {
  return Number(bigintAt(raw, where, file));
}

function stringAt(raw: unknown): string {
  if (raw === null || raw === undefined) return '';
  if (typeof raw === 'string') return raw;
  return typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean' ? raw.toString() : shown(raw);
}

/**
 * The `version` field. rosbag2 reads every field by `version >= n` and so reads a newer version as
 * the newest it knows; vla-ros does the same (bag_reader notes it). A version that no rosbag2 has
 * written (not an integer, or below 1) is refused.
 */
function metadataVersion(raw: unknown, file: string): number {
  if (raw === undefined) return 1;
  const version = typeof raw === 'bigint' ? raw : typeof raw === 'number' && Number.isInteger(raw) ? BigInt(raw) : undefined;
  if (version === undefined || version < 1n || version > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new BagMetadataError(
      `${file}: unsupported metadata.yaml version ${shown(raw)} (vla-ros reads versions 1 to ${METADATA_NEWEST_VERSION}, and newer ones as ${METADATA_NEWEST_VERSION})`,
    );
  }
  return Number(version);
}

/** Parses metadata.yaml text (any rosbag2 version). */
export function parseBagMetadata(text: string, file = METADATA_FILE): BagMetadata {
  let doc: unknown;
  try {
    doc = parse(text, { intAsBigInt: true });
  } catch (err) {
    throw new BagMetadataError(`${file}: not valid YAML: ${errorText(err)}`);
  }
  const info = isObject(doc) ? doc.rosbag2_bagfile_information : undefined;
  if (!isObject(info)) throw new BagMetadataError(`${file}: no rosbag2_bagfile_information (not a rosbag2 metadata.yaml)`);
  const nested = (key: string, inner: string): unknown => (isObject(info[key]) ? info[key][inner] : undefined);
  const topicsRaw = Array.isArray(info.topics_with_message_count) ? (info.topics_with_message_count as unknown[]) : [];
  const topics: BagTopicMetadata[] = topicsRaw.filter(isObject).map((entry, i) => {
    const t = isObject(entry.topic_metadata) ? entry.topic_metadata : {};
    return {
      name: stringAt(t.name),
      type: stringAt(t.type),
      serializationFormat: stringAt(t.serialization_format) || 'cdr',
      offeredQosProfiles: stringAt(t.offered_qos_profiles),
      ...(t.type_description_hash !== undefined ? { typeDescriptionHash: stringAt(t.type_description_hash) } : {}),
      messageCount:
        entry.message_count === undefined ? 0 : numberAt(entry.message_count, `topics_with_message_count[${i}].message_count`, file),
    };
  });
  const files: BagFileMetadata[] = (Array.isArray(info.files) ? (info.files as unknown[]) : []).filter(isObject).map((f, i) => ({
    path: stringAt(f.path),
    startingTimeNs: bigintAt(isObject(f.starting_time) ? f.starting_time.nanoseconds_since_epoch : 0, `files[${i}].starting_time`, file),
    durationNs: bigintAt(isObject(f.duration) ? f.duration.nanoseconds : 0, `files[${i}].duration`, file),
    messageCount: f.message_count === undefined ? 0 : numberAt(f.message_count, `files[${i}].message_count`, file),
  }));
  const relative = Array.isArray(info.relative_file_paths)
    ? (info.relative_file_paths as unknown[]).map(stringAt)
    : files.map((f) => f.path);
  return {
    version: metadataVersion(info.version, file),
    storageIdentifier: stringAt(info.storage_identifier),
    relativeFilePaths: relative,
    startingTimeNs: bigintAt(nested('starting_time', 'nanoseconds_since_epoch') ?? 0, 'starting_time', file),
    durationNs: bigintAt(nested('duration', 'nanoseconds') ?? 0, 'duration', file),
    messageCount: info.message_count === undefined ? 0 : numberAt(info.message_count, 'message_count', file),
    topics,
    compressionFormat: stringAt(info.compression_format),
    compressionMode: stringAt(info.compression_mode),
    files,
    ...(info.ros_distro !== undefined ? { rosDistro: stringAt(info.ros_distro) } : {}),
  };
}

/** Reads `<dir>/metadata.yaml`, or undefined when the directory has none. */
export function readBagMetadata(dir: string): BagMetadata | undefined {
  const file = path.join(dir, METADATA_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BagMetadataError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseBagMetadata(text, file);
}

/** A YAML double-quoted scalar (JSON's string syntax is a subset of it). */
const quoted = (s: string) => JSON.stringify(s);

/** metadata.yaml text, version 5, laid out as Humble's rosbag2 writes it. */
export function formatBagMetadata(m: BagMetadata): string {
  const lines = [
    'rosbag2_bagfile_information:',
    `  version: ${METADATA_VERSION}`,
    `  storage_identifier: ${m.storageIdentifier}`,
    '  duration:',
    `    nanoseconds: ${m.durationNs}`,
    '  starting_time:',
    `    nanoseconds_since_epoch: ${m.startingTimeNs}`,
    `  message_count: ${m.messageCount}`,
  ];
  if (m.topics.length === 0) lines.push('  topics_with_message_count:', '    []');
  else lines.push('  topics_with_message_count:');
  for (const t of m.topics) {
    lines.push(
      '    - topic_metadata:',
      `        name: ${t.name}`,
      `        type: ${t.type}`,
      `        serialization_format: ${t.serializationFormat}`,
      `        offered_qos_profiles: ${quoted(t.offeredQosProfiles)}`,
      `      message_count: ${t.messageCount}`,
    );
  }
  lines.push(
    `  compression_format: ${quoted(m.compressionFormat)}`,
    `  compression_mode: ${quoted(m.compressionMode)}`,
    '  relative_file_paths:',
  );
  for (const p of m.relativeFilePaths) lines.push(`    - ${p}`);
  lines.push('  files:');
  for (const f of m.files) {
    lines.push(
      `    - path: ${f.path}`,
      '      starting_time:',
      `        nanoseconds_since_epoch: ${f.startingTimeNs}`,
      '      duration:',
      `        nanoseconds: ${f.durationNs}`,
      `      message_count: ${f.messageCount}`,
    );
  }
  return lines.join('\n');
}

/** Writes `<dir>/metadata.yaml` (atomically: a crash never leaves half a file). */
export function writeBagMetadata(dir: string, m: BagMetadata): void {
  const file = path.join(dir, METADATA_FILE);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, formatBagMetadata(m));
  fs.renameSync(tmp, file);
}
