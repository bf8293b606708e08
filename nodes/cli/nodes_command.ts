// `vla-ros nodes`: the node executables and what each does.
import { loadNodeDefinition, nodeExecutables } from '../launcher/node_registry.js';

export async function nodesCommand(): Promise<number> {
  const defs = await Promise.all(nodeExecutables().map((exec) => loadNodeDefinition(exec)));
  const width = Math.max(...defs.map((d) => d.exec.length));
  for (const d of defs) process.stdout.write(`${d.exec.padEnd(width)}  ${d.summary}\n`);
  process.stdout.write('\nParameters of one node: vla-ros run <node> --help-params\n');
  return 0;
}
