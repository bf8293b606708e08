// The node registry: each node's default name is known without loading the node, and agrees
// with its definition.

import { strict as assert } from 'node:assert';
import { loadNodeDefinition, nodeDefaultName, nodeExecutables, UnknownNodeError } from '../../nodes/launcher/node_registry.js';

describe('node registry', () => {
  it("gives each node's default name as its definition has it", async () => {
    for (const exec of nodeExecutables()) {
      const definition = await loadNodeDefinition(exec);
      assert.equal(definition.exec, exec);
      assert.equal(nodeDefaultName(exec), definition.defaultName, exec);
    }
  });

  it('refuses an executable it does not provide, inherited object keys included', async () => {
    for (const exec of ['talker', 'toString', 'constructor']) {
      assert.throws(
        () => nodeDefaultName(exec),
        (err) => err instanceof UnknownNodeError && /unknown node/.test(err.message),
      );
      await assert.rejects(loadNodeDefinition(exec), UnknownNodeError);
    }
  });
});
