// Checks a message object against its definition before @foxglove/rosmsg2-serialization writes it.
//
// Why: MessageWriter never complains. A missing field, a string in a float32 field or `1` in a
// bool field are written as the default (0, "", false); a Float64Array in a float32[] field or a
// plain number array in an int64[] field becomes an empty array or throws a bare TypeError; 300 in
// a uint8 field wraps to 44. Any of those would put plausible-looking garbage on a topic or in a
// bag. This pass rejects them with the field path (`images[1].shape`). NaN and ±Infinity are valid
// floats. Extra properties are ignored, as the writer ignores them.
//
// Accepted values per ROS type (what MessageReader returns, plus the writer's lossless inputs):
//   bool                 boolean              bool[]      boolean[]
//   int8..uint32, float  number (integers range-checked)
//   int64, uint64        bigint, or a safe-integer number (range-checked)
//   numeric T[]          the matching typed array (Uint8Array also takes Uint8ClampedArray),
//                        or a plain array of valid elements (int64[]/uint64[]: bigint elements)
//   string               string (bounded strings: UTF-8 length checked)
//   time, duration       { sec: int32, nanosec: uint32 }
//   message              object, checked recursively; message[]: array of objects
// Fixed-size arrays must have exactly their length; bounded arrays at most their bound.
import type { MessageDefinition, MessageDefinitionField } from './definition.js';
import { BUILTIN_TIME_TYPES, dataFields } from './definition.js';

/** A message that does not fit its definition; `fieldPath` is e.g. `header.stamp.sec`. */
export class MessageValidationError extends Error {
  constructor(
    readonly messageType: string,
    readonly fieldPath: string,
    readonly problem: string,
  ) {
    const subject = fieldPath === '' ? 'the message' : `field '${fieldPath}'`;
    super(`cannot serialize ${messageType}: ${subject} ${problem}`);
    this.name = 'MessageValidationError';
  }
}

export interface ValidationOptions {
  /** Whether strings may contain non-ASCII characters (see MessageRegistry: depends on @foxglove/cdr). */
  allowNonAsciiStrings: boolean;
}

type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

interface NumericType {
  /** The typed array MessageReader returns for `T[]`. */
  arrayType: TypedArrayConstructor;
  check: (value: unknown) => string | undefined;
}

function integerCheck(min: number, max: number, typeName: string): (value: unknown) => string | undefined {
  return (value) => {
    if (typeof value !== 'number') {
      return `must be a number (${typeName}), got ${describe(value)}`;
    }
    if (!Number.isInteger(value) || value < min || value > max) {
      return `must be an integer in [${min}, ${max}] (${typeName}), got ${String(value)}`;
    }
    return undefined;
  };
}

function bigIntegerCheck(min: bigint, max: bigint, typeName: string): (value: unknown) => string | undefined {
  return (value) => {
    let big: bigint;
    if (typeof value === 'bigint') {
      big = value;
    } else if (typeof value === 'number' && Number.isSafeInteger(value)) {
      big = BigInt(value);
    } else {
      return `must be a bigint or a safe integer number (${typeName}), got ${describe(value)}`;
    }
    if (big < min || big > max) {
      return `must be in [${min}, ${max}] (${typeName}), got ${big}`;
    }
    return undefined;
  };
}

function floatCheck(typeName: string): (value: unknown) => string | undefined {
  return (value) => (typeof value === 'number' ? undefined : `must be a number (${typeName}), got ${describe(value)}`);
}

