// The progress line of long bag operations: a redrawn bar with rate and ETA on a terminal, plain
// lines at an interval in logs, and nothing when quiet.

import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { formatBytes, formatDuration, Progress } from '../../nodes/bags/progress.js';

function stream(tty: boolean): Writable & { isTTY: boolean; columns: number; text: () => string } {
  let text = '';
  const s = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return Object.assign(s, { isTTY: tty, columns: 200, text: () => text });
}

describe('bags: progress', () => {
  it('on a terminal: a bar, the percentage, counts, rate and ETA, redrawn in place and ended with a newline', async () => {
    const out = stream(true);
    const p = new Progress({ label: 'replay run1', total: 10, unit: 's', stream: out });
    await new Promise((r) => setTimeout(r, 120));
    p.update(5, '123 msgs');
    const line = p.line();
    assert.match(line, /^replay run1: \[#{12}\.{12}\] {2}50%, 5\.0 s of 10\.0 s, \d+\.\d s\/s, ETA 0:\d\d, 123 msgs$/);
    p.finish();
    const ERASE_LINE = '\u001b[K';
    const draws = out.text().split('\r').slice(1);
    assert.equal(draws.length, 2);
    assert.ok(draws.every((d, i) => d.endsWith(i === draws.length - 1 ? `${ERASE_LINE}\n` : ERASE_LINE)));
  });

  it('in logs: plain lines (no bar, no carriage returns) at most every interval; quiet writes nothing', () => {
    const out = stream(false);
    const p = new Progress({ label: 'convert a', total: 4, unit: 'msg', stream: out, intervalSec: 3600 });
    for (let i = 1; i <= 4; i++) p.update(i);
    p.finish('done');
    const lines = out
      .text()
      .split('\n')
      .filter((l) => l !== '');
    assert.ok(lines.length <= 2, lines.join('|'));
    assert.match(lines[lines.length - 1], /^convert a: 100%, 4 msg of 4 msg, .*, done$/);
    assert.ok(!out.text().includes('\r'));
    const quiet = stream(false);
    const q = new Progress({ label: 'x', stream: quiet, quiet: true });
    q.update(1);
    q.finish();
    assert.equal(quiet.text(), '');
  });

  it('abort(): nothing when the operation failed before any progress, the final line when there was some', () => {
    const early = stream(false);
    new Progress({ label: 'replay /missing', unit: 's', stream: early }).abort();
    assert.equal(early.text(), '');
    const late = stream(false);
    const p = new Progress({ label: 'replay run1', unit: 's', stream: late, intervalSec: 3600 });
    p.update(2);
    p.abort();
    p.finish();
    assert.match(late.text(), /^replay run1: 2\.0 s, [^\n]*\n$/, 'one final line');
  });

  it('formats sizes and durations', () => {
    assert.deepEqual([0, 1023, 1536, 5 * 2 ** 30].map(formatBytes), ['0 B', '1023 B', '1.5 KiB', '5.0 GiB']);
    assert.deepEqual([0, 59.6, 61, 3725, NaN].map(formatDuration), ['0:00', '1:00', '1:01', '1:02:05', '--:--']);
  });
});
