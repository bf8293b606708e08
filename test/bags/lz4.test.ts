import { strict as assert } from 'node:assert';
import { decompressHandlers } from '../../nodes/bags/compression.js';
import { compressLz4Frame, xxh32 } from '../../nodes/bags/lz4.js';

describe('bags: lz4 frames', () => {
  it('computes xxHash32 like the reference implementation', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    assert.equal(xxh32(new Uint8Array(0)), 0x02cc5d05);
    assert.equal(xxh32(text('a')), 0x550d7456);
    assert.equal(xxh32(text('abc')), 0x32d153ff);
    assert.equal(xxh32(text('Nobody inspects the spammish repetition')), 0xe2293b2f);
  });

  it('writes frames the reference LZ4 decoder reads, and compresses what repeats', async () => {
    const lz4 = (await decompressHandlers()).lz4;
    let x = 1;
    const random = Uint8Array.from({ length: 300_000 }, () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24));
    const cases = [
      new Uint8Array(0),
      Uint8Array.of(1, 2, 3),
      new TextEncoder().encode('hello hello hello hello hello hello world '.repeat(5000)),
      random,
      new Uint8Array(5 * 1024 * 1024).map((_, i) => (i % 1000 < 600 ? i & 7 : (i * 31) & 255)), // two blocks
    ];
    for (const data of cases) {
      const frame = compressLz4Frame(data);
      assert.deepEqual(Buffer.from(lz4(frame, BigInt(data.length))), Buffer.from(data));
    }
    assert.ok(compressLz4Frame(cases[2]).length < cases[2].length / 20);
    assert.ok(compressLz4Frame(random).length <= random.length + 32, 'incompressible blocks are stored raw');
  });
});
