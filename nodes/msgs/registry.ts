// MessageRegistry: the one place that knows every message definition the suite uses, and turns
// messages into ROS 2 CDR bytes and back.
//
// Sources, in increasing precedence:
//   1. the standard messages of @foxglove/rosmsg-msgs-common (`ros2humble`, already parsed);
//   2. our interface files under msgs/ (vla_ros_msgs msg+srv, msgs/upstream/<pkg>/srv), read at
//      run time from the package (packagePath('msgs')) and parsed with @foxglove/rosmsg;
//   3. schemas found in bags, added with register().
// The generated TypeScript types (generated/interfaces.ts) are produced from this same registry
// by tools/gen_msg_types.ts, so types and wire definitions cannot drift apart.
import { parse } from '@foxglove/rosmsg';
import { ros2humble } from '@foxglove/rosmsg-msgs-common';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import { packagePath } from '../package_paths.js';
import { compactDefinition, dataFields, referencedTypes, sameDefinition, type MessageDefinition } from './definition.js';
import type { MessageTypeMap, ServiceTypeMap, ServiceTypeName } from './generated/interfaces.js';
import { readInterfacePackages, type InterfaceSource } from './interface_files.js';
import { definitionText, dependencySections, joinSchemaSections, looksLikeServiceSchema, rootSectionText } from './schema_text.js';
import { closestNames } from './suggest.js';
import { fullTypeName, parseTypeName, shortTypeName, toShortTypeName, type InterfaceKind } from './type_names.js';
import { MessageValidator } from './validate.js';
import { errorText } from '../error_text.js';

type ServiceRequestTypeMap = { [K in ServiceTypeName as `${K}_Request`]: ServiceTypeMap[K]['Request'] };
type ServiceResponseTypeMap = { [K in ServiceTypeName as `${K}_Response`]: ServiceTypeMap[K]['Response'] };
/** Every generated message type by its `pkg/msg/Type` (or `pkg/srv/Srv_Request`) name. */
export type KnownMessageTypeMap = MessageTypeMap & ServiceRequestTypeMap & ServiceResponseTypeMap;
export type KnownMessageTypeName = keyof KnownMessageTypeMap;
/** The generated interface for a known type name; `unknown` for any other string. */
export type MessageOf<K extends string> = K extends KnownMessageTypeName ? KnownMessageTypeMap[K] : unknown;

/** Where a definition came from. */
export type DefinitionOrigin = 'ros2humble' | 'file' | 'bag';

export interface InterfaceDescription {
  /** `pkg/msg/Type` or `pkg/srv/Srv_Request`. */
  type: string;
  /** The root definition (constants included), named `pkg/Type`. */
  definition: MessageDefinition;
  /** The .msg text (or .srv half, or bag schema section) when there is one; comments included. */
  sourceText: string | undefined;
  origin: DefinitionOrigin;
  /** The interface file, for types read from msgs/. */
  file: string | undefined;
}

export interface ServiceDescription {
  /** `pkg/srv/Srv`. */
  type: string;
  request: string;
  response: string;
}

export interface MessageRegistryOptions {
  /**
   * Folder holding the interface packages (default: the package's msgs/). `null` loads only the
   * standard messages.
   */
  interfacesRoot?: string | null;
}

/** An unknown type name; `suggestions` holds close known names. */
export class UnknownMessageTypeError extends Error {
  constructor(
    readonly messageType: string,
    readonly suggestions: readonly string[],
  ) {
    const hint = suggestions.length > 0 ? `; did you mean ${suggestions.join(', ')}?` : '';
    super(
      `unknown message type '${messageType}'${hint} ` +
        '(known: the ROS 2 Humble standard messages, msgs/, and types added with register())',
    );
    this.name = 'UnknownMessageTypeError';
  }
}

interface InterfaceEntry {
  fullName: string;
  /** `pkg/Type`: the MessageDefinition name and how fields refer to it. */
  shortName: string;
  kind: InterfaceKind;
  definition: MessageDefinition;
  sourceText: string | undefined;
  origin: DefinitionOrigin;
  file: string | undefined;
}

