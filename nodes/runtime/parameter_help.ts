// `vla-ros run <node> --help-params`: the parameters a node declares, read from the node
// itself (created in a throwaway virtual-time domain), so the list cannot drift from the code.

import { EmbeddedBackend } from '../ros/backend.js';
import { VirtualTimeBase } from '../ros/time_base.js';
import type { NodeDefinition } from './node_definition.js';

export async function describeNodeParameters(definition: NodeDefinition): Promise<string> {
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
  let note = '';
  try {
    const instance = await definition.create(node);
    await instance.dispose?.();
  } catch (err) {
    // Required parameters without a value stop create(); what was declared so far is listed.
    note = `\n(note: creating the node without overrides stopped at: ${err instanceof Error ? err.message : String(err)})\n`;
  }
  const lines = [`Parameters of ${definition.exec} (${definition.summary})`, ''];
  for (const name of node.parameters.names().sort()) {
    const d = node.parameters.describe(name);
    const value = node.parameters.has(name) ? JSON.stringify(node.parameters.get(name)) : '(required)';
    const limits = [
      d.readOnly ? 'read-only' : '',
      d.range ? `range [${d.range.from}, ${d.range.to}]${d.range.step ? ` step ${d.range.step}` : ''}` : '',
      d.choices ? `one of ${d.choices.join('|')}` : '',
      d.additionalConstraints ?? '',
    ].filter((s) => s !== '');
    lines.push(`  ${name} (${d.type}) = ${value}${limits.length ? `  [${limits.join('; ')}]` : ''}`);
    if (d.description) lines.push(`      ${d.description}`);
  }
  node.destroy();
  await backend.shutdown();
  return lines.join('\n') + '\n' + note;
}
