// ROS 2 parameter YAML: the params-file format, value typing, node-name wildcards and override
// precedence, as rcl_yaml_param_parser + rclcpp do them (Humble, Jazzy).
//
// Sources the rules were taken from (read, not copied):
//   ros2/rcl     rcl_yaml_param_parser/src/parse.c      get_value (typing), parse_key, _validate_name,
//                                                      parse_file_events (structure, aliases rejected)
//   ros2/rcl     rcl_yaml_param_parser/src/namespace.c  nested node keys joined with '/'
//   ros2/rcl     rcl_yaml_param_parser/src/parser.c     rcl_parse_yaml_value (-p values)
//   ros2/rclcpp  rclcpp/src/rclcpp/parameter_map.cpp    wildcard matching, leading '/' added,
//                                                      "No parameter value set" for empty arrays
//   ros2/rclcpp  rclcpp/src/rclcpp/detail/resolve_parameter_overrides.cpp  (later entries win)
import { readFileSync } from 'node:fs';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, parseDocument } from 'yaml';
import type { Node as YamlNode, YAMLMap } from 'yaml';
import type { ParameterOverride, ParameterType, ParameterValue } from './parameter.js';
import type { ParamOverrideArg, RosArgs } from './ros_args.js';
import { NameError, validateNamespace, validateNodeName } from './names.js';
import { errorText } from '../error_text.js';

export class ParamsFileError extends Error {
  override name = 'ParamsFileError';
  constructor(
    message: string,
    readonly file: string,
    readonly keyPath: readonly string[] = [],
    readonly line?: number,
  ) {
    super(message);
  }
}