interface Codec {
  reader: MessageReader;
  writer: MessageWriter;
  validator: MessageValidator;
  /** The root definition without constants, as the codec and validator use it. */
  root: MessageDefinition;
}

/** `Foo` in package `pkg` → `pkg/Foo`; `pkg/msg/Foo` → `pkg/Foo`. */
function resolveReference(type: string, pkg: string): string {
  return type.includes('/') ? toShortTypeName(type) : shortTypeName(pkg, type);
}

function withResolvedReferences(definition: MessageDefinition, pkg: string | undefined): MessageDefinition {
  return {
    ...definition,
    definitions: definition.definitions.map((field) =>
      field.isComplex === true
        ? { ...field, type: pkg === undefined ? toShortTypeName(field.type) : resolveReference(field.type, pkg) }
        : field,
    ),
  };
}

export class MessageRegistry {
  readonly #entries = new Map<string, InterfaceEntry>();
  readonly #services = new Map<string, ServiceDescription>();
  readonly #codecs = new Map<string, Codec>();
  #nonAsciiStringsSafe: boolean | undefined;

  constructor(options: MessageRegistryOptions = {}) {
    for (const definition of Object.values(ros2humble)) {
      this.#loadStandard(definition);
    }
    const root = options.interfacesRoot === undefined ? packagePath('msgs') : options.interfacesRoot;
    if (root !== null) {
      this.#loadInterfaceFiles(root);
    }
  }

