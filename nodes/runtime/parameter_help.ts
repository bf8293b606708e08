// The parameters a node declares, from its declared schema (NodeDefinition.parameters) plus the
// port's (use_sim_time) and the runner's (autostart): `vla-ros run <node> --help-params`, the
// generated docs tables (tools/parameter_docs.ts), and the names startNode checks overrides
// against when creating a node failed before it had declared them all.

import type { ParameterDescriptor, ParameterValue } from '../ros/parameter.js';
import { CLOCK_PARAMETERS } from '../ros/clock.js';
import { descriptorOf, param, parameterValue, type ParameterSchema } from '../ros/parameter_schema.js';
import type { NodeDefinition } from './node_definition.js';

/** What the runner itself declares on every node it starts. */
export const RUNNER_PARAMETERS = {
  autostart: param.bool(
    true,
    'Managed nodes: configure and activate right after start. Set false to drive them with `ros2 lifecycle set`.',
  ),
};

export interface DeclaredParameter {
  name: string;
  descriptor: ParameterDescriptor;
  /** The default. */
  value: ParameterValue;
}

export interface DeclaredParameters {
  parameters: DeclaredParameter[];
}

function listed(schema: ParameterSchema): DeclaredParameter[] {
  return Object.entries(schema).map(([name, s]) => {
    const d = descriptorOf(s);
    const descriptor: ParameterDescriptor = { ...d, description: s.description, readOnly: s.readOnly };
    return { name, descriptor, value: parameterValue(s.default) };
  });
}

/** Every parameter of a node with the port's and the runner's, sorted by name. */
export function declaredParameters(definition: NodeDefinition): DeclaredParameters {
  const parameters = listed({ ...CLOCK_PARAMETERS, ...RUNNER_PARAMETERS, ...definition.parameters });
  return { parameters: parameters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

function limitsOf(d: ParameterDescriptor): string[] {
  return [
    d.range ? `range [${d.range.from}, ${d.range.to}]${d.range.step ? ` step ${d.range.step}` : ''}` : '',
    d.choices ? `one of ${d.choices.join('|')}` : '',
    d.additionalConstraints ?? '',
  ].filter((s) => s !== '');
}

export function describeNodeParameters(definition: NodeDefinition): string {
  const { parameters } = declaredParameters(definition);
  const lines = [`Parameters of ${definition.exec} (${definition.summary})`, ''];
  for (const { name, descriptor: d, value } of parameters) {
    const limits = [d.readOnly ? 'read-only' : 'dynamic', ...limitsOf(d)];
    lines.push(`  ${name} (${d.type}) = ${JSON.stringify(value)}  [${limits.join('; ')}]`);
    if (d.description) lines.push(`      ${d.description}`);
  }
  return lines.join('\n') + '\n';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** A node's parameters as a markdown table (the node docs embed it, see tools/parameter_docs.ts). */
export function parameterTable(definition: NodeDefinition): string {
  const { parameters } = declaredParameters(definition);
  const rows = parameters.map(({ name, descriptor: d, value }) => {
    const limits = limitsOf(d).join('; ');
    return `| \`${name}\` | ${d.type} | \`${cell(JSON.stringify(value))}\` | ${cell(limits)} | ${d.readOnly ? '' : 'yes'} | ${cell(d.description)} |`;
  });
  return ['| parameter | type | default | range / choices | dynamic | description |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
