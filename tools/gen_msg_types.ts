// Generates nodes/msgs/generated/interfaces.ts: TypeScript types for every message the suite
// knows (the ROS 2 Humble standard messages of @foxglove/rosmsg-msgs-common, msgs/vla_ros_msgs
// msg+srv, msgs/upstream srv). The definitions come from MessageRegistry, the same object that
// encodes and decodes, so the types describe exactly what goes over the wire.
//
//   npm run gen:msgs        (tsc, then node dist/tools/gen_msg_types.js)
//
// Field type mapping. It is what MessageReader of @foxglove/rosmsg2-serialization 3.1 returns,
// checked by decoding a probe message holding every primitive as a scalar, a dynamic array, a
// fixed-size array (T[3]) and a bounded array (T[<=4]); test/msgs/cdr.test.ts pins it:
//
//   ROS type                        scalar          T[], T[N], T[<=N]
//   bool                            boolean         boolean[]
//   byte, char, uint8               number          Uint8Array   (@foxglove/rosmsg reads byte
//                                                                 and char as uint8)
//   int8                            number          Int8Array
//   int16 / uint16                  number          Int16Array / Uint16Array
//   int32 / uint32                  number          Int32Array / Uint32Array
//   int64 / uint64                  bigint          BigInt64Array / BigUint64Array
//   float32 / float64               number          Float32Array / Float64Array
//   string, string<=N               string          string[]
//   wstring                         string          string[]     (the library refuses to encode
//                                                                 it; no standard type uses it)
//   builtin_interfaces/Time         builtin_interfaces.msg.Time      { sec, nanosec }; arrays T[]
//   builtin_interfaces/Duration     builtin_interfaces.msg.Duration
//   other messages                  pkg.msg.Type                     arrays pkg.msg.Type[]
//
// Fixed-size and bounded arrays have the same TS types as dynamic ones (their length is in the
// field's doc comment and checked by MessageRegistry.serialize). A message without fields is
// `Record<string, never>` (ROS 2 encodes it as one padding byte). Constants become a `const`
// object merged with the interface of the same name: `vla_ros_msgs.msg.NamedTensor.DTYPE_FLOAT32`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { constantFields, dataFields, type MessageDefinitionField } from '../nodes/msgs/definition.js';
import { MessageRegistry, type InterfaceDescription } from '../nodes/msgs/registry.js';
import { parseTypeName } from '../nodes/msgs/type_names.js';
import { fieldTypeText } from '../nodes/msgs/validate.js';
import { packagePath } from '../nodes/package_paths.js';

export const GENERATED_INTERFACES_PATH = packagePath('nodes', 'msgs', 'generated', 'interfaces.ts');

/** TS type of a scalar field by ROS primitive type (after @foxglove/rosmsg's byte/char → uint8). */
export const SCALAR_TS_TYPES: ReadonlyMap<string, string> = new Map([
  ['bool', 'boolean'],
  ['int8', 'number'],
  ['uint8', 'number'],
  ['int16', 'number'],
  ['uint16', 'number'],
  ['int32', 'number'],
  ['uint32', 'number'],
  ['int64', 'bigint'],
  ['uint64', 'bigint'],
  ['float32', 'number'],
  ['float64', 'number'],
  ['string', 'string'],
  ['wstring', 'string'],
  ['time', 'builtin_interfaces.msg.Time'],
  ['duration', 'builtin_interfaces.msg.Duration'],
]);

/** TS type of an array field (dynamic, fixed-size or bounded) by ROS primitive element type. */
export const ARRAY_TS_TYPES: ReadonlyMap<string, string> = new Map([
  ['bool', 'boolean[]'],
  ['int8', 'Int8Array'],
  ['uint8', 'Uint8Array'],
  ['int16', 'Int16Array'],
  ['uint16', 'Uint16Array'],
  ['int32', 'Int32Array'],
  ['uint32', 'Uint32Array'],
  ['int64', 'BigInt64Array'],
  ['uint64', 'BigUint64Array'],
  ['float32', 'Float32Array'],
  ['float64', 'Float64Array'],
  ['string', 'string[]'],
  ['wstring', 'string[]'],
  ['time', 'builtin_interfaces.msg.Time[]'],
  ['duration', 'builtin_interfaces.msg.Duration[]'],
]);

