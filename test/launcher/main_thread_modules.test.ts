// The embedded launcher plans a launch (executables, names, parameters) on its main thread, which
// runs no node: planning must not load any node's implementation there (each would cost the main
// thread's heap its modules, onnxruntime's and sharp's bindings included). Checked with a module
// load hook in a child process, which records every file the process loads.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeExecutables } from '../../nodes/launcher/node_registry.js';
import { packagePath } from '../../nodes/package_paths.js';

const HOOKS = `import fs from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) fs.appendFileSync(process.env.VLA_TEST_MODULE_LOG, url + '\\n');
  return next(url, context);
}`;

const moduleUrl = (...parts: string[]) => pathToFileURL(packagePath('dist', 'nodes', ...parts)).href;

/** Plans sim.launch.xml on the embedded launcher in a fresh process; returns the planned nodes and every file loaded. */
function planInFreshProcess(): { planned: string[]; loaded: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_ros_modules_'));
  const log = path.join(dir, 'loaded.txt');
  try {
    const script = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));
      const { EmbeddedLaunch } = await import(${JSON.stringify(moduleUrl('launcher', 'embedded_launcher.js'))});
      const { loadLaunchFile } = await import(${JSON.stringify(moduleUrl('launcher', 'launch_file.js'))});
      const { defaultLaunchContext } = await import(${JSON.stringify(moduleUrl('launcher', 'launch_context.js'))});
      const description = loadLaunchFile(${JSON.stringify(packagePath('launch', 'sim.launch.xml'))}, {}, defaultLaunchContext({}));
      const launch = await EmbeddedLaunch.prepare(description, { log: () => {} });
      process.stdout.write(JSON.stringify([...launch.plannedNames]));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, VLA_TEST_MODULE_LOG: log },
    });
    assert.equal(run.status, 0, run.stderr);
    return {
      planned: JSON.parse(run.stdout) as string[],
      loaded: fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('embedded launch planning on the main thread', function () {
  this.timeout(60_000);

  it('plans every node of sim.launch.xml without loading any node implementation, onnxruntime or sharp', () => {
    const { planned, loaded } = planInFreshProcess();
    assert.equal(planned.length, 7, `planned: ${planned.join(', ')}`);
    // The hook saw the planner itself: an empty record would prove nothing.
    assert.ok(
      loaded.some((url) => url.endsWith('/launcher/node_plan.js')),
      'the load hook recorded the planner',
    );
    const nodeFolders = nodeExecutables().map((exec) => moduleUrl(exec) + '/');
    const offending = loaded.filter(
      (url) => nodeFolders.some((folder) => url.startsWith(folder)) || /\/node_modules\/(onnxruntime-node|sharp)\//.test(url),
    );
    assert.deepEqual(offending, []);
  });
});
