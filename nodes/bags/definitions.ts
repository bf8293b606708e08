// Which message definition decodes a topic of a bag. Bags carry definitions of uneven quality:
//   - rosbag2's MCAP plugin and the Python rosbags library store the full `ros2msg` text
//     (root + `MSG: pkg/Type` sections) — the definitions the data was recorded with;
//   - the mcap CLI stores `ros2msg` when it found the .msg files, `ros2idl` otherwise;
//   - sqlite3 bags before Iron store no definitions at all (only type names); Iron+ store them in
//     a `message_definitions` table — and a hand-edited or half-migrated table can hold a
//     definition that does not describe the data (seen in the wild: `uint8 level` stored for
//     rcl_interfaces/msg/Log);
//   - rosbag2 records service events (`pkg/srv/Srv_Event`, `.srv` schemas) that
//     @foxglove/rosmsg cannot parse.
// Candidates are the bag's own definition (registered into a per-bag MessageRegistry) and the
// standard one (ROS 2 Humble messages and vla_ros_msgs, from the process-wide registry, never
// modified). When both exist and differ, the first message decides: a definition must decode it
// and re-encode it to the same length (CDR is canonical up to 3 bytes of final padding); the
// bag's own wins when both fit. A topic with no usable definition is reported, not fatal.

import { defaultMessageRegistry, MessageRegistry } from '../msgs/registry.js';
import { sameDefinition } from '../msgs/definition.js';
import { looksLikeServiceSchema } from '../msgs/schema_text.js';
import { errorText } from '../error_text.js';

export interface SchemaInfo {
  /** Schema name as stored (usually the type, `pkg/msg/Type`). */
  name: string;
  /** 'ros2msg', 'ros2idl', … or '' when the bag stores none. */
  encoding: string;
  text: string;
}

type Candidate = { origin: 'bag' | 'standard'; registry: MessageRegistry; type: string };

/** A rosbag2 service-event type (`pkg/srv/Srv_Event`) or a `.srv` schema. */
export function isServiceEventType(type: string, schemaText?: string): boolean {
  return /\/srv\/[^/]+_Event$/.test(type) || (schemaText !== undefined && looksLikeServiceSchema(schemaText));
}

/** How well `registry`'s definition of `type` explains `data`. */
function probe(registry: MessageRegistry, type: string, data: Uint8Array): { fits: boolean | undefined; detail: string } {
  let decoded: unknown;
  try {
    decoded = registry.deserialize(type, data);
  } catch (err) {
    return { fits: false, detail: `it cannot decode a ${data.byteLength}-byte message (${errorText(err)})` };
  }
  let again: Uint8Array;
  try {
    again = registry.serialize(type, decoded);
  } catch {
    return { fits: undefined, detail: 'inconclusive' }; // e.g. non-ASCII strings, which the writer refuses
  }
  const slack = data.byteLength - again.byteLength;
  return slack >= 0 && slack <= 3
    ? { fits: true, detail: 'fits' }
    : { fits: false, detail: `it accounts for ${again.byteLength} of the ${data.byteLength} bytes of a message` };
}

/** Decodes one topic of a bag; resolves its definition on the first message. */
export class TopicCodec {
  /** Why the topic cannot be decoded, when it cannot (known before any message is read). */
  readonly problem: string | undefined;
  /** The normalised type name. */
  readonly type: string;
  private candidates: Candidate[];
  private chosen: Candidate | undefined;
  private failures = 0;

