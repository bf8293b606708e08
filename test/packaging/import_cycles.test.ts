// The layout is the architecture (docs/architecture.md): no module imports itself back through
// others, and no folder of nodes/ depends on a folder that depends on it. Type-only imports are
// left out (they are erased at compile time and order nothing at run time).

import { strict as assert } from 'node:assert';
import madge from 'madge';
import { PACKAGE_ROOT, packagePath } from '../../nodes/package_paths.js';

/** The unit of layout a file belongs to: its folder under nodes/ (a file directly in nodes/ is its own unit). */
export function layoutUnit(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : file;
}

/** Groups of units that depend on each other in a cycle (Tarjan's strongly connected components). */
export function folderCycles(graph: Readonly<Record<string, readonly string[]>>): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [file, deps] of Object.entries(graph)) {
    const from = layoutUnit(file);
    const out = edges.get(from) ?? new Set<string>();
    edges.set(from, out);
    for (const dep of deps) if (layoutUnit(dep) !== from) out.add(layoutUnit(dep));
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) cycles.push(group.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

describe('import structure of nodes/', function () {
  this.timeout(120_000);
  let graph: Record<string, string[]>;
  let circular: string[][];
  before(async () => {
    const result = await madge(packagePath('nodes'), {
      baseDir: PACKAGE_ROOT,
      fileExtensions: ['ts'],
      tsConfig: packagePath('tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports: true }, es6: { skipTypeImports: true } },
    });
    graph = result.obj();
    circular = result.circular();
  });

  it('reads the whole tree (a check of nothing would pass)', () => {
    assert.ok(Object.keys(graph).length > 150, `${Object.keys(graph).length} files`);
    assert.ok(graph['nodes/controller_bridge/node.ts']?.includes('nodes/controller_bridge/control_loop.ts'));
  });

  it('has no circular imports between files', () => {
    assert.deepEqual(circular, []);
  });

  it('has no cycles between folders', () => {
    assert.deepEqual(folderCycles(graph), []);
  });

  it('finds a folder cycle when there is one', () => {
    assert.deepEqual(
      folderCycles({
        'nodes/a/x.ts': ['nodes/b/y.ts'],
        'nodes/b/y.ts': ['nodes/c/z.ts', 'nodes/registry.ts'],
        'nodes/c/z.ts': ['nodes/a/w.ts'],
        'nodes/registry.ts': [],
      }),
      [['nodes/a', 'nodes/b', 'nodes/c']],
    );
  });
});
