// The file an indexed MCAP read seeks in (McapIndexedReader's IReadable), with every read checked
// against the file's size before it reaches the file system. @mcap/nodejs's FileHandleReadable
// hands any length the file claims (a record length of 2^31 or more in a damaged header, summary
// or chunk index) to fs, whose native binding aborts the whole process on a length that is not a
// 32-bit integer; here such a read is a BagReadError, and long reads are split into pieces fs
// accepts.

import type fs from 'node:fs';
import type { McapTypes } from '@mcap/core';
import { BagReadError } from './storage.js';

/** Largest single fs read (fs takes 32-bit lengths). */
const MAX_READ_BYTES = 1 << 30;

export class McapFileReadable implements McapTypes.IReadable {
  private constructor(
    private readonly handle: fs.promises.FileHandle,
    private readonly bytes: bigint,
    private readonly path: string,
  ) {}

  /** Reads `handle` with the size it has now (a file still growing is read up to that size). */
  static async open(handle: fs.promises.FileHandle, path: string): Promise<McapFileReadable> {
    return new McapFileReadable(handle, BigInt((await handle.stat()).size), path);
  }

  size(): Promise<bigint> {
    return Promise.resolve(this.bytes);
  }

  async read(offset: bigint, length: bigint): Promise<Uint8Array> {
    if (offset < 0n || length < 0n || offset + length > this.bytes) {
      throw new BagReadError(
        `${this.path}: the MCAP data points at ${length} bytes at offset ${offset}, past the end of the file (${this.bytes} bytes)`,
      );
    }
    const total = Number(length);
    const out = new Uint8Array(total);
    let done = 0;
    while (done < total) {
      const { bytesRead } = await this.handle.read(out, done, Math.min(MAX_READ_BYTES, total - done), Number(offset) + done);
      if (bytesRead === 0)
        throw new BagReadError(`${this.path}: the file ended at ${Number(offset) + done} bytes while reading (it shrank?)`);
      done += bytesRead;
    }
    return out;
  }
}