  constructor(
    readonly topic: string,
    type: string,
    schema: SchemaInfo | undefined,
    messageEncoding: string,
    bagRegistry: () => MessageRegistry,
    private readonly note: (text: string) => void,
    standard: MessageRegistry = defaultMessageRegistry(),
  ) {
    const rawType = type || schema?.name || '';
    this.type = rawType;
    this.candidates = [];
    if (messageEncoding !== 'cdr') {
      this.problem = `encoding ${messageEncoding || '(none)'}/${schema?.encoding || '(none)'}, not cdr/ros2msg`;
      return;
    }
    if (isServiceEventType(rawType, schema?.encoding === 'ros2msg' ? schema.text : undefined)) {
      this.problem = `${rawType} is a service (.srv) schema (a rosbag2 service-event topic), which is not decoded`;
      return;
    }
    let bagProblem: string | undefined;
    // An empty ros2msg text is a definition too: a message without fields (std_msgs/msg/Empty).
    if (schema !== undefined && (schema.text.trim() !== '' || schema.encoding === 'ros2msg')) {
      if (schema.encoding === 'ros2msg') {
        try {
          const registry = bagRegistry();
          this.type = registry.register(rawType, schema.text);
          this.candidates.push({ origin: 'bag', registry, type: this.type });
        } catch (err) {
          bagProblem = errorText(err);
        }
      } else {
        bagProblem = `its schema encoding is ${schema.encoding || '(none)'}, which vla-ros does not parse (only ros2msg)`;
      }
    }
    let normalized = this.type;
    try {
      normalized = standard.normalize(rawType);
    } catch {
      /* not a ROS type name: no standard definition */
    }
    const standardDefinition = standard.has(normalized) ? { origin: 'standard' as const, registry: standard, type: normalized } : undefined;
    if (this.candidates.length === 0) this.type = normalized;
    const bag = this.candidates[0];
    if (bag !== undefined && standardDefinition !== undefined && !this.sameAs(bag, standardDefinition)) {
      this.candidates.push(standardDefinition);
    } else if (bag === undefined && standardDefinition !== undefined) {
      this.candidates.push(standardDefinition);
      if (bagProblem !== undefined)
        note(`topic ${topic}: the bag's definition of ${rawType} is not usable (${bagProblem}); using the standard definition`);
    }
    if (this.candidates.length === 0) {
      this.problem =
        bagProblem !== undefined
          ? `the bag's definition of ${rawType} is not usable (${bagProblem}) and no standard definition is known`
          : `unknown message type ${rawType || '(none)'}: the bag stores no definition and none is known (ROS 2 Humble standard messages, vla_ros_msgs)`;
    } else if (this.candidates.length === 1) {
      this.chosen = this.candidates[0];
    }
  }

  private sameAs(a: Candidate, b: Candidate): boolean {
    try {
      const da = a.registry.definitions(a.type);
      const db = b.registry.definitions(b.type);
      return da.length === db.length && da.every((d, i) => sameDefinition(d, db[i]));
    } catch {
      return false;
    }
  }

  /** True while the bag's and the standard definition differ and no message has decided between them. */
  get undecided(): boolean {
    return this.problem === undefined && this.chosen === undefined && this.candidates.length > 1;
  }

  /** Where the definition in use comes from (after the first decode when the bag's and the standard one differ). */
  get definitionOrigin(): 'bag' | 'standard' | undefined {
    return this.chosen?.origin ?? this.candidates[0]?.origin;
  }

  /** Decodes CDR bytes; throws when the topic has no usable definition. */
  decode(data: Uint8Array): unknown {
    if (this.problem !== undefined) throw new Error(`topic ${this.topic}: ${this.problem}`);
    const chosen = (this.chosen ??= this.choose(data));
    try {
      return chosen.registry.deserialize(chosen.type, data);
    } catch (err) {
      if (this.failures++ === 0)
        this.note(`topic ${this.topic}: a message cannot be decoded (further ones not reported): ${errorText(err)}`);
      throw err;
    }
  }

  private choose(data: Uint8Array): Candidate {
    const [bag, standard] = this.candidates;
    if (standard === undefined) return bag;
    const own = probe(bag.registry, bag.type, data);
    if (own.fits !== false) return bag;
    const other = probe(standard.registry, standard.type, data);
    if (other.fits === false) {
      this.note(
        `topic ${this.topic}: neither the bag's nor the standard definition of ${this.type} fits its data (${own.detail}); decoding with the bag's`,
      );
      return bag;
    }
    this.note(
      `topic ${this.topic}: the bag's definition of ${this.type} does not match its data (${own.detail}); ` +
        'using the standard definition, which does',
    );
    return standard;
  }
}

/** Creates the codecs of one bag, sharing one registry for the bag's own definitions. */
export class BagDefinitions {
  private registry: MessageRegistry | undefined;

  constructor(
    private readonly note: (text: string) => void,
    private readonly given?: MessageRegistry,
  ) {}

  codec(topic: string, type: string, schema: SchemaInfo | undefined, messageEncoding: string): TopicCodec {
    return new TopicCodec(topic, type, schema, messageEncoding, () => (this.registry ??= this.given ?? new MessageRegistry()), this.note);
  }
}
