import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import {
  MessageRegistry,
  MessageValidationError,
  UnknownMessageTypeError,
  defaultMessageRegistry,
  type MessageDefinition,
} from '../../nodes/msgs/index.js';
import { sameDefinition } from '../../nodes/msgs/definition.js';
import { SCHEMA_SEPARATOR, dependencyHeaders } from '../../nodes/msgs/schema_text.js';
import { ROSBAG2_DATA, readMcapSchemas, skipWithReason, type McapSchemaRecord } from './helpers.js';

const registry = new MessageRegistry();

/** Every message type including service halves. */
function allMessageTypes(from: MessageRegistry): string[] {
  return [...from.messageTypes(), ...from.serviceTypes().flatMap((service) => [service.request, service.response])];
}

function assertSameDefinitions(actual: MessageDefinition[], expected: MessageDefinition[], context: string): void {
  const [actualRoot, ...actualRest] = actual;
  const [expectedRoot, ...expectedRest] = expected;
  assert.ok(actualRoot !== undefined && expectedRoot !== undefined, `${context}: no root`);
  assert.ok(sameDefinition(actualRoot, expectedRoot), `${context}: root differs`);
  const byName = new Map(actualRest.map((definition) => [definition.name, definition]));
  assert.deepEqual(
    [...byName.keys()].sort(),
    expectedRest.map((definition) => definition.name).sort(),
    `${context}: dependency names differ`,
  );
  for (const definition of expectedRest) {
    const other = byName.get(definition.name);
    assert.ok(other !== undefined && sameDefinition(other, definition), `${context}: ${definition.name} differs`);
  }
}

function expectValidationError(run: () => unknown, fieldPath: string, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof MessageValidationError, `expected MessageValidationError, got ${String(error)}`);
    assert.equal(error.fieldPath, fieldPath);
    assert.match(error.message, pattern);
    assert.ok(fieldPath === '' || error.message.includes(`'${fieldPath}'`), error.message);
    return true;
  });
}

