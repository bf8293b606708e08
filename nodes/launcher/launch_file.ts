// Evaluates ROS 2 XML launch files (the launch_xml frontend with the launch_ros actions) into a
// LaunchDescription, so that `vla-ros launch` reads the very files `ros2 launch vla_ros ...` reads.
//
// The rules were read from (not copied):
//   ros2/launch      launch/share/launch/frontend/grammar.lark        substitution syntax, escapes
//   ros2/launch      launch/launch/frontend/parse_substitution.py     '\x' → 'x' in text pieces
//   ros2/launch      launch/launch/frontend/expose.py                 unknown attributes/children rejected
//   ros2/launch      launch_xml/launch_xml/entity.py                  '<attr>-sep' lists, typed attributes
//   ros2/launch      launch/launch/utilities/type_utils.py            bool/int/float coercion ('1'/'0', YAML)
//   ros2/launch      launch/launch/conditions/evaluate_condition_expression_impl.py  if/unless
//   ros2/launch      launch/launch/actions/declare_launch_argument.py arg defaults, choices, required
//   ros2/launch      launch/launch/actions/include_launch_description.py  include args, required check
//   ros2/launch      launch/launch/actions/group_action.py            scoped / forwarding / keep
//   ros2/launch      launch/launch/actions/execute_process.py         _parse_cmdline (args splitting)
//   ros2/launch      launch/launch/substitutions/*.py                 var, env, anon, equals, if, ...
//   ros2/launch_ros  launch_ros/launch_ros/actions/node.py            <node>, <param>, <remap>
//   ros2/launch_ros  launch_ros/launch_ros/actions/push_ros_namespace.py, set_parameter.py, set_remap.py
//   ros2/launch_ros  launch_ros/launch_ros/utilities/namespace_utils.py  prefix_namespace
//   ros2/launch_ros  launch_ros/launch_ros/utilities/evaluate_parameters.py  global parameter typing
//   ros2/launch_ros  ros2launch/ros2launch/api/api.py                 name:=value command-line items
//
// Evaluation is done in two passes per file, like ros2 launch: the whole file is parsed first
// (unknown elements, attributes and substitutions, and bad substitution syntax, fail even in
// branches that are never taken), then the actions are executed in order.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { LaunchContext } from './launch_context.js';
import type { LaunchArgument, LaunchDescription, NodeAction, ParameterSource } from './launch_description.js';
import type { ParameterOverride, ParameterType, ParameterValue } from '../ros/parameter.js';
import type { RemapRule } from '../ros/remap.js';
import { NameError, normalizeNamespace, parseRemapRule, validateNamespace, validateNodeName } from '../ros/names.js';
import { ParameterValueError, parseParameterValue, type TypedValue } from '../ros/params_file.js';

// --- Errors -----------------------------------------------------------------------------------

/** A problem in a launch file; the message starts with `file:line: <element>:`. */
export class LaunchFileError extends Error {
  override name = 'LaunchFileError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | undefined,
    readonly element: string | undefined,
  ) {
    super(message);
  }
}

/** A malformed `name:=value` command-line item. */
export class LaunchArgumentError extends Error {
  override name = 'LaunchArgumentError';
}

interface SourceFile {
  /** Absolute path. */
  path: string;
  /** Relative to the working directory when inside it, for messages. */
  display: string;
}

/** Where an element is: its file, line and tag. */
interface Origin {
  file: SourceFile;
  line: number;
  tag: string;
}

function failAt(origin: Origin, reason: string): never {
  throw new LaunchFileError(`${origin.file.display}:${origin.line}: <${origin.tag}>: ${reason}`, origin.file.path, origin.line, origin.tag);
}

function describeOrigin(origin: Origin): string {
  return `${origin.file.display}:${origin.line}`;
}

/** The tail of every message about a feature ros2 launch has and this launcher lacks. */
const NOT_EMBEDDED = 'not supported by the embedded launcher; run this file with ros2 launch';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// --- Command-line arguments -------------------------------------------------------------------

/**
 * `name:=value` items as ros2launch's parse_launch_arguments takes them: the first ':=' splits,
 * the last item for a name wins, and an item without ':=', with an empty name, or with an empty
 * value (`name:=`) is rejected.
 */
export function parseLaunchArguments(items: string[]): Record<string, string> {
  const values = new Map<string, string>();
  for (const item of items) {
    const separators = item.split(':=').length - 1;
    if (separators === 0 || item.startsWith(':=')) {
      throw new LaunchArgumentError(`expected name:=value, got '${item}'`);
    }
    if (separators === 1 && item.endsWith(':=')) {
      throw new LaunchArgumentError(`expected name:=value, got '${item}' (the value is empty, which ros2 launch rejects too)`);
    }
    const at = item.indexOf(':=');
    values.set(item.slice(0, at), item.slice(at + 2));
  }
  return Object.fromEntries(values);
}

// --- XML ----------------------------------------------------------------------------------------

interface XmlElement {
  tag: string;
  attributes: ReadonlyMap<string, string>;
  children: readonly XmlElement[];
  line: number;
}

// fast-xml-parser 5 reports where each element starts (captureMetaData → startIndex); lines are
// counted from that offset. Entities are decoded here rather than by the parser so that '&amp;#10;'
// cannot be decoded twice and unknown entities are errors, as in Python's ElementTree.
const XML_PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  captureMetaData: true,
});
const XML_METADATA = XMLParser.getMetaDataSymbol() as unknown as symbol;
const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

type XmlNode = Record<string | symbol, unknown>;

function lineCounter(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

/** XML attribute-value normalisation (literal tabs and line breaks become spaces), then entities. */
function decodeAttribute(raw: string): string {
  const normalized = raw.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' ');
  return normalized.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Error(`'&' must start an entity reference such as &amp; (got '${whole}')`);
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    const value = XML_ENTITIES[name];
    if (value === undefined) throw new Error(`undefined entity '&${name};'`);
    return value;
  });
}

function elementTag(node: XmlNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && !key.startsWith('#') && !key.startsWith('?'));
}

function parseXml(text: string, file: SourceFile): XmlElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, msg } = valid.err;
    throw new LaunchFileError(`${file.display}:${line}: not well-formed XML: ${msg}`, file.path, line, undefined);
  }
  const lineOf = lineCounter(text);
  const toElements = (nodes: unknown, parentLine: number): XmlElement[] => {
    const elements: XmlElement[] = [];
    for (const node of Array.isArray(nodes) ? (nodes as XmlNode[]) : []) {
      const tag = elementTag(node);
      if (tag === undefined) continue; // text, comments: launch_xml only looks at elements
      const metadata = node[XML_METADATA] as { startIndex?: number } | undefined;
      const line = metadata?.startIndex === undefined ? parentLine : lineOf(metadata.startIndex);
      const attributes = new Map<string, string>();
      for (const [name, raw] of Object.entries((node[':@'] ?? {}) as Record<string, unknown>)) {
        try {
          attributes.set(name, decodeAttribute(String(raw)));
        } catch (err) {
          throw new LaunchFileError(`${file.display}:${line}: <${tag}>: attribute '${name}': ${errorText(err)}`, file.path, line, tag);
        }
      }
      elements.push({ tag, attributes, children: toElements(node[tag], line), line });
    }
    return elements;
  };
  const roots = toElements(XML_PARSER.parse(text) as unknown, 1);
  if (roots.length !== 1) {
    const line = roots[1]?.line ?? 1;
    throw new LaunchFileError(`${file.display}:${line}: a launch file has exactly one root element, <launch>`, file.path, line, undefined);
  }
  if (roots[0].tag !== 'launch') {
    const { line, tag } = roots[0];
    throw new LaunchFileError(`${file.display}:${line}: <${tag}>: the root element must be <launch>`, file.path, line, tag);
  }
  return roots[0];
}

// --- Substitution syntax (launch/frontend/grammar.lark) ---------------------------------------

type Part = { kind: 'text'; text: string } | { kind: 'substitution'; name: string; args: Template[] };
type Template = readonly Part[];

class SubstitutionSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

/** launch's replace_escaped_characters: a backslash makes the next character literal. */
function unescapeText(text: string): string {
  return text.replace(/\\([^\n])/g, '$1');
}

/** Quoting context: top level (no quote), or inside a '...' or "..." argument. */
type QuoteContext = '' | "'" | '"';

/**
 * A recursive-descent reading of launch's Lark grammar: `$(name arg arg)`, arguments separated
 * by exactly one space, an argument is either a quoted template (which may hold substitutions)
 * or unquoted text and substitutions; '\$(' is literal text.
 */
class SubstitutionParser {
  private pos = 0;

  constructor(private readonly source: string) {}

  parseTemplate(): Template {
    const parts: Part[] = [];
    let text = '';
    while (this.pos < this.source.length) {
      if (this.atSubstitution()) {
        if (text !== '') parts.push({ kind: 'text', text: unescapeText(text) });
        text = '';
        parts.push(this.parseSubstitution(''));
      } else {
        text += this.source[this.pos++];
      }
    }
    if (text !== '' || parts.length === 0) parts.push({ kind: 'text', text: unescapeText(text) });
    return parts;
  }

  private atSubstitution(): boolean {
    const s = this.source;
    return s[this.pos] === '$' && s[this.pos + 1] === '(' && s[this.pos - 1] !== '\\';
  }

  private fail(message: string): never {
    throw new SubstitutionSyntaxError(message, this.pos);
  }

