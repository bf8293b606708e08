// LZ4 frame compression (the format MCAP's `lz4` chunk compression uses), for writing
// lz4-chunked bags. Reading uses @mcap/support's decompressor (the reference LZ4 library built
// to WebAssembly); npm has no maintained pure-JS LZ4 *compressor* for frames, so this is a small
// one: a greedy single-pass LZ4 block compressor (4-byte hash of the current position, 64 KiB
// window, the format's end-of-block rules), blocks stored raw when they do not shrink, and the
// frame header with its xxHash32 header checksum. `lz4 -d` and liblz4 (rosbag2's MCAP plugin)
// read what it writes; ratio is close to `lz4 -1`, speed a few hundred MB/s.

const MAGIC = 0x184d2204;
const MIN_MATCH = 4;
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5;
/** A match cannot start within the last 12 bytes of a block. */
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;
const HASH_BITS = 16;
/** Frame block maximum size 4 MiB (BD byte 7 << 4). */
const BLOCK_MAX = 4 * 1024 * 1024;
const BD_4MB = 7 << 4;
/** FLG: version 01, independent blocks, no block/content checksum, no content size, no dict. */
const FLG = (1 << 6) | (1 << 5);

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
const read32 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

/** xxHash32 (seed 0 by default), as the LZ4 frame format uses for its header checksum. */
export function xxh32(data: Uint8Array, seed = 0): number {
  const len = data.length;
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    const round = (acc: number, input: number) => Math.imul(rotl((acc + Math.imul(input, PRIME2)) | 0, 13), PRIME1);
    for (; i + 16 <= len; i += 16) {
      v1 = round(v1, read32(data, i));
      v2 = round(v2, read32(data, i + 4));
      v3 = round(v3, read32(data, i + 8));
      v4 = round(v4, read32(data, i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }
  h = (h + len) | 0;
  for (; i + 4 <= len; i += 4) h = Math.imul(rotl((h + Math.imul(read32(data, i), PRIME3)) | 0, 17), PRIME4);
  for (; i < len; i++) h = Math.imul(rotl((h + Math.imul(data[i], PRIME5)) | 0, 11), PRIME1);
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Worst-case compressed size of `n` input bytes (liblz4's LZ4_COMPRESSBOUND). */
function blockBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

/**
 * Compresses `src[start, end)` as one independent LZ4 block into `dst` at `pos`; returns the
 * new write position. `table` is scratch space (cleared here).
 */
function compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, pos: number, table: Int32Array): number {
  table.fill(-1);
  let anchor = start;
  let ip = start;
  const matchLimit = end - LAST_LITERALS;
  const mfLimit = end - MF_LIMIT;
  let out = pos;
  const writeLength = (n: number) => {
    while (n >= 255) {
      dst[out++] = 255;
      n -= 255;
    }
    dst[out++] = n;
  };
  while (ip <= mfLimit) {
    const seq = read32(src, ip);
    const h = Math.imul(seq, 2654435761) >>> (32 - HASH_BITS);
    const ref = table[h];
    table[h] = ip;
    if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
      ip++;
      continue;
    }
    let len = MIN_MATCH;
    while (ip + len < matchLimit && src[ref + len] === src[ip + len]) len++;
    const literals = ip - anchor;
    const matchCode = len - MIN_MATCH;
    dst[out++] = (Math.min(literals, 15) << 4) | Math.min(matchCode, 15);
    if (literals >= 15) writeLength(literals - 15);
    dst.set(src.subarray(anchor, ip), out);
    out += literals;
    const offset = ip - ref;
    dst[out++] = offset & 255;
    dst[out++] = offset >>> 8;
    if (matchCode >= 15) writeLength(matchCode - 15);
    ip += len;
    anchor = ip;
  }
  const literals = end - anchor;
  dst[out++] = Math.min(literals, 15) << 4;
  if (literals >= 15) writeLength(literals - 15);
  dst.set(src.subarray(anchor, end), out);
  return out + literals;
}

/** `data` as one LZ4 frame (independent 4 MiB blocks, raw where compression does not help). */
export function compressLz4Frame(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK_MAX));
  const out = new Uint8Array(7 + blocks * (4 + blockBound(Math.min(BLOCK_MAX, data.length))) + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  out[4] = FLG;
  out[5] = BD_4MB;
  out[6] = (xxh32(out.subarray(4, 6)) >>> 8) & 255;
  let pos = 7;
  const table = new Int32Array(1 << HASH_BITS);
  for (let start = 0; start < data.length; start += BLOCK_MAX) {
    const end = Math.min(data.length, start + BLOCK_MAX);
    const size = compressBlock(data, start, end, out, pos + 4, table) - (pos + 4);
    if (size >= end - start) {
      view.setUint32(pos, (end - start) | 0x80000000, true);
      out.set(data.subarray(start, end), pos + 4);
      pos += 4 + (end - start);
    } else {
      view.setUint32(pos, size, true);
      pos += 4 + size;
    }
  }
  view.setUint32(pos, 0, true);
  return out.slice(0, pos + 4);
}
