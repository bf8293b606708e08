// The ROS 2 command line (`--ros-args ... [--]`), as rcl_parse_arguments reads it (Humble, Jazzy).
//
// Sources the rules were taken from (read, not copied):
//   ros2/rcl  rcl/src/rcl/arguments.c          flag loop, -p rule grammar, log level rule
//   ros2/rcl  rcl/include/rcl/arguments.h      flag spellings
//   ros2/rcl  rcl/test/rcl/test_arguments.cpp  valid / invalid argument tables
// rcl collects unknown flags after --ros-args as "unparsed ROS args" and rclcpp's init then throws
// UnknownROSArgsError; here they are an error straight away.
import { parseLogLevel } from './log_level.js';
import type { LogLevel } from './log_level.js';
import type { ParameterOverride, ParameterValue, ParameterType } from './parameter.js';
import type { RemapRule } from './remap.js';
import { NameError, parseRemapRule, validateNamespace } from './names.js';
import { ParameterValueError, parseParameterValue } from './params_file.js';
import { errorText } from '../error_text.js';

export class RosArgsError extends Error {
  override name = 'RosArgsError';
}

/** A `-p` override; `nodeName` is the `node:` prefix, when given (the rule then only applies to '/node'). */
export interface ParamOverrideArg extends ParameterOverride {
  nodeName?: string;
}

/** `--log-level level` (no logger: the default level) or `--log-level logger:=level`. */
export interface LogLevelArg {
  logger?: string;
  level: LogLevel;
}

/** One parameter source in command-line order; rcl merges them in this order. */
export type OverrideSource = { kind: 'param'; param: ParamOverrideArg } | { kind: 'file'; path: string };

/** Explicit `--enable-*-logs` (true) / `--disable-*-logs` (false) flags; absent when not given. */
export interface LogOutputs {
  rosout?: boolean;
  stdout?: boolean;
  externalLib?: boolean;
}

export interface RosArgs {
  params: ParamOverrideArg[];
  paramsFiles: string[];
  /** `params` and `paramsFiles` interleaved as given, for rcl's precedence (see params_file.ts). */
  overrideSources: OverrideSource[];
  remaps: RemapRule[];
  logLevels: LogLevelArg[];
  enclave?: string;
  logFileName?: string;
  logConfigFile?: string;
  logOutputs: LogOutputs;
  /** Everything outside `--ros-args ... --`, in order. */
  userArgs: string[];
}

const ROS_ARGS_FLAG = '--ros-args';
const ROS_ARGS_END = '--';

type ValueFlag = 'param' | 'remap' | 'paramsFile' | 'logLevel' | 'enclave' | 'logFileName' | 'logConfigFile';

const VALUE_FLAGS: ReadonlyMap<string, ValueFlag> = new Map([
  ['-p', 'param'],
  ['--param', 'param'],
  ['-r', 'remap'],
  ['--remap', 'remap'],
  ['--params-file', 'paramsFile'],
  ['--log-level', 'logLevel'],
  ['-e', 'enclave'],
  ['--enclave', 'enclave'],
  ['--log-file-name', 'logFileName'],
  ['--log-config-file', 'logConfigFile'],
]);

const USAGE: Record<ValueFlag, string> = {
  param: "-p [node:]name:=value (value is YAML: 30, 30.0, true, 'text', [1, 2])",
  remap: '-r [node:]from:=to (or [node:]__node:=new_name, [node:]__ns:=/new/namespace)',
  paramsFile: '--params-file path/to/params.yaml',
  logLevel: '--log-level [logger:=]debug|info|warn|error|fatal',
  enclave: '-e /enclave/path',
  logFileName: '--log-file-name prefix',
  logConfigFile: '--log-config-file path/to/config',
};

const LOG_OUTPUT_FLAGS: ReadonlyMap<string, [keyof LogOutputs, boolean]> = new Map([
  ['--enable-rosout-logs', ['rosout', true]],
  ['--disable-rosout-logs', ['rosout', false]],
  ['--enable-stdout-logs', ['stdout', true]],
  ['--disable-stdout-logs', ['stdout', false]],
  ['--enable-external-lib-logs', ['externalLib', true]],
  ['--disable-external-lib-logs', ['externalLib', false]],
]);

const KNOWN_FLAGS =
  '-p/--param, --params-file, -r/--remap, --log-level, -e/--enclave, --log-file-name, --log-config-file, ' +
  '--enable-/--disable-{rosout,stdout,external-lib}-logs';

function invalid(flag: string, value: string, reason: string, kind: ValueFlag): RosArgsError {
  return new RosArgsError(`invalid ROS argument '${flag} ${value}': ${reason}; usage: ${USAGE[kind]}`);
}

// A name token of rcl's lexer (letters, digits, single '_'; not starting with a digit).
const TOKEN = /^(?:[A-Za-z]|_(?!_))(?:[A-Za-z0-9]|_(?!_))*$/;
// A dot-separated parameter name segment: tokens and '/', each token starting with a letter or '_'.
const PARAM_NAME_SEGMENT = /^(?:\/|[A-Za-z_][A-Za-z0-9_]*)+$/;

