// Evaluates ROS 2 XML launch files (the launch_xml frontend with the launch_ros actions) into a
// LaunchDescription, so that `vla-ros launch` reads the very files `ros2 launch vla_ros ...` reads.
//
// One module per concept: launch_xml.ts (XML with line numbers), launch_substitution.ts (the
// substitution syntax), launch_expression.ts ($(eval)), launch_param_values.ts (value typing),
// launch_parser.ts (a file's elements → action specs), launch_errors.ts (LaunchFileError and
// where errors point); this module is the evaluator (scopes, includes, namespaces → the nodes to
// start) and the public entry points.
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
import type { LaunchContext } from './launch_context.js';
import type { LaunchArgument, LaunchDescription, NodeAction, ParameterSource } from './launch_description.js';
import { describeOrigin, failAt, LaunchFileError, NOT_EMBEDDED, type Origin, type SourceFile } from './launch_errors.js';
import { errorText } from '../error_text.js';
import { evaluateExpression, ExpressionError } from './launch_expression.js';
import { coerceBool, pythonFloat, typeParamValue, typeSeparatedValue } from './launch_param_values.js';
import {
  FileParser,
  type ActionSpec,
  type ArgSpec,
  type Condition,
  type ContainerSpec,
  type NodeSpec,
  type ParamEntrySpec,
  type ParsedFile,
} from './launch_parser.js';
import { UNSUPPORTED_SUBSTITUTIONS, type Part, type Template } from './launch_substitution.js';
import { parseXml } from './launch_xml.js';
import { extraArgumentProblem } from './load_node_request.js';
import type { ParameterOverride } from '../ros/parameter.js';
import type { RemapRule } from '../ros/remap.js';
import { NameError, normalizeNamespace, parseRemapRule, validateNamespace, validateNodeName } from '../ros/names.js';
import { ParameterValueError, parseParameterValue, type TypedValue } from '../ros/params_file.js';

export { LaunchFileError };

// --- Command-line arguments -------------------------------------------------------------------

/** A malformed `name:=value` command-line item. */
export class LaunchArgumentError extends Error {
  override name = 'LaunchArgumentError';
}

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
        scope.configurations.set(
          this.substitute(action.name, { origin, attribute: 'name' }),
          this.substitute(action.value, { origin, attribute: 'value' }),
        );
        return;
      case 'group':
        return this.runGroup(action, included);
      case 'include':
        return this.include(action);
      case 'node':
        this.nodes.push(this.nodeAction(action));
        return;
      case 'container':
        return this.container(action);
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
        scope.environment.set(
          this.substitute(action.name, { origin, attribute: 'name' }),
          this.substitute(action.value, { origin, attribute: 'value' }),
        );
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
      ({ origin, name, value }) =>
        [this.substitute(name, { origin, attribute: 'name' }), this.substitute(value, { origin, attribute: 'value' })] as const,
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
      failAt(
        origin,
        `the resulting namespace '${combined}' is invalid (previous '${previous ?? '/'}', pushed '${pushed}'): ${errorText(err)}`,
      );
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
    const prepend =
      typeof action.prepend === 'boolean' ? action.prepend : this.substituteBool(action.prepend, { origin, attribute: 'prepend' });
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
      failAt(
        origin,
        "attribute 'pkg' is required by the embedded launcher (a <node> without 'pkg' runs an executable from PATH, which only ros2 launch can do)",
      );
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
    const given = combineNamespaces(this.scope.rosNamespace, ownNamespace);
    const combined = given ?? '/';
    let namespace: string;
    try {
      namespace = normalizeNamespace(combined);
    } catch (err) {
      failAt(
        origin,
        `the node's namespace '${combined}' is invalid (pushed '${this.scope.rosNamespace ?? '/'}', own '${ownNamespace ?? ''}'): ${errorText(err)}`,
      );
    }
    return {
      pkg,
      exec,
      name,
      namespace,
      namespaceGiven: given !== undefined,
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

  /**
   * `<node_container>`: its `<composable_node>`s (those whose condition holds) become nodes that
   * name the container; the launcher decides how to host them (ros2 launch: one process).
   */
  private container(spec: ContainerSpec): void {
    const container = this.nodeAction(spec.node);
    for (const { node, extraArgs } of spec.composables) {
      if (node.condition !== undefined && !this.conditionHolds(node.condition, node.origin)) continue;
      for (const extra of extraArgs) {
        const site = { origin: extra.origin, attribute: 'name' };
        const problem = extraArgumentProblem(this.substitute(extra.name, site));
        if (problem !== undefined) failIn(site, problem);
        this.substitute(extra.value, { origin: extra.origin, attribute: 'value' });
      }
      this.nodes.push({ ...this.nodeAction(node), output: container.output, container });
    }
  }

  private nodeOutput(node: NodeSpec): NodeAction['output'] {
    // ExecuteLocal lets OVERRIDE_LAUNCH_PROCESS_OUTPUT replace every process's output setting.
    const override = this.initialEnvironment.get('OVERRIDE_LAUNCH_PROCESS_OUTPUT');
    const output =
      override ?? (node.output === undefined ? undefined : this.substitute(node.output, { origin: node.origin, attribute: 'output' }));
    if (output === undefined || output === 'screen' || output === 'log' || output === 'both') return output;
    if (output === 'own_log' || output === 'full')
      failAt(node.origin, `output '${output}' (rather than screen, log or both) is ${NOT_EMBEDDED}`);
    return failAt(node.origin, `attribute 'output': '${output}' is not an output setting (screen, log, both, own_log or full)`);
  }

  /** The node's <param> children in order; consecutive inline values share one source. */
  private nodeParameters(node: NodeSpec): ParameterSource[] {
    const sources: ParameterSource[] = [];
    for (const spec of node.params) {
      if (spec.kind === 'file') {
        const site = { origin: spec.origin, attribute: 'from' };
        if (spec.allowSubstitutions)
          failIn({ origin: spec.origin, attribute: 'allow_substs' }, `substitutions inside params files are ${NOT_EMBEDDED}`);
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
        return failIn(
          site,
          `launch configuration '${name}' does not exist (declare it with <arg name="${name}" .../> or set it with <let>)`,
        );
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
      if (action.kind === 'arg' && !declared.has(action.name))
        declared.set(action.name, { arg: action, conditional: conditional || action.condition !== undefined });
      if (action.kind === 'group' && !(action.scoped && !action.forwarding))
        visit(action.actions, conditional || action.condition !== undefined);
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
