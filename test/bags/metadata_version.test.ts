// metadata.yaml's file list: an entry that is empty (the bag directory itself), a folder or a name with a NUL byte is not
// read as a storage file (the fuzzer found `EISDIR` escaping as a foreign error).
// metadata.yaml's `version`: 1 to 9 (every version rosbag2 has written) are read silently; a newer
// one is read as 9 with a note, as rosbag2 itself reads newer versions; anything else (0, negative,
// not an integer) is one line naming the supported versions.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { BagMetadataError, METADATA_NEWEST_VERSION, parseBagMetadata } from '../../nodes/bags/metadata_yaml.js';
import { BagReadError } from '../../nodes/bags/storage.js';
import { collect, tempDir, writeSample, vlaRos } from './helpers.js';

const withVersion = (version: string) =>
  `rosbag2_bagfile_information:\n  version: ${version}\n  storage_identifier: mcap\n  relative_file_paths:\n    - a_0.mcap\n`;

describe('bags: metadata.yaml version and file list', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.remove());

  it('reads every version rosbag2 has written; refuses 0, negative and non-integer versions naming the supported ones', () => {
    assert.equal(METADATA_NEWEST_VERSION, 9);
    for (let v = 1; v <= 9; v++) assert.equal(parseBagMetadata(withVersion(String(v))).version, v);
    assert.equal(parseBagMetadata(withVersion('12')).version, 12);
    for (const bad of ['0', '-3', '5.5', 'five', '[5]', '99999999999999999999']) {
      assert.throws(
        () => parseBagMetadata(withVersion(bad), 'bag/metadata.yaml'),
        (err: unknown) =>
          err instanceof BagMetadataError &&
          err instanceof BagReadError &&
          /^bag\/metadata\.yaml: unsupported metadata\.yaml version .* \(vla-ros reads versions 1 to 9, and newer ones as 9\)$/.test(
            err.message,
          ),
        bad,
      );
    }
  });

  it('a bag with a newer version is read with a note; with an unknown one, bag info prints one line and exits 1', async () => {
    const dir = path.join(tmp.dir, 'bag');
    await writeSample(dir);
    const file = path.join(dir, 'metadata.yaml');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, original.replace('version: 5', 'version: 11'));
    const { records, notes } = await collect(dir);
    assert.ok(records.length > 0);
    assert.match(
      notes.join('\n'),
      /metadata\.yaml version 11 is newer than the newest vla-ros knows \(9\): read as version 9, as rosbag2 does/,
    );
    fs.writeFileSync(file, original.replace('version: 5', 'version: 0'));
    const r = vlaRos('bag', 'info', dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /^vla-ros: .*metadata\.yaml: unsupported metadata\.yaml version 0 \(vla-ros reads versions 1 to 9, and newer ones as 9\)\n$/,
    );
  });

  it('an empty entry or a folder in relative_file_paths: skipped with a note, or one line when nothing else is listed', async () => {
    const dir = path.join(tmp.dir, 'listing');
    await writeSample(dir);
    const file = path.join(dir, 'metadata.yaml');
    const original = fs.readFileSync(file, 'utf8');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(
      file,
      original.replace('  relative_file_paths:\n', '  relative_file_paths:\n    - ""\n    - sub\n    - "a\\0b.mcap"\n'),
    );
    const { records, notes } = await collect(dir);
    assert.ok(records.length > 0);
    assert.match(notes.join('\n'), /metadata\.yaml lists "", which is missing or not a file: skipped/);
    assert.match(notes.join('\n'), /metadata\.yaml lists "sub", which is missing or not a file: skipped/);
    assert.match(notes.join('\n'), /metadata\.yaml lists "a\\u0000b\.mcap", which is missing or not a file: skipped/);
    fs.writeFileSync(file, original.replace(/ {2}relative_file_paths:\n( {4}- .*\n)+/, '  relative_file_paths:\n    -\n'));
    await assert.rejects(
      collect(dir),
      (err: unknown) => err instanceof BagReadError && /metadata\.yaml lists "", none of which is a file that exists$/.test(err.message),
    );
  });
});
