// Every MCAP layout vla-ros reads and writes — zstd / lz4 / uncompressed chunks, unchunked
// files, single files and split bag directories, indexed and streamed reading — round-trips the
// same messages byte for byte. Plus what other writers do differently (profile, schema encodings).

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { formatBagInfo } from '../../nodes/bags/bag_info.js';
import type { ChunkCompression } from '../../nodes/bags/compression.js';
import { formatBagMetadata, parseBagMetadata, readBagMetadata } from '../../nodes/bags/metadata_yaml.js';
import { replayQosFromYaml } from '../../nodes/bags/qos_metadata.js';
import { collect, registry, START_NS, tempDir, writeSample, type SampleMessage } from './helpers.js';

/** Plain data for deepEqual: typed arrays as arrays. */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function sortedByTime(messages: SampleMessage[]): SampleMessage[] {
  return [...messages].sort((a, b) => (a.logTime < b.logTime ? -1 : a.logTime > b.logTime ? 1 : 0));
}

describe('bags: storage variants (MCAP)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  const variants: { compression: ChunkCompression; chunked: boolean }[] = [
    { compression: 'zstd', chunked: true },
    { compression: 'lz4', chunked: true },
    { compression: 'none', chunked: true },
    { compression: 'none', chunked: false },
  ];
  for (const v of variants) {
    for (const forceStream of [false, true]) {
      it(`round-trips every message byte for byte: ${v.chunked ? `${v.compression} chunks` : 'unchunked'}, ${forceStream ? 'streamed' : 'indexed when possible'}`, async () => {
        const file = path.join(tmp.dir, 'run.mcap');
        const written = sortedByTime(await writeSample(file, v));
        const { records, notes } = await collect(file, { forceStream });
        assert.deepEqual(notes, []);
        assert.equal(records.length, written.length);
        records.forEach((r, i) => {
          const w = written[i];
          assert.equal(r.topic, w.topic);
          assert.equal(r.type, w.type);
          assert.equal(r.logTime, w.logTime);
          assert.deepEqual(Buffer.from(r.data), Buffer.from(registry.serialize(w.type, w.message as never)));
          assert.deepEqual(plain(r.decode()), plain(w.message));
        });
        const bag = await BagReader.open(file, { forceStream });
        const info = await bag.info();
        bag.close();
        assert.equal(info.messageCount, written.length);
        assert.equal(info.start, START_NS);
        assert.equal(info.files[0].chunked, v.chunked);
        assert.equal(info.files[0].indexed, v.chunked && !forceStream);
        if (v.chunked) assert.deepEqual([...info.files[0].chunkCompression.keys()], [v.compression === 'none' ? '' : v.compression]);
        assert.deepEqual(
          info.topics.map((t) => [t.topic, t.type, t.count]),
          [
            ['/instruction', 'vla_ros_msgs/msg/Instruction', 1],
            ['/joint_states', 'sensor_msgs/msg/JointState', 200],
            ['/camera/image_raw', 'sensor_msgs/msg/Image', 20],
            ['/chatter', 'std_msgs/msg/String', 20],
            ['/chatter2', 'std_msgs/msg/String', 20],
          ],
        );
        assert.match(
          formatBagInfo(info),
          new RegExp(`Compression: +${v.chunked ? (v.compression === 'none' ? 'uncompressed' : v.compression) : '1 unchunked file'}`),
        );
      });
    }
  }

  it('writes a rosbag2 bag directory: <name>_N.mcap split by size, metadata.yaml version 5 as Humble writes it', async () => {
    const dir = path.join(tmp.dir, 'episode');
    const written = sortedByTime(await writeSample(dir, { maxBagSize: 40 * 1024, compression: 'none' }));
    const files = fs.readdirSync(dir).sort();
    assert.ok(files.length >= 4, `split files: ${files.join(', ')}`);
    assert.ok(files.includes('metadata.yaml') && files.includes('episode_0.mcap') && files.includes('episode_2.mcap'));
    const meta = readBagMetadata(dir)!;
    assert.equal(meta.version, 5);
    assert.equal(meta.storageIdentifier, 'mcap');
    assert.equal(meta.messageCount, written.length);
    assert.equal(meta.startingTimeNs, START_NS);
    assert.equal(meta.durationNs, written.at(-1)!.logTime - START_NS);
    assert.deepEqual(
      meta.relativeFilePaths,
      files.filter((f) => f.endsWith('.mcap')).sort((a, b) => Number(a.match(/_(\d+)/)![1]) - Number(b.match(/_(\d+)/)![1])),
    );
    assert.equal(
      meta.files.reduce((n, f) => n + f.messageCount, 0),
      written.length,
    );
    assert.deepEqual(
      meta.topics.find((t) => t.name === '/joint_states'),
      {
        name: '/joint_states',
        type: 'sensor_msgs/msg/JointState',
        serializationFormat: 'cdr',
        offeredQosProfiles: meta.topics.find((t) => t.name === '/joint_states')!.offeredQosProfiles,
        messageCount: 200,
      },
    );
    assert.match(
      meta.topics[0].offeredQosProfiles,
      /^- history: 1\n {2}depth: 1\n {2}reliability: 1\n {2}durability: 1\n {2}deadline:\n {4}sec: 9223372036\n {4}nsec: 854775807\n/,
    );
    const text = fs.readFileSync(path.join(dir, 'metadata.yaml'), 'utf8');
    assert.match(
      text,
      /^rosbag2_bagfile_information:\n {2}version: 5\n {2}storage_identifier: mcap\n {2}duration:\n {4}nanoseconds: \d+\n {2}starting_time:\n {4}nanoseconds_since_epoch: 1700000000000000000\n/,
    );
    assert.match(text, /\n {2}compression_format: ""\n {2}compression_mode: ""\n {2}relative_file_paths:\n {4}- episode_0\.mcap\n/);
    assert.deepEqual(parseBagMetadata(formatBagMetadata(meta)), meta);
    // Reading the directory: every file, in split order, as one stream.
    const { records, notes } = await collect(dir);
    assert.deepEqual(notes, []);
    assert.deepEqual(
      records.map((r) => [r.topic, r.logTime]),
      written.map((w) => [w.topic, w.logTime]),
    );
    // A recording that crashed before writing metadata.yaml: the files are read in split order.
    fs.rmSync(path.join(dir, 'metadata.yaml'));
    const crashed = await collect(dir);
    assert.equal(crashed.records.length, written.length);
    assert.match(crashed.notes.join('\n'), /no metadata\.yaml \(a recording that did not finish\?\): reading \d+ file\(s\) in split order/);
  });

  it('splits by duration, and reads time ranges and topic selections', async () => {
    const dir = path.join(tmp.dir, 'timed');
    const written = sortedByTime(await writeSample(dir, { maxBagDuration: 0.5 }));
    assert.equal(readBagMetadata(dir)!.relativeFilePaths.length, 4); // 2 s of data, a file per 0.5 s
    const start = START_NS + 300_000_000n;
    const end = START_NS + 700_000_000n;
    const { records } = await collect(dir, { start, end, topics: ['/chatter', '/joint_states'] });
    const expected = written.filter(
      (w) => w.logTime >= start && w.logTime <= end && (w.topic === '/chatter' || w.topic === '/joint_states'),
    );
    assert.ok(expected.length > 40);
    assert.deepEqual(
      records.map((r) => [r.topic, r.logTime]),
      expected.map((w) => [w.topic, w.logTime]),
    );
    const seen: string[] = [];
    const byType = await collect(dir, { topics: (t) => (seen.push(t.topic), t.type === 'std_msgs/msg/String') });
    assert.equal(byType.records.length, 40);
    assert.deepEqual(
      seen.sort(),
      ['/camera/image_raw', '/chatter', '/chatter2', '/instruction', '/joint_states'],
      'the predicate is asked once per topic',
    );
  });

  it('decodes into private buffers on request', async () => {
    const file = path.join(tmp.dir, 'run.mcap');
    await writeSample(file);
    const { records } = await collect(file, { topics: ['/camera/image_raw'] });
    const shared = records[0].decode() as { data: Uint8Array };
    const own = records[0].decode({ copy: true }) as { data: Uint8Array };
    assert.deepEqual(own.data, shared.data);
    assert.ok(own.data.buffer.byteLength < 6100, 'the copy holds one message, not the whole chunk');
  });

  it('parses the recorded QoS the way ros2 bag play uses it', () => {
    const unknown =
      '- history: 3\n  depth: 0\n  reliability: 1\n  durability: 2\n  deadline:\n    sec: 0\n    nsec: 0\n  lifespan:\n    sec: 0\n    nsec: 0\n  liveliness: 1\n  liveliness_lease_duration:\n    sec: 0\n    nsec: 0\n  avoid_ros_namespace_conventions: false';
    assert.deepEqual(replayQosFromYaml(unknown), { history: 'keep_last', depth: 10, reliability: 'reliable', durability: 'volatile' });
    const latched = unknown.replace('durability: 2', 'durability: 1').replace('history: 3\n  depth: 0', 'history: 1\n  depth: 3');
    assert.deepEqual(replayQosFromYaml(latched), {
      history: 'keep_last',
      depth: 3,
      reliability: 'reliable',
      durability: 'transient_local',
    });
    const mixed = `${latched}\n${unknown.replace('reliability: 1', 'reliability: 2')}`;
    assert.deepEqual(replayQosFromYaml(mixed), { history: 'keep_last', depth: 3, reliability: 'best_effort', durability: 'volatile' });
    assert.equal(replayQosFromYaml(''), undefined);
  });

  it("reads other writers' MCAP: no ros2 profile, ros2idl schemas, schema-less channels, service events", async () => {
    const file = path.join(tmp.dir, 'foreign.mcap');
    const handle = await fs.promises.open(file, 'w');
    const writer = new McapWriter({ writable: new FileHandleWritable(handle), chunkSize: 4096 });
    await writer.start({ profile: '', library: 'mcap go #(devel)' });
    const enc = new TextEncoder();
    const idlKnown = await writer.registerSchema({
      name: 'std_msgs/msg/String',
      encoding: 'ros2idl',
      data: enc.encode('module std_msgs { module msg { struct String { string data; }; }; };'),
    });
    const idlUnknown = await writer.registerSchema({
      name: 'acme_msgs/msg/Widget',
      encoding: 'ros2idl',
      data: enc.encode('module acme_msgs { module msg { struct Widget { long x; }; }; };'),
    });
    const srv = await writer.registerSchema({
      name: 'std_srvs/srv/SetBool_Event',
      encoding: 'ros2msg',
      data: enc.encode('bool data\n---\nbool success\nstring message\n'),
    });
    const a = await writer.registerChannel({ topic: '/chatter', schemaId: idlKnown, messageEncoding: 'cdr', metadata: new Map() });
    const b = await writer.registerChannel({ topic: '/widget', schemaId: idlUnknown, messageEncoding: 'cdr', metadata: new Map() });
    const c = await writer.registerChannel({ topic: '/raw', schemaId: 0, messageEncoding: 'cdr', metadata: new Map() });
    const d = await writer.registerChannel({ topic: '/svc/_service_event', schemaId: srv, messageEncoding: 'cdr', metadata: new Map() });
    const hi = registry.serialize('std_msgs/msg/String', { data: 'hi' });
    for (const [ch, t] of [
      [a, 1n],
      [b, 2n],
      [c, 3n],
      [d, 4n],
      [a, 5n],
    ] as const)
      await writer.addMessage({ channelId: ch, sequence: 0, logTime: t, publishTime: t, data: hi });
    await writer.end();
    await handle.close();
    for (const forceStream of [false, true]) {
      const { records, notes } = await collect(file, { forceStream });
      assert.deepEqual(
        records.map((r) => [r.topic, r.decode()]),
        [
          ['/chatter', { data: 'hi' }],
          ['/chatter', { data: 'hi' }],
        ],
      );
      const text = notes.join('\n');
      assert.match(text, /MCAP profile '', not 'ros2' \(written by mcap go #\(devel\)\); decoding what is ros2msg\/cdr/);
      assert.match(
        text,
        /topic \/chatter: the bag's definition of std_msgs\/msg\/String is not usable \(its schema encoding is ros2idl, which vla-ros does not parse \(only ros2msg\)\); using the standard definition/,
      );
      assert.match(
        text,
        /topic \/widget skipped: the bag's definition of acme_msgs\/msg\/Widget is not usable \(its schema encoding is ros2idl/,
      );
      assert.match(text, /topic \/raw skipped: unknown message type \(none\)/);
      assert.match(text, /topic \/svc\/_service_event skipped: std_srvs\/srv\/SetBool_Event is a service \(\.srv\) schema/);
      // Asked for, undecodable topics come with their bytes; decode() says why it cannot.
      const all = await collect(file, { forceStream, includeUndecodable: true });
      assert.equal(all.records.length, 5);
      assert.throws(() => all.records[1].decode(), /topic \/widget: the bag's definition of acme_msgs\/msg\/Widget is not usable/);
    }
  });
});
