// The timing thread must not keep a process alive: a process whose last precise alarm has run
// exits by itself, as it would with setTimeout (a child process, so it is not in test:unit).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';

describe('TimingThread and process exit', () => {
  it('a process exits by itself once its precise alarms have run (the thread is unreferenced)', () => {
    const timeBase = new URL('../../nodes/ros/time_base.js', import.meta.url).href;
    const script = [
      `const { WallTimeBase } = await import(${JSON.stringify(timeBase)});`,
      'const w = new WallTimeBase();',
      'w.at(w.now() + 0.02, () => console.log(`ran on the ${w.preciseWaiter}`), { precise: true });',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.error, undefined, `the process did not exit by itself: ${String(r.error)}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ran on the timing thread');
  });
});