/** A value that ROS would not accept as a parameter value; `offset` points into the YAML text. */
export class ParameterValueError extends Error {
  override name = 'ParameterValueError';
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

/** One `<node pattern>: ros__parameters:` block of a params file (or one `-p` rule). */
export interface ParamsFileSection {
  /** The node key as written, nested keys joined with '/': '/fr3/bridge', 'bridge', '/**', '/**\/bridge'. */
  nodePattern: string;
  params: ParameterOverride[];
}

export const PARAMS_KEY = 'ros__parameters';
const WILDCARD_ANY = '/**';
const WILDCARD_ONE = '/*';

// --- Value typing (rcl_yaml_param_parser get_value) ------------------------------------------
// ROS does not use the YAML 1.2 core schema: quoted or !!str scalars are strings; otherwise the
// YAML 1.1 booleans (y, yes, on, ...), then strtoll(base 0) integers ('0x1f', '017' octal), then
// strtod doubles ('1.0', '1e3', '.inf', 'nan'), else a string. Empty values are errors.

type ScalarValue =
  | { type: 'bool'; value: boolean }
  | { type: 'integer'; value: number }
  | { type: 'double'; value: number }
  | { type: 'string'; value: string };

const TRUE_WORDS = new Set(['Y', 'y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE_WORDS = new Set(['N', 'n', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
// YAML nulls. ROS would turn '~' and 'null' into strings; they are rejected here because that is
// never what the author meant (quote them to get the string).
const NULL_WORDS = new Set(['~', 'null', 'Null', 'NULL']);
const YAML_INFINITIES = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']);
const YAML_NEG_INFINITIES = new Set(['-.inf', '-.Inf', '-.INF']);
const YAML_NANS = new Set(['.nan', '.NaN', '.NAN']);
const STR_TAG = 'tag:yaml.org,2002:str';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const C_SPACE = '[ \\t\\n\\v\\f\\r]*';
const C_INTEGER = new RegExp(`^${C_SPACE}([+-]?)(?:0[xX]([0-9a-fA-F]+)|0([0-7]*)|([1-9][0-9]*))$`);
const C_DECIMAL = new RegExp(`^${C_SPACE}([+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)$`);
const C_HEX_FLOAT = new RegExp(`^${C_SPACE}([+-]?)0[xX]([0-9a-fA-F]*)\\.?([0-9a-fA-F]*)(?:[pP]([+-]?[0-9]+))?$`);
const C_INF = new RegExp(`^${C_SPACE}([+-]?)(?:inf|infinity)$`, 'i');
const C_NAN = new RegExp(`^${C_SPACE}[+-]?nan(?:\\([0-9A-Za-z_]*\\))?$`, 'i');

/** strtoll(text, 0) consuming all of `text`; undefined when it does not or overflows int64. */
function parseCInteger(text: string): bigint | undefined {
  const m = C_INTEGER.exec(text);
  if (m === null) return undefined;
  const [, sign, hex, octal, decimal] = m;
  let magnitude: bigint;
  if (hex !== undefined) magnitude = BigInt(`0x${hex}`);
  else if (decimal !== undefined) magnitude = BigInt(decimal);
  else magnitude = octal ? BigInt(`0o${octal}`) : 0n;
  const value = sign === '-' ? -magnitude : magnitude;
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/** strtod(text) consuming all of `text` without ERANGE; undefined otherwise. */
function parseCDouble(text: string): number | undefined {
  if (YAML_NANS.has(text)) return NaN;
  if (YAML_INFINITIES.has(text)) return Infinity;
  if (YAML_NEG_INFINITIES.has(text)) return -Infinity;
  const inf = C_INF.exec(text);
  if (inf !== null) return inf[1] === '-' ? -Infinity : Infinity;
  if (C_NAN.test(text)) return NaN;
  let value: number;
  let mantissaIsZero: boolean;
  const dec = C_DECIMAL.exec(text);
  const hex = dec === null ? C_HEX_FLOAT.exec(text) : null;
  if (dec !== null) {
    value = Number(dec[1]);
    mantissaIsZero = !/[1-9]/.test(dec[1].split(/[eE]/)[0]);
  } else if (hex !== null && (hex[2] + hex[3]).length > 0) {
    const [, sign, intDigits, fracDigits, exp] = hex;
    const mantissa = Number.parseInt(`${intDigits}${fracDigits}` || '0', 16) / 16 ** fracDigits.length;
    value = (sign === '-' ? -1 : 1) * mantissa * 2 ** Number(exp ?? '0');
    mantissaIsZero = mantissa === 0;
  } else {
    return undefined;
  }
  // strtod reports ERANGE on overflow and on underflow to zero; ROS then keeps the text as a string.
  if (!Number.isFinite(value) || (value === 0 && !mantissaIsZero)) return undefined;
  return value;
}

/** Types one scalar the way rcl does; `plain` is false for quoted or !!str scalars. */
export function typeRosScalar(text: string, plain: boolean): ScalarValue {
  if (!plain) return { type: 'string', value: text };
  if (text.length === 0) throw new ParameterValueError('no value given');
  if (NULL_WORDS.has(text)) {
    throw new ParameterValueError(`'${text}' is YAML null, which is not a parameter value (quote it if you mean the string)`);
  }
  if (TRUE_WORDS.has(text)) return { type: 'bool', value: true };
  if (FALSE_WORDS.has(text)) return { type: 'bool', value: false };
  const integer = parseCInteger(text);
  if (integer !== undefined) {
    const value = Number(integer);
    if (!Number.isSafeInteger(value)) {
      throw new ParameterValueError(`integer ${text} is outside the range this suite can represent exactly (±2^53)`);
    }
    return { type: 'integer', value };
  }
  const double = parseCDouble(text);
  if (double !== undefined) return { type: 'double', value: double };
  return { type: 'string', value: text };
}

const ARRAY_TYPE_OF = {
  bool: 'bool_array',
  integer: 'integer_array',
  double: 'double_array',
  string: 'string_array',
} as const satisfies Record<ScalarValue['type'], ParameterType>;

export interface TypedValue {
  type: ParameterType;
  value: ParameterValue;
}

function offsetOf(node: YamlNode | null | undefined): number | undefined {
  return node?.range?.[0];
}

/** Types a YAML value node (scalar or flat sequence) as rcl does. */
function typeYamlValue(node: YamlNode | null | undefined): TypedValue {
  if (node === null || node === undefined) throw new ParameterValueError('no value given');
  if (isAlias(node)) throw new ParameterValueError('YAML aliases (*name) are not supported (rcl rejects them)', offsetOf(node));
  if (isScalar(node)) {
    const plain = node.tag !== STR_TAG && node.type !== 'QUOTE_SINGLE' && node.type !== 'QUOTE_DOUBLE';
    try {
      return typeRosScalar(String(node.value), plain);
    } catch (err) {
      if (err instanceof ParameterValueError) throw new ParameterValueError(err.message, offsetOf(node));
      throw err;
    }
  }
  if (isSeq(node)) {
    if (node.items.length === 0) {
      // rcl leaves an empty sequence without a value and rclcpp then fails the node with
      // "No parameter value set": the type of an empty array cannot be known.
      throw new ParameterValueError(
        'empty arrays cannot be typed by ROS (rclcpp fails with "No parameter value set"); leave the key out to keep the declared default',
        offsetOf(node),
      );
    }
    const items: ScalarValue[] = [];
    for (const item of node.items) {
      if (!isScalar(item) && !isAlias(item)) {
        throw new ParameterValueError(
          'array elements must be scalars (nested arrays and mappings are not parameter values)',
          offsetOf(item as YamlNode),
        );
      }
      const typed = typeYamlValue(item) as ScalarValue;
      const first = items[0];
      if (first !== undefined && typed.type !== first.type) {
        const numbers = new Set([first.type, typed.type]);
        const hint =
          numbers.has('integer') && numbers.has('double') ? ' (for a double array write every number with a decimal point, e.g. 1.0)' : '';
        throw new ParameterValueError(
          `arrays must hold one type: element ${items.length} is ${typed.type} but the first is ${first.type}${hint}`,
          offsetOf(item),
        );
      }
      items.push(typed);
    }
    return { type: ARRAY_TYPE_OF[items[0].type], value: items.map((i) => i.value) as ParameterValue };
  }
  throw new ParameterValueError('a mapping is not a parameter value', offsetOf(node));
}

/** Parses and types a `-p name:=value` value (YAML text), as rcl_parse_yaml_value does. */
export function parseParameterValue(text: string): TypedValue {
  if (text.length === 0) throw new ParameterValueError('no value given');
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false });
  const error = doc.errors[0];
  if (error !== undefined) throw new ParameterValueError(`not valid YAML: ${error.message.split('\n')[0]}`);
  return typeYamlValue(doc.contents);
}

// --- Params files -----------------------------------------------------------------------------

/** Joins nested node keys like rcl's namespace tracker: '/' between keys unless one is there. */
function joinNodeKeys(keys: readonly string[]): string {
  return keys.reduce((joined, key) => (joined === '' ? key : joined.endsWith('/') ? joined + key : `${joined}/${key}`), '');
}

/**
 * Validates a node key as rcl's _validate_name: '/**' and '/*' alone; otherwise a namespace whose
 * segments may be '*' or '**', and a node name that may be '*' or '**'. Returns the reason or
 * undefined when valid.
 */
function nodePatternProblem(pattern: string): string | undefined {
  if (pattern === WILDCARD_ANY || pattern === WILDCARD_ONE) return undefined;
  const lastSlash = pattern.lastIndexOf('/');
  const nodeName = pattern.slice(lastSlash + 1);
  const segments = lastSlash <= 0 ? [] : pattern.slice(pattern.startsWith('/') ? 1 : 0, lastSlash).split('/');
  try {
    for (const segment of segments) {
      if (segment === '') return "contains repeated '/'";
      if (segment !== '*' && segment !== '**') validateNamespace(`/${segment}`);
    }
    if (nodeName !== '*' && nodeName !== '**') validateNodeName(nodeName);
  } catch (err) {
    if (err instanceof NameError) return err.message;
    throw err;
  }
  return undefined;
}

interface WalkContext {
  file: string;
  lines: LineCounter;
  sections: ParamsFileSection[];
}

/** `file:line: at 'a.b.c': reason`; `subject` replaces the "at 'key path'" part when given. */
function fileError(
  ctx: WalkContext,
  keyPath: readonly string[],
  offset: number | undefined,
  reason: string,
  subject?: string,
): ParamsFileError {
  const line = offset === undefined ? undefined : ctx.lines.linePos(offset).line;
  const where = `${ctx.file}${line === undefined ? '' : `:${line}`}`;
  const about = subject ?? (keyPath.length > 0 ? `at '${keyPath.join('.')}'` : '');
  return new ParamsFileError(`${where}: ${about === '' ? '' : `${about}: `}${reason}`, ctx.file, keyPath, line);
}

function keyText(ctx: WalkContext, keyPath: readonly string[], key: unknown): string {
  // With the failsafe schema every scalar value is a string.
  if (!isScalar(key) || typeof key.value !== 'string' || key.value === '') {
    throw fileError(ctx, keyPath, offsetOf(key as YamlNode), 'keys must be non-empty scalars');
  }
  return key.value;
}

/** Flattens `ros__parameters` into dotted names ('a: {b: 1}' → 'a.b'). */
function flattenParams(
  ctx: WalkContext,
  map: YAMLMap,
  nodePattern: string,
  prefix: string,
  keyPath: readonly string[],
  out: ParameterOverride[],
): void {
  for (const pair of map.items) {
    const key = keyText(ctx, keyPath, pair.key);
    const name = prefix === '' ? key : `${prefix}.${key}`;
    const path = [...keyPath, key];
    const value = pair.value as YamlNode | null;
    if (isMap(value)) {
      if (value.items.length === 0) {
        const reason = 'an empty mapping has no value (rclcpp fails with "No parameter value set")';
        throw fileError(ctx, path, offsetOf(value), reason, `node '${nodePattern}', parameter '${name}'`);
      }
      flattenParams(ctx, value, nodePattern, name, path, out);
      continue;
    }
    try {
      const typed = typeYamlValue(value);
      out.push({ name, type: typed.type, value: typed.value, source: ctx.file });
    } catch (err) {
      if (err instanceof ParameterValueError) {
        const offset = err.offset ?? offsetOf(pair.key as YamlNode);
        throw fileError(ctx, path, offset, err.message, `node '${nodePattern}', parameter '${name}'`);
      }
      throw err;
    }
  }
}

/** Walks node-name levels until `ros__parameters`, as rcl's parse_key does at MAP_NODE_NAME_LVL. */
function walkNodeKeys(ctx: WalkContext, map: YAMLMap, nodeKeys: readonly string[], keyPath: readonly string[]): void {
  if (map.items.length === 0 && nodeKeys.length > 0) {
    throw fileError(ctx, keyPath, offsetOf(map), `node '${joinNodeKeys(nodeKeys)}' has no '${PARAMS_KEY}'`);
  }
  for (const pair of map.items) {
    const key = keyText(ctx, keyPath, pair.key);
    const path = [...keyPath, key];
    const value = pair.value as YamlNode | null;
    if (isAlias(value)) throw fileError(ctx, path, offsetOf(value), 'YAML aliases (*name) are not supported (rcl rejects them)');
    if (key === PARAMS_KEY) {
      if (nodeKeys.length === 0) throw fileError(ctx, path, offsetOf(pair.key as YamlNode), `'${PARAMS_KEY}' must be under a node name`);
      const nodePattern = joinNodeKeys(nodeKeys);
      const problem = nodePatternProblem(nodePattern);
      if (problem !== undefined)
        throw fileError(ctx, keyPath, offsetOf(pair.key as YamlNode), `invalid node name '${nodePattern}': ${problem}`);
      if (!isMap(value)) {
        throw fileError(
          ctx,
          path,
          offsetOf(value) ?? offsetOf(pair.key as YamlNode),
          `'${PARAMS_KEY}' must be a mapping of parameter names to values (use {} for none)`,
        );
      }
      const params: ParameterOverride[] = [];
      flattenParams(ctx, value, nodePattern, '', path, params);
      ctx.sections.push({ nodePattern, params });
      continue;
    }
    if (!isMap(value)) {
      const reason =
        nodeKeys.length === 0
          ? `top-level keys are node names and must hold '${PARAMS_KEY}' (e.g. ${key}: {${PARAMS_KEY}: {...}})`
          : `'${key}' is not under '${PARAMS_KEY}': a node key holds '${PARAMS_KEY}' or nested namespace/node keys`;
      throw fileError(ctx, path, offsetOf(value) ?? offsetOf(pair.key as YamlNode), reason);
    }
    walkNodeKeys(ctx, value, [...nodeKeys, key], path);
  }
}

/** Parses a ROS 2 params file's text; `sourceName` (usually the path) is used in errors and as the override source. */
export function parseParamsYaml(text: string, sourceName: string): ParamsFileSection[] {
  const ctx: WalkContext = { file: sourceName, lines: new LineCounter(), sections: [] };
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, lineCounter: ctx.lines });
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error !== undefined) {
      throw fileError(ctx, [], error.pos[0], `not valid YAML: ${error.message.split('\n')[0]}`);
    }
    const contents = doc.contents as YamlNode | null;
    if (contents === null || (isScalar(contents) && contents.value === '')) continue;
    if (!isMap(contents)) throw fileError(ctx, [], offsetOf(contents), 'the top level must be a mapping of node names');
    walkNodeKeys(ctx, contents, [], []);
  }
  return ctx.sections;
}

