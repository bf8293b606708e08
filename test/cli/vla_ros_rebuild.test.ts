// tools/vla-ros.js rebuilds dist/ when a source is newer than the build, so a `git pull` never
// runs stale code. Run in a copy of the layout with a stand-in tsc that records each build, so the
// test neither compiles nor touches this checkout.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packagePath } from '../../nodes/package_paths.js';
import { tempDir } from '../bags/helpers.js';

/**
 * Stands in for tsc: counts builds in builds.txt, writes main.js and the build info with each
 * source's sha256 as tsc does (an empty one when the file `no-hashes` exists).
 */
const FAKE_TSC = `
const fs = require('node:fs');
const path = require('node:path');
const { createHash } = require('node:crypto');
const root = path.resolve(__dirname, '..', '..', '..');
fs.appendFileSync(path.join(root, 'builds.txt'), 'build\\n');
fs.mkdirSync(path.join(root, 'dist', 'nodes', 'cli'), { recursive: true });
fs.writeFileSync(path.join(root, 'dist', 'nodes', 'cli', 'main.js'), 'export async function runCli() { process.stdout.write("ran\\\\n"); return 0; }\\n');
const a = path.join(root, 'nodes', 'deep', 'a.ts');
const info = { fileNames: ['../nodes/deep/a.ts'], fileInfos: [{ version: createHash('sha256').update(fs.readFileSync(a, 'utf8')).digest('hex') }] };
fs.writeFileSync(path.join(root, 'dist', '.tsbuildinfo'), fs.existsSync(path.join(root, 'no-hashes')) ? '{}' : JSON.stringify(info));
`;

describe('cli: vla-ros rebuilds a stale build', function () {
  this.timeout(30_000);
  let tmp: { dir: string; remove: () => void };
  const at = (...p: string[]) => path.join(tmp.dir, ...p);
  const builds = () => (fs.existsSync(at('builds.txt')) ? fs.readFileSync(at('builds.txt'), 'utf8').split('\n').length - 1 : 0);
  const run = (env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [at('tools', 'vla-ros.js')], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'ran\n');
    return r.stderr;
  };
  /** Sets `file`'s modification time `secondsAgo` in the past. */
  const age = (file: string, secondsAgo: number) => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(file, t, t);
  };

  beforeEach(() => {
    tmp = tempDir('vla-rebuild-');
    fs.mkdirSync(at('tools'));
    fs.copyFileSync(packagePath('tools', 'vla-ros.js'), at('tools', 'vla-ros.js'));
    fs.writeFileSync(at('package.json'), '{"type": "module"}');
    fs.writeFileSync(at('tsconfig.json'), '{}');
    fs.mkdirSync(at('nodes', 'deep'), { recursive: true });
    fs.writeFileSync(at('nodes', 'deep', 'a.ts'), 'export {};\n');
    fs.mkdirSync(at('node_modules', 'typescript', 'bin'), { recursive: true });
    fs.writeFileSync(at('node_modules', 'typescript', 'bin', 'tsc'), FAKE_TSC);
    fs.writeFileSync(at('node_modules', 'typescript', 'package.json'), '{"type": "commonjs"}');
    for (const f of [at('tsconfig.json'), at('nodes', 'deep', 'a.ts')]) age(f, 60);
  });
  afterEach(() => tmp.remove());

  it('builds when dist/ is missing, then runs the build as it is', () => {
    assert.match(run(), /no build yet; compiling TypeScript/);
    assert.equal(builds(), 1);
    assert.equal(run(), '');
    assert.equal(builds(), 1);
  });

  it('rebuilds when a source below nodes/ or tsconfig.json is newer than the build', () => {
    run();
    age(at('dist', '.tsbuildinfo'), 30);
    age(at('dist', '.vla-ros-built'), 30);
    assert.equal(run(), '', 'sources older than the build');
    fs.writeFileSync(at('nodes', 'deep', 'a.ts'), 'export const changed = 1;\n');
    assert.match(run(), /nodes\/deep\/a\.ts changed since the last build; compiling/);
    assert.equal(builds(), 2);
    assert.equal(run(), '');
    fs.writeFileSync(at('tsconfig.json'), '{ }');
    assert.match(run(), /tsconfig\.json changed since the last build/);
    assert.equal(builds(), 3);
  });

  it('a touched source with the content of the last build only refreshes the stamp', () => {
    run();
    age(at('dist', '.tsbuildinfo'), 30);
    age(at('dist', '.vla-ros-built'), 30);
    fs.utimesSync(at('nodes', 'deep', 'a.ts'), new Date(), new Date());
    assert.equal(run(), '');
    assert.equal(builds(), 1);
    assert.ok(fs.statSync(at('dist', '.vla-ros-built')).mtimeMs >= fs.statSync(at('nodes', 'deep', 'a.ts')).mtimeMs);
  });

  it('without hashes in the build info, a touched source is rebuilt once, not on every start', () => {
    fs.writeFileSync(at('no-hashes'), '');
    run();
    age(at('dist', '.tsbuildinfo'), 30);
    age(at('dist', '.vla-ros-built'), 30);
    fs.utimesSync(at('nodes', 'deep', 'a.ts'), new Date(), new Date());
    assert.match(run(), /changed since the last build/);
    assert.equal(run(), '');
    assert.equal(builds(), 2);
  });

  it('VLA_ROS_NO_REBUILD=1 runs the stale build with a warning', () => {
    run();
    age(at('dist', '.tsbuildinfo'), 30);
    age(at('dist', '.vla-ros-built'), 30);
    fs.writeFileSync(at('nodes', 'deep', 'a.ts'), 'export const changed = 2;\n');
    assert.match(run({ VLA_ROS_NO_REBUILD: '1' }), /warning: the build in dist\/ is stale \(nodes\/deep\/a\.ts changed/);
    assert.equal(builds(), 1);
  });
});