const NUMERIC_TYPES: ReadonlyMap<string, NumericType> = new Map<string, NumericType>([
  ['int8', { arrayType: Int8Array, check: integerCheck(-0x80, 0x7f, 'int8') }],
  ['uint8', { arrayType: Uint8Array, check: integerCheck(0, 0xff, 'uint8') }],
  ['int16', { arrayType: Int16Array, check: integerCheck(-0x8000, 0x7fff, 'int16') }],
  ['uint16', { arrayType: Uint16Array, check: integerCheck(0, 0xffff, 'uint16') }],
  ['int32', { arrayType: Int32Array, check: integerCheck(-0x80000000, 0x7fffffff, 'int32') }],
  ['uint32', { arrayType: Uint32Array, check: integerCheck(0, 0xffffffff, 'uint32') }],
  ['int64', { arrayType: BigInt64Array, check: bigIntegerCheck(-(2n ** 63n), 2n ** 63n - 1n, 'int64') }],
  ['uint64', { arrayType: BigUint64Array, check: bigIntegerCheck(0n, 2n ** 64n - 1n, 'uint64') }],
  ['float32', { arrayType: Float32Array, check: floatCheck('float32') }],
  ['float64', { arrayType: Float64Array, check: floatCheck('float64') }],
]);

const checkSec = integerCheck(-0x80000000, 0x7fffffff, 'int32');
const checkNanosec = integerCheck(0, 0xffffffff, 'uint32');