/** `pkg/msg/Type` → `pkg.msg.Type`, the namespaced TS name. */
function tsTypeName(fullName: string): string {
  return fullName.split('/').join('.');
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Text safe inside a /** *\/ comment. */
function commentText(text: string): string {
  return text.replace(/\*\//g, '*\\/').trim();
}

function fieldTsType(field: MessageDefinitionField, registry: MessageRegistry): string {
  if (field.isComplex === true) {
    const name = tsTypeName(registry.normalize(field.type));
    return field.isArray === true ? `${name}[]` : name;
  }
  const mapped = (field.isArray === true ? ARRAY_TS_TYPES : SCALAR_TS_TYPES).get(field.type);
  if (mapped === undefined) {
    throw new Error(`no TypeScript type for ROS type ${field.type}`);
  }
  return mapped;
}

function constantLiteral(field: MessageDefinitionField): string {
  const { value } = field;
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new Error(`constant ${field.name} = ${value} has no literal type`);
      }
      return String(value);
    default:
      throw new Error(`constant ${field.name} has no value`);
  }
}

interface SourceComments {
  /** The comment block at the top of the file (before the first definition line). */
  header: string[];
  /** Trailing `# ...` comments of field and constant lines, by name. */
  byName: Map<string, string>;
}

/** Comments of a .msg text, for doc comments. @foxglove/rosmsg drops comments, so we read lines. */
function sourceComments(text: string | undefined): SourceComments {
  const comments: SourceComments = { header: [], byName: new Map() };
  if (text === undefined) {
    return comments;
  }
  let inHeader = true;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.startsWith('#')) {
      if (inHeader) {
        comments.header.push(line.replace(/^#+\s?/, ''));
      }
      continue;
    }
    if (line === '') {
      continue;
    }
    inHeader = false;
    // `type name [default|= value]  # comment`: the name is the second token.
    const match = /^\S+\s+([A-Za-z][A-Za-z0-9_]*)[^#]*#\s?(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined && match[2].trim() !== '') {
      comments.byName.set(match[1], match[2].trim());
    }
  }
  return comments;
}

const NUMERIC_TYPES = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64']);

/**
 * A field's doc: its ROS type where the TS type does not tell it (number widths, array sizes,
 * string bounds), and its comment from the .msg file.
 */
function fieldDoc(field: MessageDefinitionField, comment: string | undefined): string | undefined {
  const isArray = field.isArray === true;
  const sized = isArray && (field.arrayLength !== undefined || field.arrayUpperBound !== undefined);
  const informative = (!isArray && NUMERIC_TYPES.has(field.type)) || sized || field.upperBound !== undefined;
  if (!informative) {
    return comment;
  }
  return comment === undefined ? fieldTypeText(field) : `${fieldTypeText(field)}: ${comment}`;
}

function docLine(indent: string, text: string): string {
  return `${indent}/** ${commentText(text)} */`;
}

function renderInterface(description: InterfaceDescription, registry: MessageRegistry): string[] {
  const parts = parseTypeName(description.type);
  if (parts === undefined) {
    throw new Error(`unexpected type name ${description.type}`);
  }
  const comments = sourceComments(description.sourceText);
  const lines: string[] = [];
  const summary = [description.type, ...comments.header].filter((line) => line.trim() !== '');
  if (summary.length === 1) {
    lines.push(docLine('  ', description.type));
  } else {
    lines.push('  /**', ...summary.map((line) => `   * ${commentText(line)}`), '   */');
  }

  const fields = dataFields(description.definition);
  if (fields.length === 0) {
    lines.push(`  export type ${parts.name} = Record<string, never>;`);
  } else {
    lines.push(`  export interface ${parts.name} {`);
    for (const field of fields) {
      const doc = fieldDoc(field, comments.byName.get(field.name));
      if (doc !== undefined) {
        lines.push(docLine('    ', doc));
      }
      lines.push(`    ${field.name}: ${fieldTsType(field, registry)};`);
    }
    lines.push('  }');
  }

  const constants = constantFields(description.definition);
  if (constants.length > 0) {
    lines.push(docLine('  ', `Constants of ${description.type}.`));
    lines.push(`  export const ${parts.name} = {`);
    for (const constant of constants) {
      const comment = comments.byName.get(constant.name);
      if (comment !== undefined) {
        lines.push(docLine('    ', comment));
      }
      lines.push(`    ${constant.name}: ${constantLiteral(constant)},`);
    }
    lines.push('  } as const;');
  }
  return lines;
}

