// The node docs' parameter tables are generated from the declared parameters and must be current.

import { strict as assert } from 'node:assert';
import { PACKAGE_ROOT } from '../../nodes/package_paths.js';
import { REFRESH_COMMAND, staleDocs, withTable } from '../../tools/parameter_docs.js';

describe('generated parameter tables', () => {
  it('replaces only the block between the markers', () => {
    const doc = 'intro\n<!-- parameters:x:start -->\nold table\n<!-- parameters:x:end -->\nrest\n';
    const next = withTable(doc, 'x', '| new |');
    assert.ok(next?.startsWith('intro\n<!-- parameters:x:start -->\n'));
    assert.ok(next?.includes('\n| new |\n<!-- parameters:x:end -->\nrest\n'));
    assert.ok(!next?.includes('old table'));
    assert.equal(withTable(doc, 'y', '| new |'), undefined);
  });

  it('every node doc shows its current table', async () => {
    assert.deepEqual(await staleDocs(PACKAGE_ROOT), [], `the parameter tables are stale: run \`${REFRESH_COMMAND}\` and commit the docs`);
  });
});
