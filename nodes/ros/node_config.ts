// Everything a backend needs to create one node: its resolved name and namespace, remap
// rules, parameter sources in precedence order, and log level. Built from `--ros-args`
// (vla-ros run, or a process started by ros2 launch) or directly by the embedded launcher.

import { fullyQualifiedNodeName, normalizeNamespace, resolveNodeIdentity, validateNodeName } from './names.js';
import { loadParamsFile, sectionFromParamArg, type ParamsFileSection } from './params_file.js';
import { parseRosArgs } from './ros_args.js';
import type { RemapRule } from './remap.js';
import type { LogLevel } from './log_level.js';
import { loggerNameFor } from './logger.js';

export interface NodeConfig {
  name: string;
  /** Normalised: '/' or '/a/b'. */
  namespace: string;
  remaps: RemapRule[];
  /** Later sections override earlier ones (params files in order, then -p). */
  parameterSections: ParamsFileSection[];
  logLevel: LogLevel;
  /** The original ROS arguments, handed to rcl unchanged by the rclnodejs backend. */
  rosArgv: string[];
  /**
   * Whether the process's global ROS arguments (the command line's remaps and params) apply too;
   * false for a node loaded into a container, whose command line names the container.
   */
  useGlobalArguments?: boolean;
}

/**
 * The configuration of a node a tool creates for itself (a player, a recorder, a lifecycle
 * manager, a probe): no remaps, no parameters, no ROS arguments.
 */
export function toolNodeConfig(name: string, options: { namespace?: string; logLevel?: LogLevel } = {}): NodeConfig {
  return {
    name,
    namespace: options.namespace ?? '/',
    remaps: [],
    parameterSections: [],
    logLevel: options.logLevel ?? 'warn',
    rosArgv: [],
  };
}

export function fqnOf(config: Pick<NodeConfig, 'name' | 'namespace'>): string {
  return fullyQualifiedNodeName(config.namespace, config.name);
}

/**
 * Builds a node's configuration from a command line such as
 * `--ros-args -r __node:=bridge -r __ns:=/fr3 --params-file f.yaml -p rate_hz:=50`.
 */
export function nodeConfigFromArgv(defaultName: string, argv: string[], defaultNamespace = '/'): NodeConfig {
  const args = parseRosArgs(argv);
  const identity = resolveNodeIdentity(defaultName, defaultNamespace, args.remaps);
  validateNodeName(identity.name);
  const namespace = normalizeNamespace(identity.namespace);
  const fqn = fullyQualifiedNodeName(namespace, identity.name);
  // Sources in command-line order, as rcl merges them. In a process that runs one node an
  // unprefixed `-p` (rcl files it under '/**') can only be meant for that node: address it
  // to the node so that a misspelt name is reported as unknown instead of silently ignored.
  const sections: ParamsFileSection[] = args.overrideSources.flatMap((source) => {
    if (source.kind === 'file') return loadParamsFile(source.path);
    const section = sectionFromParamArg(source.param);
    return [source.param.nodeName === undefined ? { ...section, nodePattern: fqn } : section];
  });
  return {
    name: identity.name,
    namespace,
    remaps: args.remaps,
    parameterSections: sections,
    logLevel: effectiveLogLevel(args.logLevels, namespace, identity.name) ?? 'info',
    rosArgv: argv,
  };
}

/**
 * The level `--log-level` gives this node's logger, as rcutils decides it: a level for the
 * logger's own name (`ns.node`, the rcl logger name) wins over the default level, whatever
 * their order; among equals the last one wins.
 */
export function effectiveLogLevel(
  levels: readonly { logger?: string; level: LogLevel }[],
  namespace: string,
  name: string,
): LogLevel | undefined {
  const loggerName = loggerNameFor(namespace, name);
  return (levels.filter((l) => l.logger === loggerName).at(-1) ?? levels.filter((l) => l.logger === undefined).at(-1))?.level;
}
