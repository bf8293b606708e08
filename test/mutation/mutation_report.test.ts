// The kept mutation-testing report (docs/mutation-testing.md, issue 15) guards the score without
// running Stryker in CI: it must have been made from the current safety sources, the doc must
// show it, and no module's score may fall below its recorded floor. A failure prints the one
// (incremental) command that refreshes it.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT, packagePath } from '../../nodes/package_paths.js';
import {
  DOC_FILE,
  REFRESH_COMMAND,
  FLOORS_FILE,
  docBlock,
  originalText,
  readFloors,
  readModules,
  readReasons,
  readReports,
  renderTables,
  reportFile,
  score,
  staleFiles,
  summarise,
  survivorKey,
  type MutantResult,
  type MutationModule,
  type MutationReport,
} from '../../tools/mutation/mutation_report.js';

const refresh = (module: string) =>
  `refresh with \`${REFRESH_COMMAND} -- ${module}\` (incremental: re-tests only the mutants of changed files and tests; see ${DOC_FILE}) and commit ${reportFile(module)} and ${DOC_FILE}`;

const mutant = (
  id: string,
  status: MutantResult['status'],
  line: number,
  from: number,
  to: number,
  replacement: string,
  mutatorName = 'EqualityOperator',
): MutantResult => ({
  id,
  mutatorName,
  replacement,
  status,
  location: { start: { line, column: from }, end: { line, column: to } },
});

describe('mutation report', () => {
  it('scores detected / (detected + survived + no coverage); ignored and invalid mutants do not count', () => {
    const source = 'export const late = (age: number, t: number) =>\n  age > t;\n';
    const bridge: MutationReport = {
      files: {
        'nodes/controller_bridge/w.ts': {
          source,
          mutants: [
            mutant('1', 'Survived', 2, 3, 10, 'age >= t'),
            mutant('2', 'Killed', 2, 3, 10, 'age <= t'),
            mutant('3', 'Timeout', 2, 3, 10, 'true', 'ConditionalExpression'),
            mutant('4', 'NoCoverage', 2, 3, 10, 'false', 'ConditionalExpression'),
            mutant('5', 'Ignored', 1, 1, 7, ''),
            mutant('6', 'CompileError', 1, 1, 7, ''),
          ],
        },
      },
    };
    const replay: MutationReport = { files: { 'nodes/replay/g.ts': { source: 'x', mutants: [mutant('7', 'Killed', 1, 1, 2, 'y')] } } };
    const modules: Record<string, MutationModule> = {
      controller_bridge: { target: 90, mutate: ['nodes/controller_bridge/w.ts'], spec: [] },
      replay: { target: 85, mutate: ['nodes/replay/g.ts'], spec: [] },
    };
    const m = bridge.files['nodes/controller_bridge/w.ts'].mutants[0];
    assert.equal(originalText(source, m), 'age > t');
    assert.equal(
      survivorKey('nodes/controller_bridge/w.ts', source, m),
      'nodes/controller_bridge/w.ts EqualityOperator: age > t -> age >= t',
    );
    const key = survivorKey('nodes/controller_bridge/w.ts', source, m);
    const s = summarise({ replay, controller_bridge: bridge }, modules, { [key]: 'equivalent: exact float equality never happens' });
    assert.deepEqual(
      s.modules.map((x) => [x.module, x.files, score(x.tally)]),
      [
        ['controller_bridge', 1, 50],
        ['replay', 1, 100],
      ],
    );
    assert.deepEqual(s.modules[0].tally, { mutants: 6, killed: 1, timeout: 1, survived: 1, noCoverage: 1, ignored: 1, invalid: 1 });
    assert.deepEqual(
      s.survivors.map((v) => [v.line, v.status, v.reason]),
      [
        [2, 'NoCoverage', undefined],
        [2, 'Survived', 'equivalent: exact float equality never happens'],
      ],
    );
    const tables = renderTables(s);
    assert.match(tables, /\| controller_bridge \(1 files\) \| 6 \| 1 \| 1 \| 1 \| 1 \| 1 \| 1 \| 50\.0 % \| ≥ 90 % \*\*not met\*\* \|/);
    assert.match(tables, /\| replay \(1 files\) .* 100\.0 % \| ≥ 85 % met \|/);
    assert.match(tables, /ConditionalExpression \(no coverage\) \| `age > t` → `false` \| \*\*no reason recorded\*\* \|/);
    assert.throws(() => summarise({ bags: replay }, modules, {}), /bags is not a module of tools\/mutation\/modules.json/);
  });

  it('calls a report stale when a mutated source or a test it ran changed, or the file lists differ', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-guard-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'a > b');
    fs.writeFileSync(path.join(root, 'src/a.test.js'), 'it(1)');
    const module: MutationModule = { target: 90, mutate: ['src/a.ts'], spec: ['src/a.test.js'] };
    const report: MutationReport = {
      files: { 'src/a.ts': { source: 'a > b', mutants: [] } },
      testFiles: { 'src/a.test.js': { source: 'it(1)' } },
    };
    assert.deepEqual(staleFiles(report, module, root), []);
    fs.writeFileSync(path.join(root, 'src/a.test.js'), 'it(2)');
    assert.deepEqual(staleFiles(report, module, root), ['src/a.test.js: changed since the run']);
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'a >= b');
    const more: MutationModule = { target: 90, mutate: ['src/a.ts', 'src/b.ts'], spec: [] };
    assert.deepEqual(staleFiles(report, more, root), [
      'src/a.ts: changed since the run',
      'src/b.ts: not in the report',
      'src/a.test.js: in the report, no longer run',
    ]);
  });

  describe('the kept reports', () => {
    const modules = readModules(PACKAGE_ROOT);
    let reports: Record<string, MutationReport>;
    before(() => {
      reports = readReports(PACKAGE_ROOT);
    });

    for (const name of Object.keys(modules)) {
      it(`${name}: made from the current mutated sources and tests`, () => {
        const stale = staleFiles(reports[name], modules[name], PACKAGE_ROOT);
        assert.deepEqual(stale, [], `${name}: the mutation report no longer matches the code (${stale.join('; ')}): ${refresh(name)}`);
        assert.ok(Object.keys(reports[name].files).length > 0);
      });
    }

    it('are what docs/mutation-testing.md shows', () => {
      const block = docBlock(fs.readFileSync(packagePath(DOC_FILE), 'utf8'));
      assert.ok(block !== undefined, `${DOC_FILE} has no generated block`);
      assert.match(block.stamp, /^Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC on /);
      assert.equal(
        block.tables,
        renderTables(summarise(reports, modules, readReasons(PACKAGE_ROOT))),
        `${DOC_FILE} is stale: run \`node dist/tools/mutation/mutation_report.js\` (or ${REFRESH_COMMAND})`,
      );
    });

    it('keep every module at or above its score floor', () => {
      const floors = readFloors(PACKAGE_ROOT);
      for (const m of summarise(reports, modules, {}).modules) {
        const floor = floors[m.module];
        assert.ok(floor !== undefined, `${m.module} has no floor in ${FLOORS_FILE}`);
        assert.ok(
          score(m.tally) >= floor,
          `${m.module}: mutation score ${score(m.tally).toFixed(1)} % fell below its floor ${floor} % (${FLOORS_FILE}): kill the new survivors with tests`,
        );
      }
    });
  });
});