  private parseSubstitution(context: QuoteContext): Part {
    this.pos += 2; // '$('
    const name = /^[A-Za-z][A-Za-z0-9_-]*/.exec(this.source.slice(this.pos))?.[0];
    if (name === undefined) this.fail("expected a substitution name after '$('");
    this.pos += name.length;
    const args: Template[] = [];
    if (this.source[this.pos] === ' ') {
      this.pos++;
      args.push(this.parseValue(context));
      while (this.source[this.pos] === ' ') {
        this.pos++;
        args.push(this.parseValue(context));
      }
    }
    if (this.source[this.pos] !== ')') {
      if (this.pos >= this.source.length) this.fail(`'$(${name}' is not closed with ')'`);
      this.fail(`unexpected '${this.source[this.pos]}' in $(${name} ...) (arguments are separated by one space; quote arguments that contain spaces or parentheses)`);
    }
    this.pos++;
    return { kind: 'substitution', name, args };
  }

  private parseValue(context: QuoteContext): Template {
    const c = this.source[this.pos];
    if (context === '' && (c === "'" || c === '"')) return this.parseQuoted(c);
    const parts: Part[] = [];
    let text = '';
    const flush = (): void => {
      if (text !== '') parts.push({ kind: 'text', text: unescapeText(text) });
      text = '';
    };
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) break;
      if (this.atSubstitution()) {
        flush();
        parts.push(this.parseSubstitution(context));
        continue;
      }
      if (ch === '\\') {
        const next = this.source[this.pos + 1];
        const pairs = next === '(' || next === ')' || next === '$' || next === "'" || next === '"';
        text += pairs ? ch + next : ch;
        this.pos += pairs ? 2 : 1;
        continue;
      }
      const quoteEnds = context === '' ? ch === "'" || ch === '"' : ch === context;
      if (ch === ' ' || ch === '(' || ch === ')' || quoteEnds) break;
      text += ch;
      this.pos++;
    }
    flush();
    if (parts.length === 0) this.fail('empty substitution argument (arguments are separated by exactly one space)');
    return parts;
  }

  private parseQuoted(quote: "'" | '"'): Template {
    const opening = this.pos;
    this.pos++;
    const parts: Part[] = [];
    let text = '';
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) {
        this.pos = opening;
        this.fail(`unterminated ${quote} in a substitution argument`);
      }
      if (ch === quote) break;
      if (this.atSubstitution()) {
        if (text !== '') parts.push({ kind: 'text', text: unescapeText(text) });
        text = '';
        parts.push(this.parseSubstitution(quote));
        continue;
      }
      if (ch === '\\' && (this.source[this.pos + 1] === quote || this.source[this.pos + 1] === '$')) {
        text += ch + this.source[this.pos + 1];
        this.pos += 2;
        continue;
      }
      text += ch;
      this.pos++;
    }
    this.pos++; // closing quote
    const next = this.source[this.pos];
    if (next !== ' ' && next !== ')') this.fail(`a quoted argument must be followed by ' ' or ')', not '${next ?? 'the end of the text'}'`);
    if (text !== '') parts.push({ kind: 'text', text: unescapeText(text) });
    return parts;
  }
}

function hasSubstitution(template: Template): boolean {
  return template.some((part) => part.kind === 'substitution');
}

function textOnly(template: Template): string | undefined {
  return hasSubstitution(template) ? undefined : template.map((p) => (p.kind === 'text' ? p.text : '')).join('');
}

/** Substitutions ros2 launch knows, with their argument counts (checked when parsing, as upstream). */
const SUBSTITUTION_ARITY: Record<string, readonly [number, number]> = {
  var: [1, 2],
  env: [1, 2],
  anon: [1, 1],
  filename: [0, 0],
  dirname: [0, 0],
  'find-pkg-share': [1, 1],
  'find-pkg-prefix': [1, 1],
  'file-content': [1, 1],
  not: [1, 1],
  and: [2, 2],
  or: [2, 2],
  any: [0, Infinity],
  all: [0, Infinity],
  equals: [2, 2],
  'not-equals': [2, 2],
  if: [2, 3],
  eval: [1, 2],
  // Known to ros2 launch, not evaluated here (an error only when actually evaluated).
  command: [1, 2],
  'find-exec': [1, 1],
  'exec-in-pkg': [2, 2],
  param: [2, 2],
  launch_log_dir: [0, 0],
  log_dir: [0, 0],
};

const UNSUPPORTED_SUBSTITUTIONS = new Set(['command', 'find-exec', 'exec-in-pkg', 'param', 'launch_log_dir', 'log_dir']);

/** ROS 1 roslaunch spellings people carry over, with their ROS 2 equivalent. */
const ROS1_SUBSTITUTIONS: Record<string, string> = {
  arg: '$(var name)',
  optenv: '$(env NAME default)',
  find: '$(find-pkg-share pkg)',
};

// --- Parsed launch files ----------------------------------------------------------------------

interface Condition {
  attribute: 'if' | 'unless';
  expression: Template;
}

interface NameValue {
  origin: Origin;
  name: Template;
  value: Template;
}

type ParamTypeId = 'yaml' | 'str' | 'bool' | 'int' | 'float' | 'list_of_str' | 'list_of_bool' | 'list_of_int' | 'list_of_float';
const PARAM_TYPE_IDS: readonly ParamTypeId[] = ['str', 'bool', 'float', 'int', 'list_of_str', 'list_of_bool', 'list_of_float', 'list_of_int', 'yaml'];

interface ParamEntrySpec {
  origin: Origin;
  /** Name parts of nested <param> elements, joined with '.'. */
  namePath: Template[];
  typeId: ParamTypeId;
  /** One template for the whole value, or one per item when `value-sep` splits it. */
  items: Template[];
  separated: boolean;
}

type ParamSpec = { kind: 'file'; origin: Origin; path: Template; allowSubstitutions: boolean } | { kind: 'values'; entries: ParamEntrySpec[] };

interface NodeSpec {
  kind: 'node';
  origin: Origin;
  condition: Condition | undefined;
  pkg: Template | undefined;
  exec: Template;
  name: Template | undefined;
  namespace: Template | undefined;
  args: Template[] | undefined;
  rosArgs: Template[] | undefined;
  output: Template | undefined;
  respawn: Template | undefined;
  respawnDelay: number;
  launchPrefix: Template | undefined;
  execName: Template | undefined;
  params: ParamSpec[];
  remaps: NameValue[];
  /** Features ros2 launch has but this launcher cannot honour; an error if the node runs. */
  unsupported: string[];
}

interface ArgSpec {
  kind: 'arg';
  origin: Origin;
  condition: Condition | undefined;
  name: string;
  rawDefault: string | undefined;
  default: Template | undefined;
  description: string;
  choices: string[] | undefined;
}

type ActionSpec =
  | ArgSpec
  | NodeSpec
  | { kind: 'let'; origin: Origin; condition: Condition | undefined; name: Template; value: Template }
  | {
      kind: 'group';
      origin: Origin;
      condition: Condition | undefined;
      scoped: boolean;
      forwarding: boolean;
      keep: NameValue[];
      actions: ActionSpec[];
    }
  | { kind: 'include'; origin: Origin; condition: Condition | undefined; file: Template; args: NameValue[] }
  | { kind: 'push_ros_namespace'; origin: Origin; condition: Condition | undefined; namespace: Template }
  | { kind: 'set_parameter'; origin: Origin; condition: Condition | undefined; name: Template; value: Template }
  | { kind: 'set_parameters_from_file'; origin: Origin; condition: Condition | undefined; filename: Template }
  | { kind: 'set_remap'; origin: Origin; condition: Condition | undefined; from: Template; to: Template }
  | { kind: 'set_env'; origin: Origin; condition: Condition | undefined; name: Template; value: Template }
  | { kind: 'unset_env'; origin: Origin; condition: Condition | undefined; name: Template }
  | {
      kind: 'append_env';
      origin: Origin;
      condition: Condition | undefined;
      name: Template;
      value: Template;
      prepend: Template | boolean;
      separator: Template;
    }
  | { kind: 'log'; origin: Origin; condition: Condition | undefined; message: Template }
  | { kind: 'unsupported'; origin: Origin; condition: Condition | undefined; reason: string };

interface ParsedFile {
  source: SourceFile;
  root: Origin;
  actions: ActionSpec[];
  /** Names read with `$(var NAME)` where NAME is literal text, for the unused-argument check. */
  varReferences: Set<string>;
  /** Whether some `$(var ...)` computes its name, so that any configuration may be read. */
  readsComputedVar: boolean;
}

/** Elements ros2 launch (launch + launch_ros) knows that this launcher cannot run. */
const UNSUPPORTED_ELEMENTS: Record<string, string> = {
  executable: 'runs an arbitrary process',
  timer: 'delays actions in time',
  node_container: 'starts a component container',
  composable_node: 'loads a component (inside <node_container>)',
  load_composable_node: 'loads components into a running container',
  ros_timer: 'delays actions in ROS time',
  shutdown: 'shuts the launch down',
  reset: 'resets launch configurations',
  reset_env: 'resets the environment',
  set_ros_log_dir: 'sets the ROS log directory',
  set_use_sim_time: "sets the launch process's own use_sim_time",
};

/** ROS 1 roslaunch elements and spelling slips, with the ROS 2 element to use. */
const ELEMENT_HINTS: Record<string, string> = {
  param: '<set_parameter name=".." value=".."/> (or <param> inside a <node>)',
  rosparam: '<param from="file.yaml"/> inside a <node>',
  remap: '<set_remap from=".." to=".."/> (or <remap> inside a <node>)',
  env: '<set_env name=".." value=".."/>',
  'set-parameter': '<set_parameter>',
  'set-remap': '<set_remap>',
  'set-env': '<set_env>',
  'unset-env': '<unset_env>',
  'push-namespace': '<push-ros-namespace namespace=".."/>',
  machine: 'nothing: ROS 2 launch has no machines',
  test: 'launch_testing',
};

