import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  MessageRegistry,
  diagnostic_msgs,
  vla_ros_msgs,
  type builtin_interfaces,
  type KnownMessageTypeName,
  type MessageOf,
  type std_msgs,
} from '../../nodes/msgs/index.js';
import { ROSBAG2_DATA, SYSTEM_PYTHON, skipWithReason } from './helpers.js';

const registry = new MessageRegistry();

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('hex')
    .replace(/(.{8})/g, '$1 ')
    .trim();
}

function stamp(sec: number, nanosec: number): builtin_interfaces.msg.Time {
  return { sec, nanosec };
}

function header(frameId: string, sec = 1_700_000_000, nanosec = 250_000_000): std_msgs.msg.Header {
  return { stamp: stamp(sec, nanosec), frame_id: frameId };
}

function roundTrip<K extends KnownMessageTypeName>(type: K, message: MessageOf<K>): void {
  const bytes = registry.serialize(type, message);
  assert.deepStrictEqual(registry.deserialize(type, bytes), message, `${type} did not round-trip`);
  // Also through the short `pkg/Type` spelling and from an unaligned copy of the bytes.
  const shortName = type.replace('/msg/', '/');
  const unaligned = new Uint8Array(bytes.length + 1).subarray(1);
  unaligned.set(bytes);
  assert.deepStrictEqual(registry.deserialize(shortName, unaligned), message, `${shortName} (unaligned)`);
}

function float32Ramp(length: number): Float32Array {
  return Float32Array.from({ length }, (_, index) => (index % 97) * 0.25 - 12);
}

function namedTensor(name: string, shape: number[], dtype: number, data: Uint8Array): vla_ros_msgs.msg.NamedTensor {
  return { name, dtype, shape: Uint32Array.from(shape), data };
}

