// `vla-ros bag info`: what `ros2 bag info` prints (files, size, storage, duration, start/end,
// messages, per-topic type/count/format), plus what matters when reading foreign bags: chunk
// compression, whether the file is indexed, which definition decodes each topic, topics that
// cannot be decoded and why, and truncation.

import type { BagInfo } from './bag_reader.js';
import { formatBytes, formatDuration } from './progress.js';

function formatTime(ns: bigint | undefined): string {
  if (ns === undefined) return 'n/a';
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso} (${sec}.${frac})`;
}

function compressionText(info: BagInfo): string {
  if (info.storage === 'sqlite3') return 'none (sqlite3)';
  const all = new Map<string, number>();
  let unchunked = 0;
  for (const f of info.files) {
    if (!f.chunked) unchunked++;
    for (const [c, n] of f.chunkCompression) all.set(c, (all.get(c) ?? 0) + n);
  }
  const parts = [...all].map(([c, n]) => `${c === '' ? 'uncompressed' : c} (${n} chunk${n === 1 ? '' : 's'})`);
  if (unchunked > 0) parts.push(`${unchunked} unchunked file${unchunked === 1 ? '' : 's'}`);
  return parts.join(', ') || 'none';
}

export function formatBagInfo(info: BagInfo): string {
  const durationNs = info.start !== undefined && info.end !== undefined ? info.end - info.start : 0n;
  const seconds = Number(durationNs) / 1e9;
  const label = (s: string) => `${s}:`.padEnd(19);
  const lines: string[] = [];
  const files = info.files.map((f) => f.path);
  lines.push(`${label('Files')}${files[0] ?? ''}`);
  for (const f of files.slice(1)) lines.push(`${' '.repeat(19)}${f}`);
  lines.push(`${label('Bag size')}${formatBytes(info.sizeBytes)}`);
  lines.push(
    `${label('Storage id')}${info.storage}${info.metadata !== undefined ? ` (metadata.yaml version ${info.metadata.version})` : ''}`,
  );
  lines.push(`${label('Written by')}${[...new Set(info.files.map((f) => f.writer))].join('; ')}`);
  lines.push(`${label('Duration')}${seconds.toFixed(3)}s (${formatDuration(seconds)})`);
  lines.push(`${label('Start')}${formatTime(info.start)}`);
  lines.push(`${label('End')}${formatTime(info.end)}`);
  lines.push(`${label('Messages')}${info.messageCount}`);
  lines.push(`${label('Compression')}${compressionText(info)}`);
  lines.push(
    `${label('Indexed')}${info.files.every((f) => f.indexed) ? 'yes' : info.files.some((f) => f.indexed) ? 'partly' : 'no (read linearly)'}`,
  );
  const width = Math.max(5, ...info.topics.map((t) => t.topic.length));
  const typeWidth = Math.max(4, ...info.topics.map((t) => t.type.length));
  lines.push('Topic information:');
  for (const t of info.topics) {
    const rate = seconds > 0 && t.count > 1 ? `${(t.count / seconds).toFixed(1)} Hz` : '';
    const definition =
      t.problem !== undefined
        ? `NOT DECODED: ${t.problem}`
        : t.definition === 'standard'
          ? 'definition: standard (not from the bag)'
          : 'definition: from the bag';
    lines.push(
      `  ${t.topic.padEnd(width)}  ${t.type.padEnd(typeWidth)}  ${String(t.count).padStart(8)} msgs  ${rate.padStart(9)}  ${t.messageEncoding}  ${definition}`,
    );
  }
  for (const f of info.files) if (f.truncated !== undefined) lines.push(`Truncated: ${f.path}: ${f.truncated}`);
  if (info.metadata !== undefined && info.metadata.messageCount !== info.messageCount && info.metadata.messageCount > 0) {
    lines.push(`Note: metadata.yaml says ${info.metadata.messageCount} messages; the files hold ${info.messageCount}`);
  }
  for (const n of info.notes) lines.push(`Note: ${n}`);
  return lines.join('\n') + '\n';
}

/** The same as JSON (bigints as strings). */
export function bagInfoJson(info: BagInfo): string {
  return JSON.stringify(
    {
      path: info.path,
      storage: info.storage,
      sizeBytes: info.sizeBytes,
      messageCount: info.messageCount,
      startNs: info.start?.toString(),
      endNs: info.end?.toString(),
      files: info.files.map((f) => ({
        path: f.path,
        storage: f.storage,
        sizeBytes: f.sizeBytes,
        messageCount: f.messageCount,
        chunked: f.chunked,
        indexed: f.indexed,
        chunkCompression: Object.fromEntries(f.chunkCompression),
        writer: f.writer,
        ...(f.truncated !== undefined ? { truncated: f.truncated } : {}),
      })),
      topics: info.topics.map((t) => ({
        topic: t.topic,
        type: t.type,
        count: t.count,
        serializationFormat: t.messageEncoding,
        schemaEncoding: t.schemaEncoding,
        definition: t.definition ?? null,
        problem: t.problem ?? null,
        offeredQosProfiles: t.metadata.get('offered_qos_profiles') ?? '',
      })),
      notes: info.notes,
    },
    null,
    2,
  );
}
