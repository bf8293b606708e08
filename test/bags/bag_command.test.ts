// `vla-ros bag info` from the command line: the description of a bag, and one clear line (exit 1)
// for a file that is not a bag.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, vlaRos } from './helpers.js';

describe('bags: vla-ros bag info', function () {
  this.timeout(30_000);

  it('describes a bag: storage, duration, count, compression, each topic with type, count and rate', () => {
    const r = vlaRos('bag', 'info', 'test/replay/fixtures/input');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Storage id: +mcap \(metadata\.yaml version 5\)/);
    assert.match(r.stdout, /Duration: +3\.480s/);
    assert.match(r.stdout, /Messages: +444\n/);
    assert.match(r.stdout, /Compression: +zstd/);
    assert.match(r.stdout, /\/joint_states +sensor_msgs\/msg\/JointState +175 msgs +50\.3 Hz +cdr/);
    const json = JSON.parse(vlaRos('bag', 'info', '--json', 'test/replay/fixtures/input').stdout) as { messageCount: number };
    assert.equal(json.messageCount, 444);
  });

  it('a file that is not a bag: one line naming it and the problem, exit 1', () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'notes.mcap');
      fs.writeFileSync(file, 'not a bag\n');
      const r = vlaRos('bag', 'info', file);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^vla-ros: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not an MCAP file: .*\n$`));
    } finally {
      tmp.remove();
    }
  });
});
