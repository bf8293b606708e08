// The kept mutation-testing report (docs/mutation-testing.md, issue 15) guards the score without
// running Stryker in CI: it must have been made from the current safety sources, the doc must
// show it, and no module's score may fall below its recorded floor. A failure prints the one
// (incremental) command that refreshes it.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { PACKAGE_ROOT, packagePath } from '../../nodes/package_paths.js';
import {
  DOC_FILE,
  REFRESH_COMMAND,
  REPORT_FILE,
  FLOORS_FILE,
  docBlock,
  originalText,
  readFloors,
  readReasons,
  readReport,
  renderTables,
  score,
  staleFiles,
  summarise,
  survivorKey,
  targetOf,
  type MutantResult,
  type MutationReport,
} from '../../tools/mutation/mutation_report.js';

const REFRESH = `refresh with \`${REFRESH_COMMAND}\` (incremental: re-tests only the mutants of changed files and tests; see ${DOC_FILE}) and commit ${REPORT_FILE} and ${DOC_FILE}`;

const mutant = (id: string, status: MutantResult['status'], line: number, from: number, to: number, replacement: string, mutatorName = 'EqualityOperator'): MutantResult => ({
  id,
  mutatorName,
  replacement,
  status,
  location: { start: { line, column: from }, end: { line, column: to } },
});

describe('mutation report', () => {
  it('scores detected / (detected + survived + no coverage); ignored and invalid mutants do not count', () => {
    const source = 'export const late = (age: number, t: number) =>\n  age > t;\n';
    const report: MutationReport = {
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
        'nodes/replay/g.ts': { source: 'x', mutants: [mutant('7', 'Killed', 1, 1, 2, 'y')] },
      },
    };
    const m = report.files['nodes/controller_bridge/w.ts'].mutants[0];
    assert.equal(originalText(source, m), 'age > t');
    assert.equal(survivorKey('nodes/controller_bridge/w.ts', source, m), 'nodes/controller_bridge/w.ts EqualityOperator: age > t -> age >= t');
    const key = survivorKey('nodes/controller_bridge/w.ts', source, m);
    const s = summarise(report, { [key]: 'equivalent: exact float equality never happens' });
    assert.deepEqual(
      s.modules.map((x) => [x.module, x.files, score(x.tally)]),
      [
        ['nodes/controller_bridge', 1, 50],
        ['nodes/replay', 1, 100],
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
    assert.match(tables, /\| nodes\/controller_bridge \(1 files\) \| 6 \| 1 \| 1 \| 1 \| 1 \| 1 \| 1 \| 50\.0 % \| ≥ 90 % \*\*not met\*\* \|/);
    assert.match(tables, /\| nodes\/replay \(1 files\) .* 100\.0 % \| ≥ 85 % met \|/);
    assert.match(tables, /ConditionalExpression \(no coverage\) \| `age > t` → `false` \| \*\*no reason recorded\*\* \|/);
    assert.equal(targetOf('nodes/failure_monitor'), 90);
    assert.equal(targetOf('nodes/bags'), 85);
  });

  describe('the kept report', () => {
    let report: MutationReport;
    before(() => {
      report = readReport(PACKAGE_ROOT);
    });

    it('was made from the current mutated sources', () => {
      const stale = staleFiles(report, PACKAGE_ROOT);
      assert.deepEqual(stale, [], `${stale.length} mutated file(s) changed since the mutation run (${stale.join(', ')}): ${REFRESH}`);
      assert.ok(Object.keys(report.files).length > 0);
    });

    it('is what docs/mutation-testing.md shows', () => {
      const block = docBlock(fs.readFileSync(packagePath(DOC_FILE), 'utf8'));
      assert.ok(block !== undefined, `${DOC_FILE} has no generated block`);
      assert.match(block.stamp, /^Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC on /);
      assert.equal(block.tables, renderTables(summarise(report, readReasons(PACKAGE_ROOT))), `${DOC_FILE} is stale: ${REFRESH}`);
    });

    it('keeps every module at or above its score floor', () => {
      const floors = readFloors(PACKAGE_ROOT);
      for (const m of summarise(report, {}).modules) {
        const floor = floors[m.module];
        assert.ok(floor !== undefined, `${m.module} has no floor in ${FLOORS_FILE}`);
        assert.ok(score(m.tally) >= floor, `${m.module}: mutation score ${score(m.tally).toFixed(1)} % fell below its floor ${floor} % (${FLOORS_FILE}): kill the new survivors with tests`);
      }
    });
  });
});
