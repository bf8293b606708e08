// The bounds checks between a damaged bag and the process, in-process and without subprocesses:
// McapFileReadable (every read checked against the file size, long reads split, a file that
// shrinks), the parser of a chunk cut by the end of the file (only complete records, whatever
// the lengths inside say; a cut chunk header is said to be cut) and the merge of a crashed sqlite3
// recording's write-ahead log (only frames whose salts and checksums hold, up to the last commit). test/bags/mcap_bounds.test.ts runs the commands on such files.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { McapRecordBuilder, type McapTypes } from '@mcap/core';
import { McapFileReadable } from '../../nodes/bags/mcap_file_readable.js';
import { parseInnerRecords, salvageCutChunk } from '../../nodes/bags/mcap_cut_chunk.js';
import { applyWal } from '../../nodes/bags/sqlite_wal.js';
import { BagReadError } from '../../nodes/bags/storage.js';
import { tempDir } from './helpers.js';

/** A file handle that serves `size` bytes (byte i = i mod 256) in pieces of at most `piece` bytes, and logs each read. */
function fakeHandle(size: number, piece: number, reads: [number, number, number][]): fs.promises.FileHandle {
  return {
    stat: () => Promise.resolve({ size }),
    read: (buffer: Uint8Array, offset: number, length: number, position: number) => {
      reads.push([offset, length, position]);
      if (reads.length > 100) throw new Error('runaway read loop');
      const n = Math.max(0, Math.min(piece, length, size - position));
      for (let i = 0; i < n; i++) buffer[offset + i] = (position + i) % 256;
      return Promise.resolve({ bytesRead: n, buffer });
    },
  } as unknown as fs.promises.FileHandle;
}

const schema: McapTypes.Schema = { id: 1, name: 'std_msgs/msg/String', encoding: 'ros2msg', data: new TextEncoder().encode('string data') };
const channel: McapTypes.Channel = {
  id: 3,
  schemaId: 1,
  topic: '/chatter',
  messageEncoding: 'cdr',
  metadata: new Map([
    ['offered_qos_profiles', 'x'],
    ['k', 'v'],
    ['', ''],
  ]),
};
const message = (sequence: number): McapTypes.Message => ({
  channelId: 3,
  sequence,
  logTime: 1_700_000_000_000_000_000n + BigInt(sequence),
  publishTime: 1_700_000_000_000_000_100n,
  data: Uint8Array.from([sequence, 1, 2, 3]),
});

const PAGE = 512;
const SALT1 = 0x1234_5678;
const SALT2 = 0x9abc_def0;