function checkParamName(name: string): string | undefined {
  if (name.length === 0) return 'the parameter name is empty';
  for (const segment of name.split('.')) {
    if (!PARAM_NAME_SEGMENT.test(segment) || /(?:^|\/)__/.test(segment)) {
      return `'${name}' is not a valid parameter name (dot-separated names of letters, digits and '_', not starting with a digit)`;
    }
  }
  return undefined;
}

/** Parses the rule of `-p [node:]name:=value`. */
export function parseParamRule(rule: string, flag = '-p'): ParamOverrideArg {
  const sep = rule.indexOf(':=');
  if (sep < 0) throw invalid(flag, rule, "missing ':='", 'param');
  let name = rule.slice(0, sep);
  let nodeName: string | undefined;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    nodeName = name.slice(0, colon);
    name = name.slice(colon + 1);
    if (!TOKEN.test(nodeName)) throw invalid(flag, rule, `'${nodeName}' is not a valid node name prefix`, 'param');
  }
  const nameProblem = checkParamName(name);
  if (nameProblem !== undefined) throw invalid(flag, rule, nameProblem, 'param');
  try {
    const { type, value } = parseParameterValue(rule.slice(sep + 2));
    const override: ParamOverrideArg = { name, type, value, source: flag };
    if (nodeName !== undefined) override.nodeName = nodeName;
    return override;
  } catch (err) {
    if (err instanceof ParameterValueError) throw invalid(flag, rule, `value: ${err.message}`, 'param');
    throw err;
  }
}

function parseLogLevelArg(text: string, flag: string): LogLevelArg {
  const sep = text.indexOf(':=');
  const logger = sep >= 0 ? text.slice(0, sep) : undefined;
  const levelText = sep >= 0 ? text.slice(sep + 2) : text;
  if (logger !== undefined && !/^[A-Za-z0-9_./]+$/.test(logger)) {
    throw invalid(flag, text, `'${logger}' is not a logger name`, 'logLevel');
  }
  if (levelText.trim().toLowerCase() === 'unset') {
    throw invalid(flag, text, "level 'unset' is not supported by this suite", 'logLevel');
  }
  try {
    const level = parseLogLevel(levelText);
    return logger === undefined ? { level } : { logger, level };
  } catch (err) {
    throw invalid(flag, text, errorText(err), 'logLevel');
  }
}

function emptyRosArgs(): RosArgs {
  return {
    params: [],
    paramsFiles: [],
    overrideSources: [],
    remaps: [],
    logLevels: [],
    logOutputs: {},
    userArgs: [],
  };
}

function applyValueFlag(args: RosArgs, kind: ValueFlag, flag: string, value: string): void {
  switch (kind) {
    case 'param': {
      const param = parseParamRule(value, flag);
      args.params.push(param);
      args.overrideSources.push({ kind: 'param', param });
      return;
    }
    case 'remap':
      try {
        args.remaps.push(parseRemapRule(value));
      } catch (err) {
        if (err instanceof NameError) throw invalid(flag, value, err.message, kind);
        throw err;
      }
      return;
    case 'paramsFile':
      args.paramsFiles.push(value);
      args.overrideSources.push({ kind: 'file', path: value });
      return;
    case 'logLevel':
      args.logLevels.push(parseLogLevelArg(value, flag));
      return;
    case 'enclave':
      try {
        validateNamespace(value); // enclave names follow the namespace rules (rcl validate_enclave_name.c)
      } catch (err) {
        if (err instanceof NameError) throw invalid(flag, value, err.message.replace('namespace', 'enclave'), kind);
        throw err;
      }
      args.enclave = value; // the last one wins, as in rcl
      return;
    case 'logFileName':
      args.logFileName = value;
      return;
    case 'logConfigFile':
      args.logConfigFile = value;
      return;
  }
}

/**
 * Splits a command line into ROS arguments and user arguments. Everything between `--ros-args`
 * and a bare `--` (or the end) is ROS arguments; there may be several such sections, and a
 * `--ros-args` inside one is ignored. Outside them everything, `--` included, is a user argument.
 * (rcl also reads a bare `from:=to` outside --ros-args as a deprecated remap; that form is left to
 * the user here, because launch-style `name:=value` arguments share it.)
 */
