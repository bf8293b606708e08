// A recording cut short (a crash, a full disk): everything before the cut is read, the reader
// says how much was recovered and why the rest is lost, and it never throws for a cut file.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import type { ChunkCompression } from '../../nodes/bags/compression.js';
import { collect, sampleMessages, tempDir, writeSample } from './helpers.js';

describe('bags: truncated recordings', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  const layouts: { name: string; compression: ChunkCompression; chunked: boolean }[] = [
    { name: 'zstd chunks', compression: 'zstd', chunked: true },
    { name: 'uncompressed chunks (rosbag2 on Humble)', compression: 'none', chunked: true },
    { name: 'lz4 chunks', compression: 'lz4', chunked: true },
    { name: 'unchunked', compression: 'none', chunked: false },
  ];
  for (const layout of layouts) {
    it(`recovers the messages before the cut at many offsets: ${layout.name}`, async () => {
      const file = path.join(tmp.dir, 'full.mcap');
      const written = await writeSample(file, { compression: layout.compression, chunked: layout.chunked, chunkSize: 8 * 1024 });
      const total = written.length;
      const bytes = fs.readFileSync(file);
      const fractions = [0.0005, 0.05, 0.2, 0.37, 0.5, 0.63, 0.8, 0.9, 0.97, 0.999];
      let previous = -1;
      for (const f of fractions) {
        const cut = path.join(tmp.dir, `cut_${f}.mcap`);
        fs.writeFileSync(cut, bytes.subarray(0, Math.max(9, Math.floor(bytes.length * f))));
        const { records, notes } = await collect(cut);
        // What is read is exactly the start of the recording.
        const order = [...written].sort((a, b) => (a.logTime < b.logTime ? -1 : a.logTime > b.logTime ? 1 : 0));
        if (layout.chunked)
          assert.deepEqual(
            records.map((r) => r.logTime),
            order.slice(0, records.length).map((w) => w.logTime),
            `cut at ${f}`,
          );
        for (const r of records) r.decode();
        assert.ok(records.length >= previous, `more of the file never gives fewer messages (${f}: ${records.length} < ${previous})`);
        previous = records.length;
        if (records.length < total) {
          assert.match(
            notes.join('\n'),
            /ends (before the MCAP footer \(truncated recording\?\): read the \d+ messages before the cut|inside its MCAP header .*truncated recording\?\): no messages)/,
            `cut at ${f}`,
          );
        }
        const bag = await BagReader.open(cut);
        const info = await bag.info();
        bag.close();
        assert.equal(info.messageCount, records.length);
        assert.equal(info.files[0].indexed, false);
        if (f < 0.999 || records.length < total) assert.match(info.files[0].truncated ?? '', /truncated recording/);
      }
      assert.ok(previous >= total * 0.9, `the last cut keeps nearly everything (${previous} of ${total})`);
    });
  }

  it('salvages the complete messages of a cut uncompressed chunk, and says what a cut compressed chunk loses', async () => {
    for (const compression of ['none', 'zstd'] as const) {
      const file = path.join(tmp.dir, `one_chunk_${compression}.mcap`);
      // One big chunk of incompressible images: the cut falls inside it.
      let x = 7;
      const messages = sampleMessages().map((m) =>
        m.topic === '/camera/image_raw'
          ? {
              ...m,
              message: { ...m.message, data: Uint8Array.from({ length: 6000 }, () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24)) },
            }
          : m,
      );
      await writeSample(file, { compression, chunkSize: 64 * 1024 * 1024 }, messages);
      const bytes = fs.readFileSync(file);
      const cut = path.join(tmp.dir, `cut_${compression}.mcap`);
      fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
      const { records, notes } = await collect(cut);
      if (compression === 'none') {
        assert.ok(records.length > 100, `salvaged ${records.length}`);
        assert.match(
          notes.join('\n'),
          /an uncompressed chunk \(messages from t=1700000000\.000 … 1700000001\.\d+ s\), from which \d+ complete messages were salvaged/,
        );
      } else {
        assert.equal(records.length, 0);
        assert.match(
          notes.join('\n'),
          /a zstd chunk \(messages from t=1700000000\.000 … 1700000001\.\d+ s\), which cannot be decompressed partially: those messages are lost/,
        );
      }
    }
  });

  it('stops at damaged data with a note instead of failing', async () => {
    const file = path.join(tmp.dir, 'run.mcap');
    await writeSample(file, { compression: 'none', chunked: false });
    const bytes = Buffer.from(fs.readFileSync(file));
    bytes.fill(0xff, Math.floor(bytes.length * 0.5), Math.floor(bytes.length * 0.5) + 64);
    fs.writeFileSync(file, bytes);
    const { records, notes } = await collect(file);
    assert.ok(records.length > 0);
    assert.match(notes.join('\n'), /corrupt MCAP data at byte \d+ of \d+ .*: read the \d+ messages before it|ends before the MCAP footer/);
  });
});
