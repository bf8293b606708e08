// Worker-thread entry of read_ahead.ts: reads a bag (the same BagReader, so the same records in
// the same order) and hands its messages to the parent in batches, moving each message's
// buffer instead of copying it. The parent asks for the next batch; at most a few are in
// flight, which bounds the memory held ahead of the consumer.

import { parentPort, workerData } from 'node:worker_threads';
import { BagReader, BagReadError } from './bag_reader.js';
import type { ReadAheadReply, ReadAheadWorkerData } from './read_ahead.js';
import { errorText } from '../error_text.js';

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('read_ahead_worker must run in a worker thread');
  const data = workerData as ReadAheadWorkerData;
  const reply = (m: ReadAheadReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  let credit = 0;
  let wake: (() => void) | undefined;
  port.on('message', (m: { more: number }) => {
    credit += m.more;
    wake?.();
  });
  let bag: BagReader | undefined;
  try {
    bag = await BagReader.open(data.path, { ...data.open, onNote: (note) => reply({ kind: 'note', note }) });
    let batch: Extract<ReadAheadReply, { kind: 'batch' }>['records'] = [];
    let transfer: ArrayBuffer[] = [];
    let bytes = 0;
    const flush = async () => {
      while (credit === 0) await new Promise<void>((r) => (wake = r));
      credit--;
      reply({ kind: 'batch', records: batch }, transfer);
      batch = [];
      transfer = [];
      bytes = 0;
    };
    for await (const m of bag.messages(data.read)) {
      // Move the message's own buffer; a view into a larger one (a whole chunk or database) is copied first.
      const own = m.data.byteOffset === 0 && m.data.byteLength === m.data.buffer.byteLength && m.data.buffer instanceof ArrayBuffer;
      const bytesOf = own ? m.data : m.data.slice();
      batch.push({ topic: m.topic, logTime: m.logTime, publishTime: m.publishTime, sequence: m.sequence, data: bytesOf });
      transfer.push(bytesOf.buffer as ArrayBuffer);
      bytes += bytesOf.byteLength;
      if (batch.length >= data.batchMessages || bytes >= data.batchBytes) await flush();
    }
    if (batch.length > 0) await flush();
    reply({ kind: 'end' });
  } catch (err) {
    reply({ kind: 'error', error: errorText(err), bagReadError: err instanceof BagReadError });
  } finally {
    bag?.close();
  }
}

void main();