const HEADER = `// Generated by tools/gen_msg_types.ts. DO NOT EDIT.
// Regenerate with \`npm run gen:msgs\` (test/msgs/generated.test.ts fails while this is stale).
//
// TypeScript types for the ROS 2 Humble standard messages (@foxglove/rosmsg-msgs-common
// \`ros2humble\`) and the interfaces under msgs/ (vla_ros_msgs msg+srv, msgs/upstream srv).
// Field types are what @foxglove/rosmsg2-serialization's MessageReader returns; the mapping is
// documented at the top of tools/gen_msg_types.ts. Constants are \`as const\` objects merged with
// their message's interface, e.g. vla_ros_msgs.msg.NamedTensor.DTYPE_FLOAT32.
`;

/** The generated file's text, deterministic for a given set of definitions. */
export function generateInterfacesSource(registry: MessageRegistry = new MessageRegistry()): string {
  const services = registry.serviceTypes();
  const typeNames = [...registry.messageTypes(), ...services.flatMap((service) => [service.request, service.response])];

  // Namespaces `pkg.msg` / `pkg.srv`, sorted, each holding its types sorted by name.
  const byNamespace = new Map<string, string[]>();
  for (const type of typeNames) {
    const namespace = tsTypeName(type.slice(0, type.lastIndexOf('/')));
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), type]);
  }

  const out: string[] = [HEADER];
  for (const namespace of [...byNamespace.keys()].sort()) {
    out.push(`export namespace ${namespace} {`);
    const members = (byNamespace.get(namespace) ?? []).sort();
    members.forEach((type, index) => {
      if (index > 0) {
        out.push('');
      }
      out.push(...renderInterface(registry.describe(type), registry));
    });
    out.push('}', '');
  }

  out.push('/** Every message type by its `pkg/msg/Type` name. */');
  out.push('export interface MessageTypeMap {');
  for (const type of registry.messageTypes()) {
    out.push(`  ${quote(type)}: ${tsTypeName(type)};`);
  }
  out.push('}', '', 'export type MessageTypeName = keyof MessageTypeMap;', '');

  out.push('/** Every service by its `pkg/srv/Srv` name, with its request and response types. */');
  out.push('export interface ServiceTypeMap {');
  for (const service of services) {
    out.push(`  ${quote(service.type)}: { Request: ${tsTypeName(service.request)}; Response: ${tsTypeName(service.response)} };`);
  }
  out.push('}', '', 'export type ServiceTypeName = keyof ServiceTypeMap;', '');
  return out.join('\n');
}

function main(): void {
  const source = generateInterfacesSource();
  const previous = fs.existsSync(GENERATED_INTERFACES_PATH) ? fs.readFileSync(GENERATED_INTERFACES_PATH, 'utf8') : '';
  const relative = path.relative(process.cwd(), GENERATED_INTERFACES_PATH);
  if (previous === source) {
    console.log(`${relative} is up to date`);
    return;
  }
  fs.mkdirSync(path.dirname(GENERATED_INTERFACES_PATH), { recursive: true });
  fs.writeFileSync(GENERATED_INTERFACES_PATH, source);
  console.log(`wrote ${relative}`);
}

// Run only as a script, so tests can import generateInterfacesSource without writing files.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
