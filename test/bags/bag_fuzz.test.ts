// The bag readers against mutated bags (test/bags/fuzz/bag_fuzz.ts): a bounded, seeded run of
// byte mutations of MCAP, .db3 and metadata.yaml seed bags, read in child processes the way
// `bag info`, `replay` and `bag convert` read them. Zero native aborts, zero hangs and zero
// errors other than the project's one-line BagReadError/BagWriteError. CI adds a longer run with
// another seed (.ci/run); by hand: `npm run fuzz:bags -- --cases 20000` (docs/bags.md).

import { strict as assert } from 'node:assert';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BagReadError } from '../../nodes/bags/storage.js';
import { BagWriteError } from '../../nodes/bags/mcap_writer.js';
import { isProjectError, runFuzz } from './fuzz/bag_fuzz.js';
import { tempDir } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('bags: byte-mutation fuzz of the readers', function () {
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('vla-bag-fuzz-')));
  afterEach(() => tmp.remove());

  it("recognises the project's one-line errors and nothing else", () => {
    assert.equal(isProjectError(new BagReadError('bag.db3: not a rosbag2 sqlite3 bag: database disk image is malformed')), true);
    assert.equal(isProjectError(new BagWriteError('out: copied 3 of its 5 messages')), true);
    assert.equal(isProjectError(new BagReadError('a topic name with a\nnewline')), true, 'control characters are escaped');
    assert.equal(new BagReadError('a\nb').message, 'a\\x0ab');
    for (const foreign of [
      new Error('database disk image is malformed'),
      new TypeError('x is undefined'),
      new RangeError('Offset is outside the bounds of the DataView'),
      'a string',
    ]) {
      assert.equal(isProjectError(foreign), false, String(foreign));
    }
  });

  it('counts a child that aborts, hangs (twice) or throws a foreign error as a finding, and goes on with the next case; a case that hangs once is a stall', async () => {
    const summary = await runFuzz({
      cases: 10,
      seed: 1,
      jobs: 1,
      workDir: tmp.dir,
      caseTimeoutMs: 1500,
      worker: path.join(here, 'fuzz', 'stand_in_worker.js'),
    });
    assert.equal(summary.cases, 10);
    assert.deepEqual(
      summary.findings.map((f) => [f.index, f.outcome]),
      [
        [3, 'abort'],
        [5, 'hang'],
        [7, 'foreign-error'],
      ],
    );
    assert.match(summary.findings[0].detail!, /killed by SIGABRT/);
    assert.match(
      summary.findings[1].detail!,
      /^no result after 1500 ms \(the child had used 0\.\d\d s of CPU\); again in a fresh child: no result after 1500 ms/,
    );
    assert.deepEqual([summary.read, summary.aborts, summary.hangs, summary.foreignErrors], [7, 1, 1, 1]);
    assert.deepEqual(
      summary.stalls.map((s) => [s.index, s.outcome, s.stalled?.replace(/[\d.]+ s of CPU/, 'x s of CPU')]),
      [[8, 'read', 'no result after 1500 ms (the child had used x s of CPU)']],
    );
  });

  it('1000 mutated bags (MCAP ×4 layouts, .db3 ×2 schemas, metadata.yaml ×2): no abort, no hang, no foreign error', async () => {
    const summary = await runFuzz({ cases: 1000, seed: 20261207, jobs: 2, workDir: tmp.dir });
    assert.equal(summary.cases, 1000);
    assert.deepEqual(summary.findings, []);
    assert.deepEqual(summary.stalls, []);
    // Every seed bag is both read after some mutations and refused after others: the mutations reach the readers.
    for (const [name, s] of Object.entries(summary.perSeed))
      assert.ok(s.read > 0 && s.read < s.cases, `${name}: ${s.read} of ${s.cases} read`);
    assert.equal(Object.keys(summary.perSeed).length, 8);
    assert.equal(summary.read + summary.projectErrors, 1000);
  });
});
