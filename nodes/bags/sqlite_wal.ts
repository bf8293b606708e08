// The write-ahead log of a rosbag2 sqlite3 bag whose recording was not closed cleanly, merged
// into the database image in memory (what an SQLite checkpoint does), following the WAL file
// format (sqlite.org/fileformat2.html#walformat). The log comes from a crashed recording, so it is
// trusted only as far as its salts and cumulative checksums hold, and only up to its last commit.

/** One SQLite WAL checksum step over `data` (8-byte aligned), continuing from (s0, s1). */
function walChecksum(data: Uint8Array, bigEndian: boolean, s0: number, s1: number): [number, number] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i + 8 <= data.length; i += 8) {
    s0 = (s0 + view.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * Applies the committed frames of a write-ahead log to a database image (what a checkpoint
 * does). Returns the new image and how many frames were applied, or undefined when the WAL is
 * empty or not valid.
 */
export function applyWal(db: Uint8Array, wal: Uint8Array): { image: Uint8Array; frames: number; torn: number } | undefined {
  if (wal.length < 32) return undefined;
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = view.getUint32(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return undefined;
  const bigEndian = (magic & 1) === 1;
  const pageSize = view.getUint32(8) === 1 ? 65536 : view.getUint32(8);
  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);
  let [s0, s1] = walChecksum(wal.subarray(0, 24), bigEndian, 0, 0);
  if (s0 !== view.getUint32(24) || s1 !== view.getUint32(28)) return undefined;
  const frameSize = 24 + pageSize;
  const pages = new Map<number, Uint8Array>();
  let pending = new Map<number, Uint8Array>();
  let dbPages = Math.ceil(db.length / pageSize);
  let frames = 0;
  let valid = 0;
  let total = 0;
  for (let off = 32; off + frameSize <= wal.length; off += frameSize) {
    total++;
    const pgno = view.getUint32(off);
    const commitSize = view.getUint32(off + 4);
    if (view.getUint32(off + 8) !== salt1 || view.getUint32(off + 12) !== salt2) break;
    [s0, s1] = walChecksum(wal.subarray(off, off + 8), bigEndian, s0, s1);
    [s0, s1] = walChecksum(wal.subarray(off + 24, off + frameSize), bigEndian, s0, s1);
    if (s0 !== view.getUint32(off + 16) || s1 !== view.getUint32(off + 20)) break;
    valid++;
    pending.set(pgno, wal.subarray(off + 24, off + frameSize));
    if (commitSize !== 0) {
      for (const [k, v] of pending) pages.set(k, v);
      pending = new Map();
      dbPages = commitSize;
      frames = valid;
    }
  }
  if (frames === 0) return undefined;
  const image = new Uint8Array(dbPages * pageSize);
  image.set(db.subarray(0, Math.min(db.length, image.length)));
  for (const [pgno, page] of pages) if (pgno <= dbPages) image.set(page, (pgno - 1) * pageSize);
  // Leave WAL mode in the merged image (header bytes 18/19: 1 = rollback journal).
  image[18] = 1;
  image[19] = 1;
  return { image, frames, torn: total - frames };
}