function describe(value: unknown): string {
  if (value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (ArrayBuffer.isView(value)) {
    return value.constructor.name;
  }
  if (typeof value === 'string') {
    return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  }
  switch (typeof value) {
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Walks one message value; throws MessageValidationError at the first problem. */
export class MessageValidator {
  constructor(
    private readonly messageType: string,
    private readonly definitionsByName: ReadonlyMap<string, MessageDefinition>,
    private readonly options: ValidationOptions,
  ) {}

  validate(root: MessageDefinition, value: unknown): void {
    this.checkMessage(root, value, '');
  }

  private fail(path: string, problem: string): never {
    throw new MessageValidationError(this.messageType, path, problem);
  }

  private checkMessage(definition: MessageDefinition, value: unknown, path: string): void {
    if (!isRecord(value)) {
      this.fail(path, `must be an object (${definition.name ?? this.messageType}), got ${describe(value)}`);
    }
    for (const field of dataFields(definition)) {
      const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
      const fieldValue = value[field.name];
      if (fieldValue === undefined) {
        this.fail(fieldPath, `is missing (${fieldTypeText(field)})`);
      }
      if (field.isArray === true) {
        this.checkArray(field, fieldValue, fieldPath);
      } else {
        this.checkSingle(field, fieldValue, fieldPath);
      }
    }
  }

  private nested(field: MessageDefinitionField, path: string): MessageDefinition {
    const definition = this.definitionsByName.get(field.type);
    if (definition === undefined) {
      this.fail(path, `has type ${field.type}, which has no definition`);
    }
    return definition;
  }

  private checkSingle(field: MessageDefinitionField, value: unknown, path: string): void {
    if (field.isComplex === true) {
      this.checkMessage(this.nested(field, path), value, path);
      return;
    }
    if (field.type === 'time' || field.type === 'duration') {
      this.checkTime(value, path);
      return;
    }
    const problem = this.scalarProblem(field, value);
    if (problem !== undefined) {
      this.fail(path, problem);
    }
  }

  /** What is wrong with a value for a primitive field (or one array element), if anything. */
  private scalarProblem(field: MessageDefinitionField, value: unknown): string | undefined {
    const numeric = NUMERIC_TYPES.get(field.type);
    if (numeric !== undefined) {
      return numeric.check(value);
    }
    switch (field.type) {
      case 'bool':
        return typeof value === 'boolean' ? undefined : `must be a boolean, got ${describe(value)}`;
      case 'string':
        return this.stringProblem(field, value);
      case 'wstring':
        return 'is a wstring, which @foxglove/rosmsg2-serialization cannot encode';
      default:
        return `has unknown primitive type ${field.type}`;
    }
  }

  private stringProblem(field: MessageDefinitionField, value: unknown): string | undefined {
    if (typeof value !== 'string') {
      return `must be a string, got ${describe(value)}`;
    }
    if (field.upperBound !== undefined && utf8Length(value) > field.upperBound) {
      return `is longer than its bound string<=${field.upperBound} (${utf8Length(value)} bytes)`;
    }
    // eslint-disable-next-line no-control-regex -- the ASCII range is the point here
    if (!this.options.allowNonAsciiStrings && /[^\x00-\x7f]/.test(value)) {
      return (
        `contains non-ASCII characters (${describe(value)}); the installed @foxglove/cdr CdrWriter ` +
        'writes UTF-16 lengths and would silently truncate it (foxglove/cdr#35), so it is refused'
      );
    }
    return undefined;
  }

  /** builtin_interfaces/Time and Duration, which @foxglove/rosmsg treats as primitives. */
  private checkTime(value: unknown, path: string): void {
    if (!isRecord(value)) {
      this.fail(path, `must be an object { sec, nanosec }, got ${describe(value)}`);
    }
    for (const [part, check, typeName] of [
      ['sec', checkSec, 'int32'],
      ['nanosec', checkNanosec, 'uint32'],
    ] as const) {
      const partValue = value[part];
      const problem = partValue === undefined ? `is missing (${typeName})` : check(partValue);
      if (problem !== undefined) {
        this.fail(`${path}.${part}`, problem);
      }
    }
  }

  private checkArray(field: MessageDefinitionField, value: unknown, path: string): void {
    const length = this.arrayLength(field, value, path);
    if (field.arrayLength !== undefined && length !== field.arrayLength) {
      this.fail(path, `must have exactly ${field.arrayLength} elements (${fieldTypeText(field)}), has ${length}`);
    }
    if (field.arrayUpperBound !== undefined && length > field.arrayUpperBound) {
      this.fail(path, `must have at most ${field.arrayUpperBound} elements (${fieldTypeText(field)}), has ${length}`);
    }
  }

  /** Checks the container and its elements; returns the element count. */
  private arrayLength(field: MessageDefinitionField, value: unknown, path: string): number {
    const numeric = field.isComplex === true ? undefined : NUMERIC_TYPES.get(field.type);
    if (numeric !== undefined && ArrayBuffer.isView(value)) {
      const accepted = value instanceof numeric.arrayType || (numeric.arrayType === Uint8Array && value instanceof Uint8ClampedArray);
      if (!accepted) {
        const expected = `a ${numeric.arrayType.name} or an array of ${field.type}`;
        this.fail(path, `must be ${expected}, got ${describe(value)}`);
      }
      return (value as InstanceType<TypedArrayConstructor>).length;
    }
    if (!Array.isArray(value)) {
      const expected = numeric === undefined ? `an array` : `a ${numeric.arrayType.name} or an array`;
      this.fail(path, `must be ${expected} of ${field.type}, got ${describe(value)}`);
    }
    const elements: readonly unknown[] = value;
    if (field.type === 'int64' || field.type === 'uint64') {
      // The writer builds a BigInt64Array/BigUint64Array from a plain array, which takes bigints only.
      const index = elements.findIndex((element) => typeof element !== 'bigint');
      if (index >= 0) {
        this.fail(`${path}[${index}]`, `must be a bigint (${field.type}), got ${describe(elements[index])}`);
      }
    }
    if (field.isComplex === true || BUILTIN_TIME_TYPES.has(field.type)) {
      elements.forEach((element, index) => this.checkSingle(field, element, `${path}[${index}]`));
    } else {
      // Primitive elements: build the path only on failure (plain arrays can be large).
      for (let index = 0; index < elements.length; index++) {
        const problem = this.scalarProblem(field, elements[index]);
        if (problem !== undefined) {
          this.fail(`${path}[${index}]`, problem);
        }
      }
    }
    return elements.length;
  }
}

/** `float64[9]`, `string<=5`, `geometry_msgs/Point[]`: the field's type as a .msg writes it. */
export function fieldTypeText(field: MessageDefinitionField): string {
  const type = BUILTIN_TIME_TYPES.get(field.type) ?? field.type;
  const stringBound = field.upperBound !== undefined ? `<=${field.upperBound}` : '';
  if (field.isArray !== true) {
    return `${type}${stringBound}`;
  }
  let size = '';
  if (field.arrayLength !== undefined) {
    size = String(field.arrayLength);
  } else if (field.arrayUpperBound !== undefined) {
    size = `<=${field.arrayUpperBound}`;
  }
  return `${type}${stringBound}[${size}]`;
}
