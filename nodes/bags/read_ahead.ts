// Reading a bag ahead of its consumer, in a worker thread: the file reads, chunk decompression
// (zstd/lz4 in WebAssembly) and record parsing of BagReader run on another core while the
// consumer (a replay's suite, on its own thread) works. The worker runs the same BagReader over
// the same file, so the records and their order are exactly those of a direct read; only where
// the work happens changes. Message buffers are moved between the threads, not copied. A few
// batches are in flight at most, so memory stays bounded (batchBytes × that).

import { Worker } from 'node:worker_threads';
import type { BagReadOptions, OpenBagOptions } from './bag_reader.js';
import { BagReadError } from './storage.js';

export interface ReadAheadRecord {
  topic: string;
  logTime: bigint;
  publishTime: bigint;
  sequence: number;
  data: Uint8Array;
}

/** What the worker is given (structured-cloned: no functions). */
export interface ReadAheadWorkerData {
  path: string;
  open: Pick<OpenBagOptions, 'forceStream' | 'readSize'>;
  read: Omit<BagReadOptions, 'topics' | 'readAhead'> & { topics?: readonly string[] };
  batchMessages: number;
  batchBytes: number;
}

export type ReadAheadReply =
  | { kind: 'batch'; records: ReadAheadRecord[] }
  | { kind: 'note'; note: string }
  | { kind: 'end' }
  | { kind: 'error'; error: string; bagReadError: boolean };

/** Batches the worker may have sent ahead of the one being consumed. */
const IN_FLIGHT = 2;

/**
 * The records of `path` (as BagReader.messages with `read` yields them), read in a worker.
 * Notes of the worker's reader go to `onNote`; a read error is thrown here as it would be by a
 * direct read (a BagReadError stays one). Leaving the loop early stops the worker.
 */
export async function* readAhead(
  path: string,
  open: ReadAheadWorkerData['open'],
  read: ReadAheadWorkerData['read'],
  onNote: (note: string) => void,
  batch: { messages: number; bytes: number } = { messages: 256, bytes: 4 * 1024 * 1024 },
): AsyncGenerator<ReadAheadRecord> {
  const data: ReadAheadWorkerData = {
    path,
    open: {
      ...(open.forceStream !== undefined ? { forceStream: open.forceStream } : {}),
      ...(open.readSize !== undefined ? { readSize: open.readSize } : {}),
    },
    read,
    batchMessages: batch.messages,
    batchBytes: batch.bytes,
  };
  const worker = new Worker(new URL('./read_ahead_worker.js', import.meta.url), { workerData: data });
  const replies: ReadAheadReply[] = [];
  let wake: (() => void) | undefined;
  const push = (r: ReadAheadReply) => {
    replies.push(r);
    wake?.();
  };
  worker.on('message', (m: ReadAheadReply) => {
    if (m.kind === 'note') onNote(m.note);
    else push(m);
  });
  worker.on('error', (err) => push({ kind: 'error', error: `bag read-ahead worker crashed: ${err.message}`, bagReadError: false }));
  worker.on('exit', (code) => push({ kind: 'error', error: `bag read-ahead worker exited (code ${code})`, bagReadError: false }));
  worker.postMessage({ more: IN_FLIGHT });
  try {
    for (;;) {
      while (replies.length === 0) await new Promise<void>((r) => (wake = r));
      const reply = replies.shift()!;
      if (reply.kind === 'end') return;
      if (reply.kind === 'error') throw reply.bagReadError ? new BagReadError(reply.error) : new Error(reply.error);
      if (reply.kind !== 'batch') continue;
      worker.postMessage({ more: 1 });
      yield* reply.records;
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
