// How `vla-ros sim run` / `npm start` stop, in real child processes: the --duration timer does not
// keep the process alive once the work is done; SIGTERM stops it like Ctrl-C; a Ctrl-C delivered
// twice at once (the terminal reaches npm and its child, and npm forwards it again) is one
// interrupt; and npm's start script execs the vla-ros command, which execs node, so a signal npm
// forwards reaches the node itself instead of killing a shell and orphaning it.

import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../../nodes/package_paths.js';
import { tempDir } from '../bags/helpers.js';

/** What `sim run` does with a ShutdownSignal: a 300 s duration, work that ends after `argv[2]` ms, a stop phase. */
const CHILD = `
const { ShutdownSignal } = await import(${JSON.stringify(pathToFileURL(packagePath('dist', 'nodes', 'cli', 'shutdown_signal.js')).href)});
const shutdown = new ShutdownSignal();
shutdown.startTimer(300);
process.stdout.write('ready ' + process.pid + '\\n');
const workMs = Number(process.argv[2]);
let work;
const why = await Promise.race([shutdown.reason, new Promise((r) => (work = setTimeout(() => r('work done'), workMs)))]);
clearTimeout(work);
shutdown.dispose();
await new Promise((r) => setTimeout(r, 300)); // stopping the suite
process.stdout.write('stopped: ' + why + '\\n');
process.exitCode = 0;
`;

interface Run {
  child: ChildProcess;
  output: () => string;
  ready: Promise<number>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(command: string, args: string[]): Run {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let resolveReady!: (pid: number) => void;
  const ready = new Promise<number>((r) => (resolveReady = r));
  const read = (d: Buffer) => {
    out += d.toString();
    const m = /ready (\d+)/.exec(out);
    if (m !== null) resolveReady(Number(m[1]));
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  return { child, output: () => out, ready, exit };
}

/** Resolves when process `pid` no longer exists. */
async function gone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cli: stopping sim run (signals, --duration)', function () {
  this.timeout(20_000);
  let tmp: { dir: string; remove: () => void };
  let script: string;
  const started: number[] = [];
  before(() => {
    tmp = tempDir('vla-shutdown-');
    script = path.join(tmp.dir, 'child.mjs');
    fs.writeFileSync(script, CHILD);
  });
  after(() => {
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    tmp.remove();
  });

  it('exits when the work is done although a 300 s --duration timer was started', async () => {
    const r = run(process.execPath, [script, '50']);
    started.push(await r.ready);
    assert.deepEqual(await r.exit, { code: 0, signal: null });
    assert.match(r.output(), /stopped: work done/);
  });

  it('SIGTERM stops it like Ctrl-C: the stop phase runs, exit status 0', async () => {
    const r = run(process.execPath, [script, '60000']);
    const pid = await r.ready;
    started.push(pid);
    r.child.kill('SIGTERM');
    assert.deepEqual(await r.exit, { code: 0, signal: null });
    assert.match(r.output(), /stopped: SIGTERM/);
  });

  it('a Ctrl-C delivered twice at once (terminal + npm forwarding) is one interrupt: the stop phase completes, exit status 0', async () => {
    const r = run(process.execPath, [script, '60000']);
    started.push(await r.ready);
    r.child.kill('SIGINT');
    r.child.kill('SIGINT');
    assert.deepEqual(await r.exit, { code: 0, signal: null });
    assert.match(r.output(), /stopped: SIGINT/);
    assert.doesNotMatch(r.output(), /second interrupt/);
  });

  it("npm start's script, run by sh as npm runs it, through the vla-ros command: SIGTERM to the shell reaches node (no orphan left running)", async () => {
    const pkg = JSON.parse(fs.readFileSync(packagePath('package.json'), 'utf8')) as { scripts: { start: string } };
    const start = pkg.scripts.start;
    assert.match(start, /^exec tools\/vla-ros sim run /);
    // The same script and the real command (tools/vla-ros, a shell script that execs node), with
    // the child above in place of the program it runs.
    const command = path.join(tmp.dir, 'vla-ros');
    fs.copyFileSync(packagePath('tools', 'vla-ros'), command);
    fs.writeFileSync(path.join(tmp.dir, 'vla-ros.js'), "process.argv.splice(2, Infinity, '60000');\nimport('./child.mjs');\n");
    const script = start.replace(/^exec tools\/vla-ros /, `exec ${JSON.stringify(command)} `);
    const r = run('/bin/sh', ['-c', script]);
    const nodePid = await r.ready;
    started.push(nodePid);
    // npm forwards SIGTERM to its child, the shell.
    r.child.kill('SIGTERM');
    await r.exit;
    await gone(nodePid);
    assert.match(r.output(), /stopped: SIGTERM/, 'node itself got the signal and stopped cleanly');
  });
});
