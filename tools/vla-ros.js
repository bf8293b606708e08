#!/usr/bin/env node
// The `vla-ros` command. The TypeScript sources are compiled to dist/ by `npm run build` (and by
// `npm test`). In a checkout, this rebuilds first when the build is missing or older than a
// source, so a `git pull` never runs stale code. "Older" compares modification times with the
// build's stamp (tsc's dist/.tsbuildinfo, or the stamp this script writes): one stat per source
// file of nodes/ and tools/. A source that is newer but has the content the build was made from
// (a touched file, a branch switched back and forth) is recognised by the hash tsc keeps in
// dist/.tsbuildinfo, and only refreshes the stamp. An installed package (npm, colcon) has no
// sources next to dist/, so it runs as built. VLA_ROS_NO_REBUILD=1 turns the rebuild into a warning.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'dist', 'nodes', 'cli', 'main.js');
const stamps = [path.join(root, 'dist', '.tsbuildinfo'), path.join(root, 'dist', '.vla-ros-built')];
const lock = path.join(root, 'dist', '.vla-ros-building');

const mtimeOf = (file) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;

/** The sources (.ts under nodes/ and tools/, tsconfig.json, package-lock.json) newer than `since`. */
function newerSources(since) {
  const newer = ['tsconfig.json', 'package-lock.json'].filter((file) => mtimeOf(path.join(root, file)) > since);
  const dirs = ['nodes', 'tools'].map((d) => path.join(root, d));
  while (dirs.length > 0) {
    const dir = dirs.pop();
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // an installed package has no sources
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) dirs.push(p);
      else if (e.name.endsWith('.ts') && mtimeOf(p) > since) newer.push(path.relative(root, p));
    }
  }
  return newer;
}

/** Whether tsc's last build saw `file` with its current content (tsc keeps each file's sha256). */
function builtAsIs(file, built) {
  const key = path.relative(path.dirname(stamps[0]), path.join(root, file)).split(path.sep).join('/');
  const version = built.get(key);
  return (
    version !== undefined &&
    version ===
      createHash('sha256')
        .update(fs.readFileSync(path.join(root, file), 'utf8'))
        .digest('hex')
  );
}

/** tsc's record of the last build: file name (relative to dist/) → content hash; empty if unreadable. */
function builtVersions() {
  try {
    const info = JSON.parse(fs.readFileSync(stamps[0], 'utf8'));
    return new Map(info.fileNames.map((name, i) => [name, info.fileInfos[i]?.version]));
  } catch {
    return new Map();
  }
}

/** Why dist/ must be rebuilt, or undefined when it is current. */
function staleBecause() {
  if (!fs.existsSync(main)) return 'no build yet';
  const newer = newerSources(Math.max(...stamps.map(mtimeOf)));
  if (newer.length === 0) return undefined;
  const built = builtVersions();
  const changed = newer.find((file) => !builtAsIs(file, built));
  if (changed !== undefined) return `${changed} changed since the last build`;
  try {
    fs.writeFileSync(stamps[1], ''); // only touched: the build is current as of now
  } catch {
    // a read-only checkout: the hashes are compared again next time
  }
  return undefined;
}

/** Runs tsc; one process builds while others (nodes of one launch) wait for it. */
function build(why) {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) {
    process.stderr.write(`vla-ros: ${why}, and dependencies are not installed to rebuild: run \`npm ci && npm run build\` in ${root}\n`);
    if (!fs.existsSync(main)) process.exit(1);
    return;
  }
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  try {
    fs.mkdirSync(lock);
  } catch {
    // Another process is building: wait for it (a lock left by a killed build expires).
    const expires = mtimeOf(lock) + 10 * 60_000;
    while (fs.existsSync(lock) && Date.now() < expires) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    fs.rmSync(lock, { recursive: true, force: true });
    if (staleBecause() !== undefined) build(why);
    return;
  }
  try {
    process.stderr.write(`vla-ros: ${why}; compiling TypeScript (npm run build)...\n`);
    const startedAt = Date.now();
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: ['ignore', 2, 2] });
    if (r.status !== 0 || !fs.existsSync(main)) {
      process.stderr.write('vla-ros: build failed; run `npm run build` to see why\n');
      process.exit(1);
    }
    // tsc leaves .tsbuildinfo alone when no output changed (a touched file): the stamp says this
    // build saw the sources as of its start.
    fs.writeFileSync(stamps[1], '');
    fs.utimesSync(stamps[1], new Date(startedAt), new Date(startedAt));
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

const why = staleBecause();
if (why !== undefined) {
  if (process.env.VLA_ROS_NO_REBUILD === '1' && fs.existsSync(main))
    process.stderr.write(`vla-ros: warning: the build in dist/ is stale (${why}); run \`npm run build\`\n`);
  else build(why);
}
const { runCli } = await import(pathToFileURL(main).href);
process.exitCode = await runCli(process.argv.slice(2));
