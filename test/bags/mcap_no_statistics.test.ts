// MCAP files without a Statistics record (optional in MCAP; other tools' writers leave it out):
// counts and times come from reading the file, so `bag info` reports the true figures and replay
// accepts them — chunked with chunk indexes, and unchunked.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { registry, tempDir } from './helpers.js';

async function writeWithoutStatistics(file: string, chunked: boolean): Promise<void> {
  const handle = await fs.promises.open(file, 'w');
  const writer = new McapWriter({ writable: new FileHandleWritable(handle), useStatistics: false, useChunks: chunked, chunkSize: 256 });
  await writer.start({ profile: 'ros2', library: 'a writer without statistics' });
  const schema = await writer.registerSchema({
    name: 'std_msgs/msg/String',
    encoding: 'ros2msg',
    data: new TextEncoder().encode(registry.schemaText('std_msgs/msg/String')),
  });
  const a = await writer.registerChannel({ topic: '/a', schemaId: schema, messageEncoding: 'cdr', metadata: new Map() });
  const b = await writer.registerChannel({ topic: '/b', schemaId: schema, messageEncoding: 'cdr', metadata: new Map() });
  for (let i = 0; i < 30; i++) {
    const t = 1_000_000_000n + BigInt(i) * 10_000_000n;
    await writer.addMessage({
      channelId: i % 3 === 0 ? b : a,
      sequence: i,
      logTime: t,
      publishTime: t,
      data: registry.serialize('std_msgs/msg/String', { data: `m${i}` }),
    });
  }
  await writer.end();
  await handle.close();
}

describe('bags: MCAP without a Statistics record', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.remove());

  for (const chunked of [true, false]) {
    it(`counts messages and times by reading the file (${chunked ? 'chunked, indexed' : 'unchunked'})`, async () => {
      const file = path.join(tmp.dir, `nostats_${chunked}.mcap`);
      await writeWithoutStatistics(file, chunked);
      const bag = await BagReader.open(file);
      try {
        const info = await bag.info();
        assert.equal(info.messageCount, 30);
        assert.deepEqual(info.topics.map((t) => [t.topic, t.count]).sort(), [
          ['/a', 20],
          ['/b', 10],
        ]);
        assert.equal(info.start, 1_000_000_000n);
        assert.equal(info.end, 1_290_000_000n);
        if (chunked) assert.equal(info.files[0].indexed, true);
        let n = 0;
        for await (const m of bag.messages()) n += m.decode() !== undefined ? 1 : 0;
        assert.equal(n, 30);
      } finally {
        bag.close();
      }
    });
  }
});
