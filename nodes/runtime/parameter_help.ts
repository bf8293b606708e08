// The parameters a node declares, read from the node itself (created without overrides in a
// throwaway virtual-time domain), so the list cannot drift from the code: `vla-ros run <node>
// --help-params`, and the names startNode checks overrides against when creating a node failed
// before it had declared them all.

import { EmbeddedBackend } from '../ros/backend.js';
import type { ParameterDescriptor, ParameterValue } from '../ros/parameter.js';
import { VirtualTimeBase } from '../ros/time_base.js';
import type { NodeDefinition } from './node_definition.js';
import { errorText } from '../error_text.js';

export interface DeclaredParameter {
  name: string;
  descriptor: ParameterDescriptor;
  /** The default; undefined for a required parameter. */
  value: ParameterValue | undefined;
}

export interface DeclaredParameters {
  parameters: DeclaredParameter[];
  /** Why creating the node without overrides stopped early (what was declared so far is listed). */
  stoppedAt?: string;
}

export async function declaredParameters(definition: NodeDefinition): Promise<DeclaredParameters> {
  const backend = new EmbeddedBackend({ time: new VirtualTimeBase(), logSink: () => {} });
  const node = await backend.createNode({
    name: definition.defaultName,
    namespace: '/',
    remaps: [],
    parameterSections: [],
    logLevel: 'fatal',
    rosArgv: [],
  });
  node.parameters.declare('autostart', true, {
    type: 'bool',
    description: 'Managed nodes: configure and activate right after start.',
    readOnly: true,
  });
  let stoppedAt: string | undefined;
  try {
    const instance = await definition.create(node);
    await instance.dispose?.();
  } catch (err) {
    // Required parameters without a value stop create(), as do robot facts nobody gave.
    stoppedAt = errorText(err);
  }
  // names() is sorted.
  const parameters = node.parameters.names().map((name) => ({
    name,
    descriptor: node.parameters.describe(name),
    value: node.parameters.has(name) ? node.parameters.get(name) : undefined,
  }));
  node.destroy();
  await backend.shutdown();
  return stoppedAt === undefined ? { parameters } : { parameters, stoppedAt };
}

export async function describeNodeParameters(definition: NodeDefinition): Promise<string> {
  const { parameters, stoppedAt } = await declaredParameters(definition);
  const lines = [`Parameters of ${definition.exec} (${definition.summary})`, ''];
  for (const { name, descriptor: d, value } of parameters) {
    const limits = [
      d.readOnly ? 'read-only' : '',
      d.range ? `range [${d.range.from}, ${d.range.to}]${d.range.step ? ` step ${d.range.step}` : ''}` : '',
      d.choices ? `one of ${d.choices.join('|')}` : '',
      d.additionalConstraints ?? '',
    ].filter((s) => s !== '');
    lines.push(
      `  ${name} (${d.type}) = ${value === undefined ? '(required)' : JSON.stringify(value)}${limits.length ? `  [${limits.join('; ')}]` : ''}`,
    );
    if (d.description) lines.push(`      ${d.description}`);
  }
  const note = stoppedAt === undefined ? '' : `\n(note: creating the node without overrides stopped at: ${stoppedAt})\n`;
  return lines.join('\n') + '\n' + note;
}
