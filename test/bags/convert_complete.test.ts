// `bag convert` copies everything or fails: topics with an empty definition (test_msgs/msg/Empty),
// topics the bag has no definition for (rosbag2's own sqlite3 test bags: test_msgs types, no
// message_definitions table — they came out with 0 messages), relative topic names kept as
// recorded; a copy that cannot read every message exits 1 saying how many it copied.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { copyBag } from '../../nodes/bags/bag_copy.js';
import { BagWriteError } from '../../nodes/bags/mcap_writer.js';
import { collect, registry, sharedRosbag2, START_NS, tempDir, writeSqliteBag, vlaRos } from './helpers.js';

/** rosbag2 writes Empty's definition as an empty ros2msg text; `a_empty` is a relative name, as in rosbag2's convert tests. */
async function writeEmptyTopicBag(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'w');
  const writer = new McapWriter({ writable: new FileHandleWritable(handle) });
  await writer.start({ profile: 'ros2', library: 'rosbag2' });
  const enc = new TextEncoder();
  const empty = await writer.registerSchema({ name: 'test_msgs/msg/Empty', encoding: 'ros2msg', data: new Uint8Array(0) });
  const text = await writer.registerSchema({
    name: 'std_msgs/msg/String',
    encoding: 'ros2msg',
    data: enc.encode(registry.schemaText('std_msgs/msg/String')),
  });
  const a = await writer.registerChannel({ topic: 'a_empty', schemaId: empty, messageEncoding: 'cdr', metadata: new Map() });
  const b = await writer.registerChannel({ topic: '/chatter', schemaId: text, messageEncoding: 'cdr', metadata: new Map() });
  for (let i = 0; i < 10; i++) {
    const t = START_NS + BigInt(i);
    await writer.addMessage({ channelId: a, sequence: i, logTime: t, publishTime: t, data: Uint8Array.of(0, 1, 0, 0, 0) });
    if (i % 2 === 0)
      await writer.addMessage({
        channelId: b,
        sequence: i,
        logTime: t,
        publishTime: t,
        data: registry.serialize('std_msgs/msg/String', { data: `m${i}` }),
      });
  }
  await writer.end();
  await handle.close();
}

async function topicCounts(bag: string): Promise<[string, string, number, string][]> {
  const reader = await BagReader.open(bag);
  try {
    return (await reader.info()).topics.map((t) => [t.topic, t.type, t.count, t.problem === undefined ? 'decoded' : 'not decoded']);
  } finally {
    reader.close();
  }
}