describe('MessageRegistry', () => {
  describe('names', () => {
    it('knows standard, vla_ros_msgs and service-half types in both spellings', () => {
      for (const type of [
        'sensor_msgs/msg/Image',
        'sensor_msgs/Image',
        'vla_ros_msgs/msg/ActionChunk',
        'vla_ros_msgs/ActionChunk',
        'std_srvs/srv/Trigger_Request',
        'lifecycle_msgs/srv/GetState_Response',
        'builtin_interfaces/msg/Time',
      ]) {
        assert.ok(registry.has(type), type);
      }
      for (const type of ['sensor_msgs/msg/Imag', 'sensor_msgs/srv/Image', 'Image', 'std_srvs/srv/Trigger', '']) {
        assert.ok(!registry.has(type), type);
      }
    });

    it('normalises to pkg/msg/Type (pkg/srv/... for service halves)', () => {
      assert.equal(registry.normalize('sensor_msgs/Image'), 'sensor_msgs/msg/Image');
      assert.equal(registry.normalize('sensor_msgs/msg/Image'), 'sensor_msgs/msg/Image');
      assert.equal(registry.normalize('std_srvs/Trigger_Request'), 'std_srvs/srv/Trigger_Request');
      assert.equal(registry.normalize('my_pkg/Unknown'), 'my_pkg/msg/Unknown');
      assert.throws(() => registry.normalize('not a type'), /not a ROS 2 type name/);
    });

    it('describes services', () => {
      assert.deepEqual(registry.service('std_srvs/srv/Trigger'), {
        type: 'std_srvs/srv/Trigger',
        request: 'std_srvs/srv/Trigger_Request',
        response: 'std_srvs/srv/Trigger_Response',
      });
      assert.equal(registry.service('vla_ros_msgs/SetInstruction').response, 'vla_ros_msgs/srv/SetInstruction_Response');
      assert.throws(() => registry.service('std_srvs/srv/Trigge'), UnknownMessageTypeError);
    });

    it('shares one lazily created default instance', () => {
      assert.equal(defaultMessageRegistry(), defaultMessageRegistry());
    });
  });

  describe('definitions()', () => {
    it('lists the root first, then every transitive dependency once', () => {
      const definitions = registry.definitions('vla_ros_msgs/msg/Observation');
      assert.deepEqual(
        definitions.map((definition) => definition.name),
        ['vla_ros_msgs/Observation', 'std_msgs/Header', 'builtin_interfaces/Time', 'vla_ros_msgs/NamedTensor'],
      );
      // Relative `NamedTensor[] images` resolved to its package.
      const images = definitions[0]?.definitions.find((field) => field.name === 'images');
      assert.equal(images?.type, 'vla_ros_msgs/NamedTensor');
    });

    it('is what MessageReader/MessageWriter take', () => {
      const definitions = registry.definitions('sensor_msgs/msg/JointState');
      const message = {
        header: { stamp: { sec: 1, nanosec: 2 }, frame_id: 'base' },
        name: ['j1'],
        position: Float64Array.from([0.5]),
        velocity: new Float64Array(0),
        effort: new Float64Array(0),
      };
      const bytes = new MessageWriter(definitions).writeMessage(message);
      assert.deepStrictEqual(new MessageReader(definitions).readMessage(bytes), message);
      assert.deepStrictEqual(bytes, registry.serialize('sensor_msgs/msg/JointState', message));
    });

    it('keeps constants, and returns copies', () => {
      const [root] = registry.definitions('vla_ros_msgs/msg/NamedTensor');
      const dtypeFloat32 = root?.definitions.find((field) => field.name === 'DTYPE_FLOAT32');
      assert.equal(dtypeFloat32?.isConstant, true);
      assert.equal(dtypeFloat32?.value, 1);
      root?.definitions.splice(0);
      assert.ok((registry.definitions('vla_ros_msgs/msg/NamedTensor')[0]?.definitions.length ?? 0) > 0);
    });

    it('encodes constants-only messages as the empty message', () => {
      assert.deepStrictEqual(registry.serialize('rcl_interfaces/msg/ParameterType', {}), new Uint8Array([0, 1, 0, 0, 0]));
    });
  });

  describe('schemaText()', () => {
    it('round-trips through @foxglove/rosmsg parse for every known type', () => {
      for (const type of allMessageTypes(registry)) {
        const parsed = parse(registry.schemaText(type), { ros2: true });
        assertSameDefinitions(parsed, registry.definitions(type), type);
      }
    });

    it('writes our .msg text verbatim, then separator + MSG: pkg/Type sections', () => {
      const text = registry.schemaText('vla_ros_msgs/msg/Observation');
      const observationFile = fs.readFileSync(registry.describe('vla_ros_msgs/msg/Observation').file ?? '', 'utf8');
      assert.ok(text.startsWith(observationFile), 'root section is the .msg file as is');
      assert.deepEqual(dependencyHeaders(text), ['MSG: std_msgs/Header', 'MSG: builtin_interfaces/Time', 'MSG: vla_ros_msgs/NamedTensor']);
      assert.ok(text.includes(`\n${'='.repeat(80)}\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n`));
      assert.equal(SCHEMA_SEPARATOR.length, 80);
    });

    it('renders standard types with builtin_interfaces/Time fields, as a ROS 2 .msg writes them', () => {
      const text = registry.schemaText('std_msgs/msg/Header');
      assert.equal(
        text,
        `builtin_interfaces/Time stamp\nstring frame_id\n${SCHEMA_SEPARATOR}\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n`,
      );
    });

    it('splits services into request and response texts', () => {
      assert.equal(
        registry.schemaText('vla_ros_msgs/srv/SetInstruction_Request').split('\n')[0],
        '# Start a new episode with a language instruction.',
      );
      assert.match(registry.schemaText('vla_ros_msgs/srv/SetInstruction_Response'), /^bool success\nstring message\nstring id/);
      assert.equal(registry.schemaText('std_srvs/srv/Trigger_Request'), '');
    });
  });

  describe('errors', () => {
    it('names an unknown type and suggests close names', () => {
      assert.throws(
        () => registry.serialize('sensor_msgs/msg/Imag', {}),
        (error: unknown) => {
          assert.ok(error instanceof UnknownMessageTypeError);
          assert.equal(error.messageType, 'sensor_msgs/msg/Imag');
          assert.equal(error.suggestions[0], 'sensor_msgs/msg/Image');
          assert.match(error.message, /unknown message type 'sensor_msgs\/msg\/Imag'; did you mean sensor_msgs\/msg\/Image/);
          return true;
        },
      );
      assert.throws(() => registry.deserialize('std_msgs/msg/Time', new Uint8Array(12)), /did you mean builtin_interfaces\/msg\/Time/);
      assert.throws(() => registry.definitions('vla_ros_msgs/msg/Actionchunk'), /did you mean vla_ros_msgs\/msg\/ActionChunk/);
      assert.throws(() => registry.schemaText('nope'), UnknownMessageTypeError);
    });

    const validHeader = { stamp: { sec: 1, nanosec: 0 }, frame_id: '' };

    it('rejects a missing field, naming it', () => {
      expectValidationError(
        () => registry.serialize('sensor_msgs/msg/JointState', { header: validHeader, name: [], position: [], velocity: [] } as never),
        'effort',
        /is missing \(float64\[\]\)/,
      );
      expectValidationError(
        () => registry.serialize('std_msgs/msg/Header', { stamp: { sec: 1 }, frame_id: '' } as never),
        'stamp.nanosec',
        /is missing/,
      );
    });

    it('rejects wrong-typed fields with their path', () => {
      const image = { header: validHeader, height: 1, width: 1, encoding: 'mono8', is_bigendian: 0, step: 1, data: new Uint8Array(1) };
      expectValidationError(
        () => registry.serialize('sensor_msgs/msg/Image', { ...image, height: '480' } as never),
        'height',
        /must be a number \(uint32\), got a string/,
      );
      expectValidationError(
        () => registry.serialize('sensor_msgs/msg/Image', { ...image, is_bigendian: 300 }),
        'is_bigendian',
        /integer in \[0, 255\]/,
      );
      expectValidationError(
        () => registry.serialize('sensor_msgs/msg/Image', { ...image, step: -1 }),
        'step',
        /integer in \[0, 4294967295\]/,
      );
      expectValidationError(
        () => registry.serialize('sensor_msgs/msg/Image', { ...image, header: { ...validHeader, frame_id: 7 } } as never),
        'header.frame_id',
        /must be a string/,
      );
      expectValidationError(
        () => registry.serialize('sensor_msgs/msg/Image', { ...image, data: 'abc' } as never),
        'data',
        /Uint8Array or an array/,
      );
      expectValidationError(
        () => registry.serialize('sensor_msgs/msg/Image', { ...image, data: [1, 2, 256] } as never),
        'data[2]',
        /\[0, 255\]/,
      );
      expectValidationError(() => registry.serialize('std_msgs/msg/Bool', { data: 1 } as never), 'data', /must be a boolean/);
      expectValidationError(() => registry.serialize('std_msgs/msg/Int64', { data: 1.5 } as never), 'data', /bigint or a safe integer/);
      expectValidationError(
        () => registry.serialize('std_msgs/msg/Int64MultiArray', { layout: { dim: [], data_offset: 0 }, data: [1] } as never),
        'data[0]',
        /must be a bigint/,
      );
      expectValidationError(() => registry.serialize('std_msgs/msg/String', null as never), '', /must be an object/);
    });

    it('rejects the wrong typed array, which MessageWriter would silently write as empty', () => {
      const tensor = { name: 'image', dtype: 1, shape: Float64Array.from([3, 224, 224]), data: new Uint8Array(0) };
      const observation = {
        header: validHeader,
        sequence: 0,
        camera_names: ['a', 'b'],
        camera_stamps: [validHeader.stamp, validHeader.stamp],
        images: [{ ...tensor, shape: Uint32Array.from([1]) }, tensor],
      };
      expectValidationError(
        () => registry.serialize('vla_ros_msgs/msg/Observation', observation as never),
        'images[1].shape',
        /must be a Uint32Array or an array of uint32, got Float64Array/,
      );
      expectValidationError(
        () => registry.serialize('vla_ros_msgs/msg/Observation', { ...observation, camera_stamps: [{ sec: 1, nanosec: -1 }] } as never),
        'camera_stamps[0].nanosec',
        /\[0, 4294967295\]/,
      );
    });

    it('rejects fixed-size arrays of the wrong length and over-long bounded fields', () => {
      const info = registry.deserialize(
        'sensor_msgs/msg/CameraInfo',
        registry.serialize('sensor_msgs/msg/CameraInfo', {
          header: validHeader,
          height: 0,
          width: 0,
          distortion_model: '',
          d: new Float64Array(0),
          k: new Float64Array(9),
          r: new Float64Array(9),
          p: new Float64Array(12),
          binning_x: 0,
          binning_y: 0,
          roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
        }),
      );
      expectValidationError(
        () => registry.serialize('sensor_msgs/msg/CameraInfo', { ...info, k: new Float64Array(8) }),
        'k',
        /exactly 9 elements \(float64\[9\]\), has 8/,
      );
      expectValidationError(
        () =>
          registry.serialize('shape_msgs/msg/SolidPrimitive', {
            type: 1,
            dimensions: Float64Array.from([1, 2, 3, 4]),
            polygon: { points: [] },
          }),
        'dimensions',
        /at most 3 elements/,
      );
    });

    it('accepts NaN and infinities as floats', () => {
      const bytes = registry.serialize('geometry_msgs/msg/Vector3', { x: Number.NaN, y: Infinity, z: -Infinity });
      assert.deepStrictEqual(registry.deserialize('geometry_msgs/msg/Vector3', bytes), { x: Number.NaN, y: Infinity, z: -Infinity });
    });

    it('round-trips non-ASCII strings exactly, or refuses them while @foxglove/cdr truncates them', () => {
      const text = 'Schiebe den Würfel → links 🤖';
      let bytes: Uint8Array;
      try {
        bytes = registry.serialize('std_msgs/msg/String', { data: text });
      } catch (error) {
        assert.ok(error instanceof MessageValidationError, String(error));
        assert.match(error.message, /non-ASCII.*foxglove\/cdr#35/);
        return;
      }
      assert.deepStrictEqual(registry.deserialize('std_msgs/msg/String', bytes), { data: text });
    });

    it('decodes non-ASCII strings written by ROS 2', () => {
      const utf8 = Buffer.from('Würfel\0', 'utf8');
      const bytes = Buffer.concat([Buffer.from([0, 1, 0, 0, utf8.length, 0, 0, 0]), utf8]);
      assert.deepStrictEqual(registry.deserialize('std_msgs/msg/String', bytes), { data: 'Würfel' });
    });

    it('names the type when bytes are truncated', () => {
      const bytes = registry.serialize('std_msgs/msg/String', { data: 'hello' });
      assert.throws(
        () => registry.deserialize('std_msgs/String', bytes.subarray(0, 7)),
        /cannot deserialize std_msgs\/msg\/String from 7 bytes/,
      );
    });
  });

  describe('register() and real rosbag2 schemas', () => {
    const talkerFile = path.join(ROSBAG2_DATA, 'mcap-talker', 'talker.mcap');
    const servicesFile = path.join(ROSBAG2_DATA, 'mcap-bag_with_topics_and_service_events', 'bag_with_topics_and_service_events.mcap');
    let talker: McapSchemaRecord[] = [];
    let services: McapSchemaRecord[] = [];

    before(function () {
      for (const file of [talkerFile, servicesFile]) {
        if (!fs.existsSync(file)) {
          skipWithReason(this, `${file} is absent (shared test data not present)`);
        }
      }
      talker = readMcapSchemas(talkerFile);
      services = readMcapSchemas(servicesFile);
    });

    function schema(records: McapSchemaRecord[], name: string): string {
      const record = records.find((item) => item.name === name);
      assert.ok(record !== undefined, `no schema ${name}`);
      assert.equal(record.encoding, 'ros2msg');
      return record.text;
    }

    it('writes the same dependency headers, in the same order, as rosbag2', () => {
      for (const type of ['rcl_interfaces/msg/Log', 'rcl_interfaces/msg/ParameterEvent', 'std_msgs/msg/String']) {
        const fromBag = dependencyHeaders(schema(talker, type));
        // Older rosbag2 repeated a dependency per referencing field; each is listed once here.
        assert.deepEqual(dependencyHeaders(registry.schemaText(type)), [...new Set(fromBag)], type);
      }
      // Text, newline, 80 '=', newline, `MSG: pkg/Type` (no /msg/), newline: in the bag and here.
      const joint = /[^\n]\n={80}\nMSG: builtin_interfaces\/Time\n/;
      assert.match(schema(talker, 'rcl_interfaces/msg/Log'), joint);
      assert.match(registry.schemaText('rcl_interfaces/msg/Log'), joint);
    });

    it('registers the bag schemas: identical standard definitions are kept as they are', () => {
      const bagRegistry = new MessageRegistry();
      for (const record of talker) {
        assert.equal(bagRegistry.register(record.name, record.text), record.name);
        assert.equal(bagRegistry.describe(record.name).origin, 'ros2humble', `${record.name} matches ros2humble`);
      }
    });

    it('registers unknown types with string defaults and bounded strings, and encodes them', () => {
      const bagRegistry = new MessageRegistry();
      const text = schema(services, 'test_msgs/msg/Strings');
      assert.ok(!bagRegistry.has('test_msgs/msg/Strings'));
      assert.equal(bagRegistry.register('test_msgs/msg/Strings', text), 'test_msgs/msg/Strings');
      assert.ok(bagRegistry.has('test_msgs/Strings'));
      assert.equal(bagRegistry.describe('test_msgs/msg/Strings').origin, 'bag');
      assertSameDefinitions(parse(bagRegistry.schemaText('test_msgs/msg/Strings'), { ros2: true }), parse(text, { ros2: true }), 'Strings');

      const [root] = bagRegistry.definitions('test_msgs/msg/Strings');
      const message = Object.fromEntries(
        (root?.definitions ?? []).filter((field) => field.isConstant !== true).map((field, index) => [field.name, `v${index}`]),
      );
      const bytes = bagRegistry.serialize('test_msgs/msg/Strings', message);
      assert.deepStrictEqual(bagRegistry.deserialize('test_msgs/msg/Strings', bytes), message);
      expectValidationError(
        () => bagRegistry.serialize('test_msgs/msg/Strings', { ...message, bounded_string_value: 'x'.repeat(23) }),
        'bounded_string_value',
        /longer than its bound string<=22/,
      );

      const writeSplit = schema(services, 'rosbag2_interfaces/msg/WriteSplitEvent');
      bagRegistry.register('rosbag2_interfaces/msg/WriteSplitEvent', writeSplit);
      assert.ok(bagRegistry.schemaText('rosbag2_interfaces/msg/WriteSplitEvent').startsWith('# The full path'));
    });

    it('refuses service-event schemas with a clear reason', () => {
      const eventSchema = schema(services, 'test_msgs/srv/BasicTypes_Event');
      assert.throws(
        () => new MessageRegistry().register('test_msgs/srv/BasicTypes_Event', eventSchema),
        /service definition.*skip those topics/,
      );
    });

    it('replaces a differing definition with the bag version', () => {
      const bagRegistry = new MessageRegistry({ interfacesRoot: null });
      bagRegistry.register('std_msgs/msg/String', 'string data\nuint8 extra\n');
      const bytes = bagRegistry.serialize('std_msgs/msg/String', { data: 'a', extra: 5 } as never);
      assert.deepStrictEqual(bagRegistry.deserialize('std_msgs/msg/String', bytes), { data: 'a', extra: 5 });
      assert.deepStrictEqual(registry.deserialize('std_msgs/msg/String', bytes), { data: 'a' }, 'other registries unaffected');
      assert.ok(!bagRegistry.has('vla_ros_msgs/msg/ActionChunk'), 'interfacesRoot: null loads standard types only');
    });

    it('rejects malformed schemas with the type name', () => {
      assert.throws(() => new MessageRegistry().register('my_pkg/msg/Bad', 'float99 x\n'), /cannot register my_pkg\/msg\/Bad/);
      assert.throws(() => new MessageRegistry().register('bad name', 'int32 x\n'), /not a ROS 2 type name/);
    });
  });
});
