// sqlite3 (.db3) bags — Humble's default storage — built here with sql.js in Humble's and Iron's
// schemas, plus a write-ahead log left by a recording that was not closed.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { collect, registry, tempDir, writeSqliteBag } from './helpers.js';

const BIG = 1_700_000_000_123_456_789n; // > 2^53: must not lose its last digits

describe('bags: sqlite3 storage', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  it('reads a Humble bag (no definitions stored) with the standard definitions, in time order, with exact ns times', async () => {
    const file = path.join(tmp.dir, 'humble_0.db3');
    const js = (i: number) =>
      registry.serialize('sensor_msgs/msg/JointState', {
        header: { stamp: { sec: 1, nanosec: i }, frame_id: 'x' },
        name: ['j'],
        position: Float64Array.of(i),
        velocity: new Float64Array(0),
        effort: new Float64Array(0),
      });
    await writeSqliteBag(
      file,
      'humble',
      [
        { name: '/chatter', type: 'std_msgs/msg/String' },
        { name: '/joint_states', type: 'sensor_msgs/msg/JointState' },
      ],
      [
        { topic: '/joint_states', ns: BIG + 20n, data: js(2) },
        { topic: '/chatter', ns: BIG, data: registry.serialize('std_msgs/msg/String', { data: 'first' }) },
        { topic: '/joint_states', ns: BIG + 10n, data: js(1) },
      ],
    );
    const { records, notes } = await collect(file);
    assert.deepEqual(notes, []);
    assert.deepEqual(
      records.map((r) => [r.topic, r.logTime, r.publishTime]),
      [
        ['/chatter', BIG, BIG],
        ['/joint_states', BIG + 10n, BIG + 10n],
        ['/joint_states', BIG + 20n, BIG + 20n],
      ],
    );
    assert.deepEqual(records[0].decode(), { data: 'first' });
    assert.deepEqual(Array.from((records[2].decode() as { position: Float64Array }).position), [2]);
    const bag = await BagReader.open(file);
    const info = await bag.info();
    bag.close();
    assert.equal(info.storage, 'sqlite3');
    assert.equal(info.start, BIG);
    assert.equal(info.end, BIG + 20n);
    assert.deepEqual(
      info.topics.map((t) => [t.topic, t.count, t.definition]),
      [
        ['/chatter', 1, 'standard'],
        ['/joint_states', 2, 'standard'],
      ],
    );
    assert.match(info.files[0].writer, /schema 3, humble/);
    // Time ranges are evaluated in SQL, exactly.
    assert.deepEqual(
      (await collect(file, { start: BIG + 10n, end: BIG + 10n })).records.map((r) => r.logTime),
      [BIG + 10n],
    );
  });

  it('reads an Iron bag: its own definitions, a wrong stored one replaced by the standard one, unknown types and service events reported', async () => {
    const file = path.join(tmp.dir, 'iron_0.db3');
    // acme_msgs/msg/Widget exists only in the bag: int32 x, string name.
    const widget = new Uint8Array([0, 1, 0, 0, 7, 0, 0, 0, 5, 0, 0, 0, 98, 111, 108, 116, 0]);
    await writeSqliteBag(
      file,
      'iron',
      [
        { name: '/widget', type: 'acme_msgs/msg/Widget', definition: 'int32 x\nstring name\n' },
        { name: '/chatter', type: 'std_msgs/msg/String', definition: 'uint8 level\n' },
        { name: '/mystery', type: 'acme_msgs/msg/Mystery' },
        { name: '/svc/_service_event', type: 'std_srvs/srv/SetBool_Event', definition: 'bool data\n---\nbool success\nstring message\n' },
      ],
      [
        { topic: '/widget', ns: 1n, data: widget },
        { topic: '/chatter', ns: 2n, data: registry.serialize('std_msgs/msg/String', { data: 'hello there' }) },
        { topic: '/mystery', ns: 3n, data: new Uint8Array([0, 1, 0, 0]) },
        { topic: '/svc/_service_event', ns: 4n, data: new Uint8Array([0, 1, 0, 0, 1]) },
      ],
    );
    const { records, notes } = await collect(file);
    assert.deepEqual(
      records.map((r) => [r.topic, r.decode()]),
      [
        ['/widget', { x: 7, name: 'bolt' }],
        ['/chatter', { data: 'hello there' }],
      ],
    );
    const text = notes.join('\n');
    assert.match(
      text,
      /topic \/chatter: the bag's definition of std_msgs\/msg\/String does not match its data \(it accounts for 5 of the 20 bytes of a message\); using the standard definition, which does/,
    );
    assert.match(
      text,
      /topic \/mystery skipped: unknown message type acme_msgs\/msg\/Mystery: the bag stores no definition and none is known/,
    );
    assert.match(text, /topic \/svc\/_service_event skipped: std_srvs\/srv\/SetBool_Event is a service \(\.srv\) schema/);
    // bag info decides the definition the same way (from the first message).
    const bag = await BagReader.open(file);
    const info = await bag.info();
    bag.close();
    assert.deepEqual(
      info.topics.map((t) => [t.topic, t.definition ?? t.problem?.slice(0, 20)]),
      [
        ['/widget', 'bag'],
        ['/chatter', 'standard'],
        ['/mystery', 'unknown message type'],
        ['/svc/_service_event', 'std_srvs/srv/SetBool'],
      ],
    );
  });

  it('refuses a database that is not a rosbag2 bag, and a file that is neither MCAP nor SQLite', async () => {
    const file = path.join(tmp.dir, 'other.db3');
    await writeSqliteBag(file, 'humble', [], []);
    const initSqlJs = (await import('sql.js')).default;
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run('CREATE TABLE things(x)');
    fs.writeFileSync(file, db.export());
    await assert.rejects(collect(file), /other\.db3 is an SQLite database but not a rosbag2 bag \(no topics\/messages tables\)/);
    const junk = path.join(tmp.dir, 'junk.bin');
    fs.writeFileSync(junk, 'not a bag at all, just text');
    await assert.rejects(collect(junk), /junk\.bin is not an MCAP file or a rosbag2 sqlite3 file/);
  });

  it('merges the committed frames of a write-ahead log left by an unfinished recording', async function () {
    if (spawnSync('sqlite3', ['-version']).status !== 0) {
      console.log('      (skipped: needs the sqlite3 command to make a real WAL file — apt-get install sqlite3)');
      this.skip();
    }
    const file = path.join(tmp.dir, 'wal_0.db3');
    const hello = (s: string) => Buffer.from(registry.serialize('std_msgs/msg/String', { data: s })).toString('hex');
    await writeSqliteBag(
      file,
      'humble',
      [{ name: '/chatter', type: 'std_msgs/msg/String' }],
      [{ topic: '/chatter', ns: 1n, data: registry.serialize('std_msgs/msg/String', { data: 'before' }) }],
    );
    const saved = path.join(tmp.dir, 'saved-wal');
    // Rows written in WAL mode, then the WAL copied away while the connection is still open
    // (sqlite3 checkpoints it when it closes normally).
    const inserts = Array.from(
      { length: 50 },
      (_, i) => `INSERT INTO messages (topic_id, timestamp, data) VALUES (1, ${i + 2}, x'${hello(`after ${i}`)}');`,
    ).join('\n');
    const script = `PRAGMA journal_mode=WAL;\nPRAGMA wal_autocheckpoint=0;\n${inserts}\n.shell cp ${file}-wal ${saved}\n`;
    const r = spawnSync('sqlite3', [file], { input: script });
    assert.equal(r.status, 0, r.stderr.toString());
    fs.copyFileSync(saved, `${file}-wal`);
    const { records, notes } = await collect(file);
    assert.equal(records.length, 51);
    assert.deepEqual(records.at(-1)!.decode(), { data: 'after 49' });
    assert.match(notes.join('\n'), /merged \d+ committed frames of its write-ahead log/);
    // A torn tail (the crash hit while a frame was written): what was committed before it is kept.
    const wal = fs.readFileSync(saved);
    fs.writeFileSync(`${file}-wal`, wal.subarray(0, wal.length - 100));
    const torn = await collect(file);
    assert.ok(torn.records.length >= 1 && torn.records.length <= 51);
  });
});