describe('bags: bag convert copies everything or fails', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.remove());

  it('copies a topic with an empty definition, keeping its relative name', async () => {
    const input = path.join(tmp.dir, 'empty.mcap');
    await writeEmptyTopicBag(input);
    const out = path.join(tmp.dir, 'empty_copy');
    const r = await copyBag(input, out);
    assert.deepEqual([r.messages, r.topics], [15, 2]);
    assert.deepEqual(await topicCounts(out), [
      ['a_empty', 'test_msgs/msg/Empty', 10, 'decoded'],
      ['/chatter', 'std_msgs/msg/String', 5, 'decoded'],
    ]);
    const { records } = await collect(out, { topics: ['a_empty'] });
    assert.deepEqual(records[0].decode(), {});
  });

  it('copies topics without a definition (an old sqlite3 bag of a custom type) as rosbag2 does: type name, no definition', async () => {
    const input = path.join(tmp.dir, 'custom.db3');
    const rows = [0, 1, 2, 3].map((i) => ({
      topic: i % 2 === 0 ? 'widget' : '/chatter',
      ns: START_NS + BigInt(i),
      data: i % 2 === 0 ? Uint8Array.of(0, 1, 0, 0, i, 0, 0, 0) : registry.serialize('std_msgs/msg/String', { data: 'x' }),
    }));
    await writeSqliteBag(
      input,
      'humble',
      [
        { name: 'widget', type: 'acme_msgs/msg/Widget' },
        { name: '/chatter', type: 'std_msgs/msg/String' },
      ],
      rows,
    );
    const out = path.join(tmp.dir, 'custom_copy');
    const notes: string[] = [];
    const r = await copyBag(input, out, { onNote: (n) => notes.push(n) });
    assert.equal(r.messages, 4);
    assert.match(
      notes.join('\n'),
      /widget \(acme_msgs\/msg\/Widget\): no definition in the bag and none known: copied with its type name and no definition, as rosbag2 does/,
    );
    assert.deepEqual(await topicCounts(out), [
      ['widget', 'acme_msgs/msg/Widget', 2, 'not decoded'],
      ['/chatter', 'std_msgs/msg/String', 2, 'decoded'],
    ]);
    const { records } = await collect(out, { includeUndecodable: true, topics: ['widget'] });
    assert.deepEqual([...records[1].data], [0, 1, 0, 0, 2, 0, 0, 0]);
  });

  it('a copy that reads fewer messages than the bag holds fails with both counts (exit 1)', async () => {
    const input = path.join(tmp.dir, 'short.mcap');
    await writeEmptyTopicBag(input);
    // Raise the Statistics record's count for the first channel: the chunks hold fewer messages than it says.
    const bytes = fs.readFileSync(input);
    const summaryStart = Number(bytes.readBigUInt64LE(bytes.length - 8 - 20));
    let p = summaryStart;
    while (bytes[p] !== 0x0b) p += 9 + Number(bytes.readBigUInt64LE(p + 1));
    // message_count u64, schema u16, channel u32, attachment u32, metadata u32, chunk u32, start u64, end u64, map length u32, then (u16 id, u64 count)…
    const firstCount = p + 9 + 8 + 2 + 4 * 4 + 16 + 4 + 2;
    bytes.writeBigUInt64LE(bytes.readBigUInt64LE(firstCount) + 3n, firstCount);
    bytes.writeBigUInt64LE(bytes.readBigUInt64LE(p + 9) + 3n, p + 9);
    bytes.writeUInt32LE(0, bytes.length - 8 - 4);
    fs.writeFileSync(input, bytes);
    await assert.rejects(
      copyBag(input, path.join(tmp.dir, 'short_copy')),
      (err: unknown) =>
        err instanceof BagWriteError &&
        /short\.mcap: copied 15 of its 18 messages \(the rest cannot be read: see the notes\); .*short_copy is incomplete/.test(
          err.message,
        ),
    );
    const r = vlaRos('bag', 'convert', input, path.join(tmp.dir, 'short_copy2'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^vla-ros: .*copied 15 of its 18 messages/m);
  });

  it('--topics naming a topic the bag does not have: exit 1 naming it and the topics it has', () => {
    const input = path.join(tmp.dir, 'empty.mcap');
    const r = vlaRos('bag', 'convert', input, path.join(tmp.dir, 'none'), '--topics', '/nope');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^vla-ros: .*empty\.mcap has no topic \/nope \(its topics: a_empty, \/chatter\)\n$/);
    assert.equal(fs.existsSync(path.join(tmp.dir, 'none')), false);
  });

  it('copies every message of the real rosbag2 bags (../shared/data)', async function () {
    const found = sharedRosbag2();
    if ('skip' in found) {
      console.log(`      (skipped: ${found.skip})`);
      this.skip();
    }
    for (const name of fs.readdirSync(found.dir)) {
      const input = path.join(found.dir, name);
      const expected = await topicCounts(input);
      const out = path.join(tmp.dir, `real_${name}`);
      const r = await copyBag(input, out);
      assert.equal(
        r.messages,
        expected.reduce((n, t) => n + t[2], 0),
        name,
      );
      const counts = (topics: [string, string, number, string][]) => topics.map((t) => `${t[0]} ${t[2]}`).sort();
      assert.deepEqual(counts(await topicCounts(out)), counts(expected), name);
    }
  });
});
