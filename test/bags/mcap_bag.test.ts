import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { McapIndexedReader, McapStreamReader, McapWriter, type McapTypes } from '@mcap/core';
import { FileHandleReadable, FileHandleWritable } from '@mcap/nodejs';
import { decompressHandlers } from '../../nodes/bags/compression.js';
import { bagChannels, BagReadError, readBag, type BagMessage } from '../../nodes/bags/decoded_messages.js';
import { BagWriteError, McapBagWriter } from '../../nodes/bags/mcap_writer.js';
import { defaultMessageRegistry } from '../../nodes/msgs/registry.js';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';

async function collect(file: string, options: Parameters<typeof readBag>[1] = {}): Promise<BagMessage[]> {
  const out: BagMessage[] = [];
  for await (const m of readBag(file, options)) out.push(m);
  return out;
}

const features = (episode: string, step: number): vla_ros_msgs.msg.PolicyFeatures => ({
  header: { stamp: { sec: 100 + step, nanosec: 250 }, frame_id: 'base' },
  episode_id: episode,
  step,
  source: 'features',
  features: Float32Array.from({ length: 64 }, (_, i) => Math.sin(step + i)),
});

describe('MCAP bags (rosbag2-compatible)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-bags-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function writeSample(file: string, n = 300): Promise<void> {
    const bag = await McapBagWriter.create(file, { chunkSize: 16 * 1024 });
    await bag.addTopic('policy_features', 'vla_ros_msgs/msg/PolicyFeatures');
    await bag.addTopic('/episode_events', 'vla_ros_msgs/EpisodeEvent');
    await bag.addTopic('/instruction', 'vla_ros_msgs/msg/Instruction', QoSProfiles.transientLocal);
    await bag.write('/instruction', { header: { stamp: { sec: 99, nanosec: 0 }, frame_id: '' }, id: 'ep1', text: 'push the red cube' }, 99);
    await bag.write(
      '/episode_events',
      {
        header: { stamp: { sec: 99, nanosec: 0 }, frame_id: '' },
        episode_id: 'ep1',
        event: 0,
        instruction: 'push the red cube',
        success: false,
      },
      99,
    );
    for (let s = 0; s < n; s++) await bag.write('/policy_features', features('ep1', s), 100 + s / 30);
    await bag.write(
      '/episode_events',
      {
        header: { stamp: { sec: 120, nanosec: 0 }, frame_id: '' },
        episode_id: 'ep1',
        event: 2,
        instruction: 'push the red cube',
        success: true,
      },
      120n * 1_000_000_000n,
    );
    assert.equal(bag.messageCount, n + 3);
    await bag.close();
  }

  it('round-trips messages with their topics, types, times and QoS', async () => {
    const file = path.join(dir, 'run.mcap');
    await writeSample(file);
    const messages = await collect(file);
    assert.equal(messages.length, 303);
    assert.deepEqual(
      [...new Set(messages.map((m) => `${m.topic} ${m.type}`))],
      [
        '/instruction vla_ros_msgs/msg/Instruction',
        '/episode_events vla_ros_msgs/msg/EpisodeEvent',
        '/policy_features vla_ros_msgs/msg/PolicyFeatures',
      ],
    );
    const f = messages.filter((m) => m.topic === '/policy_features');
    assert.equal(f.length, 300);
    const m7 = f[7].message as vla_ros_msgs.msg.PolicyFeatures;
    const want = features('ep1', 7);
    assert.deepEqual({ ...m7, features: Array.from(m7.features) }, { ...want, features: Array.from(want.features) });
    assert.equal(f[7].logTime, 100_233_333_333n);
    assert.equal(f[7].publishTime, f[7].logTime);
    assert.equal(f[7].sequence, 7);
    const end = messages.at(-1)!;
    assert.equal((end.message as vla_ros_msgs.msg.EpisodeEvent).success, true);
    assert.equal(end.logTime, 120_000_000_000n);
    assert.match(
      messages[0].channel.metadata.get('offered_qos_profiles')!,
      /^- history: 1\n {2}depth: 1\n {2}reliability: 1\n {2}durability: 1\n/,
    );
    assert.match(f[0].channel.metadata.get('offered_qos_profiles')!, /durability: 2\n/);
  });

  it('writes what rosbag2 writes: profile ros2, ros2msg schemas, cdr, zstd chunks and a summary', async () => {
    const file = path.join(dir, 'run.mcap');
    await writeSample(file);
    const reader = new McapStreamReader({ includeChunks: true, decompressHandlers: await decompressHandlers() });
    reader.append(fs.readFileSync(file));
    const records: McapTypes.TypedMcapRecord[] = [];
    for (let r = reader.nextRecord(); r !== undefined; r = reader.nextRecord()) records.push(r);
    const header = records.find((r) => r.type === 'Header');
    assert.equal(header?.type === 'Header' && header.profile, 'ros2');
    const schemas = records.filter((r): r is McapTypes.TypedMcapRecords['Schema'] => r.type === 'Schema');
    const features = schemas.find((s) => s.name === 'vla_ros_msgs/msg/PolicyFeatures')!;
    assert.equal(features.encoding, 'ros2msg');
    assert.equal(new TextDecoder().decode(features.data), defaultMessageRegistry().schemaText('vla_ros_msgs/msg/PolicyFeatures'));
    const chunks = records.filter((r) => r.type === 'Chunk');
    assert.ok(chunks.length > 1);
    assert.ok(chunks.every((c) => c.type === 'Chunk' && c.compression === 'zstd'));
    assert.ok(records.filter((r) => r.type === 'Channel').every((c) => c.type === 'Channel' && c.messageEncoding === 'cdr'));
    // Indexed: the summary lets an indexed reader seek by topic.
    const handle = await fs.promises.open(file, 'r');
    try {
      const indexed = await McapIndexedReader.Initialize({
        readable: new FileHandleReadable(handle),
        decompressHandlers: await decompressHandlers(),
      });
      assert.equal(indexed.statistics?.messageCount, 303n);
      let n = 0;
      for await (const _ of indexed.readMessages({ topics: ['/episode_events'] })) n++;
      assert.equal(n, 2);
    } finally {
      await handle.close();
    }
  });

  it('writes uncompressed chunks on request', async () => {
    const file = path.join(dir, 'plain.mcap');
    const bag = await McapBagWriter.create(file, { compression: 'none' });
    await bag.addTopic('/chatter', 'std_msgs/msg/String');
    await bag.write('/chatter', { data: 'hello' }, 1);
    await bag.close();
    const [m] = await collect(file);
    assert.deepEqual(m.message, { data: 'hello' });
  });

  it('reads only the selected topics', async () => {
    const file = path.join(dir, 'run.mcap');
    await writeSample(file, 10);
    const messages = await collect(file, { topics: ['/episode_events'] });
    assert.deepEqual(
      messages.map((m) => m.topic),
      ['/episode_events', '/episode_events'],
    );
    const channels = await bagChannels(file);
    assert.deepEqual(
      channels.map((c) => [c.topic, c.type, c.messageEncoding, c.schemaEncoding]),
      [
        ['/instruction', 'vla_ros_msgs/msg/Instruction', 'cdr', 'ros2msg'],
        ['/episode_events', 'vla_ros_msgs/msg/EpisodeEvent', 'cdr', 'ros2msg'],
        ['/policy_features', 'vla_ros_msgs/msg/PolicyFeatures', 'cdr', 'ros2msg'],
      ],
    );
  });

  it('skips service-event topics (.srv schemas) and other encodings with a note, and reads the rest', async () => {
    const file = path.join(dir, 'mixed.mcap');
    const handle = await fs.promises.open(file, 'w');
    const writer = new McapWriter({ writable: new FileHandleWritable(handle) });
    await writer.start({ profile: 'ros2', library: 'test' });
    const enc = new TextEncoder();
    const srv = await writer.registerSchema({
      name: 'std_srvs/srv/SetBool_Event',
      encoding: 'ros2msg',
      data: enc.encode('bool data\n---\nbool success\nstring message\n'),
    });
    const str = await writer.registerSchema({ name: 'std_msgs/msg/String', encoding: 'ros2msg', data: enc.encode('string data\n') });
    const json = await writer.registerSchema({ name: 'Foo', encoding: 'jsonschema', data: enc.encode('{}') });
    const c1 = await writer.registerChannel({ topic: '/svc/_service_event', schemaId: srv, messageEncoding: 'cdr', metadata: new Map() });
    const c2 = await writer.registerChannel({ topic: '/chatter', schemaId: str, messageEncoding: 'cdr', metadata: new Map() });
    const c3 = await writer.registerChannel({ topic: '/json', schemaId: json, messageEncoding: 'json', metadata: new Map() });
    await writer.addMessage({ channelId: c1, sequence: 0, logTime: 1n, publishTime: 1n, data: new Uint8Array([0, 1, 0, 0, 1]) });
    await writer.addMessage({
      channelId: c2,
      sequence: 0,
      logTime: 2n,
      publishTime: 2n,
      data: defaultMessageRegistry().serialize('std_msgs/msg/String', { data: 'hi' }),
    });
    await writer.addMessage({ channelId: c3, sequence: 0, logTime: 3n, publishTime: 3n, data: enc.encode('{}') });
    await writer.end();
    await handle.close();
    const notes: string[] = [];
    const messages = await collect(file, { onNote: (n) => notes.push(n) });
    assert.deepEqual(
      messages.map((m) => [m.topic, m.message]),
      [['/chatter', { data: 'hi' }]],
    );
    assert.equal(notes.length, 2);
    assert.match(
      notes[0],
      /topic \/svc\/_service_event skipped: std_srvs\/srv\/SetBool_Event is a service \(\.srv\) schema \(a rosbag2 service-event topic\), which is not decoded/,
    );
    assert.match(notes[1], /topic \/json skipped: encoding json\/jsonschema, not cdr\/ros2msg/);
  });

  it('reads a truncated recording up to the cut, with a note', async () => {
    const file = path.join(dir, 'run.mcap');
    await writeSample(file, 300);
    const cut = path.join(dir, 'cut.mcap');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const notes: string[] = [];
    const messages = await collect(cut, { onNote: (n) => notes.push(n) });
    assert.ok(messages.length > 50 && messages.length < 303, `${messages.length} messages before the cut`);
    assert.match(notes.join('\n'), /ends before the MCAP footer \(truncated recording\?\): read the \d+ messages before the cut/);
  });

  it('gives clear errors for files that are not MCAP bags', async () => {
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'hello, this is not a bag at all');
    await assert.rejects(
      collect(text),
      (err: unknown) => err instanceof BagReadError && /notes\.txt is not an MCAP file/.test(err.message),
    );
    await assert.rejects(collect(path.join(dir, 'missing.mcap')), /cannot read bag .*missing\.mcap: ENOENT/);
    await assert.rejects(collect(dir), /is not a bag: no metadata\.yaml and no \.mcap or \.db3 files/);
    const empty = path.join(dir, 'empty.mcap');
    fs.writeFileSync(empty, '');
    await assert.rejects(collect(empty), /empty\.mcap is not an MCAP file \(no MCAP header; 0 bytes\)/);
  });

  it('refuses undeclared topics, a second type for a topic and writes after close', async () => {
    const bag = await McapBagWriter.create(path.join(dir, 'w.mcap'));
    await bag.addTopic('/a', 'std_msgs/msg/String');
    await bag.addTopic('/a', 'std_msgs/String'); // same type, other spelling: fine
    await assert.rejects(
      bag.addTopic('/a', 'std_msgs/msg/Bool'),
      /topic \/a already has type std_msgs\/msg\/String, not std_msgs\/msg\/Bool/,
    );
    await assert.rejects(bag.write('/b', { data: 'x' }, 1), /topic \/b was not declared with addTopic\(\)/);
    await assert.rejects(bag.write('/a', { data: 3 }, 1), /data/);
    await bag.close();
    await assert.rejects(
      bag.write('/a', { data: 'x' }, 1),
      (err: unknown) => err instanceof BagWriteError && /the bag is closed/.test(err.message),
    );
  });
});