describe('CDR encoding (MessageRegistry.serialize/deserialize)', () => {
  describe('byte layout, hand-computed', () => {
    it('std_msgs/String "hi": encapsulation CDR_LE, uint32 length incl. NUL, bytes, NUL', () => {
      const bytes = registry.serialize('std_msgs/msg/String', { data: 'hi' });
      assert.equal(hex(bytes), '00010000 03000000 686900');
    });

    it('builtin_interfaces/Time: int32 sec, uint32 nanosec, little-endian', () => {
      const bytes = registry.serialize('builtin_interfaces/msg/Time', { sec: 1_700_000_000, nanosec: 5 });
      // 1_700_000_000 = 0x6553f100.
      assert.equal(hex(bytes), '00010000 00f15365 05000000');
    });

    it('geometry_msgs/PointStamped: float64 aligned to 8 counting from after the 4-byte header', () => {
      const bytes = registry.serialize('geometry_msgs/msg/PointStamped', {
        header: { stamp: stamp(1, 2), frame_id: 'a' },
        point: { x: 1, y: 2, z: -0.5 },
      });
      // header | sec | nanosec | len 2 | 'a' NUL + 2 padding bytes (offset 14 → 16 in the body) | x y z
      const expected = '00010000 01000000 02000000 02000000 61000000 00000000 0000f03f 00000000 00000040 00000000 0000e0bf';
      assert.equal(hex(bytes), expected);
      assert.equal(bytes.length, 44);
    });

    it('std_msgs/Empty: one padding byte, as ROS 2 encodes structures without members', () => {
      assert.equal(hex(registry.serialize('std_msgs/msg/Empty', {})), '00010000 00');
      assert.deepStrictEqual(registry.deserialize('std_msgs/msg/Empty', new Uint8Array([0, 1, 0, 0, 0])), {});
    });

    it('reads big-endian CDR too (encapsulation 0x0000)', () => {
      const bigEndian = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 3, 0x68, 0x69, 0]);
      assert.deepStrictEqual(registry.deserialize('std_msgs/msg/String', bigEndian), { data: 'hi' });
    });

    it('ignores the trailing alignment padding ROS 2 middlewares may append', () => {
      const padded = new Uint8Array([0, 1, 0, 0, 3, 0, 0, 0, 0x68, 0x69, 0, 0]);
      assert.deepStrictEqual(registry.deserialize('std_msgs/msg/String', padded), { data: 'hi' });
    });
  });

  describe('round trips of standard messages', () => {
    it('sensor_msgs/Image 640x480 rgb8, and an empty one', () => {
      const data = Uint8Array.from({ length: 640 * 480 * 3 }, (_, index) => (index * 31) & 0xff);
      roundTrip('sensor_msgs/msg/Image', {
        header: header('wrist_camera_optical_frame'),
        height: 480,
        width: 640,
        encoding: 'rgb8',
        is_bigendian: 0,
        step: 640 * 3,
        data,
      });
      roundTrip('sensor_msgs/msg/Image', {
        header: header(''),
        height: 0,
        width: 0,
        encoding: '',
        is_bigendian: 0,
        step: 0,
        data: new Uint8Array(0),
      });
    });

    it('sensor_msgs/JointState with empty velocity/effort', () => {
      roundTrip('sensor_msgs/msg/JointState', {
        header: header('fr3_link0'),
        name: ['fr3_joint1', 'fr3_joint2', 'fr3_joint3', 'fr3_joint4', 'fr3_joint5', 'fr3_joint6', 'fr3_joint7'],
        position: Float64Array.from([0, -0.785, 0, -2.356, 0, 1.571, 0.785]),
        velocity: new Float64Array(0),
        effort: new Float64Array(0),
      });
    });

    it('sensor_msgs/CameraInfo with its fixed-size float64[9]/[12] arrays', () => {
      roundTrip('sensor_msgs/msg/CameraInfo', {
        header: header('camera'),
        height: 480,
        width: 640,
        distortion_model: 'plumb_bob',
        d: Float64Array.from([0.1, -0.2, 0.001, 0.002, 0]),
        k: Float64Array.from([600, 0, 320, 0, 600, 240, 0, 0, 1]),
        r: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
        p: Float64Array.from([600, 0, 320, 0, 0, 600, 240, 0, 0, 0, 1, 0]),
        binning_x: 0,
        binning_y: 0,
        roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
      });
    });

    it('geometry_msgs/PoseStamped', () => {
      roundTrip('geometry_msgs/msg/PoseStamped', {
        header: header('fr3_link0'),
        pose: { position: { x: 0.4, y: -0.1, z: 0.35 }, orientation: { x: 1, y: 0, z: 0, w: 0 } },
      });
    });

    it('diagnostic_msgs/DiagnosticArray with nested arrays of messages', () => {
      const { OK, ERROR } = diagnostic_msgs.msg.DiagnosticStatus;
      roundTrip('diagnostic_msgs/msg/DiagnosticArray', {
        header: header(''),
        status: [
          {
            level: OK,
            name: 'vla_ros: fast_pathway',
            message: 'running',
            hardware_id: 'gpu0',
            values: [
              { key: 'rate_hz', value: '29.8' },
              { key: 'latency_p99_s', value: '0.012' },
            ],
          },
          { level: ERROR, name: 'vla_ros: slow_pathway', message: 'latent too old', hardware_id: '', values: [] },
        ],
      });
      roundTrip('diagnostic_msgs/msg/DiagnosticArray', { header: header(''), status: [] });
    });

    it('rosgraph_msgs/Clock', () => {
      roundTrip('rosgraph_msgs/msg/Clock', { clock: stamp(12, 345_678_901) });
    });

    it('int64/uint64 as bigint, and int64 limits', () => {
      roundTrip('std_msgs/msg/Int64', { data: -(2n ** 63n) });
      roundTrip('std_msgs/msg/UInt64', { data: 2n ** 64n - 1n });
      roundTrip('std_msgs/msg/Int64MultiArray', {
        layout: { dim: [{ label: 'x', size: 2, stride: 2 }], data_offset: 0 },
        data: BigInt64Array.from([1n, -2n]),
      });
    });
  });

  describe('round trips of every vla_ros_msgs type', () => {
    const covered = new Set<string>();
    function vlaRoundTrip<K extends KnownMessageTypeName>(type: K, message: MessageOf<K>): void {
      covered.add(type);
      roundTrip(type, message);
    }

    it('ActionChunk (16 x 7 actions, and an empty chunk)', () => {
      const { ACTION_SPACE_EE_DELTA, ROTATION_EULER_XYZ } = vla_ros_msgs.msg.ActionChunk;
      vlaRoundTrip('vla_ros_msgs/msg/ActionChunk', {
        header: header('fr3_link0'),
        start_time: stamp(1_700_000_000, 300_000_000),
        dt: 0.02,
        horizon: 16,
        action_space: ACTION_SPACE_EE_DELTA,
        rotation: ROTATION_EULER_XYZ,
        gripper: 'absolute_continuous',
        dimension_names: ['x', 'y', 'z', 'roll', 'pitch', 'yaw', 'gripper'],
        data: float32Ramp(16 * 7),
        sequence: 4242,
        latent_version: 17,
        latent_age: 0.135,
        inference_latency: 0.0041,
        observation_stamp: stamp(1_700_000_000, 165_000_000),
      });
      vlaRoundTrip('vla_ros_msgs/msg/ActionChunk', {
        header: header(''),
        start_time: stamp(0, 0),
        dt: 0,
        horizon: 0,
        action_space: '',
        rotation: '',
        gripper: '',
        dimension_names: [],
        data: new Float32Array(0),
        sequence: 0,
        latent_version: 0,
        latent_age: 0,
        observation_stamp: stamp(0, 0),
        inference_latency: 0,
      });
    });

    it('EpisodeEvent', () => {
      vlaRoundTrip('vla_ros_msgs/msg/EpisodeEvent', {
        header: header(''),
        episode_id: 'ep-0007',
        event: vla_ros_msgs.msg.EpisodeEvent.EVENT_END,
        instruction: 'push the red cube to the left',
        success: true,
      });
    });

    it('FailureAlarm', () => {
      const { REASON_SCORE, RESPONSE_HOLD } = vla_ros_msgs.msg.FailureAlarm;
      vlaRoundTrip('vla_ros_msgs/msg/FailureAlarm', {
        header: header(''),
        episode_id: 'ep-0007',
        step: 311,
        reason: REASON_SCORE,
        score: 0.875,
        threshold: 0.625,
        response: RESPONSE_HOLD,
        detail: 's_t 0.875 >= delta_t 0.625 at step 311',
      });
    });

    it('FailureScore', () => {
      vlaRoundTrip('vla_ros_msgs/msg/FailureScore', {
        header: header(''),
        episode_id: 'ep-0007',
        step: 12,
        step_score: 0.125,
        score: 0.5,
        threshold: 0.75,
        alarm: false,
      });
    });

    it('HoldRequest', () => {
      vlaRoundTrip('vla_ros_msgs/msg/HoldRequest', {
        header: header(''),
        hold: true,
        source: 'failure_monitor',
        reason: 'failure score above threshold',
        episode_id: 'ep-7',
      });
    });

    it('Instruction', () => {
      vlaRoundTrip('vla_ros_msgs/msg/Instruction', {
        header: header(''),
        id: '',
        text: 'push the red cube to the left',
      });
    });

    it('LatentEntry with several tensors, and with none', () => {
      const { DTYPE_FLOAT32, DTYPE_INT64, DTYPE_BOOL } = vla_ros_msgs.msg.NamedTensor;
      const hidden = new Uint8Array(float32Ramp(1 * 64 * 2048).buffer);
      vlaRoundTrip('vla_ros_msgs/msg/LatentEntry', {
        header: header('', 100, 0),
        ready_time: stamp(100, 180_000_000),
        version: 9,
        instruction_id: 'ins-3',
        instruction: 'open the drawer',
        inference_latency: 0.18,
        tensors: [
          namedTensor('prefix_hidden', [1, 64, 2048], DTYPE_FLOAT32, hidden),
          namedTensor('prefix_len', [1], DTYPE_INT64, new Uint8Array(new BigInt64Array([64n]).buffer)),
          namedTensor('mask', [0], DTYPE_BOOL, new Uint8Array(0)),
        ],
      });
      vlaRoundTrip('vla_ros_msgs/msg/LatentEntry', {
        header: header(''),
        ready_time: stamp(0, 0),
        version: 0,
        instruction_id: '',
        instruction: '',
        inference_latency: 0,
        tensors: [],
      });
    });

    it('NamedTensor (float32 [3,224,224] image, 602112 bytes)', () => {
      const image = new Uint8Array(float32Ramp(3 * 224 * 224).buffer);
      vlaRoundTrip('vla_ros_msgs/msg/NamedTensor', namedTensor('image', [3, 224, 224], 1, image));
      vlaRoundTrip('vla_ros_msgs/msg/NamedTensor', namedTensor('', [], 0, new Uint8Array(0)));
    });

    it('Observation with two cameras', () => {
      const tensor = (name: string): vla_ros_msgs.msg.NamedTensor =>
        namedTensor(name, [3, 224, 224], 1, new Uint8Array(float32Ramp(3 * 224 * 224).buffer));
      vlaRoundTrip('vla_ros_msgs/msg/Observation', {
        header: header('', 200, 10),
        sequence: 77,
        camera_names: ['base_0_rgb', 'left_wrist_0_rgb'],
        camera_stamps: [stamp(200, 10), stamp(200, 21_000_000)],
        images: [tensor('base_0_rgb'), tensor('left_wrist_0_rgb')],
      });
    });

    it('PathwayStatus (NaN latent age)', () => {
      vlaRoundTrip('vla_ros_msgs/msg/PathwayStatus', {
        header: header(''),
        node: '/vla/fast_pathway',
        state: vla_ros_msgs.msg.PathwayStatus.STATE_DEGRADED,
        message: 'latent too old',
        rate: 29.5,
        latency_p50: 0.0078125,
        latency_p99: 0.015625,
        drops: 3,
        overruns: 0,
        latent_age: Number.NaN,
      });
    });

    it('PolicyFeatures', () => {
      vlaRoundTrip('vla_ros_msgs/msg/PolicyFeatures', {
        header: header(''),
        episode_id: 'ep-0007',
        step: 12,
        source: 'action_expert.pooled',
        features: float32Ramp(1024),
      });
    });

    it('SetInstruction request and response', () => {
      vlaRoundTrip('vla_ros_msgs/srv/SetInstruction_Request', { text: 'stack the blocks', id: '' });
      vlaRoundTrip('vla_ros_msgs/srv/SetInstruction_Response', { success: true, message: '', id: 'ins-4' });
    });

    it('covered every vla_ros_msgs message and service half', () => {
      const expected = registry.messageTypes().filter((type) => type.startsWith('vla_ros_msgs/'));
      for (const service of registry.serviceTypes().filter((item) => item.type.startsWith('vla_ros_msgs/'))) {
        expected.push(service.request, service.response);
      }
      assert.deepEqual([...covered].sort(), expected.sort());
    });
  });

  describe('upstream service halves', () => {
    it('std_srvs and lifecycle_msgs requests/responses round-trip', () => {
      roundTrip('std_srvs/srv/Trigger_Request', {});
      roundTrip('std_srvs/srv/Trigger_Response', { success: true, message: 'ok' });
      roundTrip('std_srvs/srv/SetBool_Request', { data: true });
      roundTrip('lifecycle_msgs/srv/ChangeState_Request', { transition: { id: 3, label: 'activate' } });
      roundTrip('lifecycle_msgs/srv/GetState_Response', { current_state: { id: 3, label: 'active' } });
      roundTrip('lifecycle_msgs/srv/GetAvailableTransitions_Response', {
        available_transitions: [
          {
            transition: { id: 4, label: 'deactivate' },
            start_state: { id: 3, label: 'active' },
            goal_state: { id: 2, label: 'inactive' },
          },
        ],
      });
    });
  });

  describe('plain arrays in, typed arrays out', () => {
    it('accepts number[] for numeric arrays and returns the typed array', () => {
      const bytes = registry.serialize('vla_ros_msgs/msg/NamedTensor', {
        name: 'x',
        dtype: 6,
        shape: [2, 2] as unknown as Uint32Array,
        data: [1, 2, 3, 4] as unknown as Uint8Array,
      });
      const decoded = registry.deserialize('vla_ros_msgs/msg/NamedTensor', bytes);
      assert.deepStrictEqual(decoded.shape, Uint32Array.from([2, 2]));
      assert.deepStrictEqual(decoded.data, Uint8Array.from([1, 2, 3, 4]));
    });
  });

  // rosbag2's sqlite3 storage keeps each message's CDR bytes as written by the publisher, so these
  // are real ROS 2 (Eloquent/Iron) bytes. Node 20 has no SQLite; Python's standard library does.
  describe('real messages from rosbag2 sqlite3 bags', () => {
    function readSqliteBag(context: Mocha.Context, file: string): SqliteBag {
      if (!fs.existsSync(file)) {
        skipWithReason(context, `${file} is absent (shared test data not present)`);
      }
      if (!fs.existsSync(SYSTEM_PYTHON)) {
        skipWithReason(context, `${SYSTEM_PYTHON} is absent; it reads the .db3 files (python3 sqlite3 module)`);
      }
      const result = spawnSync(SYSTEM_PYTHON, ['-c', DUMP_SQLITE_BAG, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout) as SqliteBag;
    }

    /** Decodes, re-encodes and compares with the recorded bytes. */
    function decodeAndReencode(from: MessageRegistry, message: SqliteBagMessage): unknown {
      const recorded = Buffer.from(message.hex, 'hex');
      const decoded = from.deserialize(message.type, recorded);
      const encoded = from.serialize(message.type, decoded);
      assert.equal(encoded.length, recorded.length, `${message.topic}: length`);
      // Identical except alignment padding, which we write as zeros and the publisher's
      // middleware left uninitialised (seen in /rosout of talker.db3).
      encoded.forEach((byte, index) => {
        assert.ok(byte === recorded[index] || byte === 0, `${message.topic}: byte ${index} differs`);
      });
      return decoded;
    }

    it('talker.db3: std_msgs/String and rcl_interfaces/Log decode and re-encode', function () {
      const bag = readSqliteBag(this, path.join(ROSBAG2_DATA, 'sqlite3-talker', 'talker.db3'));
      const byTopic = new Map<string, unknown[]>();
      for (const message of bag.messages) {
        byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), decodeAndReencode(registry, message)]);
      }
      const chatter = (byTopic.get('/topic') ?? []) as { data: string }[];
      assert.deepEqual(
        chatter.map((message) => message.data),
        Array.from({ length: 10 }, (_, index) => `Hello, world! ${index}`),
      );
      const rosout = (byTopic.get('/rosout') ?? []) as { level: number; name: string; msg: string; stamp: { sec: number } }[];
      assert.equal(rosout.length, 10);
      for (const [index, log] of rosout.entries()) {
        assert.equal(log.level, 20); // rcl_interfaces/Log INFO
        assert.equal(log.name, 'minimal_publisher');
        assert.equal(log.msg, `Publishing: 'Hello, world! ${index}'`);
        assert.equal(log.stamp.sec >= 1_585_866_235, true);
      }
    });

    it('bag_with_topics_and_service_events.db3: test_msgs/Strings via its stored ros2msg schema', function () {
      const bag = readSqliteBag(
        this,
        path.join(ROSBAG2_DATA, 'sqlite3-bag_with_topics_and_service_events', 'bag_with_topics_and_service_events.db3'),
      );
      const bagRegistry = new MessageRegistry();
      const strings = bag.definitions['test_msgs/msg/Strings'];
      assert.ok(strings !== undefined && strings.encoding === 'ros2msg');
      bagRegistry.register('test_msgs/msg/Strings', strings.text);
      const topicMessages = bag.messages.filter((message) => message.type === 'test_msgs/msg/Strings');
      assert.ok(topicMessages.length > 0);
      for (const message of topicMessages) {
        const decoded = decodeAndReencode(bagRegistry, message) as Record<string, string>;
        assert.equal(decoded.string_value_default1, 'Hello world!');
        assert.equal(decoded.string_value_default3, 'Hello"world!');
        assert.equal(decoded.bounded_string_value_default4, "Hello'world!");
      }
    });
  });

  describe('real messages from a rosbag2 MCAP file', () => {
    it('decodes every message of mcap-talker/talker.mcap with the schemas it carries', async function () {
      const file = path.join(ROSBAG2_DATA, 'mcap-talker', 'talker.mcap');
      if (!fs.existsSync(file)) {
        skipWithReason(this, `${file} is absent (shared test data not present)`);
      }
      const mcap = await loadMcapReader();
      if (typeof mcap === 'string') {
        skipWithReason(this, mcap);
      }
      const bagRegistry = new MessageRegistry();
      const reader = new mcap.McapStreamReader({ decompressHandlers: mcap.decompressHandlers });
      reader.append(new Uint8Array(fs.readFileSync(file)));
      const schemas = new Map<number, string>();
      const channels = new Map<number, { topic: string; type: string }>();
      const decodedByTopic = new Map<string, unknown[]>();
      for (let record = reader.nextRecord(); record !== undefined; record = reader.nextRecord()) {
        if (record.type === 'Schema' && record.encoding === 'ros2msg') {
          schemas.set(record.id, bagRegistry.register(record.name, new TextDecoder().decode(record.data)));
        } else if (record.type === 'Channel') {
          channels.set(record.id, { topic: record.topic, type: schemas.get(record.schemaId) ?? '' });
        } else if (record.type === 'Message') {
          const channel = channels.get(record.channelId);
          assert.ok(channel !== undefined, `message on unknown channel ${record.channelId}`);
          const decoded = bagRegistry.deserialize(channel.type, record.data);
          decodedByTopic.set(channel.topic, [...(decodedByTopic.get(channel.topic) ?? []), decoded]);
        }
      }
      const chatter = (decodedByTopic.get('/topic') ?? []) as { data: string }[];
      assert.equal(chatter.length, 10);
      // The talker bag's payloads are "Hello, world! 0" .. "Hello, world! 9".
      assert.deepEqual(
        chatter.map((m) => m.data),
        Array.from({ length: 10 }, (_, i) => `Hello, world! ${i}`),
      );
      assert.equal((decodedByTopic.get('/rosout') ?? []).length, 10);
    });
  });
});

