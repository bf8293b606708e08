// Reading ahead in a worker thread (BagReadOptions.readAhead, what a replay uses) yields exactly
// what a direct read yields — the same records in the same order, decoding to the same messages —
// and fails the same way.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { BagReadError, type BagReadOptions, type BagRecord } from '../../nodes/bags/bag_reader.js';
import type { ChunkCompression } from '../../nodes/bags/compression.js';
import { collect, START_NS, tempDir, writeSample, writeSqliteBag } from './helpers.js';

/** What a consumer sees of a record. */
function seen(records: BagRecord[]): unknown[] {
  return records.map((r) => ({
    topic: r.topic,
    type: r.type,
    logTime: r.logTime,
    publishTime: r.publishTime,
    sequence: r.sequence,
    data: Buffer.from(r.data).toString('base64'),
    decoded: (() => {
      try {
        return r.decode();
      } catch (err) {
        return `throws ${(err as Error).message}`;
      }
    })(),
  }));
}

async function bothWays(bag: string, options: BagReadOptions = {}): Promise<{ direct: unknown[]; ahead: unknown[]; notes: string[] }> {
  const direct = await collect(bag, options);
  const ahead = await collect(bag, { ...options, readAhead: true });
  assert.ok(direct.records.length > 0, 'the bag has messages to compare');
  return { direct: seen(direct.records), ahead: seen(ahead.records), notes: ahead.notes };
}

describe('bags: reading ahead in a worker thread', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  for (const compression of ['zstd', 'lz4', 'none'] as ChunkCompression[]) {
    it(`yields the records of a direct read, in order: MCAP, ${compression} chunks`, async () => {
      const bag = path.join(tmp.dir, 'bag');
      await writeSample(bag, { compression, chunkSize: 8 * 1024 });
      const { direct, ahead } = await bothWays(bag);
      assert.deepEqual(ahead, direct);
    });
  }

  it('honours topics and the time range, as a direct read does', async () => {
    const bag = path.join(tmp.dir, 'bag.mcap');
    await writeSample(bag, { compression: 'zstd', chunkSize: 4 * 1024 });
    const options = { topics: ['/camera/image_raw', '/chatter'], start: START_NS + 300_000_000n, end: START_NS + 1_200_000_000n };
    const { direct, ahead } = await bothWays(bag, options);
    assert.deepEqual(ahead, direct);
    assert.deepEqual([...new Set(ahead.map((r) => (r as { topic: string }).topic))].sort(), ['/camera/image_raw', '/chatter']);
  });

  it('reads an unindexed (streamed) MCAP file and a sqlite3 bag the same way', async () => {
    const streamed = path.join(tmp.dir, 'streamed.mcap');
    await writeSample(streamed, { compression: 'none', chunked: false });
    const a = await bothWays(streamed);
    assert.deepEqual(a.ahead, a.direct);

    const db3 = path.join(tmp.dir, 'bag.db3');
    const cdr = (text: string) => {
      const bytes = Buffer.from(text);
      const out = Buffer.alloc(8 + bytes.length + 1);
      out.set([0, 1, 0, 0]);
      out.writeUInt32LE(bytes.length + 1, 4);
      out.set(bytes, 8);
      return new Uint8Array(out);
    };
    await writeSqliteBag(
      db3,
      'humble',
      [{ name: '/chatter', type: 'std_msgs/msg/String' }],
      [0, 1, 2].map((i) => ({ topic: '/chatter', ns: START_NS + BigInt(i), data: cdr(`hello ${i}`) })),
    );
    const b = await bothWays(db3);
    assert.deepEqual(b.ahead, b.direct);
    assert.deepEqual(
      b.ahead.map((r) => (r as { decoded: { data: string } }).decoded.data),
      ['hello 0', 'hello 1', 'hello 2'],
    );
  });

  it('yields undecodable topics only when asked, and notes the skip otherwise', async () => {
    const file = path.join(tmp.dir, 'bag.db3');
    await writeSqliteBag(
      file,
      'humble',
      [
        { name: '/known', type: 'std_msgs/msg/Empty' },
        { name: '/custom', type: 'my_pkg/msg/Unknown' },
      ],
      [
        { topic: '/known', ns: START_NS, data: new Uint8Array([0, 1, 0, 0, 0]) },
        { topic: '/custom', ns: START_NS + 1n, data: new Uint8Array([0, 1, 0, 0, 7]) },
      ],
    );
    const skipped = await bothWays(file);
    assert.deepEqual(skipped.ahead, skipped.direct);
    assert.deepEqual(
      skipped.ahead.map((r) => (r as { topic: string }).topic),
      ['/known'],
    );
    assert.ok(
      skipped.notes.some((n) => /topic \/custom skipped/.test(n)),
      skipped.notes.join('\n'),
    );
    const all = await bothWays(file, { includeUndecodable: true });
    assert.deepEqual(all.ahead, all.direct);
    assert.match(String((all.ahead[1] as { decoded: unknown }).decoded), /^throws /);
  });

  it('fails as a direct read does: the same BagReadError', async () => {
    const file = path.join(tmp.dir, 'bag.mcap');
    await writeSample(file, { compression: 'zstd', chunkSize: 4 * 1024 });
    // The summary stays, the middle of the data is overwritten: a damaged chunk fails to decompress.
    const bytes = fs.readFileSync(file);
    const shortened = path.join(tmp.dir, 'damaged.mcap');
    const damaged = Buffer.from(bytes);
    damaged.fill(0xaa, Math.floor(bytes.length * 0.3), Math.floor(bytes.length * 0.35));
    fs.writeFileSync(shortened, damaged);
    const direct = await collect(shortened).then(
      () => undefined,
      (err: unknown) => err,
    );
    const ahead = await collect(shortened, { readAhead: true }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(direct instanceof BagReadError, `a direct read fails with a BagReadError, got ${String(direct)}`);
    assert.ok(ahead instanceof BagReadError, `the read-ahead fails with a BagReadError, got ${String(ahead)}`);
    assert.equal(ahead.message, direct.message);
  });

  it('stops its worker when the consumer leaves early', async () => {
    const bag = path.join(tmp.dir, 'bag');
    await writeSample(bag, { compression: 'zstd', chunkSize: 4 * 1024 });
    const { BagReader } = await import('../../nodes/bags/bag_reader.js');
    const reader = await BagReader.open(bag);
    try {
      let n = 0;
      for await (const _ of reader.messages({ readAhead: true })) if (++n === 3) break;
      assert.equal(n, 3);
      // The reader stays usable: a second read-ahead from the start gives the first records again.
      const again: BagRecord[] = [];
      for await (const m of reader.messages({ readAhead: true })) {
        again.push(m);
        if (again.length === 3) break;
      }
      const direct = await collect(bag);
      assert.deepEqual(seen(again), seen(direct.records.slice(0, 3)));
    } finally {
      reader.close();
    }
  });

  it('refuses a topic predicate (it cannot cross to the worker)', async () => {
    const bag = path.join(tmp.dir, 'bag.mcap');
    await writeSample(bag);
    await assert.rejects(collect(bag, { readAhead: true, topics: () => true }), /readAhead takes a list of topics/);
  });
});
