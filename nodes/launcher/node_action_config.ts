// Turns a launch file's <node> into what a backend needs to start it: a NodeConfig for the
// embedded backend, or the `--ros-args` command line ros2 launch would give the process.

import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { fullyQualifiedNodeName, normalizeNamespace, resolveNodeIdentity } from '../ros/names.js';
import { loadParamsFile, sectionsFromRosArgs, type ParamsFileSection } from '../ros/params_file.js';
import { parseRosArgs } from '../ros/ros_args.js';
import type { LogLevel } from '../ros/log_level.js';
import { effectiveLogLevel, type NodeConfig } from '../ros/node_config.js';
import type { NodeAction, ParameterSource } from './launch_description.js';

export function nodeConfigFromAction(action: NodeAction, defaultName: string, logLevel: LogLevel): NodeConfig {
  const extra = parseRosArgs(action.rosArgs.length > 0 ? ['--ros-args', ...action.rosArgs] : []);
  const remaps = [...action.remaps, ...extra.remaps];
  const identity = resolveNodeIdentity(action.name ?? defaultName, action.namespace, remaps);
  const namespace = normalizeNamespace(identity.namespace);
  const sections: ParamsFileSection[] = [];
  for (const source of action.parameters) sections.push(...sectionsOf(source, action, fullyQualifiedNodeName(namespace, identity.name)));
  sections.push(...sectionsFromRosArgs(extra));
  const level = effectiveLogLevel(extra.logLevels, namespace, identity.name);
  return {
    name: identity.name,
    namespace,
    remaps,
    parameterSections: sections,
    logLevel: level ?? logLevel,
    rosArgv: rosArgvFromAction(action, defaultName, undefined),
  };
}

/**
 * The key launch_ros files a node's inline <param>s under (launch_ros Node
 * _create_params_file_from_dict, checked against ros2 launch on Humble): the node's full
 * name when it has a name and a namespace was pushed or given, '/**' otherwise. rcl merges
 * params-file sections by key in order of first appearance, so this decides whether an
 * inline param beats a node-specific section of an earlier params file.
 */
export function inlineParameterKey(action: NodeAction, fqn: string): string {
  return action.name !== undefined && action.namespaceGiven ? fqn : '/**';
}

function sectionsOf(source: ParameterSource, action: NodeAction, fqn: string): ParamsFileSection[] {
  if (source.kind === 'file') return loadParamsFile(source.path);
  return [{ nodePattern: source.global ? '/**' : inlineParameterKey(action, fqn), params: source.params }];
}

/**
 * The command line ros2 launch would pass: `--ros-args -r __node:=.. -r __ns:=..
 * --params-file ..`. Inline parameters are written to YAML files in `paramsDir` (as
 * launch_ros does); with no `paramsDir` they are given as `-p` (same precedence here,
 * since they come last).
 */
export function rosArgvFromAction(action: NodeAction, defaultName: string, paramsDir: string | undefined): string[] {
  const argv = ['--ros-args', '-r', `__node:=${action.name ?? defaultName}`];
  if (action.namespaceGiven) argv.push('-r', `__ns:=${action.namespace}`);
  const key = inlineParameterKey(action, fullyQualifiedNodeName(action.namespace, action.name ?? defaultName));
  let n = 0;
  for (const source of action.parameters) {
    if (source.kind === 'file') {
      argv.push('--params-file', source.path);
    } else if (paramsDir !== undefined) {
      const file = path.join(paramsDir, `${action.name ?? defaultName}_params_${n++}.yaml`);
      const values = Object.fromEntries(source.params.map((p) => [p.name, p.value instanceof Uint8Array ? [...p.value] : p.value]));
      fs.writeFileSync(file, stringify({ [source.global ? '/**' : key]: { ros__parameters: values } }));
      argv.push('--params-file', file);
    } else {
      for (const p of source.params)
        argv.push('-p', `${p.name}:=${JSON.stringify(p.value instanceof Uint8Array ? [...p.value] : p.value)}`);
    }
  }
  for (const r of action.remaps) argv.push('-r', `${r.nodeName !== undefined ? r.nodeName + ':' : ''}${r.from}:=${r.to}`);
  argv.push(...action.rosArgs);
  return argv;
}
