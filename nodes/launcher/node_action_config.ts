// Turns a launch file's <node> into what a backend needs to start it: a NodeConfig for the
// embedded backend, or the `--ros-args` command line ros2 launch would give the process.

import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { normalizeNamespace, resolveNodeIdentity } from '../ros/names.js';
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
  for (const source of action.parameters) sections.push(...sectionsOf(source));
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

// Parameter sections exactly as a node started by ros2 launch sees them: launch_ros writes a
// node's inline <param>s to a temporary file keyed '/**', and rcl merges sections by key in
// order of first appearance. So an inline param does NOT override a node-specific section of
// an earlier params file ('/**/node'); config files must leave launch-driven values alone.
function sectionsOf(source: ParameterSource): ParamsFileSection[] {
  if (source.kind === 'file') return loadParamsFile(source.path);
  return [{ nodePattern: '/**', params: source.params }];
}

/**
 * The command line ros2 launch would pass: `--ros-args -r __node:=.. -r __ns:=..
 * --params-file ..`. Inline parameters are written to YAML files in `paramsDir` (as
 * launch_ros does); with no `paramsDir` they are given as `-p` (same precedence here,
 * since they come last).
 */
export function rosArgvFromAction(action: NodeAction, defaultName: string, paramsDir: string | undefined): string[] {
  const argv = ['--ros-args', '-r', `__node:=${action.name ?? defaultName}`];
  if (action.namespace !== '/') argv.push('-r', `__ns:=${action.namespace}`);
  let n = 0;
  for (const source of action.parameters) {
    if (source.kind === 'file') {
      argv.push('--params-file', source.path);
    } else if (paramsDir !== undefined) {
      const file = path.join(paramsDir, `${action.name ?? defaultName}_params_${n++}.yaml`);
      const values = Object.fromEntries(source.params.map((p) => [p.name, p.value instanceof Uint8Array ? [...p.value] : p.value]));
      fs.writeFileSync(file, stringify({ '/**': { ros__parameters: values } }));
      argv.push('--params-file', file);
    } else {
      for (const p of source.params) argv.push('-p', `${p.name}:=${JSON.stringify(p.value instanceof Uint8Array ? [...p.value] : p.value)}`);
    }
  }
  for (const r of action.remaps) argv.push('-r', `${r.nodeName !== undefined ? r.nodeName + ':' : ''}${r.from}:=${r.to}`);
  argv.push(...action.rosArgs);
  return argv;
}
