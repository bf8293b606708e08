// The node-side handle of an inference worker: starts it, checks its models loaded, and
// turns requests into promises. At most a few requests are ever outstanding — callers skip
// work while one is in flight rather than queueing.

import { Worker } from 'node:worker_threads';
import type { DecodeJob, DecodeJobResult } from './expert_decoding.js';
import type { InferenceWorkerData, WorkerReply, WorkerRequest } from './inference_protocol.js';
import { trackModelLoad } from './model_loads.js';
import type { ModelIO } from '../policy/model_io.js';
import type { TensorData } from './tensor.js';
import type { ExecutionProviderName } from './execution_provider.js';

export interface Timed<T> {
  value: T;
  /** Time the worker spent computing [s] (excludes thread hops). */
  computeSec: number;
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (err: Error) => void;
}

/** A request was still in flight when the client was closed (the node is shutting down). */
export class InferenceClosedError extends Error {
  override name = 'InferenceClosedError';
}

/**
 * V8's young generation of an inference thread [MB] (Worker resourceLimits). Its JavaScript is
 * small (feeds, decoding steps; tensors live outside the heap), but V8's default lets the young
 * generation grow to tens of MB per thread (docs/launch-files.md, memory of vla-ros launch).
 */
export const INFERENCE_YOUNG_GENERATION_MB = 4;

export class InferenceClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests the worker has not answered yet, even when their caller was already rejected. */
  private readonly unanswered = new Set<number>();
  private exited: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly io: Record<string, { inputs: ModelIO[]; outputs: ModelIO[] }>,
  ) {
    worker.on('message', (m: WorkerReply) => {
      if (m.kind !== 'result' && m.kind !== 'decoded' && m.kind !== 'failed') return;
      this.unanswered.delete(m.id);
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.kind === 'failed') p.reject(new Error(m.error));
      else p.resolve(m);
    });
    const fail = (err: Error) => {
      this.exited = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.unanswered.clear();
    };
    worker.on('error', (err) => fail(new Error(`inference worker crashed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`inference worker exited (code ${code})`)));
  }

  /** Starts a worker with `models` (name → .onnx file) loaded; rejects with the load error. */
  static start(
    models: Record<string, string>,
    intraOpThreads = 1,
    executionProvider: ExecutionProviderName = 'cpu',
  ): Promise<InferenceClient> {
    return trackModelLoad(Object.values(models).join(', '), () => InferenceClient.spawn({ models, intraOpThreads, executionProvider }));
  }

  private static spawn(data: InferenceWorkerData): Promise<InferenceClient> {
    const worker = new Worker(new URL('./inference_worker.js', import.meta.url), {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: INFERENCE_YOUNG_GENERATION_MB },
    });
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        if (m.kind === 'ready') {
          worker.off('message', onMessage);
          resolve(new InferenceClient(worker, m.io));
        } else if (m.kind === 'load_failed') {
          void worker.terminate();
          reject(new Error(m.error));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  /** The V8 limits the worker thread runs under, as Node reports them (empty once it stopped). */
  get resourceLimits(): Worker['resourceLimits'] {
    return this.worker.resourceLimits;
  }

  /** The worker thread runs: false once closed (or crashed). */
  get running(): boolean {
    return this.worker.threadId !== -1;
  }

  private request(make: (id: number) => WorkerRequest): Promise<WorkerReply> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.unanswered.add(id);
      this.worker.postMessage(make(id));
    });
  }

  async run(model: string, feeds: Record<string, TensorData>, outputs?: string[]): Promise<Timed<Record<string, TensorData>>> {
    const reply = await this.request((id) => ({ id, op: 'run', model, feeds, outputs }));
    if (reply.kind !== 'result') throw new Error(`unexpected reply ${reply.kind}`);
    return { value: reply.outputs, computeSec: reply.computeSec };
  }

  async decode(request: DecodeJob): Promise<Timed<DecodeJobResult>> {
    const reply = await this.request((id) => ({ id, op: 'decode', request }));
    if (reply.kind !== 'decoded') throw new Error(`unexpected reply ${reply.kind}`);
    return { value: reply.result, computeSec: reply.computeSec };
  }

  /**
   * Stops the worker. New requests are refused at once; requests in flight get up to `drainSec`
   * to finish. Whatever is still pending then is rejected with InferenceClosedError: a caller
   * awaiting it (and virtual time, which waits for tracked work before passing it) must not wait
   * forever. The worker itself is terminated only once it has answered everything it was sent:
   * terminating it while onnxruntime is inside a run aborts the whole process (a native error in
   * the dying thread), and a run cannot be interrupted — a real-size VLM's takes seconds.
   */
  async close(drainSec = 2): Promise<void> {
    this.exited ??= new InferenceClosedError('inference client closed');
    const deadline = performance.now() + drainSec * 1000;
    while (this.pending.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    for (const p of this.pending.values()) p.reject(this.exited);
    this.pending.clear();
    while (this.unanswered.size > 0) await new Promise((r) => setTimeout(r, 5));
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
