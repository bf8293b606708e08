// The real rosbag2 bags in ../shared/data/rosbag2 (written by ROS 2's rosbag2 and the mcap CLI):
// skipped, with the reason printed, where that folder is absent.

import { strict as assert } from 'node:assert';
import path from 'node:path';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { copyBag } from '../../nodes/bags/bag_copy.js';
import { collect, sharedRosbag2, tempDir } from './helpers.js';

describe('bags: real rosbag2 bags (../shared/data)', function () {
  let root = '';
  before(function () {
    const found = sharedRosbag2();
    if ('skip' in found) {
      console.log(`      (skipped: ${found.skip})`);
      this.skip();
    }
    root = found.dir;
  });

  it('reads the talker recording the same from MCAP (mcap CLI) and sqlite3, with what metadata.yaml says', async () => {
    const results = [];
    for (const name of ['mcap-talker', 'sqlite3-talker']) {
      const dir = path.join(root, name);
      const { records, notes } = await collect(dir);
      const bag = await BagReader.open(dir);
      const info = await bag.info();
      bag.close();
      assert.equal(info.messageCount, info.metadata!.messageCount);
      assert.equal(info.start, info.metadata!.startingTimeNs);
      assert.equal(info.end! - info.start, info.metadata!.durationNs);
      results.push({ records: records.map((r) => [r.topic, r.logTime, JSON.stringify(r.decode())]), notes });
    }
    assert.equal(results[0].records.length, 20);
    assert.deepEqual(results[1].records, results[0].records);
    assert.match(results[0].records.find((r) => r[0] === '/topic')![2] as string, /"data":"Hello, world! 0"/);
    assert.match(
      results[0].records.find((r) => r[0] === '/rosout')![2] as string,
      /"name":"minimal_publisher","msg":"Publishing: 'Hello, world! 0'"/,
    );
    // The sqlite3 bag stores definitions that do not fit its data: the standard ones are used, with a note.
    assert.match(results[1].notes.join('\n'), /topic \/rosout: the bag's definition of rcl_interfaces\/msg\/Log does not match its data/);
  });

  for (const name of ['mcap-bag_with_topics_and_service_events', 'sqlite3-bag_with_topics_and_service_events']) {
    it(`reads ${name}: the topics, and skips the service events with a note`, async () => {
      const { records, notes } = await collect(path.join(root, name));
      assert.deepEqual(records.map((r) => r.topic).sort(), ['/test_topic1', '/test_topic2']);
      assert.equal((records[0].decode() as { string_value_default1: string }).string_value_default1, 'Hello world!');
      assert.equal(
        notes.filter((n) => /_service_event skipped: test_msgs\/srv\/BasicTypes_Event is a service \(\.srv\) schema/.test(n)).length,
        2,
      );
      const bag = await BagReader.open(path.join(root, name));
      const info = await bag.info();
      bag.close();
      assert.equal(info.messageCount, 10);
      assert.equal(info.topics.find((t) => t.topic === '/test_service1/_service_event')!.count, 4);
    });
  }

  it('converts the sqlite3 talker to MCAP with the right definitions', async () => {
    const tmp = tempDir();
    try {
      const out = path.join(tmp.dir, 'talker');
      const r = await copyBag(path.join(root, 'sqlite3-talker'), out);
      assert.equal(r.messages, 20);
      const original = await collect(path.join(root, 'mcap-talker'));
      const copied = await collect(out);
      assert.deepEqual(copied.notes, []);
      assert.deepEqual(
        copied.records.map((m) => [m.topic, m.logTime, JSON.stringify(m.decode())]),
        original.records.map((m) => [m.topic, m.logTime, JSON.stringify(m.decode())]),
      );
    } finally {
      tmp.remove();
    }
  });
});