/** ROS 1 attributes with their ROS 2 replacement, for 'unexpected attribute' errors. */
const ATTRIBUTE_HINTS: Record<string, string> = {
  'group ns': 'put <push-ros-namespace namespace=".."/> first inside the group',
  'include ns': 'wrap the include in a <group> with <push-ros-namespace namespace=".."/>',
  'node ns': "use 'namespace'",
  'node type': "use 'exec'",
  'node machine': 'ROS 2 launch has no machines',
  'node required': "use on_exit=\"shutdown\" with ros2 launch",
};

/** YAML 1.1 booleans as PyYAML's safe_load reads them (launch's bool coercion). */
const YAML_TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const YAML_FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

/** launch's coerce_to_type(text, bool): '1'/'0' first, then YAML booleans; undefined otherwise. */
function coerceBool(text: string): boolean | undefined {
  if (text === '1') return true;
  if (text === '0') return false;
  const trimmed = text.trim();
  if (YAML_TRUE.has(trimmed)) return true;
  if (YAML_FALSE.has(trimmed)) return false;
  return undefined;
}

const PY_DIGITS = '[0-9](?:_?[0-9])*';
const PY_FLOAT = new RegExp(`^[+-]?(?:${PY_DIGITS}(?:\\.(?:${PY_DIGITS})?)?|\\.${PY_DIGITS})(?:[eE][+-]?${PY_DIGITS})?$`);
const PY_INT = new RegExp(`^[+-]?${PY_DIGITS}$`);

/** Python's float(text); undefined where it raises ValueError. */
function pythonFloat(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  return PY_FLOAT.test(t) ? Number(t.replace(/_/g, '')) : undefined;
}

/** Python's int(text) (base 10); undefined where it raises, or beyond what a double holds exactly. */
function pythonInt(text: string): number | undefined {
  const t = text.trim();
  if (!PY_INT.test(t)) return undefined;
  const value = Number(t.replace(/_/g, ''));
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Splits a parsed `args`/`ros_args` attribute as ExecuteProcess._parse_cmdline does: text pieces
 * are split like a POSIX shell (quotes, backslashes; no expansion) while substitution results
 * are never split and stick to the text they touch ('$(var a)/b c' → ['<a>/b', 'c']).
 * ros2 launch turns a whitespace-only piece into an empty argument ('' in the process's argv)
 * when nothing precedes it; such empty items are dropped here.
 */
function splitCommandLine(template: Template): Template[] {
  const result: Part[][] = [];
  let arg: Part[] = [];
  const endArg = (): void => {
    if (arg.length > 0) result.push(arg);
    arg = [];
  };
  const text = (t: string): Part => ({ kind: 'text', text: t });
  for (const part of template) {
    if (part.kind !== 'text') {
      arg.push(part);
      continue;
    }
    const tokens = shellSplit(part.text);
    if (tokens.length === 0) {
      endArg();
      continue;
    }
    if (/^\s/.test(part.text)) endArg();
    arg.push(text(tokens[0]));
    if (tokens.length > 1) {
      endArg();
      result.push(...tokens.slice(1, -1).map((t) => [text(t)]));
      arg.push(text(tokens[tokens.length - 1]));
    }
    if (/\s$/.test(part.text)) endArg();
  }
  endArg();
  return result;
}

/** Python's shlex.split (POSIX mode, no comments). */
function shellSplit(text: string): string[] {
  const tokens: string[] = [];
  let token = '';
  let inToken = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else token += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) token += text[++i];
      else token += c;
    } else if (/\s/.test(c)) {
      if (inToken) tokens.push(token);
      token = '';
      inToken = false;
    } else {
      inToken = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === '\\') {
        if (i + 1 >= text.length) throw new Error('a trailing backslash escapes nothing');
        token += text[++i];
      } else token += c;
    }
  }
  if (quote !== undefined) throw new Error(`no closing ${quote} quotation`);
  if (inToken) tokens.push(token);
  return tokens;
}

/**
 * Reads one element's attributes and children; `finish()` rejects whatever was not asked for,
 * as launch's assert_entity_completely_parsed does.
 */
class ElementReader {
  private readonly known = new Set<string>();
  private readonly knownChildren = new Set<string>();
  readonly origin: Origin;

  constructor(
    readonly element: XmlElement,
    file: SourceFile,
    private readonly parser: FileParser,
  ) {
    this.origin = { file, line: element.line, tag: element.tag };
  }

  fail(reason: string): never {
    failAt(this.origin, reason);
  }

  has(name: string): boolean {
    this.known.add(name);
    return this.element.attributes.has(name);
  }

  raw(name: string): string | undefined {
    this.known.add(name);
    return this.element.attributes.get(name);
  }

  requiredRaw(name: string): string {
    const value = this.raw(name);
    if (value === undefined) this.fail(`attribute '${name}' is required`);
    return value;
  }

  template(name: string): Template | undefined {
    const value = this.raw(name);
    return value === undefined ? undefined : this.parser.parseTemplate(value, this.origin, name);
  }

  requiredTemplate(name: string): Template {
    return this.parser.parseTemplate(this.requiredRaw(name), this.origin, name);
  }

  /** A literal boolean attribute (launch types it when parsing, without substitutions). */
  literalBool(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const parsed = coerceBool(value);
    if (parsed === undefined) this.fail(`attribute '${name}' must be true or false, got '${value}' (substitutions are not evaluated here)`);
    return parsed;
  }

  condition(): Condition | undefined {
    const ifText = this.template('if');
    const unlessText = this.template('unless');
    if (ifText !== undefined && unlessText !== undefined) this.fail("'if' and 'unless' cannot be used together");
    if (ifText !== undefined) return { attribute: 'if', expression: ifText };
    if (unlessText !== undefined) return { attribute: 'unless', expression: unlessText };
    return undefined;
  }

  children(tag: string): XmlElement[] {
    this.knownChildren.add(tag);
    return this.element.children.filter((child) => child.tag === tag);
  }

  otherChildren(...excluded: string[]): XmlElement[] {
    for (const child of this.element.children) this.knownChildren.add(child.tag);
    return this.element.children.filter((child) => !excluded.includes(child.tag));
  }

  finish(): void {
    for (const name of this.element.attributes.keys()) {
      if (this.known.has(name)) continue;
      const hint = ATTRIBUTE_HINTS[`${this.element.tag} ${name}`];
      const knownList = [...this.known].join(', ');
      this.fail(`unexpected attribute '${name}'${hint ? `: ${hint}` : ` (known: ${knownList})`}`);
    }
    const stray = this.element.children.find((child) => !this.knownChildren.has(child.tag));
    if (stray !== undefined) {
      const allowed = [...this.knownChildren].map((t) => `<${t}>`).join(', ') || 'none';
      failAt({ ...this.origin, line: stray.line }, `unexpected child element <${stray.tag}> (allowed: ${allowed})`);
    }
  }
}

/** Parses one launch file into actions, checking everything ros2 launch checks before running. */
class FileParser {
  readonly varReferences = new Set<string>();
  private readsComputedVar = false;

  constructor(private readonly source: SourceFile) {}

  parse(root: XmlElement): ParsedFile {
    const reader = this.reader(root);
    reader.raw('deprecated'); // ros2 launch logs it; the root's attributes are not checked upstream
    const actions = reader.otherChildren().map((child) => this.action(child));
    return { source: this.source, root: reader.origin, actions, varReferences: this.varReferences, readsComputedVar: this.readsComputedVar };
  }

  parseTemplate(text: string, origin: Origin, attribute: string): Template {
    let template: Template;
    try {
      template = new SubstitutionParser(text).parseTemplate();
    } catch (err) {
      if (!(err instanceof SubstitutionSyntaxError)) throw err;
      failAt(origin, `attribute '${attribute}': invalid substitution syntax in '${text}': ${err.message} (at character ${err.index + 1})`);
    }
    this.checkSubstitutions(template, origin, attribute);
    return template;
  }

  private checkSubstitutions(template: Template, origin: Origin, attribute: string): void {
    for (const part of template) {
      if (part.kind !== 'substitution') continue;
      const arity = SUBSTITUTION_ARITY[part.name];
      if (arity === undefined) {
        const ros1 = ROS1_SUBSTITUTIONS[part.name];
        const hint = ros1 ? ` (that is ROS 1; ROS 2 writes ${ros1})` : '';
        failAt(origin, `attribute '${attribute}': unknown substitution '$(${part.name})'${hint}`);
      }
      const [min, max] = arity;
      if (part.args.length < min || part.args.length > max) {
        const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
        failAt(origin, `attribute '${attribute}': $(${part.name}) takes ${expected} argument(s), got ${part.args.length}`);
      }
      if (part.name === 'var') {
        const name = textOnly(part.args[0]);
        if (name !== undefined) this.varReferences.add(name);
        else this.readsComputedVar = true;
      }
      for (const arg of part.args) this.checkSubstitutions(arg, origin, attribute);
    }
  }

  private reader(element: XmlElement): ElementReader {
    return new ElementReader(element, this.source, this);
  }

  private action(element: XmlElement): ActionSpec {
    const reader = this.reader(element);
    const action = this.actionOf(reader);
    if (action.kind !== 'unsupported') reader.finish();
    return action;
  }