  #loadStandard(definition: MessageDefinition): void {
    const parts = definition.name === undefined ? undefined : parseTypeName(definition.name);
    if (parts === undefined) {
      throw new Error(`@foxglove/rosmsg-msgs-common: unexpected definition name ${String(definition.name)}`);
    }
    this.#entries.set(shortTypeName(parts.pkg, parts.name), {
      fullName: fullTypeName(parts.pkg, 'msg', parts.name),
      shortName: shortTypeName(parts.pkg, parts.name),
      kind: 'msg',
      definition,
      sourceText: undefined,
      origin: 'ros2humble',
      file: undefined,
    });
  }

  #loadInterfaceFiles(root: string): void {
    const { messages, services } = readInterfacePackages(root);
    const loaded: InterfaceEntry[] = [];
    const load = (source: InterfaceSource): void => {
      const entry = this.#entryFromFile(source);
      this.#entries.set(entry.shortName, entry);
      loaded.push(entry);
    };
    messages.forEach(load);
    for (const service of services) {
      load(service.request);
      load(service.response);
      const type = fullTypeName(service.pkg, 'srv', service.name);
      this.#services.set(type, {
        type,
        request: fullTypeName(service.pkg, 'srv', service.request.name),
        response: fullTypeName(service.pkg, 'srv', service.response.name),
      });
    }
    // Fail at start-up, naming the file, rather than at the first publish.
    for (const entry of loaded) {
      try {
        this.#dependencies(entry);
      } catch (error) {
        throw new Error(`${entry.file ?? entry.fullName}: ${errorText(error)}`, { cause: error });
      }
    }
  }

  #entryFromFile(source: InterfaceSource): InterfaceEntry {
    let parsed: MessageDefinition[];
    try {
      // skipTypeFixup: a lone .msg cannot resolve `NamedTensor` to a package; we do it below.
      parsed = parse(source.text, { ros2: true, skipTypeFixup: true });
    } catch (error) {
      throw new Error(`${source.file}: @foxglove/rosmsg cannot parse ${source.name}: ${errorText(error)}`, {
        cause: error,
      });
    }
    const [definition] = parsed;
    if (parsed.length !== 1 || definition === undefined) {
      throw new Error(`${source.file}: expected one definition for ${source.name}, found ${parsed.length}`);
    }
    const shortName = shortTypeName(source.pkg, source.name);
    return {
      fullName: fullTypeName(source.pkg, source.kind, source.name),
      shortName,
      kind: source.kind,
      definition: withResolvedReferences(compactDefinition(definition, shortName), source.pkg),
      sourceText: source.text,
      origin: 'file',
      file: source.file,
    };
  }

  /** The entry for `pkg/msg/Type` or `pkg/Type`, if known. */
  #find(type: string): InterfaceEntry | undefined {
    const parts = parseTypeName(type);
    if (parts === undefined) {
      return undefined;
    }
    const entry = this.#entries.get(shortTypeName(parts.pkg, parts.name));
    return entry !== undefined && (parts.kind === undefined || parts.kind === entry.kind) ? entry : undefined;
  }

  #require(type: string): InterfaceEntry {
    const entry = this.#find(type);
    if (entry === undefined) {
      throw new UnknownMessageTypeError(type, closestNames(type, this.#allFullNames()));
    }
    return entry;
  }

  #allFullNames(): string[] {
    return [...this.#entries.values()].map((entry) => entry.fullName);
  }

  /** The root's transitive dependencies, breadth-first in field order, each once. */
  #dependencies(root: InterfaceEntry): InterfaceEntry[] {
    const ordered: InterfaceEntry[] = [];
    const seen = new Set([root.shortName]);
    const queue = [root];
    for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
      for (const reference of referencedTypes(entry.definition)) {
        if (seen.has(reference)) {
          continue;
        }
        seen.add(reference);
        const dependency = this.#entries.get(reference);
        if (dependency === undefined) {
          throw new Error(`${entry.fullName} refers to ${reference}, which has no definition`);
        }
        ordered.push(dependency);
        queue.push(dependency);
      }
    }
    return ordered;
  }

  /** Whether `type` (`pkg/msg/Type`, `pkg/Type`, `pkg/srv/Srv_Request`) is a known message. */
  has(type: string): boolean {
    return this.#find(type) !== undefined;
  }

  /**
   * The `pkg/msg/Type` spelling of a type name (`pkg/srv/...` for service halves). Unknown but
   * well-formed names are normalised as messages; malformed names throw.
   */
  normalize(type: string): string {
    const entry = this.#find(type);
    if (entry !== undefined) {
      return entry.fullName;
    }
    const parts = parseTypeName(type);
    if (parts === undefined) {
      throw new Error(`'${type}' is not a ROS 2 type name (expected pkg/msg/Type or pkg/Type)`);
    }
    return fullTypeName(parts.pkg, parts.kind ?? 'msg', parts.name);
  }

  /** All message types (`pkg/msg/Type`), sorted; service halves are listed by serviceTypes(). */
  messageTypes(): string[] {
    return [...this.#entries.values()]
      .filter((entry) => entry.kind === 'msg')
      .map((entry) => entry.fullName)
      .sort();
  }

  /** All services from msgs/, sorted by type. */
  serviceTypes(): ServiceDescription[] {
    // Code-unit order, not localeCompare: the generated file must not depend on the locale.
    const byType = (a: ServiceDescription, b: ServiceDescription): number => (a.type < b.type ? -1 : Number(a.type > b.type));
    return [...this.#services.values()].sort(byType).map((service) => ({ ...service }));
  }

  /** The request/response message types of a service (`pkg/srv/Srv` or `pkg/Srv`). */
  service(type: string): ServiceDescription {
    const parts = parseTypeName(type);
    const service = parts === undefined ? undefined : this.#services.get(fullTypeName(parts.pkg, 'srv', parts.name));
    if (service === undefined) {
      throw new UnknownMessageTypeError(type, closestNames(type, this.#services.keys()));
    }
    return { ...service };
  }

  /** One type's own definition and source. */
  describe(type: string): InterfaceDescription {
    const entry = this.#require(type);
    return {
      type: entry.fullName,
      definition: structuredClone(entry.definition),
      sourceText: entry.sourceText,
      origin: entry.origin,
      file: entry.file,
    };
  }

  /**
   * The root definition followed by every transitive dependency (constants kept): the list
   * MessageReader/MessageWriter take. builtin_interfaces/Time/Duration are included when used,
   * although @foxglove/rosmsg encodes them as the `time`/`duration` primitives. Returns copies.
   */
  definitions(type: string): MessageDefinition[] {
    const root = this.#require(type);
    return [root, ...this.#dependencies(root)].map((entry) => structuredClone(entry.definition));
  }

  /**
   * The `ros2msg` schema text for an MCAP schema record, as rosbag2 writes it (see
   * schema_text.ts): the root's text, then each dependency after a separator and `MSG: pkg/Type`.
   * Types without source text (the standard ones) are rendered with @foxglove/rosmsg's stringify.
   */
  schemaText(type: string): string {
    const root = this.#require(type);
    const textOf = (entry: InterfaceEntry): string => entry.sourceText ?? definitionText(entry.definition);
    const dependencies = this.#dependencies(root).map((entry) => ({ shortName: entry.shortName, text: textOf(entry) }));
    return joinSchemaSections(textOf(root), dependencies);
  }

  /**
   * Adds a type found in a bag from its `ros2msg` schema (root text plus `MSG:` sections). The
   * bag's definitions become this registry's: new types are added, differing ones replaced (the
   * bag's data was recorded with them), identical ones left alone. Use a separate registry per bag
   * when bags may disagree. Service schemas (`---`, rosbag2's service-event topics) are refused,
   * as @foxglove/rosmsg cannot parse them. Returns the normalised type name.
   */
  register(type: string, schemaText: string): string {
    const parts = parseTypeName(type);
    if (parts === undefined) {
      throw new Error(`cannot register '${type}': not a ROS 2 type name (expected pkg/msg/Type)`);
    }
    const kind = parts.kind ?? 'msg';
    const fullName = fullTypeName(parts.pkg, kind, parts.name);
    if (looksLikeServiceSchema(schemaText)) {
      throw new Error(
        `cannot register ${fullName}: its schema is a service definition (a '---' line), which ` +
          '@foxglove/rosmsg cannot parse; rosbag2 writes these for service-event topics — skip those topics',
      );
    }
    let parsed: MessageDefinition[];
    try {
      parsed = parse(schemaText, { ros2: true });
    } catch (error) {
      throw new Error(`cannot register ${fullName}: @foxglove/rosmsg cannot parse its schema: ${errorText(error)}`, {
        cause: error,
      });
    }
    const [root, ...dependencies] = parsed;
    if (root === undefined) {
      throw new Error(`cannot register ${fullName}: empty schema`);
    }
    const sectionTexts = new Map([...dependencySections(schemaText)].map(([name, text]) => [toShortTypeName(name), text] as const));
    let changed = false;
    for (const dependency of dependencies) {
      const dependencyParts = dependency.name === undefined ? undefined : parseTypeName(dependency.name);
      if (dependencyParts === undefined) {
        throw new Error(`cannot register ${fullName}: schema section named '${String(dependency.name)}'`);
      }
      const shortName = shortTypeName(dependencyParts.pkg, dependencyParts.name);
      changed =
        this.#upsert({
          fullName: fullTypeName(dependencyParts.pkg, dependencyParts.kind ?? 'msg', dependencyParts.name),
          shortName,
          kind: dependencyParts.kind ?? 'msg',
          definition: withResolvedReferences(compactDefinition(dependency, shortName), undefined),
          sourceText: sectionTexts.get(shortName),
          origin: 'bag',
          file: undefined,
        }) || changed;
    }
    const shortName = shortTypeName(parts.pkg, parts.name);
    changed =
      this.#upsert({
        fullName,
        shortName,
        kind,
        definition: withResolvedReferences(compactDefinition(root, shortName), undefined),
        sourceText: rootSectionText(schemaText),
        origin: 'bag',
        file: undefined,
      }) || changed;
    if (changed) {
      this.#codecs.clear();
    }
    return fullName;
  }

  /** Adds or replaces an entry unless an identical definition is already there; true if changed. */
  #upsert(entry: InterfaceEntry): boolean {
    const existing = this.#entries.get(entry.shortName);
    if (existing !== undefined && existing.kind === entry.kind && sameDefinition(existing.definition, entry.definition)) {
      return false;
    }
    this.#entries.set(entry.shortName, entry);
    return true;
  }

  #codec(type: string): Codec {
    const entry = this.#require(type);
    const cached = this.#codecs.get(entry.fullName);
    if (cached !== undefined) {
      return cached;
    }
    // Constants never travel on the wire, and a constants-only root (e.g.
    // rcl_interfaces/ParameterType) would be skipped by MessageReader/MessageWriter as a
    // "constant module"; without constants it is the empty message ROS 2 encodes as one byte.
    const wireDefinitions = [entry, ...this.#dependencies(entry)].map((item) => ({
      ...item.definition,
      definitions: dataFields(item.definition),
    }));
    const [root] = wireDefinitions;
    if (root === undefined) {
      throw new Error(`no definition for ${entry.fullName}`);
    }
    const byName = new Map(wireDefinitions.map((definition) => [definition.name ?? '', definition]));
    const codec: Codec = {
      reader: new MessageReader(wireDefinitions),
      writer: new MessageWriter(wireDefinitions),
      validator: new MessageValidator(entry.fullName, byName, {
        allowNonAsciiStrings: this.#writerHandlesNonAsciiStrings(),
      }),
      root,
    };
    this.#codecs.set(entry.fullName, codec);
    return codec;
  }

  /**
   * @foxglove/cdr ≤ 3.5 writes a string's UTF-16 length and truncates its UTF-8 bytes
   * (foxglove/cdr#35, fixed upstream but not released as of this writing). Probe once, so that
   * a fixed release is used as soon as it is installed and a broken one is never trusted.
   */
  #writerHandlesNonAsciiStrings(): boolean {
    if (this.#nonAsciiStringsSafe === undefined) {
      const probe: MessageDefinition[] = [{ definitions: [{ name: 'data', type: 'string', isComplex: false, isArray: false }] }];
      const text = 'é→😀';
      try {
        const bytes = new MessageWriter(probe).writeMessage({ data: text });
        const decoded = new MessageReader(probe).readMessage<{ data: unknown }>(bytes);
        this.#nonAsciiStringsSafe = decoded.data === text;
      } catch {
        this.#nonAsciiStringsSafe = false;
      }
    }
    return this.#nonAsciiStringsSafe;
  }

  /**
   * CDR-encodes a message as ROS 2 does (4-byte encapsulation header, little-endian CDR). The
   * message is validated first: a missing or wrong-typed field throws MessageValidationError
   * naming the field path, instead of being written as zeros.
   */
  serialize<K extends string>(type: K, message: MessageOf<K>): Uint8Array {
    const codec = this.#codec(type);
    codec.validator.validate(codec.root, message);
    return codec.writer.writeMessage(message);
  }

  /**
   * Decodes CDR bytes (with their encapsulation header). Numeric arrays are typed arrays that may
   * share memory with `bytes`: copy them if `bytes` is reused.
   */
  deserialize<K extends KnownMessageTypeName>(type: K, bytes: ArrayBufferView): KnownMessageTypeMap[K];
  deserialize<T = unknown>(type: string, bytes: ArrayBufferView): T;
  deserialize(type: string, bytes: ArrayBufferView): unknown {
    const codec = this.#codec(type);
    try {
      return codec.reader.readMessage(bytes);
    } catch (error) {
      throw new Error(`cannot deserialize ${this.normalize(type)} from ${bytes.byteLength} bytes: ${errorText(error)}`, {
        cause: error,
      });
    }
  }
}

let defaultRegistry: MessageRegistry | undefined;

/** The process-wide registry (standard messages + msgs/), created on first use. */
export function defaultMessageRegistry(): MessageRegistry {
  defaultRegistry ??= new MessageRegistry();
  return defaultRegistry;
}