export function loadParamsFile(path: string): ParamsFileSection[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = errorText(err);
    throw new ParamsFileError(`cannot read params file '${path}': ${reason}`, path);
  }
  return parseParamsYaml(text, path);
}

// --- Matching and precedence ------------------------------------------------------------------

/**
 * Whether a node key applies to a node, as rclcpp's parameter_map_from: a key without a leading
 * '/' gets one, so `controller_bridge:` matches only '/controller_bridge' and NOT
 * '/fr3/controller_bridge' (use '/**\/controller_bridge' or '/fr3/controller_bridge' for that);
 * then every '/*' becomes one '/name' level, so '/**' is any number of levels (zero included),
 * and the whole FQN must match.
 */
export function nodeMatchesPattern(pattern: string, fqNodeName: string): boolean {
  const absolute = pattern.startsWith('/') ? pattern : `/${pattern}`;
  let source = '';
  for (let i = 0; i < absolute.length;) {
    if (absolute.startsWith(WILDCARD_ONE, i)) {
      source += '(?:/\\w+)';
      i += 2;
    } else {
      const c = absolute[i];
      source += c === '*' ? '*' : c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  try {
    return new RegExp(`^(?:${source})$`).test(fqNodeName);
  } catch {
    return false; // a malformed pattern such as '/***' (rclcpp would throw); it matches nothing
  }
}

/** True when a pattern names the node itself rather than any node ('/**', '/*', '/ns/*'). */
function namesNodeExplicitly(pattern: string): boolean {
  const last = pattern.slice(pattern.lastIndexOf('/') + 1);
  return last !== '*' && last !== '**';
}

/**
 * The overrides that apply to a node. Precedence is rcl's + rclcpp's: all sources are merged into
 * one table of node keys, kept in the order each key first appeared (the same key written again,
 * in the same or a later file, updates that entry in place); the node's matching entries are
 * then applied in that order, later ones winning. So later sections win, except that a section
 * whose exact key appeared earlier takes that earlier place: after `/**: {x: 1}`, `/n: {x: 2}`,
 * `/**: {x: 3}` the node '/n' gets x = 2. (ros2/rclcpp#953 discusses this ordering.)
 */
export function collectOverrides(
  sections: readonly ParamsFileSection[],
  fqNodeName: string,
): { overrides: Map<string, ParameterOverride>; nodeSpecific: Set<string> } {
  const entries = new Map<string, Map<string, ParameterOverride>>();
  for (const section of sections) {
    let entry = entries.get(section.nodePattern);
    if (entry === undefined) {
      entry = new Map();
      entries.set(section.nodePattern, entry);
    }
    for (const param of section.params) entry.set(param.name, param);
  }
  const overrides = new Map<string, ParameterOverride>();
  const nodeSpecific = new Set<string>();
  for (const [pattern, params] of entries) {
    if (!nodeMatchesPattern(pattern, fqNodeName)) continue;
    const explicit = namesNodeExplicitly(pattern);
    for (const param of params.values()) {
      overrides.set(param.name, param);
      if (explicit) nodeSpecific.add(param.name);
    }
  }
  return { overrides, nodeSpecific };
}

/** A `-p [node:]name:=value` rule as the section rcl files it under: '/**' or the node prefix. */
export function sectionFromParamArg(param: ParamOverrideArg): ParamsFileSection {
  const { nodeName, ...override } = param;
  return { nodePattern: nodeName ?? WILDCARD_ANY, params: [override] };
}

/**
 * All parameter sections of parsed ROS args, in command-line order (-p rules and params files
 * interleaved as given), ready for collectOverrides.
 */
export function sectionsFromRosArgs(
  args: Pick<RosArgs, 'overrideSources'>,
  load: (path: string) => ParamsFileSection[] = loadParamsFile,
): ParamsFileSection[] {
  return args.overrideSources.flatMap((source) => (source.kind === 'file' ? load(source.path) : [sectionFromParamArg(source.param)]));
}
