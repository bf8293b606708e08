// Which buffers of a message can be moved (not copied) to another thread: plain
// ArrayBuffers of typed arrays. SharedArrayBuffers are shared anyway and cannot be transferred.

import type { Transferable } from 'node:worker_threads';

export function transferListOf(message: unknown): Transferable[] {
  const seen = new Set<ArrayBuffer>();
  const visit = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) {
      const buf = v.buffer;
      // A view over part of a larger (pooled) buffer must be copied, not moved.
      if (buf instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === buf.byteLength) seen.add(buf);
      return;
    }
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(visit);
  };
  visit(message);
  return [...seen];
}