interface SqliteBagMessage {
  topic: string;
  type: string;
  hex: string;
}

interface SqliteBag {
  definitions: Record<string, { encoding: string; text: string } | undefined>;
  messages: SqliteBagMessage[];
}

/** Prints a rosbag2 .db3 file's messages (hex CDR) and stored schemas as JSON. */
const DUMP_SQLITE_BAG = `
import json, sqlite3, sys
db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
tables = {row[0] for row in db.execute("select name from sqlite_master where type='table'")}
topics = {row[0]: (row[1], row[2]) for row in db.execute('select id, name, type from topics')}
definitions = {}
if 'message_definitions' in tables:
    for name, encoding, text in db.execute('select topic_type, encoding, encoded_message_definition from message_definitions'):
        definitions[name] = {'encoding': encoding, 'text': text}
messages = [{'topic': topics[t][0], 'type': topics[t][1], 'hex': data.hex()}
            for t, data in db.execute('select topic_id, data from messages order by timestamp, id')]
print(json.dumps({'definitions': definitions, 'messages': messages}))
`;

// --- optional @mcap/core, loaded only if some other part of the project installed it ----------

interface McapRecord {
  type: string;
  id: number;
  name: string;
  encoding: string;
  data: Uint8Array;
  topic: string;
  schemaId: number;
  channelId: number;
}

interface McapStreamReaderLike {
  append(data: Uint8Array): void;
  nextRecord(): McapRecord | undefined;
}

interface McapModules {
  McapStreamReader: new (options: { decompressHandlers: unknown }) => McapStreamReaderLike;
  decompressHandlers: unknown;
}

async function importOptional(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    const module: unknown = await import(specifier);
    return typeof module === 'object' && module !== null ? (module as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The MCAP stream reader and zstd/lz4 handlers, or why they are unavailable. */
async function loadMcapReader(): Promise<McapModules | string> {
  const core = await importOptional('@mcap/core');
  if (core === undefined || typeof core.McapStreamReader !== 'function') {
    return '@mcap/core is not installed (not a dependency of this package); reading MCAP messages needs it';
  }
  const support = await importOptional('@mcap/support');
  if (support === undefined || typeof support.loadDecompressHandlers !== 'function') {
    return '@mcap/support is not installed; talker.mcap chunks are zstd-compressed';
  }
  const loadDecompressHandlers = support.loadDecompressHandlers as () => Promise<unknown>;
  return {
    McapStreamReader: core.McapStreamReader as McapModules['McapStreamReader'],
    decompressHandlers: await loadDecompressHandlers(),
  };
}
