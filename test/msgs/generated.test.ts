import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { parse } from '@foxglove/rosmsg';
import {
  defaultMessageRegistry,
  diagnostic_msgs,
  lifecycle_msgs,
  vla_ros_msgs,
  type MessageTypeMap,
  type MessageTypeName,
  type ServiceTypeMap,
  type ServiceTypeName,
  type sensor_msgs,
} from '../../nodes/msgs/index.js';
import { ARRAY_TS_TYPES, GENERATED_INTERFACES_PATH, SCALAR_TS_TYPES, generateInterfacesSource } from '../../tools/gen_msg_types.js';

describe('generated message types (nodes/msgs/generated/interfaces.ts)', () => {
  it('is up to date with the definitions (run `npm run gen:msgs` if not)', () => {
    const committed = fs.readFileSync(GENERATED_INTERFACES_PATH, 'utf8');
    const fresh = generateInterfacesSource();
    assert.ok(committed === fresh, 'nodes/msgs/generated/interfaces.ts is stale: run `npm run gen:msgs`');
  });

  it('is deterministic', () => {
    assert.equal(generateInterfacesSource(), generateInterfacesSource());
  });

  it('covers every standard message, our messages and our services', () => {
    const source = generateInterfacesSource();
    const registry = defaultMessageRegistry();
    for (const type of registry.messageTypes()) {
      assert.ok(source.includes(`  '${type}': `), `MessageTypeMap lacks ${type}`);
    }
    for (const service of registry.serviceTypes()) {
      assert.ok(source.includes(`  '${service.type}': { Request: `), `ServiceTypeMap lacks ${service.type}`);
    }
    // 146 ros2humble messages + 11 vla_ros_msgs messages.
    assert.ok(registry.messageTypes().length >= 157);
    assert.deepEqual(
      registry.serviceTypes().map((service) => service.type),
      [
        'composition_interfaces/srv/ListNodes',
        'composition_interfaces/srv/LoadNode',
        'composition_interfaces/srv/UnloadNode',
        'lifecycle_msgs/srv/ChangeState',
        'lifecycle_msgs/srv/GetAvailableStates',
        'lifecycle_msgs/srv/GetAvailableTransitions',
        'lifecycle_msgs/srv/GetState',
        'std_srvs/srv/SetBool',
        'std_srvs/srv/Trigger',
        'vla_ros_msgs/srv/SetInstruction',
      ],
    );
  });

  it('exports constants as literal-typed runtime values', () => {
    // The annotations are the test: they only compile while the constants keep literal types.
    const float32: 1 = vla_ros_msgs.msg.NamedTensor.DTYPE_FLOAT32;
    const eeDelta: 'ee_delta' = vla_ros_msgs.msg.ActionChunk.ACTION_SPACE_EE_DELTA;
    const active: 3 = lifecycle_msgs.msg.State.PRIMARY_STATE_ACTIVE;
    const stale: 3 = diagnostic_msgs.msg.DiagnosticStatus.STALE;
    assert.deepEqual([float32, eeDelta, active, stale], [1, 'ee_delta', 3, 3]);
    assert.deepEqual(diagnostic_msgs.msg.DiagnosticStatus, { OK: 0, WARN: 1, ERROR: 2, STALE: 3 });
    assert.equal(vla_ros_msgs.msg.PathwayStatus.STATE_HOLDING, 3);
    assert.equal(vla_ros_msgs.msg.FailureAlarm.RESPONSE_HOLD_AND_NOTIFY, 2);
  });

  it('maps keys to the namespaced interfaces (compile-time checks)', () => {
    const imageKey: MessageTypeName = 'sensor_msgs/msg/Image';
    const serviceKey: ServiceTypeName = 'std_srvs/srv/Trigger';
    const response: ServiceTypeMap['std_srvs/srv/Trigger']['Response'] = { success: true, message: '' };
    const image: MessageTypeMap['sensor_msgs/msg/Image'] = {
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: 'camera' },
      height: 1,
      width: 1,
      encoding: 'mono8',
      is_bigendian: 0,
      step: 1,
      data: new Uint8Array([7]),
    } satisfies sensor_msgs.msg.Image;
    assert.equal(imageKey, 'sensor_msgs/msg/Image');
    assert.equal(serviceKey, 'std_srvs/srv/Trigger');
    assert.equal(response.success, true);
    assert.equal(image.data[0], 7);
  });

  // The generator's ROS → TS table must be what MessageReader really returns. Decode all-zero
  // bytes as a message holding every primitive as scalar, T[], T[3] and T[<=4]: zero scalars,
  // empty dynamic arrays and three zero elements in each fixed-size array.
  it('maps each ROS primitive to the type MessageReader returns', () => {
    const primitives = ['bool', 'byte', 'char', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'];
    primitives.push('float32', 'float64', 'string', 'builtin_interfaces/Time', 'builtin_interfaces/Duration');
    const text = primitives
      .map((type, index) => `${type} s${index}\n${type}[] d${index}\n${type}[3] f${index}\n${type}[<=4] b${index}\n`)
      .join('');
    const definitions = parse(text, { ros2: true });
    const [root] = definitions;
    assert.ok(root !== undefined);
    const zeros = new Uint8Array(4096);
    zeros[1] = 1; // encapsulation CDR_LE
    const decoded = new MessageReader(definitions).readMessage<Record<string, unknown>>(zeros);

    for (const field of root.definitions) {
      const tsType = (field.isArray === true ? ARRAY_TS_TYPES : SCALAR_TS_TYPES).get(field.type);
      assert.ok(tsType !== undefined, `no mapping for ${field.type}`);
      const value = decoded[field.name];
      assert.ok(matchesTsType(value, tsType, field.arrayLength), `${field.name} (${field.type}) is not ${tsType}`);
    }
  });
});

/** Whether a decoded value has the runtime shape of the generator's TS type. */
function matchesTsType(value: unknown, tsType: string, fixedLength: number | undefined): boolean {
  if (tsType.endsWith('[]')) {
    if (!Array.isArray(value)) {
      return false;
    }
    const elements: readonly unknown[] = value;
    // Dynamic arrays decode empty here; the fixed-size ones show the element type.
    const elementType = tsType.slice(0, -2);
    return elements.length === (fixedLength ?? 0) && elements.every((element) => matchesTsType(element, elementType, undefined));
  }
  if (tsType.startsWith('builtin_interfaces.msg.')) {
    return typeof value === 'object' && value !== null && 'sec' in value && 'nanosec' in value && Object.keys(value).length === 2;
  }
  if (tsType.endsWith('Array')) {
    return ArrayBuffer.isView(value) && value.constructor.name === tsType && (value as Uint8Array).length === (fixedLength ?? 0);
  }
  return typeof value === tsType;
}
