// Writes each node's parameter table into its doc, between
// `<!-- parameters:<exec>:start -->` and `<!-- parameters:<exec>:end -->`, from the node's declared
// schema (NodeDefinition.parameters), so the docs cannot drift from the code.
// test/runtime/parameter_docs.test.ts fails when a table is stale.
//
//   npm run docs:params        (tsc, then this script)

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../nodes/package_paths.js';
import { loadNodeDefinition } from '../nodes/launcher/node_registry.js';
import { parameterTable } from '../nodes/runtime/parameter_help.js';

/** The doc that holds each node's table. */
export const NODE_DOCS: Readonly<Record<string, string>> = Object.freeze({
  camera_ingestion: 'docs/camera-ingestion.md',
  controller_bridge: 'docs/controller-bridge.md',
  episode_manager: 'docs/fast-slow-runtime.md',
  failure_monitor: 'docs/failure-monitor.md',
  fast_pathway: 'docs/fast-slow-runtime.md',
  sim: 'docs/simulator.md',
  slow_pathway: 'docs/fast-slow-runtime.md',
});

export const REFRESH_COMMAND = 'npm run docs:params';

const start = (exec: string) => `<!-- parameters:${exec}:start -->`;
const end = (exec: string) => `<!-- parameters:${exec}:end -->`;

/** `doc` with the table of `exec` replaced by `table`; undefined when the doc has no block for it. */
export function withTable(doc: string, exec: string, table: string): string | undefined {
  const from = doc.indexOf(start(exec));
  const to = doc.indexOf(end(exec));
  if (from < 0 || to < from) return undefined;
  const note = `Generated from the node's declared parameters by \`${REFRESH_COMMAND}\`; \`vla-ros run ${exec} --help-params\` lists the same.`;
  return `${doc.slice(0, from)}${start(exec)}\n${note}\n\n${table}\n${doc.slice(to)}`;
}

/** Every doc as it should be: file → text. Throws when a node's doc has no block for it. */
export async function renderedDocs(root: string): Promise<Map<string, string>> {
  const docs = new Map<string, string>();
  for (const [exec, file] of Object.entries(NODE_DOCS)) {
    const definition = await loadNodeDefinition(exec);
    const doc = docs.get(file) ?? fs.readFileSync(path.join(root, file), 'utf8');
    const next = withTable(doc, exec, parameterTable(definition));
    if (next === undefined) throw new Error(`${file}: no ${start(exec)} … ${end(exec)} block`);
    docs.set(file, next);
  }
  return docs;
}

/** The docs whose tables differ from the code (empty: all current). */
export async function staleDocs(root: string): Promise<string[]> {
  const stale: string[] = [];
  for (const [file, text] of await renderedDocs(root)) if (fs.readFileSync(path.join(root, file), 'utf8') !== text) stale.push(file);
  return stale;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = PACKAGE_ROOT;
  for (const [file, text] of await renderedDocs(root)) {
    if (fs.readFileSync(path.join(root, file), 'utf8') === text) continue;
    fs.writeFileSync(path.join(root, file), text);
    console.log(`${file} updated`);
  }
}
