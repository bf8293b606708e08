// MCAP files whose lengths point past the end of the file (a damaged header, summary or chunk
// index): every read is checked against the file size, so the commands give their output or one
// line — never the native abort fs gives for a length of 2^31 or more. Run as child processes, so
// an abort is a failure here instead of the end of the test run. McapFileReadable's checks
// themselves are unit-tested in reader_bounds.test.ts.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, writeSample, vlaRos } from './helpers.js';

describe('bags: MCAP lengths past the end of the file', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.remove());

  it('a header record length of 2^31: bag info, convert and replay end normally, without an abort or a stack trace', async () => {
    const file = path.join(tmp.dir, 'huge_header.mcap');
    await writeSample(file, {}, undefined);
    const bytes = fs.readFileSync(file);
    bytes.writeBigUInt64LE(2n ** 31n, 9); // the Header record's length, after the magic and its opcode
    fs.writeFileSync(file, bytes);
    for (const args of [
      ['bag', 'info', file],
      ['bag', 'convert', file, path.join(tmp.dir, 'out')],
      ['replay', file, '--mode', 'deterministic', '--quiet'],
    ]) {
      const r = vlaRos(...args);
      assert.equal(r.signal, null, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.status === 0 || r.status === 1, `${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Assertion failed|\n +at /, args.join(' '));
      if (args[1] === 'info') assert.match(r.stdout, /Truncated: .*the file ends inside its MCAP header/);
    }
  });

  it('a chunk index pointing past the end: one line, exit 1', async () => {
    const file = path.join(tmp.dir, 'huge_chunk.mcap');
    await writeSample(file);
    const bytes = fs.readFileSync(file);
    // Chunk Index records (opcode 0x08) are in the summary: make the first one's chunk_length (after
    // message_start_time, message_end_time, chunk_start_offset) 2^40.
    const summaryStart = Number(bytes.readBigUInt64LE(bytes.length - 8 - 20));
    let p = summaryStart;
    while (bytes[p] !== 0x08) p += 9 + Number(bytes.readBigUInt64LE(p + 1));
    bytes.writeBigUInt64LE(2n ** 40n, p + 9 + 24);
    bytes.writeUInt32LE(0, bytes.length - 8 - 4); // summary CRC 0: not checked
    fs.writeFileSync(file, bytes);
    const r = vlaRos('bag', 'convert', file, path.join(tmp.dir, 'out2'));
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /^vla-ros: .*huge_chunk\.mcap: cannot read its indexed data: .*1099511627776 bytes at offset \d+, past the end of the file/m,
    );
    assert.doesNotMatch(r.stderr, /\n +at /);
  });
});