  private actionOf(r: ElementReader): ActionSpec {
    const origin = r.origin;
    const tag = r.element.tag;
    switch (tag) {
      case 'arg':
        return this.arg(r);
      case 'let':
        return { kind: 'let', origin, name: r.requiredTemplate('name'), value: r.requiredTemplate('value'), condition: r.condition() };
      case 'group':
        return this.group(r);
      case 'include':
        return this.include(r);
      case 'node':
        return this.node(r);
      case 'push-ros-namespace':
      case 'push_ros_namespace':
        return { kind: 'push_ros_namespace', origin, namespace: r.requiredTemplate('namespace'), condition: r.condition() };
      case 'set_parameter':
        return { kind: 'set_parameter', origin, name: r.requiredTemplate('name'), value: r.requiredTemplate('value'), condition: r.condition() };
      case 'set_parameters_from_file':
        return { kind: 'set_parameters_from_file', origin, filename: r.requiredTemplate('filename'), condition: r.condition() };
      case 'set_remap':
        return { kind: 'set_remap', origin, from: r.requiredTemplate('from'), to: r.requiredTemplate('to'), condition: r.condition() };
      case 'set_env':
        return { kind: 'set_env', origin, name: r.requiredTemplate('name'), value: r.requiredTemplate('value'), condition: r.condition() };
      case 'unset_env':
        return { kind: 'unset_env', origin, name: r.requiredTemplate('name'), condition: r.condition() };
      case 'append_env':
        return this.appendEnv(r);
      case 'log':
        return { kind: 'log', origin, message: r.requiredTemplate('message'), condition: r.condition() };
    }
    const unsupported = UNSUPPORTED_ELEMENTS[tag];
    if (unsupported !== undefined) {
      return { kind: 'unsupported', origin, condition: r.condition(), reason: `<${tag}> (${unsupported}) is ${NOT_EMBEDDED}` };
    }
    const hint = ELEMENT_HINTS[tag];
    return r.fail(`unknown element${hint ? `; in ROS 2 use ${hint}` : ' (ros2 launch does not know it either)'}`);
  }

  private arg(r: ElementReader): ArgSpec {
    const rawDefault = r.raw('default');
    const description = r.raw('description');
    const choiceElements = r.children('choice');
    const choices = choiceElements.map((element) => {
      const choice = this.reader(element);
      const value = unescapeText(choice.requiredRaw('value'));
      choice.finish();
      return value;
    });
    return {
      kind: 'arg',
      origin: r.origin,
      condition: r.condition(),
      name: unescapeText(r.requiredRaw('name')),
      rawDefault,
      default: rawDefault === undefined ? undefined : this.parseTemplate(rawDefault, r.origin, 'default'),
      description: description === undefined ? '' : unescapeText(description),
      choices: choiceElements.length > 0 ? choices : undefined,
    };
  }

  private nameValues(elements: XmlElement[]): NameValue[] {
    return elements.map((element) => {
      const r = this.reader(element);
      const pair = { origin: r.origin, name: r.requiredTemplate('name'), value: r.requiredTemplate('value') };
      r.finish();
      return pair;
    });
  }

  private group(r: ElementReader): ActionSpec {
    const keep = this.nameValues(r.children('keep'));
    return {
      kind: 'group',
      origin: r.origin,
      condition: r.condition(),
      scoped: r.literalBool('scoped') ?? true,
      forwarding: r.literalBool('forwarding') ?? true,
      keep,
      actions: r.otherChildren('keep').map((child) => this.action(child)),
    };
  }

  private include(r: ElementReader): ActionSpec {
    return { kind: 'include', origin: r.origin, condition: r.condition(), file: r.requiredTemplate('file'), args: this.nameValues(r.children('arg')) };
  }

  private appendEnv(r: ElementReader): ActionSpec {
    const prependText = r.raw('prepend');
    let prepend: Template | boolean = false;
    if (prependText !== undefined) prepend = coerceBool(prependText) ?? this.parseTemplate(prependText, r.origin, 'prepend');
    return {
      kind: 'append_env',
      origin: r.origin,
      condition: r.condition(),
      name: r.requiredTemplate('name'),
      value: r.requiredTemplate('value'),
      prepend,
      separator: r.template('separator') ?? [{ kind: 'text', text: path.delimiter }],
    };
  }

  private commandLine(r: ElementReader, attribute: string): Template[] | undefined {
    const template = r.template(attribute);
    if (template === undefined) return undefined;
    try {
      return splitCommandLine(template);
    } catch (err) {
      return r.fail(`attribute '${attribute}': ${errorText(err)}`);
    }
  }

  private node(r: ElementReader): NodeSpec {
    const unsupported: string[] = [];
    // ExecuteProcess attributes a <node> accepts whose effect this launcher cannot reproduce.
    for (const attribute of ['cwd', 'on_exit', 'respawn_max_retries', 'sigterm_timeout', 'sigkill_timeout', 'shell']) {
      if (r.has(attribute)) unsupported.push(`attribute '${attribute}'`);
    }
    // launch_ros reads 'node-name' but its Node action does not take it: upstream fails too.
    if (r.has('node-name')) r.fail("attribute 'node-name' is not usable (launch_ros cannot pass it on); use 'name'");
    if (r.children('env').length > 0) unsupported.push('<env> children (per-node environment)');
    const respawnDelayText = r.raw('respawn_delay');
    let respawnDelay = 0; // ExecuteLocal: no delay unless respawn_delay is given
    if (respawnDelayText !== undefined) {
      const delay = pythonFloat(respawnDelayText);
      if (delay === undefined || Number.isNaN(delay)) r.fail(`attribute 'respawn_delay' must be a number of seconds, got '${respawnDelayText}'`);
      if (delay < 0) r.fail(`attribute 'respawn_delay' must not be negative, got '${respawnDelayText}'`);
      respawnDelay = delay;
    }
    r.literalBool('emulate_tty'); // only changes how output is buffered
    return {
      kind: 'node',
      origin: r.origin,
      condition: r.condition(),
      pkg: r.template('pkg'),
      exec: r.requiredTemplate('exec'),
      name: r.template('name'),
      namespace: r.template('namespace'),
      args: this.commandLine(r, 'args'),
      rosArgs: this.commandLine(r, 'ros_args'),
      output: r.template('output'),
      respawn: r.template('respawn'),
      respawnDelay,
      launchPrefix: r.template('launch-prefix'),
      execName: r.template('exec_name'),
      params: r.children('param').map((element) => this.param(element)),
      remaps: r.children('remap').map((element) => {
        const remap = this.reader(element);
        const pair = { origin: remap.origin, name: remap.requiredTemplate('from'), value: remap.requiredTemplate('to') };
        remap.finish();
        return pair;
      }),
      unsupported,
    };
  }

  /** A <param> child of <node>: `from` (a params file) or `name` with a value or nested params. */
  private param(element: XmlElement): ParamSpec {
    const r: ElementReader = this.reader(element);
    const from = r.raw('from');
    const allowSubstitutions = r.raw('allow_substs');
    const hasName = r.has('name');
    if (from !== undefined && hasName) r.fail("'name' and 'from' cannot be used together");
    let spec: ParamSpec;
    if (from !== undefined) {
      const allow = allowSubstitutions === undefined ? false : (coerceBool(allowSubstitutions) ?? true);
      spec = { kind: 'file', origin: r.origin, path: this.parseTemplate(from, r.origin, 'from'), allowSubstitutions: allow };
    } else if (hasName) {
      if (allowSubstitutions !== undefined) r.fail("'allow_substs' can only be used together with 'from'");
      spec = { kind: 'values', entries: this.namedParam(r, []) };
    } else {
      r.fail("a <param> needs a 'name' (with 'value' or nested <param> elements) or a 'from' attribute");
    }
    r.finish();
    return spec;
  }

  private namedParam(r: ElementReader, prefix: Template[]): ParamEntrySpec[] {
    const namePath = [...prefix, r.requiredTemplate('name')];
    const typeText = r.raw('type');
    const value = r.raw('value');
    const nested = r.children('param');
    if (value !== undefined && nested.length > 0) r.fail("'value' and nested <param> elements cannot be used together");
    if (typeText !== undefined && nested.length > 0) r.fail("'type' and nested <param> elements cannot be used together");
    if (value !== undefined) {
      const typeId = (typeText ?? 'yaml') as ParamTypeId;
      if (!PARAM_TYPE_IDS.includes(typeId)) r.fail(`invalid type '${typeText}' (one of ${PARAM_TYPE_IDS.join(', ')})`);
      const separator = r.raw('value-sep');
      if (separator !== undefined) {
        if (separator === '') r.fail("attribute 'value-sep' must not be empty");
        const items = value.split(separator).map((item) => this.parseTemplate(item, r.origin, 'value'));
        return [{ origin: r.origin, namePath, typeId, items, separated: true }];
      }
      return [{ origin: r.origin, namePath, typeId, items: [this.valueTemplate(value, typeId, r.origin)], separated: false }];
    }
    if (nested.length === 0) r.fail("either a 'value' attribute or nested <param> elements are needed");
    return nested.flatMap((child) => {
      const childReader = this.reader(child);
      const entries = this.namedParam(childReader, namePath);
      childReader.finish();
      return entries;
    });
  }

