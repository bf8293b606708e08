// Shared by the bag tests: temporary folders, a sample recording written in any MCAP variant,
// rosbag2 sqlite3 bags built with sql.js (Humble's schema, or Iron's with message_definitions),
// and where the real rosbag2 bags are (../shared/data, absent in a user's clone).

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { BagReader, type BagReadOptions, type BagRecord, type OpenBagOptions } from '../../nodes/bags/bag_reader.js';
import { RosbagWriter, type RosbagWriterOptions } from '../../nodes/bags/bag_writer.js';
import { offeredQosProfilesYaml } from '../../nodes/bags/qos_metadata.js';
import { defaultMessageRegistry } from '../../nodes/msgs/registry.js';
import { packagePath } from '../../nodes/package_paths.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';

/** `vla-ros <args>` in a child process from the package root (exit code, stdout, stderr). */
export function vlaRos(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [packagePath('tools', 'vla-ros.js'), ...args], { cwd: packagePath(), encoding: 'utf8' });
}

export function tempDir(prefix = 'vla-bags-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function collect(
  bag: string,
  options: BagReadOptions & OpenBagOptions = {},
): Promise<{ records: BagRecord[]; notes: string[] }> {
  const notes: string[] = [];
  const reader = await BagReader.open(bag, { ...options, onNote: (n) => notes.push(n) });
  const records: BagRecord[] = [];
  try {
    for await (const m of reader.messages(options)) records.push(m);
  } finally {
    reader.close();
  }
  return { records, notes };
}

/** The real rosbag2 bags (../shared/data/rosbag2), or undefined with the reason to skip. */
export function sharedRosbag2(): { dir: string } | { skip: string } {
  const dir = path.resolve(packagePath(), '..', 'shared', 'data', 'rosbag2');
  return fs.existsSync(dir) ? { dir } : { skip: `${dir} is absent (it exists on the project's CI machines only)` };
}

export const START_NS = 1_700_000_000_000_000_000n;

export interface SampleMessage {
  topic: string;
  type: string;
  logTime: bigint;
  message: object;
}

/** A recording with several types, QoS, sizes and two topics of one type; `n` joint states. */
export function sampleMessages(n = 200): SampleMessage[] {
  const out: SampleMessage[] = [];
  const t = (ms: number) => START_NS + BigInt(Math.round(ms * 1e6));
  out.push({
    topic: '/instruction',
    type: 'vla_ros_msgs/msg/Instruction',
    logTime: t(0),
    message: { header: { stamp: { sec: 1_700_000_000, nanosec: 0 }, frame_id: '' }, id: 'ep1', text: 'push the red cube' },
  });
  for (let i = 0; i < n; i++) {
    const ms = 5 + i * 10;
    out.push({
      topic: '/joint_states',
      type: 'sensor_msgs/msg/JointState',
      logTime: t(ms),
      message: {
        header: { stamp: { sec: 1_700_000_000, nanosec: ms * 1e6 }, frame_id: '' },
        name: ['a', 'b', 'c'],
        position: Float64Array.of(i, -i / 2, Math.sin(i)),
        velocity: new Float64Array(0),
        effort: new Float64Array(0),
      },
    });
    if (i % 10 === 0) {
      out.push({
        topic: '/camera/image_raw',
        type: 'sensor_msgs/msg/Image',
        logTime: t(ms + 1),
        message: {
          header: { stamp: { sec: 1_700_000_000, nanosec: (ms + 1) * 1e6 }, frame_id: 'cam' },
          height: 40,
          width: 50,
          encoding: 'rgb8',
          is_bigendian: 0,
          step: 150,
          data: Uint8Array.from({ length: 6000 }, (_, k) => (k * 7 + i) & 255),
        },
      });
      out.push({ topic: '/chatter', type: 'std_msgs/msg/String', logTime: t(ms + 2), message: { data: `hello ${i}` } });
      out.push({ topic: '/chatter2', type: 'std_msgs/msg/String', logTime: t(ms + 3), message: { data: `world ${i}` } });
    }
  }
  return out;
}

/** Writes `messages` with RosbagWriter (a directory, or one .mcap file when `output` ends in .mcap). */
export async function writeSample(
  output: string,
  options: RosbagWriterOptions = {},
  messages = sampleMessages(),
): Promise<SampleMessage[]> {
  const bag = await RosbagWriter.create(output, { chunkSize: 16 * 1024, ...options });
  const qos = (topic: string) =>
    topic === '/instruction'
      ? QoSProfiles.transientLocal
      : topic.includes('image') || topic.includes('joint')
        ? QoSProfiles.sensorData
        : QoSProfiles.default;
  for (const m of messages) if (!bag.hasTopic(m.topic)) await bag.addTopic(m.topic, m.type, qos(m.topic));
  for (const m of messages) await bag.write(m.topic, m.message, m.logTime);
  await bag.close();
  return messages;
}

export interface SqliteTopic {
  name: string;
  type: string;
  /** Iron+ message_definitions row: text stored for this type ('' = none). */
  definition?: string;
}

/**
 * A rosbag2 sqlite3 bag file. `schema`: 'humble' (schema version 3, no definitions table) or
 * 'iron' (version 4, message_definitions, type_description_hash).
 */
export async function writeSqliteBag(
  file: string,
  schema: 'humble' | 'iron',
  topics: SqliteTopic[],
  rows: { topic: string; ns: bigint; data: Uint8Array }[],
): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL)');
  db.run('INSERT INTO schema VALUES (?, ?)', [schema === 'humble' ? 3 : 4, schema]);
  db.run('CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL)');
  db.run(
    `CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL${schema === 'iron' ? ',type_description_hash TEXT NOT NULL' : ''})`,
  );
  db.run('CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, data BLOB NOT NULL)');
  db.run('CREATE INDEX timestamp_idx ON messages (timestamp ASC)');
  if (schema === 'iron') {
    db.run(
      'CREATE TABLE message_definitions(id INTEGER PRIMARY KEY,topic_type TEXT NOT NULL,encoding TEXT NOT NULL,encoded_message_definition TEXT NOT NULL,type_description_hash TEXT NOT NULL)',
    );
  }
  topics.forEach((t, i) => {
    const qos = offeredQosProfilesYaml(QoSProfiles.default);
    db.run(`INSERT INTO topics VALUES (?, ?, ?, 'cdr', ?${schema === 'iron' ? ", ''" : ''})`, [i + 1, t.name, t.type, qos]);
    if (schema === 'iron' && t.definition !== undefined)
      db.run("INSERT INTO message_definitions VALUES (?, ?, 'ros2msg', ?, '')", [i + 1, t.type, t.definition]);
  });
  const ids = new Map(topics.map((t, i) => [t.name, i + 1]));
  for (const r of rows)
    db.run('INSERT INTO messages (topic_id, timestamp, data) VALUES (?, CAST(? AS INTEGER), ?)', [ids.get(r.topic)!, String(r.ns), r.data]);
  fs.writeFileSync(file, db.export());
  db.close();
}

export const registry = defaultMessageRegistry();
