// Parsed launch files: one file's elements → action specs (templates not yet evaluated),
// checking everything ros2 launch checks before running (unknown elements, attributes and
// substitutions, and bad substitution syntax fail even in branches that are never taken).

import path from 'node:path';
import { failAt, NOT_EMBEDDED, type Origin, type SourceFile } from './launch_errors.js';
import { errorText } from '../error_text.js';
import { coerceBool, PARAM_TYPE_IDS, pythonFloat, type ParamTypeId } from './launch_param_values.js';
import {
  hasSubstitution,
  ROS1_SUBSTITUTIONS,
  SUBSTITUTION_ARITY,
  SubstitutionParser,
  SubstitutionSyntaxError,
  textOnly,
  unescapeText,
  type Part,
  type Template,
} from './launch_substitution.js';
import type { XmlElement } from './launch_xml.js';

// --- Parsed launch files ----------------------------------------------------------------------

export interface Condition {
  attribute: 'if' | 'unless';
  expression: Template;
}

export interface NameValue {
  origin: Origin;
  name: Template;
  value: Template;
}

export interface ParamEntrySpec {
  origin: Origin;
  /** Name parts of nested <param> elements, joined with '.'. */
  namePath: Template[];
  typeId: ParamTypeId;
  /** One template for the whole value, or one per item when `value-sep` splits it. */
  items: Template[];
  separated: boolean;
}

export type ParamSpec =
  { kind: 'file'; origin: Origin; path: Template; allowSubstitutions: boolean } | { kind: 'values'; entries: ParamEntrySpec[] };

export interface NodeSpec {
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

/** `<node_container>`: the container's own node and the `<composable_node>`s loaded into it. */
export interface ContainerSpec {
  kind: 'container';
  origin: Origin;
  condition: Condition | undefined;
  node: NodeSpec;
  composables: ComposableSpec[];
}

/** `<composable_node>`: a node spec (exec = the plugin) with its `<extra_arg>`s. */
export interface ComposableSpec {
  node: NodeSpec;
  extraArgs: NameValue[];
}

export interface ArgSpec {
  kind: 'arg';
  origin: Origin;
  condition: Condition | undefined;
  name: string;
  rawDefault: string | undefined;
  default: Template | undefined;
  description: string;
  choices: string[] | undefined;
}

export type ActionSpec =
  | ArgSpec
  | NodeSpec
  | ContainerSpec
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

export interface ParsedFile {
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
  composable_node: 'loads a component into a container; only the children of a <node_container> are run',
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
  'node required': 'use on_exit="shutdown" with ros2 launch',
};

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
export class FileParser {
  readonly varReferences = new Set<string>();
  private readsComputedVar = false;

  constructor(private readonly source: SourceFile) {}

  parse(root: XmlElement): ParsedFile {
    const reader = this.reader(root);
    reader.raw('deprecated'); // ros2 launch logs it; the root's attributes are not checked upstream
    const actions = reader.otherChildren().map((child) => this.action(child));
    return {
      source: this.source,
      root: reader.origin,
      actions,
      varReferences: this.varReferences,
      readsComputedVar: this.readsComputedVar,
    };
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
      case 'node_container':
        return this.container(r);
      case 'push-ros-namespace':
      case 'push_ros_namespace':
        return { kind: 'push_ros_namespace', origin, namespace: r.requiredTemplate('namespace'), condition: r.condition() };
      case 'set_parameter':
        return {
          kind: 'set_parameter',
          origin,
          name: r.requiredTemplate('name'),
          value: r.requiredTemplate('value'),
          condition: r.condition(),
        };
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
    return {
      kind: 'include',
      origin: r.origin,
      condition: r.condition(),
      file: r.requiredTemplate('file'),
      args: this.nameValues(r.children('arg')),
    };
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
      if (delay === undefined || Number.isNaN(delay))
        r.fail(`attribute 'respawn_delay' must be a number of seconds, got '${respawnDelayText}'`);
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
      remaps: this.remaps(r),
      unsupported,
    };
  }

  private container(r: ElementReader): ContainerSpec {
    // launch_ros's ComposableNodeContainer requires a name (the nodes are loaded into it by it).
    r.requiredRaw('name');
    const composables = r.children('composable_node').map((element) => {
      const child = this.reader(element);
      const spec = this.composable(child);
      child.finish();
      return spec;
    });
    const node = this.node(r);
    return { kind: 'container', origin: r.origin, condition: node.condition, node, composables };
  }

  /** launch_ros ComposableNode: pkg, plugin, name, namespace, <param>, <remap>, <extra_arg>. */
  private composable(r: ElementReader): ComposableSpec {
    return {
      node: {
        kind: 'node',
        origin: r.origin,
        condition: r.condition(),
        pkg: r.requiredTemplate('pkg'),
        exec: r.requiredTemplate('plugin'),
        name: r.template('name'),
        namespace: r.template('namespace'),
        args: undefined,
        rosArgs: undefined,
        output: undefined,
        respawn: undefined,
        respawnDelay: 0,
        launchPrefix: undefined,
        execName: undefined,
        params: r.children('param').map((element) => this.param(element)),
        remaps: this.remaps(r),
        unsupported: [],
      },
      extraArgs: this.nameValues(r.children('extra_arg')),
    };
  }

  private remaps(r: ElementReader): NameValue[] {
    return r.children('remap').map((element) => {
      const remap = this.reader(element);
      const pair = { origin: remap.origin, name: remap.requiredTemplate('from'), value: remap.requiredTemplate('to') };
      remap.finish();
      return pair;
    });
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
