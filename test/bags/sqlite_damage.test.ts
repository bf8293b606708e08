// Damaged and odd .db3 files: a malformed database, a topics table without a column rosbag2
// always writes, NULL or non-integer timestamps — each is one line naming the file (a
// BagReadError; `vla-ros bag info` prints it and exits 1), never an SQLite or BigInt stack trace.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { BagReadError } from '../../nodes/bags/storage.js';
import { collect, registry, START_NS, tempDir, writeSqliteBag, vlaRos } from './helpers.js';

/** info() and every message of the bag. */
async function readAll(file: string): Promise<number> {
  const bag = await BagReader.open(file);
  try {
    await bag.info();
    let n = 0;
    for await (const _ of bag.messages()) n++;
    return n;
  } finally {
    bag.close();
  }
}

/** Applies SQL to a sample Humble bag. */
async function alteredBag(file: string, ...sql: string[]): Promise<void> {
  const rows = [0, 1, 2].map((i) => ({
    topic: '/chatter',
    ns: START_NS + BigInt(i),
    data: registry.serialize('std_msgs/msg/String', { data: `m${i}` }),
  }));
  await writeSqliteBag(file, 'humble', [{ name: '/chatter', type: 'std_msgs/msg/String' }], rows);
  const SQL = await initSqlJs();
  const db = new SQL.Database(fs.readFileSync(file));
  for (const s of sql) db.run(s);
  fs.writeFileSync(file, db.export());
  db.close();
}

const oneLine = (pattern: RegExp) => (err: unknown) =>
  err instanceof BagReadError && !err.message.includes('\n') && pattern.test(err.message);

describe('bags: damaged sqlite3 bags', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.remove());

  it('a topics table without serialization_format: names the missing column', async () => {
    const file = path.join(tmp.dir, 'nocolumn.db3');
    await alteredBag(file, 'ALTER TABLE topics DROP COLUMN serialization_format');
    await assert.rejects(readAll(file), oneLine(/nocolumn\.db3: not a rosbag2 sqlite3 bag: no column topics\.serialization_format$/));
  });

  it('a topics table without offered_qos_profiles (early rosbag2 releases) is read', async () => {
    const file = path.join(tmp.dir, 'noqos.db3');
    await alteredBag(file, 'ALTER TABLE topics DROP COLUMN offered_qos_profiles');
    assert.equal(await readAll(file), 3);
  });

  it('NULL and non-integer timestamps: one line naming the message', async () => {
    const nullFile = path.join(tmp.dir, 'null.db3');
    await alteredBag(
      nullFile,
      'CREATE TABLE m2(id INTEGER PRIMARY KEY, topic_id INTEGER, timestamp INTEGER, data BLOB)',
      'INSERT INTO m2 SELECT * FROM messages',
      'DROP TABLE messages',
      'ALTER TABLE m2 RENAME TO messages',
      'UPDATE messages SET timestamp = NULL WHERE id = 2',
    );
    await assert.rejects(
      collect(nullFile),
      oneLine(/null\.db3: not a rosbag2 sqlite3 bag: the timestamp of message 2 is NULL, not an integer timestamp \[ns\]/),
    );
    const realFile = path.join(tmp.dir, 'real.db3');
    await alteredBag(realFile, "UPDATE messages SET timestamp = 'soon' WHERE id = 1");
    await assert.rejects(
      readAll(realFile),
      oneLine(/real\.db3: not a rosbag2 sqlite3 bag: the (first|last) message timestamp is "soon", not an integer timestamp/),
    );
  });

  it('a malformed database: one line from bag info, exit 1, no stack trace', async () => {
    const file = path.join(tmp.dir, 'malformed.db3');
    const rows = Array.from({ length: 400 }, (_, i) => ({
      topic: '/chatter',
      ns: START_NS + BigInt(i),
      data: registry.serialize('std_msgs/msg/String', { data: `message ${i} `.repeat(20) }),
    }));
    await writeSqliteBag(file, 'humble', [{ name: '/chatter', type: 'std_msgs/msg/String' }], rows);
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    // Page 2 onwards hold the tables: scribble over the b-tree page headers of pages 2..5.
    for (let page = 1; page < 5; page++) bytes.fill(0xee, page * pageSize, page * pageSize + 12);
    fs.writeFileSync(file, bytes);
    await assert.rejects(readAll(file), oneLine(/malformed\.db3: not a rosbag2 sqlite3 bag: .*malformed/));
    const r = vlaRos('bag', 'info', file);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^vla-ros: .*malformed\.db3: not a rosbag2 sqlite3 bag: database disk image is malformed\n$/);
  });
});