/** The WAL checksum (sqlite.org/fileformat2.html#walformat): 32-bit word pairs, in the byte order the magic names. */
function walSum(bytes: Uint8Array, bigEndian: boolean, [s0, s1]: [number, number]): [number, number] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.length; i += 8) {
    s0 = (s0 + v.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + v.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

interface Frame {
  pgno: number;
  /** Database size in pages after this frame when it commits a transaction, else 0. */
  commit: number;
  /** The page's bytes are fill, fill + 1, … */
  fill: number;
  salt1?: number;
  salt2?: number;
  badChecksum?: 0 | 1;
}

const page = (fill: number, size = PAGE) => Uint8Array.from({ length: size }, (_, i) => (fill + i) & 0xff);

/** A WAL file as SQLite writes it. */
function walFile(
  frames: Frame[],
  {
    bigEndian = false,
    pageSize = PAGE,
    pageSizeField = pageSize,
    badHeaderChecksum = -1,
    magic = bigEndian ? 0x377f0683 : 0x377f0682,
  }: { bigEndian?: boolean; pageSize?: number; pageSizeField?: number; badHeaderChecksum?: number; magic?: number } = {},
): Uint8Array {
  const out = new Uint8Array(32 + frames.length * (24 + pageSize));
  const v = new DataView(out.buffer);
  v.setUint32(0, magic);
  v.setUint32(4, 3007000);
  v.setUint32(8, pageSizeField);
  v.setUint32(16, SALT1);
  v.setUint32(20, SALT2);
  let sum = walSum(out.subarray(0, 24), bigEndian, [0, 0]);
  v.setUint32(24, sum[0] ^ (badHeaderChecksum === 0 ? 1 : 0));
  v.setUint32(28, sum[1] ^ (badHeaderChecksum === 1 ? 1 : 0));
  frames.forEach((f, i) => {
    const at = 32 + i * (24 + pageSize);
    v.setUint32(at, f.pgno);
    v.setUint32(at + 4, f.commit);
    v.setUint32(at + 8, f.salt1 ?? SALT1);
    v.setUint32(at + 12, f.salt2 ?? SALT2);
    out.set(page(f.fill, pageSize), at + 24);
    sum = walSum(out.subarray(at, at + 8), bigEndian, sum);
    sum = walSum(out.subarray(at + 24, at + 24 + pageSize), bigEndian, sum);
    v.setUint32(at + 16, sum[0] ^ (f.badChecksum === 0 ? 1 : 0));
    v.setUint32(at + 20, sum[1] ^ (f.badChecksum === 1 ? 1 : 0));
  });
  return out;
}

/** Byte 100 of each page of a merged image (past the database header, so it tells the pages apart). */
function pagesOf(image: Uint8Array, pageSize = PAGE): number[] {
  return Array.from({ length: image.length / pageSize }, (_, i) => image[i * pageSize + 100]);
}

describe('bags: reader bounds', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.remove());

  describe('McapFileReadable', () => {
    it('reads up to exactly the end of the file; a read past it, or a negative offset or length, is a BagReadError naming the figures', async () => {
      const reads: [number, number, number][] = [];
      const readable = await McapFileReadable.open(fakeHandle(100, 1000, reads), 'f.mcap');
      assert.equal(await readable.size(), 100n);
      assert.deepEqual([...(await readable.read(96n, 4n))], [96, 97, 98, 99]);
      assert.deepEqual([...(await readable.read(100n, 0n))], []);
      assert.deepEqual([...(await readable.read(0n, 1n))], [0]);
      for (const [offset, length] of [
        [97n, 4n],
        [9n, 2n ** 31n],
        [101n, 0n],
        [-1n, 1n],
        [0n, -1n],
      ]) {
        await assert.rejects(
          readable.read(offset, length),
          (err: unknown) =>
            err instanceof BagReadError &&
            err.message === `f.mcap: the MCAP data points at ${length} bytes at offset ${offset}, past the end of the file (100 bytes)`,
          `${length} at ${offset}`,
        );
      }
      assert.deepEqual(reads, [
        [0, 4, 96],
        [0, 1, 0],
      ]);
    });

    it('a short read goes on where it stopped until the whole length is in', async () => {
      const reads: [number, number, number][] = [];
      const readable = await McapFileReadable.open(fakeHandle(300, 64, reads), 'f.mcap');
      const bytes = await readable.read(10n, 150n);
      assert.deepEqual(
        [...bytes],
        Array.from({ length: 150 }, (_, i) => (10 + i) % 256),
      );
      assert.deepEqual(reads, [
        [0, 150, 10],
        [64, 86, 74],
        [128, 22, 138],
      ]);
    });

    it('a file that shrinks after it was opened: a BagReadError with where it ended, not a short buffer', async () => {
      const file = path.join(tmp.dir, 'shrinks.bin');
      fs.writeFileSync(file, new Uint8Array(100));
      const handle = await fs.promises.open(file, 'r');
      try {
        const readable = await McapFileReadable.open(handle, file);
        fs.truncateSync(file, 60);
        await assert.rejects(
          readable.read(50n, 20n),
          (err: unknown) => err instanceof BagReadError && err.message === `${file}: the file ended at 60 bytes while reading (it shrank?)`,
        );
      } finally {
        await handle.close();
      }
    });
  });

  describe('inner records of a cut chunk', () => {
    const builder = new McapRecordBuilder();
    const ends: number[] = [];
    builder.writeSchema(schema);
    ends.push(builder.length);
    builder.writeChannel(channel);
    ends.push(builder.length);
    builder.writeMessageIndex({ channelId: 3, records: [] }); // not a Schema, Channel or Message: skipped
    ends.push(builder.length);
    builder.writeMessage(message(1));
    ends.push(builder.length);
    builder.writeMessage(message(2));
    ends.push(builder.length);
    const bytes = builder.buffer.slice();
    const expected: McapTypes.TypedMcapRecord[] = [
      { type: 'Schema', ...schema },
      { type: 'Channel', ...channel },
      { type: 'Message', ...message(1) },
      { type: 'Message', ...message(2) },
    ];

    it('parses Schema, Channel (with its metadata) and Message records as @mcap/core wrote them', () => {
      assert.deepEqual(parseInnerRecords(bytes), expected);
    });

    it('cut at every byte: exactly the records that end before the cut', () => {
      for (let cut = 0; cut <= bytes.length; cut++) {
        const complete = ends.filter((e) => e <= cut).length;
        const want = expected.slice(0, complete - (complete >= 3 ? 1 : 0));
        assert.deepEqual(parseInnerRecords(bytes.subarray(0, cut)), want, `cut at ${cut} of ${bytes.length}`);
      }
    });

    it('a record whose fields claim more bytes than the record has ends the parse there', () => {
      // The channel's topic length (after opcode, length, id and schema id) made huge.
      const damaged = bytes.slice();
      new DataView(damaged.buffer).setUint32(ends[0] + 9 + 4, 0xffff_ff00, true);
      assert.deepEqual(parseInnerRecords(damaged), expected.slice(0, 1));
      // A message record too short for its fixed fields.
      const b = new McapRecordBuilder();
      b.writeMessage(message(1));
      const shortMessage = b.buffer.slice(0, 9 + 10);
      new DataView(shortMessage.buffer).setBigUint64(1, 10n, true);
      assert.deepEqual(parseInnerRecords(shortMessage), []);
    });

    const START = 1_700_000_000_000_000_000n;
    const END = 1_700_000_001_500_000_000n;
    /** Records parsed from a Buffer hold Buffer slices: compared as plain bytes. */
    const salvage = (tail: Buffer) => {
      const { records, detail } = salvageCutChunk(tail);
      return { records: records.map((r) => ('data' in r ? { ...r, data: Uint8Array.from(r.data) } : r)), detail };
    };
    const chunkOf = (compression: string) => {
      const b = new McapRecordBuilder();
      b.writeChunk({
        messageStartTime: START,
        messageEndTime: END,
        uncompressedSize: BigInt(bytes.length),
        uncompressedCrc: 0,
        compression,
        records: bytes,
      });
      return Buffer.from(b.buffer);
    };

    it('a chunk cut at every byte: nothing before its opcode and length, "header is cut" before its records, then the complete records', () => {
      const chunk = chunkOf('');
      // opcode, length, start, end, uncompressed size, crc, compression name (empty), records length: then the records.
      const recordsAt = 9 + 8 + 8 + 8 + 4 + 4 + 0 + 8;
      assert.deepEqual(salvage(chunk), {
        records: expected,
        detail: 'an uncompressed chunk (messages from t=1700000000.000 … 1700000001.500 s), from which 2 complete messages were salvaged',
      });
      for (let cut = 0; cut <= chunk.length; cut++) {
        const got = salvage(chunk.subarray(0, cut));
        if (cut < 9) assert.deepEqual(got, { records: [], detail: '' }, `cut at ${cut}`);
        else if (cut < recordsAt) assert.deepEqual(got, { records: [], detail: 'a chunk whose header is cut' }, `cut at ${cut}`);
        else {
          const complete = ends.filter((e) => recordsAt + e <= cut).length;
          const records = expected.slice(0, complete - (complete >= 3 ? 1 : 0));
          const messages = records.filter((r) => r.type === 'Message').length;
          assert.deepEqual(
            got,
            {
              records,
              detail: `an uncompressed chunk (messages from t=1700000000.000 … 1700000001.500 s), from which ${messages} complete messages were salvaged`,
            },
            `cut at ${cut}`,
          );
        }
      }
    });

    it('a cut compressed chunk: its messages are lost, with the time range its header gives; its name length is checked too', () => {
      const chunk = chunkOf('zstd');
      const lost = {
        records: [],
        detail:
          'a zstd chunk (messages from t=1700000000.000 … 1700000001.500 s), which cannot be decompressed partially: those messages are lost',
      };
      const nameAt = 9 + 8 + 8 + 8 + 4;
      assert.deepEqual(salvage(chunk.subarray(0, nameAt + 4 + 4 + 8)), lost);
      assert.deepEqual(salvage(chunk.subarray(0, nameAt + 4 + 4 + 7)), { records: [], detail: 'a chunk whose header is cut' });
      assert.deepEqual(salvage(chunk.subarray(0, nameAt + 4)), { records: [], detail: 'a chunk whose header is cut' });
      // A name length past the end of the file.
      const huge = Buffer.from(chunk);
      huge.writeUInt32LE(0xffff_fff0, nameAt);
      assert.deepEqual(salvage(huge), { records: [], detail: 'a chunk whose header is cut' });
    });

    it('a cut record that is not a chunk salvages nothing', () => {
      const b = new McapRecordBuilder();
      b.writeMessage(message(1));
      assert.deepEqual(salvage(Buffer.from(b.buffer)), { records: [], detail: '' });
    });
  });
  describe('write-ahead log of a crashed sqlite3 recording', () => {
    /** A database of two pages; byte 100 of each page tells them apart (bytes 18/19: WAL mode, 2). */
    const db = () => {
      const image = new Uint8Array(2 * PAGE);
      image[18] = 2;
      image[19] = 2;
      image[100] = 0xd1;
      image[PAGE + 100] = 0xd2;
      return image;
    };

    it('applies the frames up to the last commit; the frames after it are counted as torn', () => {
      const merged = applyWal(
        db(),
        walFile([
          { pgno: 2, commit: 0, fill: 0x10 },
          { pgno: 3, commit: 3, fill: 0x20 },
          { pgno: 2, commit: 0, fill: 0x30 },
        ]),
      )!;
      assert.deepEqual([merged.frames, merged.torn, merged.image.length], [2, 1, 3 * PAGE]);
      assert.deepEqual(pagesOf(merged.image), [0xd1, (0x10 + 100) & 0xff, (0x20 + 100) & 0xff]);
      assert.deepEqual([merged.image[18], merged.image[19]], [1, 1], 'the merged image is in rollback-journal mode');
      assert.deepEqual(merged.image.subarray(PAGE, 2 * PAGE), page(0x10));
    });

    it('a commit that shrinks the database: the image ends at the new size, pages past it are not applied', () => {
      const merged = applyWal(
        db(),
        walFile([
          { pgno: 2, commit: 0, fill: 0x10 },
          { pgno: 3, commit: 0, fill: 0x20 },
          { pgno: 1, commit: 2, fill: 0x30 },
        ]),
      )!;
      assert.deepEqual([merged.frames, merged.torn, merged.image.length], [3, 0, 2 * PAGE]);
      assert.deepEqual(pagesOf(merged.image), [(0x30 + 100) & 0xff, (0x10 + 100) & 0xff]);
      const one = applyWal(db(), walFile([{ pgno: 1, commit: 1, fill: 0x40 }]))!;
      assert.deepEqual(pagesOf(one.image), [(0x40 + 100) & 0xff]);
    });

    it('stops at a frame of another checkpoint (salt) or with a wrong checksum, keeping the commits before it', () => {
      const frames = (bad: Partial<Frame>): Frame[] => [
        { pgno: 1, commit: 2, fill: 0x10 },
        { pgno: 2, commit: 2, fill: 0x20, ...bad },
        { pgno: 2, commit: 2, fill: 0x30 },
      ];
      for (const bad of [{ salt1: SALT1 + 1 }, { salt2: SALT2 + 1 }, { badChecksum: 0 as const }, { badChecksum: 1 as const }]) {
        const merged = applyWal(db(), walFile(frames(bad)))!;
        assert.deepEqual([merged.frames, merged.torn], [1, 1], JSON.stringify(bad));
        assert.deepEqual(pagesOf(merged.image), [(0x10 + 100) & 0xff, 0xd2], JSON.stringify(bad));
      }
    });

    it('a frame cut by the end of the file is not a frame; one that ends exactly at the end is', () => {
      const full = walFile([
        { pgno: 1, commit: 0, fill: 0x10 },
        { pgno: 2, commit: 2, fill: 0x20 },
      ]);
      assert.deepEqual(applyWal(db(), full)!.frames, 2);
      assert.equal(applyWal(db(), full.subarray(0, full.length - 1)), undefined, 'the only commit is cut: nothing to apply');
    });

    it('big-endian checksums, and a page size field of 1 meaning 65536', () => {
      const merged = applyWal(db(), walFile([{ pgno: 1, commit: 2, fill: 0x10 }], { bigEndian: true }))!;
      assert.deepEqual(pagesOf(merged.image), [(0x10 + 100) & 0xff, 0xd2]);
      // The other byte order's checksums do not hold.
      const swapped = walFile([{ pgno: 1, commit: 2, fill: 0x10 }], { bigEndian: true });
      new DataView(swapped.buffer).setUint32(0, 0x377f0682);
      assert.equal(applyWal(db(), swapped), undefined);
      const big = applyWal(new Uint8Array(0), walFile([{ pgno: 1, commit: 1, fill: 0x50 }], { pageSize: 65536, pageSizeField: 1 }))!;
      assert.deepEqual([big.frames, big.image.length, big.image[100]], [1, 65536, (0x50 + 100) & 0xff]);
    });

    it('not a usable log: too short, another magic, a wrong header checksum, or no commit', () => {
      const frames: Frame[] = [{ pgno: 1, commit: 2, fill: 0x10 }];
      const ok = walFile(frames);
      assert.notEqual(applyWal(db(), ok), undefined);
      assert.equal(applyWal(db(), ok.subarray(0, 31)), undefined);
      assert.equal(applyWal(db(), ok.subarray(0, 32)), undefined);
      assert.equal(applyWal(db(), walFile(frames, { magic: 0x377f0684 })), undefined, 'another magic, even with valid checksums');
      for (const badHeaderChecksum of [0, 1]) assert.equal(applyWal(db(), walFile(frames, { badHeaderChecksum })), undefined);
      assert.equal(applyWal(db(), walFile([{ pgno: 1, commit: 0, fill: 0x10 }])), undefined);
    });
  });
});
