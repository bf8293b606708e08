// A chunk cut by the end of an MCAP file (a recording that died), parsed by hand: @mcap/core only
// parses whole chunks, and an uncompressed cut chunk still holds complete records before the cut
// (what McapFile salvages). The bytes come from a damaged file, so every length is checked against
// what is there: parsing stops at the first record that does not fit, and a cut chunk header is
// reported as such.

import type { McapTypes } from '@mcap/core';

const OPCODE_CHUNK = 0x06;
const textDecoder = new TextDecoder();

/** A log time [ns] as seconds with 3 decimals, as the notes print it. */
export const nsText = (ns: bigint) => (Number(ns) / 1e9).toFixed(3);

/**
 * The complete Schema, Channel and Message records at the start of `bytes` (the inside of an
 * uncompressed chunk), stopping at the first incomplete one.
 */
export function parseInnerRecords(bytes: Uint8Array): McapTypes.TypedMcapRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: McapTypes.TypedMcapRecord[] = [];
  let p = 0;
  while (p + 9 <= bytes.length) {
    const opcode = bytes[p];
    const length = Number(view.getBigUint64(p + 1, true));
    const begin = p + 9;
    const stop = begin + length;
    if (stop > bytes.length) break;
    let q = begin;
    const str = (): string => {
      const n = view.getUint32(q, true);
      const s = textDecoder.decode(bytes.subarray(q + 4, q + 4 + n));
      q += 4 + n;
      return s;
    };
    try {
      if (opcode === 0x05) {
        out.push({
          type: 'Message',
          channelId: view.getUint16(q, true),
          sequence: view.getUint32(q + 2, true),
          logTime: view.getBigUint64(q + 6, true),
          publishTime: view.getBigUint64(q + 14, true),
          data: bytes.slice(q + 22, stop),
        });
      } else if (opcode === 0x03) {
        const id = view.getUint16(q, true);
        q += 2;
        const name = str();
        const encoding = str();
        const n = view.getUint32(q, true);
        out.push({ type: 'Schema', id, name, encoding, data: bytes.slice(q + 4, q + 4 + n) });
      } else if (opcode === 0x04) {
        const id = view.getUint16(q, true);
        const schemaId = view.getUint16(q + 2, true);
        q += 4;
        const topic = str();
        const messageEncoding = str();
        const end = q + 4 + view.getUint32(q, true);
        q += 4;
        const metadata = new Map<string, string>();
        while (q < end) metadata.set(str(), str());
        out.push({ type: 'Channel', id, schemaId, topic, messageEncoding, metadata });
      }
    } catch {
      break;
    }
    p = stop;
  }
  return out;
}

/**
 * What can still be read from `tail`, the bytes from the start of the last (incomplete) record to
 * the end of the file: all complete inner records when it is an uncompressed chunk; none when it
 * is compressed (a partial zstd/lz4 frame cannot be decoded), with the time range the chunk header
 * says was lost; nothing when it is not a chunk.
 */
export function salvageCutChunk(tail: Buffer): { records: McapTypes.TypedMcapRecord[]; detail: string } {
  const length = tail.length;
  if (length < 9 || tail[0] !== OPCODE_CHUNK) return { records: [], detail: '' };
  // Chunk: start u64, end u64, uncompressed size u64, crc u32, compression string, records length u64.
  let p = 9;
  if (length < p + 32) return { records: [], detail: 'a chunk whose header is cut' };
  const chunkStart = tail.readBigUInt64LE(p);
  const chunkEnd = tail.readBigUInt64LE(p + 8);
  p += 28;
  const nameLength = tail.readUInt32LE(p);
  p += 4;
  if (length < p + nameLength + 8) return { records: [], detail: 'a chunk whose header is cut' };
  const compression = tail.subarray(p, p + nameLength).toString('utf8');
  p += nameLength + 8;
  const range = `t=${nsText(chunkStart)} … ${nsText(chunkEnd)} s`;
  if (compression !== '') {
    return {
      records: [],
      detail: `a ${compression} chunk (messages from ${range}), which cannot be decompressed partially: those messages are lost`,
    };
  }
  const records = parseInnerRecords(tail.subarray(Math.min(p, length)));
  const salvaged = records.filter((r) => r.type === 'Message').length;
  return { records, detail: `an uncompressed chunk (messages from ${range}), from which ${salvaged} complete messages were salvaged` };
}
