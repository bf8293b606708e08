// Checks a params file (config/*.yaml, a robot file) or a launch file's parameters against the
// nodes' declared parameters without starting them: a section for a node may only set parameters it declares, with values
// that fit (type, range, choices), and a `/**` section only parameters some node declares.
// `npm test` runs it over config/ (test/runtime/params_file_check.test.ts).

import { isDeepStrictEqual } from 'node:util';
import { CLOCK_PARAMETERS } from '../ros/clock.js';
import { collectOverrides, type ParamsFileSection } from '../ros/params_file.js';
import { declareParameters, type ParameterSchema } from '../ros/parameter_schema.js';
import { ParameterStore } from '../ros/parameter_store.js';
import { CRISP_PARAMETERS, ROBOT_PARAMETERS } from '../robots/robot_parameters.js';
import { RUNNER_PARAMETERS } from './parameter_help.js';

// The robot and CRISP parameters are checked as a node of their own, so a robot file's value
// that fits no node (a parameter only the simulator uses, say) is still checked against its spec.
const SHARED: CheckedNode = { name: 'robot_parameters', parameters: { ...ROBOT_PARAMETERS, ...CRISP_PARAMETERS } };

export interface CheckedNode {
  /** The node's name (its executable's default name). */
  name: string;
  parameters: ParameterSchema;
}

/**
 * Problems of `sections` for the node `fqn` declaring `parameters` (with the port's and the
 * runner's), as startNode would find them: values that do not fit, names meant for it that it
 * does not declare.
 */
export function nodeParameterProblems(sections: readonly ParamsFileSection[], fqn: string, parameters: ParameterSchema): string[] {
  const { overrides, nodeSpecific } = collectOverrides(sections, fqn);
  const store = new ParameterStore(fqn, overrides, nodeSpecific);
  store.deferOverrideProblems();
  declareParameters(store, { ...CLOCK_PARAMETERS, ...RUNNER_PARAMETERS, ...parameters });
  return [...store.overrideProblems(), ...store.unusedOverrides().map((u) => `node ${fqn} has no parameter ${u}`)];
}

/** Problems of `sections` for `nodes` running in `namespace`, one line each (empty: fine). */
export function paramsFileProblems(sections: readonly ParamsFileSection[], nodes: readonly CheckedNode[], namespace = '/vla'): string[] {
  const problems: string[] = [];
  const known = new Set<string>([...Object.keys(CLOCK_PARAMETERS), ...Object.keys(RUNNER_PARAMETERS)]);
  for (const { name, parameters } of [SHARED, ...nodes]) {
    problems.push(...nodeParameterProblems(sections, `${namespace}/${name}`, parameters));
    for (const key of Object.keys(parameters)) known.add(key);
  }
  // What a node pattern matches nothing of ours is not checked here; '/**' serves every node.
  for (const section of sections) {
    if (section.nodePattern !== '/**') continue;
    for (const p of section.params) {
      if (!known.has(p.name)) problems.push(`'${p.name}' (from ${p.source}): no node declares it`);
    }
  }
  return problems;
}

/**
 * Values of a defaults file (config/nodes.yaml: `/**\/<node>` sections listing the tunables) that
 * differ from the node's declared default — the file documents the defaults, so a changed default
 * in code must not leave the file silently overriding it with the old value.
 */
export function defaultDriftProblems(sections: readonly ParamsFileSection[], nodes: readonly CheckedNode[]): string[] {
  const problems: string[] = [];
  for (const section of sections) {
    const node = nodes.find((n) => section.nodePattern === `/**/${n.name}`);
    if (node === undefined) continue;
    for (const p of section.params) {
      const spec = node.parameters[p.name];
      if (spec === undefined || isDeepStrictEqual(spec.default, p.value)) continue;
      problems.push(
        `${p.source}: ${node.name}.${p.name} is ${JSON.stringify(p.value)} but its declared default is ${JSON.stringify(spec.default)} ` +
          `(the file lists the defaults: change the default in the node's schema, or set a deployment's value in its own params file)`,
      );
    }
  }
  return problems;
}