  /**
   * launch_xml types a `value` with YAML before looking for substitutions, so a value that is
   * wholly quoted and holds a substitution loses its quotes ('$(var x)' → $(var x)) and the
   * substituted text is typed again. Quoted values without substitutions stay strings.
   */
  private valueTemplate(value: string, typeId: ParamTypeId, origin: Origin): Template {
    const template = this.parseTemplate(value, origin, 'value');
    if (typeId !== 'yaml' || !hasSubstitution(template)) return template;
    const quoted = /^\s*(['"])([\s\S]*)\1\s*$/.exec(value);
    return quoted === null ? template : this.parseTemplate(quoted[2], origin, 'value');
  }
}

// --- Evaluation ---------------------------------------------------------------------------------

/**
 * What actions read and change. In ros2 launch all of it lives in the launch configurations
 * ('ros_namespace', 'global_params', 'ros_remaps') and the environment, which scoped groups
 * push and pop; here it is kept typed, and scoped the same way.
 */
interface Scope {
  configurations: Map<string, string>;
  environment: Map<string, string>;
  /** PushRosNamespace's result; undefined until one is pushed. */
  rosNamespace: string | undefined;
  /** <set_parameter> and <set_parameters_from_file>, in order. */
  globalParameters: ParameterSource[];
  /** <set_remap>, in order. */
  globalRemaps: RemapRule[];
}

function copyScope(scope: Scope): Scope {
  return {
    configurations: new Map(scope.configurations),
    environment: new Map(scope.environment),
    rosNamespace: scope.rosNamespace,
    globalParameters: [...scope.globalParameters],
    globalRemaps: [...scope.globalRemaps],
  };
}

/** Where a template is evaluated, for error messages. */
interface Site {
  origin: Origin;
  attribute: string;
}

function failIn(site: Site, reason: string): never {
  failAt(site.origin, `attribute '${site.attribute}': ${reason}`);
}

/**
 * prefix_namespace + make_namespace_absolute of launch_ros namespace_utils: an absolute namespace
 * replaces the pushed one, a relative one is appended ('/' counts as empty), trailing '/' are
 * dropped, and an empty pushed namespace leaves the current one ('' at the root gives '/').
 */
function combineNamespaces(base: string | undefined, ns: string | undefined): string | undefined {
  if (base === undefined && ns === undefined) return undefined;
  let combined: string;
  if (ns === undefined) combined = base as string;
  else if (!base || ns.startsWith('/')) combined = ns;
  else combined = `${base === '/' ? '' : base}/${ns}`;
  if (combined !== '/') combined = combined.replace(/\/+$/, '');
  return combined.startsWith('/') ? combined : `/${combined}`;
}

const ARRAY_OF: Partial<Record<ParameterType, ParameterType>> = {
  bool: 'bool_array',
  integer: 'integer_array',
  double: 'double_array',
  string: 'string_array',
};

export interface LoadLaunchFileOptions {
  /** Receives `<log message>` texts as ros2 launch would print them (default: dropped). */
  onLog?: (message: string, origin: string) => void;
  /** Base of relative paths in `<include file>` and `<param from>`, as ros2 launch's cwd (default: process.cwd()). */
  cwd?: string;
}

class Evaluator {
  private scope: Scope;
  private readonly initialEnvironment: Map<string, string>;
  readonly nodes: NodeAction[] = [];
  readonly parsedFiles = new Map<string, ParsedFile>();
  private readonly includeChain: string[] = [];
  private readonly cwd: string;

  constructor(
    private readonly context: LaunchContext,
    private readonly options: LoadLaunchFileOptions,
  ) {
    this.cwd = options.cwd ?? process.cwd();
    this.initialEnvironment = new Map(Object.entries(context.env).filter((e): e is [string, string] => e[1] !== undefined));
    this.scope = {
      configurations: new Map(),
      environment: new Map(this.initialEnvironment),
      rosNamespace: undefined,
      globalParameters: [],
      globalRemaps: [],
    };
  }

  get configurations(): ReadonlyMap<string, string> {
    return this.scope.configurations;
  }

  sourceFile(absolute: string): SourceFile {
    const relative = path.relative(this.cwd, absolute);
    const display = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
    return { path: absolute, display };
  }

  /** Reads and parses a launch file (cached: a file included twice is parsed once). */
  parseFile(file: SourceFile, includedFrom: Origin | undefined): ParsedFile {
    const cached = this.parsedFiles.get(file.path);
    if (cached !== undefined) return cached;
    const where = (reason: string): never => {
      if (includedFrom !== undefined) failAt(includedFrom, reason);
      throw new LaunchFileError(`${file.display}: ${reason}`, file.path, undefined, undefined);
    };
    const useXml = 'write it as an XML launch file (.launch.xml, see docs/launch-files.md) or run it with ros2 launch';
    if (/\.py$/.test(file.path)) where(`'${file.display}' is a Python launch file, which the embedded launcher cannot run: ${useXml}`);
    if (/\.ya?ml$/.test(file.path)) where(`'${file.display}' is a YAML launch file, which the embedded launcher does not read: ${useXml}`);
    let text: string;
    try {
      text = fs.readFileSync(file.path, 'utf8');
    } catch (err) {
      return where(`cannot read launch file '${file.display}': ${errorText(err)}`);
    }
    const parsed = new FileParser(file).parse(parseXml(text, file));
    this.parsedFiles.set(file.path, parsed);
    return parsed;
  }

  /** Runs a file's actions as IncludeLaunchDescription does: arguments first, in the current scope. */
  runFile(file: ParsedFile, args: readonly (readonly [string, string])[], includedBy: Origin | undefined): void {
    checkRequiredArguments(file, new Set(args.map(([name]) => name)), includedBy);
    for (const [name, value] of args) this.scope.configurations.set(name, value);
    this.includeChain.push(file.source.path);
    try {
      this.runActions(file.actions, includedBy !== undefined);
    } finally {
      this.includeChain.pop();
    }
  }

  private runActions(actions: readonly ActionSpec[], included: boolean): void {
    for (const action of actions) {
      if (action.condition !== undefined && !this.conditionHolds(action.condition, action.origin)) continue;
      this.runAction(action, included);
    }
  }

  private runAction(action: ActionSpec, included: boolean): void {
    const { origin } = action;
    const scope = this.scope;
    switch (action.kind) {
      case 'arg':
        return this.declareArgument(action, included);
      case 'let':
        scope.configurations.set(this.substitute(action.name, { origin, attribute: 'name' }), this.substitute(action.value, { origin, attribute: 'value' }));
        return;
      case 'group':
        return this.runGroup(action, included);
      case 'include':
        return this.include(action);
      case 'node':
        this.nodes.push(this.nodeAction(action));
        return;
      case 'push_ros_namespace':
        return this.pushNamespace(this.substitute(action.namespace, { origin, attribute: 'namespace' }), origin);
      case 'set_parameter':
        return this.setParameter(action.name, action.value, origin);
      case 'set_parameters_from_file': {
        const file = this.existingFile(this.substitute(action.filename, { origin, attribute: 'filename' }), origin, 'params file');
        scope.globalParameters = [...scope.globalParameters, { kind: 'file', path: file }];
        return;
      }
      case 'set_remap': {
        const rule = this.remapRule(action.from, action.to, origin);
        scope.globalRemaps = [...scope.globalRemaps, rule];
        return;
      }
      case 'set_env':
        scope.environment.set(this.substitute(action.name, { origin, attribute: 'name' }), this.substitute(action.value, { origin, attribute: 'value' }));
        return;
      case 'unset_env':
        scope.environment.delete(this.substitute(action.name, { origin, attribute: 'name' }));
        return;
      case 'append_env':
        return this.appendEnvironment(action);
      case 'log':
        this.options.onLog?.(this.substitute(action.message, { origin, attribute: 'message' }), describeOrigin(origin));
        return;
      case 'unsupported':
        return failAt(origin, action.reason);
    }
  }

  private conditionHolds(condition: Condition, origin: Origin): boolean {
    const site = { origin, attribute: condition.attribute };
    const text = this.substitute(condition.expression, site);
    // evaluate_condition_expression: stripped and lower-cased, only true/1/false/0.
    const normalized = text.trim().toLowerCase();
    let value: boolean;
    if (normalized === 'true' || normalized === '1') value = true;
    else if (normalized === 'false' || normalized === '0') value = false;
    else failIn(site, `'${text}' is not a valid condition; it must evaluate to true, false, 1 or 0`);
    return condition.attribute === 'if' ? value : !value;
  }

  private declareArgument(arg: ArgSpec, included: boolean): void {
    const configurations = this.scope.configurations;
    if (!configurations.has(arg.name)) {
      if (arg.default === undefined) failAt(arg.origin, missingArgumentMessage(arg.name, included));
      configurations.set(arg.name, this.substitute(arg.default, { origin: arg.origin, attribute: 'default' }));
    }
    const value = configurations.get(arg.name) as string;
    if (arg.choices !== undefined && !arg.choices.includes(value)) {
      failAt(arg.origin, `argument '${arg.name}' is '${value}' but must be one of: ${arg.choices.join(', ')}`);
    }
  }

  /** GroupAction: scoped groups push and pop everything, forwarding="false" starts from the kept values. */
  private runGroup(group: Extract<ActionSpec, { kind: 'group' }>, included: boolean): void {
    const keep = group.keep.map(
      ({ origin, name, value }) => [this.substitute(name, { origin, attribute: 'name' }), this.substitute(value, { origin, attribute: 'value' })] as const,
    );
    if (!group.scoped) {
      for (const [name, value] of keep) this.scope.configurations.set(name, value);
      this.runActions(group.actions, included);
      return;
    }
    const outer = this.scope;
    this.scope = copyScope(outer);
    if (group.forwarding) {
      for (const [name, value] of keep) this.scope.configurations.set(name, value);
    } else {
      // ResetLaunchConfigurations clears ros_namespace, global_params and ros_remaps as well,
      // since launch_ros keeps them in the launch configurations; ResetEnvironment restores the
      // environment launch started with.
      this.scope = {
        configurations: new Map(keep),
        environment: new Map(this.initialEnvironment),
        rosNamespace: undefined,
        globalParameters: [],
        globalRemaps: [],
      };
    }
    try {
      this.runActions(group.actions, included);
    } finally {
      this.scope = outer;
    }
  }

  /**
   * IncludeLaunchDescription: the file path is resolved against the working directory (as
   * os.path.abspath does upstream), its <arg> values are set as launch configurations in the
   * current scope, and the file runs in that same scope: an include is not scoped, so its
   * arguments and lets stay visible afterwards (ros2/launch#313); wrap it in a <group> to scope it.
   */
  private include(action: Extract<ActionSpec, { kind: 'include' }>): void {
    const { origin } = action;
    const target = path.resolve(this.cwd, this.substitute(action.file, { origin, attribute: 'file' }));
    const source = this.sourceFile(target);
    if (!/\.(py|ya?ml)$/.test(target) && !fs.existsSync(target)) failAt(origin, `included file '${source.display}' does not exist`);
    if (this.includeChain.includes(target)) {
      const chain = [...this.includeChain, target].map((p) => this.sourceFile(p).display).join(' → ');
      failAt(origin, `include cycle: ${chain}`);
    }
    const parsed = this.parseFile(source, origin);
    const args = action.args.map(({ origin: argOrigin, name, value }) => {
      const argName = this.substitute(name, { origin: argOrigin, attribute: 'name' });
      const argValue = this.substitute(value, { origin: argOrigin, attribute: 'value' });
      // SetLaunchConfiguration actions run one after the other: later values see earlier ones.
      this.scope.configurations.set(argName, argValue);
      return [argName, argValue] as const;
    });
    this.runFile(parsed, args, origin);
  }

  private pushNamespace(pushed: string, origin: Origin): void {
    const previous = this.scope.rosNamespace;
    const combined = combineNamespaces(previous, pushed) as string;
    try {
      validateNamespace(combined);
    } catch (err) {
      failAt(origin, `the resulting namespace '${combined}' is invalid (previous '${previous ?? '/'}', pushed '${pushed}'): ${errorText(err)}`);
    }
    this.scope.rosNamespace = combined;
  }

  /**
   * SetParameter: launch_ros loads the substituted text with YAML and hands the result to each
   * node as `-p name:=<Python str() of it>`, which rcl types again. So quotes do not make a
   * string ('"5"' arrives as the integer 5), and a list arrives as the text '[1, 2]' formatted by
   * Python ('(1, 2)'), which is refused here rather than reproduced.
   */
  private setParameter(nameTemplate: Template, valueTemplate: Template, origin: Origin): void {
    const name = this.substitute(nameTemplate, { origin, attribute: 'name' });
    if (name === '') failAt(origin, 'the parameter name is empty');
    const text = this.substitute(valueTemplate, { origin, attribute: 'value' });
    let typed: TypedValue;
    try {
      typed = parseParameterValue(text);
      if (typed.type === 'string' && typed.value !== text && typed.value !== '') typed = parseParameterValue(typed.value as string);
    } catch (err) {
      return failAt(origin, `parameter '${name}': value '${text}': ${errorText(err)}`);
    }
    if (typed.type.endsWith('_array')) {
      failAt(
        origin,
        `parameter '${name}': ros2 launch passes a list given to <set_parameter> as the text of a Python tuple, not as an array; ` +
          'set it with <param> on each node or in a params file',
      );
    }
    const override: ParameterOverride = { name, type: typed.type, value: typed.value, source: `launch ${describeOrigin(origin)}` };
    const sources = this.scope.globalParameters;
    const last = sources[sources.length - 1];
    this.scope.globalParameters =
      last?.kind === 'inline'
        ? [...sources.slice(0, -1), { ...last, params: [...last.params, override] }]
        : [...sources, { kind: 'inline', params: [override], global: true }];
  }

  private appendEnvironment(action: Extract<ActionSpec, { kind: 'append_env' }>): void {
    const { origin } = action;
    const name = this.substitute(action.name, { origin, attribute: 'name' });
    const value = this.substitute(action.value, { origin, attribute: 'value' });
    const separator = this.substitute(action.separator, { origin, attribute: 'separator' });
    const prepend = typeof action.prepend === 'boolean' ? action.prepend : this.substituteBool(action.prepend, { origin, attribute: 'prepend' });
    const existing = this.scope.environment.get(name);
    const updated = existing === undefined ? value : prepend ? value + separator + existing : existing + separator + value;
    this.scope.environment.set(name, updated);
  }

  private remapRule(from: Template, to: Template, origin: Origin): RemapRule {
    const fromText = this.substitute(from, { origin, attribute: 'from' });
    const toText = this.substitute(to, { origin, attribute: 'to' });
    try {
      return parseRemapRule(`${fromText}:=${toText}`);
    } catch (err) {
      if (err instanceof NameError) failAt(origin, err.message);
      throw err;
    }
  }

  private existingFile(text: string, origin: Origin, what: string): string {
    const absolute = path.resolve(this.cwd, text);
    if (!fs.statSync(absolute, { throwIfNoEntry: false })?.isFile()) failAt(origin, `${what} '${absolute}' does not exist`);
    return absolute;
  }

  // --- <node> ---------------------------------------------------------------------------------

  private nodeAction(node: NodeSpec): NodeAction {
    const { origin } = node;
    const site = (attribute: string): Site => ({ origin, attribute });
    if (node.unsupported.length > 0) {
      failAt(origin, `${node.unsupported.join(', ')} ${node.unsupported.length > 1 ? 'are' : 'is'} ${NOT_EMBEDDED}`);
    }
    const launchPrefix = node.launchPrefix === undefined ? '' : this.substitute(node.launchPrefix, site('launch-prefix'));
    if (launchPrefix.trim() !== '') failAt(origin, `attribute 'launch-prefix' ('${launchPrefix}') is ${NOT_EMBEDDED}`);
    if (node.execName !== undefined) this.substitute(node.execName, site('exec_name')); // only labels the process
    if (node.pkg === undefined) {
      failAt(origin, "attribute 'pkg' is required by the embedded launcher (a <node> without 'pkg' runs an executable from PATH, which only ros2 launch can do)");
    }
    const pkg = this.substitute(node.pkg, site('pkg'));
    const exec = this.substitute(node.exec, site('exec'));
    let name: string | undefined;
    if (node.name !== undefined) {
      name = this.substitute(node.name, site('name'));
      try {
        validateNodeName(name);
      } catch (err) {
        failIn(site('name'), errorText(err));
      }
    }
    const ownNamespace = node.namespace === undefined ? undefined : this.substitute(node.namespace, site('namespace'));
    const combined = combineNamespaces(this.scope.rosNamespace, ownNamespace) ?? '/';
    let namespace: string;
    try {
      namespace = normalizeNamespace(combined);
    } catch (err) {
      failAt(origin, `the node's namespace '${combined}' is invalid (pushed '${this.scope.rosNamespace ?? '/'}', own '${ownNamespace ?? ''}'): ${errorText(err)}`);
    }
    return {
      pkg,
      exec,
      name,
      namespace,
      // launch_ros puts global parameters (<set_parameter>) on the command line before the
      // node's own, and global remaps (<set_remap>) before the node's <remap> rules; rcl uses the
      // first matching remap rule, so <set_remap> wins over a node's own rule for the same name.
      parameters: [...this.scope.globalParameters, ...this.nodeParameters(node)],
      remaps: [...this.scope.globalRemaps, ...node.remaps.map((r) => this.remapRule(r.name, r.value, r.origin))],
      args: (node.args ?? []).map((arg) => this.substitute(arg, site('args'))),
      rosArgs: (node.rosArgs ?? []).map((arg) => this.substitute(arg, site('ros_args'))),
      output: this.nodeOutput(node),
      respawn: node.respawn === undefined ? false : this.substituteBool(node.respawn, site('respawn')),
      respawnDelay: node.respawnDelay,
      origin: describeOrigin(origin),
    };
  }

  private nodeOutput(node: NodeSpec): NodeAction['output'] {
    // ExecuteLocal lets OVERRIDE_LAUNCH_PROCESS_OUTPUT replace every process's output setting.
    const override = this.initialEnvironment.get('OVERRIDE_LAUNCH_PROCESS_OUTPUT');
    const output = override ?? (node.output === undefined ? undefined : this.substitute(node.output, { origin: node.origin, attribute: 'output' }));
    if (output === undefined || output === 'screen' || output === 'log' || output === 'both') return output;
    if (output === 'own_log' || output === 'full') failAt(node.origin, `output '${output}' (rather than screen, log or both) is ${NOT_EMBEDDED}`);
    return failAt(node.origin, `attribute 'output': '${output}' is not an output setting (screen, log, both, own_log or full)`);
  }

  /** The node's <param> children in order; consecutive inline values share one source. */
  private nodeParameters(node: NodeSpec): ParameterSource[] {
    const sources: ParameterSource[] = [];
    for (const spec of node.params) {
      if (spec.kind === 'file') {
        const site = { origin: spec.origin, attribute: 'from' };
        if (spec.allowSubstitutions) failIn({ origin: spec.origin, attribute: 'allow_substs' }, `substitutions inside params files are ${NOT_EMBEDDED}`);
        sources.push({ kind: 'file', path: this.existingFile(this.substitute(spec.path, site), spec.origin, 'params file') });
        continue;
      }
      const params = spec.entries.map((entry) => this.parameterOverride(entry));
      const last = sources[sources.length - 1];
      if (last?.kind === 'inline') sources[sources.length - 1] = { ...last, params: [...last.params, ...params] };
      else sources.push({ kind: 'inline', params, global: false });
    }
    return sources;
  }

  private parameterOverride(entry: ParamEntrySpec): ParameterOverride {
    const site = { origin: entry.origin, attribute: 'name' };
    const name = entry.namePath.map((part) => this.substitute(part, site)).join('.');
    if (name === '' || name.split('.').includes('')) failIn(site, `'${name}' is not a parameter name`);
    const texts = entry.items.map((item) => this.substitute(item, { origin: entry.origin, attribute: 'value' }));
    let typed: TypedValue;
    try {
      typed = entry.separated ? typeSeparatedValue(texts, entry.typeId) : typeParamValue(texts[0], entry.typeId);
    } catch (err) {
      if (!(err instanceof ParameterValueError)) throw err;
      return failAt(entry.origin, `parameter '${name}': value '${texts.join(', ')}': ${err.message}`);
    }
    return { name, type: typed.type, value: typed.value, source: `launch ${describeOrigin(entry.origin)}` };
  }

  // --- Substitutions ----------------------------------------------------------------------------

  substitute(template: Template, site: Site): string {
    let result = '';
    for (const part of template) result += part.kind === 'text' ? part.text : this.perform(part, site);
    return result;
  }

  /** perform_typed_substitution(..., bool): '1'/'0' or a YAML boolean. */
  private substituteBool(template: Template, site: Site): boolean {
    const text = this.substitute(template, site);
    const value = coerceBool(text);
    if (value === undefined) failIn(site, `'${text}' is not a boolean (true, false, 1, 0, yes, no, on, off)`);
    return value;
  }

  private perform(sub: Extract<Part, { kind: 'substitution' }>, site: Site): string {
    const arg = (i: number): string => this.substitute(sub.args[i], site);
    const bool = (i: number): boolean => this.substituteBool(sub.args[i], site);
    const scope = this.scope;
    switch (sub.name) {
      case 'var': {
        const name = arg(0);
        const value = scope.configurations.get(name);
        if (value !== undefined) return value;
        if (sub.args.length === 2) return arg(1);
        return failIn(site, `launch configuration '${name}' does not exist (declare it with <arg name="${name}" .../> or set it with <let>)`);
      }
      case 'env': {
        const name = arg(0);
        const value = scope.environment.get(name);
        if (value !== undefined) return value;
        if (sub.args.length === 2) return arg(1);
        return failIn(site, `environment variable '${name}' is not set (give a default: $(env ${name} <default>))`);
      }
      case 'anon': {
        // AnonName remembers its result as the launch configuration 'anon<name>'.
        const name = arg(0);
        const key = `anon${name}`;
        let value = scope.configurations.get(key);
        if (value === undefined) {
          value = `${name}_${os.hostname()}_${process.pid}_${Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)}`.replace(/[.\-:]/g, '_');
          scope.configurations.set(key, value);
        }
        return value;
      }
      case 'filename':
        return site.origin.file.path;
      case 'dirname':
        // The directory of the file this substitution is written in. Older ros2 launch releases
        // leave it pointing at the last included file after an <include> (ros2/launch#618, fixed by #862).
        return path.dirname(site.origin.file.path);
      case 'find-pkg-share':
        return this.packageShare(arg(0), site);
      case 'find-pkg-prefix': {
        const pkg = arg(0);
        const share = this.packageShare(pkg, site);
        if (path.basename(share) === pkg && path.basename(path.dirname(share)) === 'share') return path.dirname(path.dirname(share));
        const reason = `'${share}' is not an install prefix's share/${pkg} folder (a source checkout has no prefix); use $(find-pkg-share ${pkg})`;
        return failIn(site, `$(find-pkg-prefix ${pkg}): ${reason}`);
      }
      case 'file-content': {
        const file = path.resolve(this.cwd, arg(0));
        try {
          return fs.readFileSync(file, 'utf8');
        } catch (err) {
          return failIn(site, `$(file-content): cannot read '${file}': ${errorText(err)}`);
        }
      }
      case 'not':
        return String(!bool(0));
      case 'and':
      case 'or': {
        // Both sides are evaluated (and checked) before combining, as upstream.
        const [left, right] = [bool(0), bool(1)];
        return String(sub.name === 'and' ? left && right : left || right);
      }
      case 'any':
        return String(sub.args.map((_, i) => bool(i)).some((b) => b));
      case 'all':
        return String(sub.args.map((_, i) => bool(i)).every((b) => b));
      case 'equals':
        return String(launchEquals(arg(0), arg(1)));
      case 'not-equals':
        return String(!launchEquals(arg(0), arg(1)));
      case 'if':
        return bool(0) ? arg(1) : sub.args.length === 3 ? arg(2) : '';
      case 'eval': {
        if (sub.args.length === 2) failIn(site, `$(eval) with a module list is ${NOT_EMBEDDED}`);
        const expression = arg(0);
        try {
          return evaluateExpression(expression);
        } catch (err) {
          if (!(err instanceof ExpressionError)) throw err;
          return failIn(site, `$(eval ${expression}): ${err.message}`);
        }
      }
    }
    if (UNSUPPORTED_SUBSTITUTIONS.has(sub.name)) {
      failIn(site, `$(${sub.name}) is ${NOT_EMBEDDED}`);
    }
    return failIn(site, `unknown substitution '$(${sub.name})'`);
  }

  private packageShare(pkg: string, site: Site): string {
    try {
      return this.context.findPackageShare(pkg);
    } catch (err) {
      return failIn(site, errorText(err));
    }
  }
}

function missingArgumentMessage(name: string, included: boolean): string {
  return included
    ? `required argument '${name}' was not given (pass it with <arg name="${name}" value="..."/> inside the <include>)`
    : `required argument '${name}' was not given (pass ${name}:=<value>)`;
}

/**
 * The best-effort check IncludeLaunchDescription makes before running a file: arguments without
 * a default, declared outside any condition, must be passed explicitly by the include (or on the
 * command line for the top-level file); a value that only happens to be set in the including
 * scope does not count (ros2/launch#689). Arguments inside a conditional group or after a
 * forwarding="false" reset are not checked, as upstream.
 */
function checkRequiredArguments(file: ParsedFile, given: ReadonlySet<string>, includedBy: Origin | undefined): void {
  const declared = new Map<string, { arg: ArgSpec; conditional: boolean }>();
  const visit = (actions: readonly ActionSpec[], conditional: boolean): void => {
    for (const action of actions) {
      if (action.kind === 'arg' && !declared.has(action.name)) declared.set(action.name, { arg: action, conditional: conditional || action.condition !== undefined });
      if (action.kind === 'group' && !(action.scoped && !action.forwarding)) visit(action.actions, conditional || action.condition !== undefined);
    }
  };
  visit(file.actions, false);
  for (const { arg, conditional } of declared.values()) {
    if (conditional || arg.default !== undefined || given.has(arg.name)) continue;
    const givenList = [...given].join(', ') || 'none';
    if (includedBy === undefined) failAt(arg.origin, `${missingArgumentMessage(arg.name, false)}; given: ${givenList}`);
    failAt(
      includedBy,
      `'${file.source.display}' requires argument '${arg.name}' (declared at line ${arg.origin.line}); ` +
        `pass it with <arg name="${arg.name}" value="..."/> inside the <include> (given: ${givenList})`,
    );
  }
}

/** Every <arg> of a file, conditional or not, first declaration of a name winning. */
function declaredArguments(file: ParsedFile): ArgSpec[] {
  const found = new Map<string, ArgSpec>();
  const visit = (actions: readonly ActionSpec[]): void => {
    for (const action of actions) {
      if (action.kind === 'arg' && !found.has(action.name)) found.set(action.name, action);
      if (action.kind === 'group') visit(action.actions);
    }
  };
  visit(file.actions);
  return [...found.values()];
}

/** EqualsSubstitution: booleans by truth, numbers with math.isclose, otherwise text. */
function launchEquals(left: string, right: string): boolean {
  const isBool = (s: string): boolean => ['true', 'false', '1', '0'].includes(s.toLowerCase());
  const truth = (s: string): boolean => ['true', '1'].includes(s.toLowerCase());
  if (isBool(left) && isBool(right)) return truth(left) === truth(right);
  const a = pythonFloat(left);
  const b = pythonFloat(right);
  if (a !== undefined && b !== undefined) return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  return left === right;
}

// --- Parameter values ---------------------------------------------------------------------------

function typeScalarAs(text: string, typeId: 'str' | 'bool' | 'int' | 'float'): TypedValue {
  switch (typeId) {
    case 'str':
      return { type: 'string', value: text };
    case 'bool': {
      const value = coerceBool(text);
      if (value === undefined) throw new ParameterValueError(`'${text}' is not a bool (true, false, 1, 0, yes, no, on, off)`);
      return { type: 'bool', value };
    }
    case 'int': {
      const value = pythonInt(text);
      if (value === undefined) throw new ParameterValueError(`'${text}' is not an int`);
      return { type: 'integer', value };
    }
    case 'float': {
      const value = pythonFloat(text);
      if (value === undefined) throw new ParameterValueError(`'${text}' is not a float`);
      return { type: 'double', value };
    }
  }
}

/**
 * A `value` without `value-sep`. With no `type` (or type="yaml") the text is typed the way ROS
 * types a YAML value (parseParameterValue); an empty result stays the empty string, as launch
 * forwards empty text untyped. Explicit scalar types convert as Python's str/int/float and
 * launch's bool coercion; list types require a YAML list of that element type.
 */
function typeParamValue(text: string, typeId: ParamTypeId): TypedValue {
  if (typeId === 'yaml') return text === '' ? { type: 'string', value: '' } : parseParameterValue(text);
  if (!typeId.startsWith('list_of_')) return typeScalarAs(text, typeId as 'str' | 'bool' | 'int' | 'float');
  const typed = parseParameterValue(text);
  const wanted: Record<string, ParameterType> = { list_of_str: 'string_array', list_of_bool: 'bool_array', list_of_int: 'integer_array', list_of_float: 'double_array' };
  if (typed.type !== wanted[typeId]) {
    const hint = typeId === 'list_of_float' && typed.type === 'integer_array' ? ' (write every number with a decimal point, e.g. [1.0, 2.0])' : '';
    throw new ParameterValueError(`type '${typeId}' needs a YAML list of that type, got ${typed.type}${hint}`);
  }
  return typed;
}

/** `value` split by `value-sep`: each item typed on its own (empty items stay ''), one type for all. */
function typeSeparatedValue(items: readonly string[], typeId: ParamTypeId): TypedValue {
  const scalarType = typeId.startsWith('list_of_') ? (typeId.slice('list_of_'.length) as 'str' | 'bool' | 'int' | 'float') : undefined;
  if (typeId !== 'yaml' && scalarType === undefined) throw new ParameterValueError(`'value-sep' makes a list, which type '${typeId}' is not`);
  const typed = items.map((item): TypedValue => {
    if (scalarType !== undefined) return typeScalarAs(item, scalarType);
    if (item === '') return { type: 'string', value: '' };
    const value = parseParameterValue(item);
    if (value.type.endsWith('_array')) throw new ParameterValueError(`item '${item}' is itself a list`);
    return value;
  });
  const first = typed[0].type;
  const odd = typed.findIndex((t) => t.type !== first);
  if (odd >= 0) throw new ParameterValueError(`list items must have one type: item ${odd} is ${typed[odd].type} but item 0 is ${first}`);
  return { type: ARRAY_OF[first] as ParameterType, value: typed.map((t) => t.value) as ParameterValue };
}

// --- $(eval): a small, safe subset of Python expressions ---------------------------------------

class ExpressionError extends Error {}

type PyValue = { kind: 'bool'; value: boolean } | { kind: 'int' | 'float'; value: number } | { kind: 'str'; value: string } | { kind: 'none' };

type Token = { kind: 'value'; value: PyValue } | { kind: 'op'; op: string } | { kind: 'word'; word: 'and' | 'or' | 'not' };

const EVAL_SUBSET =
  'the embedded launcher evaluates only literals (signed numbers, strings, True/False/None), comparisons (== != < <= > >=), ' +
  'and/or/not and parentheses; ros2 launch evaluates full Python';
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

function tokenizeExpression(text: string): Token[] {
  const tokens: Token[] = [];
  const number = /^(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?/;
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === '\\' && j + 1 < text.length) {
          const escaped = text[++j];
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
        } else value += text[j];
      }
      if (j >= text.length) throw new ExpressionError('unterminated string literal');
      tokens.push({ kind: 'value', value: { kind: 'str', value } });
      i = j + 1;
    } else if (number.test(rest)) {
      const literal = (number.exec(rest) as RegExpExecArray)[0];
      const isFloat = /[.eE]/.test(literal);
      tokens.push({ kind: 'value', value: { kind: isFloat ? 'float' : 'int', value: Number(literal.replace(/_/g, '')) } });
      i += literal.length;
    } else if (/^(==|!=|<=|>=|<|>|\(|\)|-|\+)/.test(rest)) {
      const op = (/^(==|!=|<=|>=|<|>|\(|\)|-|\+)/.exec(rest) as RegExpExecArray)[0];
      tokens.push({ kind: 'op', op });
      i += op.length;
    } else if (/^[A-Za-z_]/.test(rest)) {
      const word = (/^[A-Za-z_][A-Za-z0-9_]*/.exec(rest) as RegExpExecArray)[0];
      if (word === 'True' || word === 'False') tokens.push({ kind: 'value', value: { kind: 'bool', value: word === 'True' } });
      else if (word === 'None') tokens.push({ kind: 'value', value: { kind: 'none' } });
      else if (word === 'and' || word === 'or' || word === 'not') tokens.push({ kind: 'word', word });
      else throw new ExpressionError(`'${word}' is not supported: ${EVAL_SUBSET}`);
      i += word.length;
    } else {
      throw new ExpressionError(`'${c}' is not supported: ${EVAL_SUBSET}`);
    }
  }
  return tokens;
}

