// Model loads in flight in this thread. Terminating a thread while onnxruntime is inside a
// native call — loading a model, in this thread or in an inference worker it owns — aborts the
// whole process (`terminate called after throwing an instance of 'Napi::Error'`, exit 134). So
// a thread about to be terminated (a node host, node_host.ts) first calls settleModelLoads():
// loads already running finish, new ones are refused. (No onnxruntime import here: the failure
// monitor loads onnxruntime lazily.)

/** A load asked for after the thread began to stop. */
export class ModelLoadRefusedError extends Error {
  override name = 'ModelLoadRefusedError';
}

let inFlight = 0;
let closedBecause: string | undefined;
const idle: Array<() => void> = [];

/** Runs `load` (a model load) as tracked work of this thread; refused once settleModelLoads() was called. */
export async function trackModelLoad<T>(what: string, load: () => Promise<T>): Promise<T> {
  if (closedBecause !== undefined) throw new ModelLoadRefusedError(`not loading ${what}: ${closedBecause}`);
  inFlight++;
  try {
    return await load();
  } finally {
    inFlight--;
    if (inFlight === 0) for (const wake of idle.splice(0)) wake();
  }
}

/** Refuses new loads (saying `why`) and resolves once none is in flight in this thread. */
export function settleModelLoads(why: string): Promise<void> {
  closedBecause ??= why;
  return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
}