export function parseRosArgs(argv: readonly string[]): RosArgs {
  const args = emptyRosArgs();
  let inRosArgs = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!inRosArgs) {
      if (arg === ROS_ARGS_FLAG) inRosArgs = true;
      else args.userArgs.push(arg);
      continue;
    }
    if (arg === ROS_ARGS_FLAG) continue;
    if (arg === ROS_ARGS_END) {
      inRosArgs = false;
      continue;
    }
    const kind = VALUE_FLAGS.get(arg);
    if (kind !== undefined) {
      const value = argv[i + 1];
      if (value === undefined || value === ROS_ARGS_END || value === ROS_ARGS_FLAG) {
        throw new RosArgsError(`ROS argument '${arg}' needs a value; usage: ${USAGE[kind]}`);
      }
      applyValueFlag(args, kind, arg, value);
      i++;
      continue;
    }
    const logOutput = LOG_OUTPUT_FLAGS.get(arg);
    if (logOutput !== undefined) {
      args.logOutputs[logOutput[0]] = logOutput[1];
      continue;
    }
    throw new RosArgsError(`unknown ROS argument '${arg}' after --ros-args; known: ${KNOWN_FLAGS} (end ROS arguments with '--')`);
  }
  return args;
}

// --- Formatting (for launchers that spawn processes) -----------------------------------------

function formatDouble(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  if (Object.is(value, -0)) return '-0.0';
  // An integral double needs a '.', or ROS would read it as an integer.
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(1) : String(value);
}

function formatScalar(type: 'bool' | 'integer' | 'double' | 'string', value: unknown, name: string): string {
  switch (type) {
    case 'bool':
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      break;
    case 'integer':
      if (Number.isSafeInteger(value)) return String(value);
      break;
    case 'double':
      if (typeof value === 'number') return formatDouble(value);
      break;
    case 'string':
      // A JSON string is a valid YAML double-quoted scalar, and quoted means string to ROS.
      if (typeof value === 'string') return JSON.stringify(value);
      break;
  }
  throw new RosArgsError(`parameter '${name}': ${JSON.stringify(value)} is not a ${type} value`);
}

const ELEMENT_TYPE: Partial<Record<ParameterType, 'bool' | 'integer' | 'double' | 'string'>> = {
  bool_array: 'bool',
  integer_array: 'integer',
  double_array: 'double',
  string_array: 'string',
};

/** The YAML text that `-p` reads back as the same type and value. */
export function formatParamValue(type: ParameterType, value: ParameterValue, name = '?'): string {
  if (type === 'byte_array') {
    throw new RosArgsError(`parameter '${name}': byte arrays cannot be given with -p (ROS YAML has no byte arrays)`);
  }
  const elementType = ELEMENT_TYPE[type];
  if (elementType === undefined) return formatScalar(type as 'bool' | 'integer' | 'double' | 'string', value, name);
  if (!Array.isArray(value)) throw new RosArgsError(`parameter '${name}': expected an array for ${type}`);
  if (value.length === 0) {
    throw new RosArgsError(`parameter '${name}': empty arrays cannot be given with -p (ROS cannot type them)`);
  }
  return `[${(value as unknown[]).map((v) => formatScalar(elementType, v, name)).join(', ')}]`;
}

function formatParamRule(param: ParamOverrideArg): string {
  const prefix = param.nodeName === undefined ? '' : `${param.nodeName}:`;
  return `${prefix}${param.name}:=${formatParamValue(param.type, param.value, param.name)}`;
}

/**
 * The argv that parseRosArgs reads back as `args`: user arguments first, then one `--ros-args`
 * section. Parameter sources keep `overrideSources` order when given; otherwise params files
 * come before -p rules, so that a -p rule wins over a file for the same node key.
 */
export function formatRosArgs(args: Partial<RosArgs>): string[] {
  const ros: string[] = [];
  const sources: OverrideSource[] = args.overrideSources ?? [
    ...(args.paramsFiles ?? []).map((path): OverrideSource => ({ kind: 'file', path })),
    ...(args.params ?? []).map((param): OverrideSource => ({ kind: 'param', param })),
  ];
  for (const source of sources) {
    if (source.kind === 'file') ros.push('--params-file', source.path);
    else ros.push('-p', formatParamRule(source.param));
  }
  for (const rule of args.remaps ?? []) {
    const prefix = rule.nodeName === undefined ? '' : `${rule.nodeName}:`;
    ros.push('-r', `${prefix}${rule.from}:=${rule.to}`);
  }
  for (const { logger, level } of args.logLevels ?? []) {
    ros.push('--log-level', logger === undefined ? level : `${logger}:=${level}`);
  }
  if (args.enclave !== undefined) ros.push('-e', args.enclave);
  if (args.logFileName !== undefined) ros.push('--log-file-name', args.logFileName);
  if (args.logConfigFile !== undefined) ros.push('--log-config-file', args.logConfigFile);
  const outputs = args.logOutputs ?? {};
  const outputFlag: Record<keyof LogOutputs, string> = {
    rosout: 'rosout-logs',
    stdout: 'stdout-logs',
    externalLib: 'external-lib-logs',
  };
  for (const key of ['rosout', 'stdout', 'externalLib'] as const) {
    const enabled = outputs[key];
    if (enabled !== undefined) ros.push(`--${enabled ? 'enable' : 'disable'}-${outputFlag[key]}`);
  }
  const user = args.userArgs ?? [];
  return ros.length === 0 ? [...user] : [...user, ROS_ARGS_FLAG, ...ros];
}