function truthy(v: PyValue): boolean {
  switch (v.kind) {
    case 'bool':
      return v.value;
    case 'int':
    case 'float':
      return v.value !== 0;
    case 'str':
      return v.value !== '';
    case 'none':
      return false;
  }
}

function numeric(v: PyValue): number | undefined {
  if (v.kind === 'bool') return v.value ? 1 : 0;
  return v.kind === 'int' || v.kind === 'float' ? v.value : undefined;
}

function pyCompare(op: string, a: PyValue, b: PyValue): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (op === '==' || op === '!=') {
    let equal: boolean;
    if (x !== undefined && y !== undefined) equal = x === y;
    else if (a.kind === 'str' && b.kind === 'str') equal = a.value === b.value;
    else equal = a.kind === 'none' && b.kind === 'none';
    return op === '==' ? equal : !equal;
  }
  let left: number | string;
  let right: number | string;
  if (x !== undefined && y !== undefined) [left, right] = [x, y];
  else if (a.kind === 'str' && b.kind === 'str') [left, right] = [a.value, b.value];
  else throw new ExpressionError(`'${op}' cannot compare ${a.kind} with ${b.kind}`);
  if (op === '<') return left < right;
  if (op === '<=') return left <= right;
  if (op === '>') return left > right;
  return left >= right;
}

