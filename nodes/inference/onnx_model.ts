// One ONNX model on onnxruntime-node's CPU provider, with the session options this machine
// needs: one intra-op thread that does not busy-spin (a spinning pool burns a whole core
// between 30 Hz calls; docs/platform-notes.md), and clear errors naming the model and tensor.
// session.run() blocks its thread for the whole inference: create models in a worker
// (inference_worker.ts), never on a node's control thread. It is an ExpertModel, so the
// decoders run on it directly.

import * as ort from 'onnxruntime-node';
import type { ExpertModel } from './decoders/tensor.js';
import type { ModelIO } from '../policy/model_io.js';
import { executionProviderProblem, type ExecutionProviderName } from './execution_provider.js';
import type { TensorData } from './tensor.js';
import { errorText } from '../error_text.js';

export interface OnnxModelOptions {
  /** Intra-op threads (default 1; 2 was slower on our 2-core machines). */
  intraOpThreads?: number;
  /** Where the model runs (default cpu); refused with one line when it is not available here. */
  executionProvider?: ExecutionProviderName;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

function describeMetadata(list: readonly ort.InferenceSession.ValueMetadata[]): ModelIO[] {
  return list.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

function toTensorData(name: string, path: string, value: ort.Tensor): TensorData {
  const dims = [...value.dims];
  const d = value.data;
  if (value.type === 'float32' && d instanceof Float32Array) return { type: 'float32', dims, data: d };
  if (value.type === 'int64' && d instanceof BigInt64Array) return { type: 'int64', dims, data: d };
  if (value.type === 'int32' && d instanceof Int32Array) return { type: 'int32', dims, data: d };
  if ((value.type === 'uint8' || value.type === 'bool') && d instanceof Uint8Array) return { type: value.type, dims, data: d };
  throw new Error(`${path}: output '${name}' has type ${value.type}, which the suite does not handle`);
}

export class OnnxModel implements ExpertModel {
  private constructor(
    readonly path: string,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(path: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
    const provider = options.executionProvider ?? 'cpu';
    const unavailable = executionProviderProblem(provider);
    if (unavailable !== undefined) throw new ModelLoadError(`cannot load ONNX model ${path}: ${unavailable}`);
    try {
      const session = await ort.InferenceSession.create(path, {
        executionProviders: [provider],
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
      return new OnnxModel(path, session);
    } catch (err) {
      throw new ModelLoadError(`cannot load ONNX model ${path}: ${errorText(err)}`, { cause: err });
    }
  }

  get inputs(): ModelIO[] {
    return describeMetadata(this.session.inputMetadata);
  }

  get outputs(): ModelIO[] {
    return describeMetadata(this.session.outputMetadata);
  }

  async run(feeds: Record<string, TensorData>, outputNames?: readonly string[]): Promise<Record<string, TensorData>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const t = feeds[name];
      if (t === undefined) throw new Error(`${this.path}: no feed for input '${name}' (feeds: ${Object.keys(feeds).join(', ') || 'none'})`);
      // onnxruntime-node refuses views over a SharedArrayBuffer ("Invalid argument"); camera
      // tensors are shared between threads, so they are copied here, at the ORT boundary.
      const data = t.data.buffer instanceof SharedArrayBuffer ? t.data.slice() : t.data;
      ortFeeds[name] = new ort.Tensor(t.type, data, t.dims);
    }
    let results: ort.InferenceSession.ReturnType;
    try {
      results = outputNames === undefined ? await this.session.run(ortFeeds) : await this.session.run(ortFeeds, outputNames);
    } catch (err) {
      throw new Error(`${this.path}: inference failed: ${errorText(err)}`, { cause: err });
    }
    const out: Record<string, TensorData> = {};
    for (const [name, value] of Object.entries(results)) out[name] = toTensorData(name, this.path, value);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Names in `required` that the model does not declare, as messages (empty when all are there). */
export function missingTensorNames(
  io: { inputs: readonly ModelIO[]; outputs: readonly ModelIO[] },
  required: { inputs: readonly string[]; outputs: readonly string[] },
  what: string,
): string[] {
  const inputs = io.inputs.map((i) => i.name);
  const outputs = io.outputs.map((o) => o.name);
  return [
    ...required.inputs.filter((n) => !inputs.includes(n)).map((n) => `${what}: no input '${n}' (inputs: ${inputs.join(', ')})`),
    ...required.outputs.filter((n) => !outputs.includes(n)).map((n) => `${what}: no output '${n}' (outputs: ${outputs.join(', ')})`),
  ];
}
