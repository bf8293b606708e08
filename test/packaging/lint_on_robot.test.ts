// `npm test` lints with --max-warnings 0 on a robot too, where colcon build has generated
// rclnodejs's real interfaces.d.ts: eslint-disable directives that the backend needs without
// ROS 2 go unused there. Simulated by a directive that is unused here as well.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { ESLint } from 'eslint';
import { PACKAGE_ROOT, packagePath } from '../../nodes/package_paths.js';

const UNUSED_DIRECTIVE = '\n// eslint-disable-next-line @typescript-eslint/no-unsafe-call\nexport const robotWorld = 1;\n';

async function lintWithUnusedDirective(file: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: PACKAGE_ROOT });
  const [result] = await eslint.lintText(fs.readFileSync(file, 'utf8') + UNUSED_DIRECTIVE, { filePath: file });
  return result.messages.map((m) => `${m.line}: ${m.message}`);
}

describe('lint on a robot (rclnodejs typings generated)', function () {
  this.timeout(120_000);

  it('an eslint-disable directive left unused in the rclnodejs backend is no warning', async () => {
    assert.deepEqual(await lintWithUnusedDirective(packagePath('nodes', 'ros', 'rclnodejs', 'rclnodejs_backend.ts')), []);
  });

  it('elsewhere an unused directive still fails lint', async () => {
    const messages = await lintWithUnusedDirective(packagePath('nodes', 'ros', 'names.ts'));
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0], /Unused eslint-disable directive/);
  });
});