function pyStr(v: PyValue): string {
  switch (v.kind) {
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'str':
      return v.value;
    case 'int':
      return String(v.value);
    case 'float': {
      const x = v.value;
      if (Number.isNaN(x)) return 'nan';
      if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
      const magnitude = Math.abs(x);
      if (magnitude !== 0 && (magnitude >= 1e16 || magnitude < 1e-4)) {
        return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
      }
      if (Number.isInteger(x)) return `${x < 0 || Object.is(x, -0) ? '-' : ''}${magnitude}.0`;
      return String(x);
    }
  }
}

/** Evaluates the supported subset and formats the result as Python's str() would. */
function evaluateExpression(text: string): string {
  const tokens = tokenizeExpression(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (word: string): boolean => {
    const t = peek();
    return t?.kind === 'word' && t.word === word;
  };
  const orExpr = (): PyValue => {
    let left = andExpr();
    while (isWord('or')) {
      pos++;
      const right = andExpr();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const andExpr = (): PyValue => {
    let left = notExpr();
    while (isWord('and')) {
      pos++;
      const right = notExpr();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const notExpr = (): PyValue => {
    if (isWord('not')) {
      pos++;
      return { kind: 'bool', value: !truthy(notExpr()) };
    }
    return comparison();
  };
  const comparison = (): PyValue => {
    let left = atom();
    let result: boolean | undefined;
    for (let t = peek(); t?.kind === 'op' && COMPARISONS.has(t.op); t = peek()) {
      pos++;
      const right = atom();
      const holds = pyCompare(t.op, left, right); // chained: a < b < c is a < b and b < c
      result = (result ?? true) && holds;
      left = right;
    }
    return result === undefined ? left : { kind: 'bool', value: result };
  };
  const atom = (): PyValue => {
    const t = tokens[pos++];
    if (t === undefined) throw new ExpressionError('the expression ends too early');
    if (t.kind === 'value') return t.value;
    if (t.kind === 'op' && (t.op === '-' || t.op === '+')) {
      const operand = atom();
      if (operand.kind !== 'int' && operand.kind !== 'float') throw new ExpressionError(`unary '${t.op}' needs a number: ${EVAL_SUBSET}`);
      return t.op === '-' ? { kind: operand.kind, value: -operand.value } : operand;
    }
    if (t.kind === 'op' && t.op === '(') {
      const inner = orExpr();
      const close = tokens[pos++];
      if (close?.kind !== 'op' || close.op !== ')') throw new ExpressionError("missing ')'");
      return inner;
    }
    throw new ExpressionError(`unexpected '${t.kind === 'op' ? t.op : t.kind === 'word' ? t.word : ''}'`);
  };
  const result = orExpr();
  const extra = tokens[pos];
  if (extra !== undefined) {
    const what = extra.kind === 'op' ? `'${extra.op}' here` : 'more than one expression';
    throw new ExpressionError(`${what} is not supported: ${EVAL_SUBSET}`);
  }
  return pyStr(result);
}

// --- Entry point --------------------------------------------------------------------------------

/**
 * Evaluates an XML launch file with `name:=value` arguments, as `ros2 launch` would, into the
 * nodes to start. Throws LaunchFileError (`file:line: <element>: reason`) for anything ros2 launch
 * would reject and for features the embedded launcher cannot run.
 */
export function loadLaunchFile(
  file: string,
  args: Record<string, string>,
  context: LaunchContext,
  options: LoadLaunchFileOptions = {},
): LaunchDescription {
  const evaluator = new Evaluator(context, options);
  const top = evaluator.sourceFile(path.resolve(options.cwd ?? process.cwd(), file));
  const parsed = evaluator.parseFile(top, undefined);
  // ros2 launch includes the top-level file with the command-line arguments as include arguments.
  evaluator.runFile(parsed, Object.entries(args), undefined);
  checkUnusedArguments(parsed, Object.keys(args), [...evaluator.parsedFiles.values()]);
  const argumentsOfTop: LaunchArgument[] = declaredArguments(parsed).map((arg) => ({
    name: arg.name,
    default: arg.rawDefault,
    description: arg.description,
    choices: arg.choices,
  }));
  return {
    file: top.path,
    arguments: argumentsOfTop,
    values: Object.fromEntries(evaluator.configurations),
    nodes: evaluator.nodes,
  };
}

/**
 * ros2 launch accepts any name:=value and silently ignores one nothing reads (ros2/launch#313).
 * Here a command-line argument that no loaded file declares with <arg> and none reads with a
 * literal $(var name) is an error: it cannot have any effect, so it is almost surely a typo
 * (unless some $(var) computes the name it reads).
 */
function checkUnusedArguments(top: ParsedFile, given: readonly string[], files: readonly ParsedFile[]): void {
  if (files.some((file) => file.readsComputedVar)) return; // $(var $(var x)) may read any of them
  const known = new Set<string>();
  for (const file of files) {
    for (const arg of declaredArguments(file)) known.add(arg.name);
    for (const name of file.varReferences) known.add(name);
  }
  const unused = given.filter((name) => !known.has(name));
  if (unused.length === 0) return;
  const declared = declaredArguments(top).map((arg) => arg.name);
  const [s, them, they] = unused.length > 1 ? ['s', 'them', 'they'] : ['', 'it', 'it'];
  failAt(
    top.root,
    `unknown launch argument${s} ${unused.map((n) => `'${n}'`).join(', ')} given on the command line: ` +
      `no <arg> declares ${them} and no $(var) reads ${them}, so ${they} would have no effect (declared: ${declared.join(', ') || 'none'})`,
  );
}
