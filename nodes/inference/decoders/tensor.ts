// The model abstraction the decoders program against, without importing ORT, so decoders can
// be tested with synthetic models and run against any backend (OnnxModel in nodes/inference).

import type { TensorData } from '../../inference/tensor.js';

export type { Float32TensorData, Int64TensorData, TensorData } from '../../inference/tensor.js';
export { elementCount, float32Tensor, int64Tensor } from '../../inference/tensor.js';

/**
 * What a model may answer: any {type, dims, data} tensor (wider than TensorData, so models
 * whose tensors also carry int32/uint8/bool fit). Decoders check the type and size of every
 * output they read (requireFloat32).
 */
export interface TensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** A model called with named input tensors, answering named output tensors (an ONNX session, a mock). */
export interface ExpertModel {
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData | TensorLike>>;
}

export type ModelOutputs = Record<string, TensorData | TensorLike>;

/** A model output (or input) that does not have the name, type or size the contract promises. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/**
 * The float32 output `name`, checked to hold `size` values when given (any dims with that
 * element count, so [1,H,D] and [1,H*D] both pass). `what` names the contract in the error.
 */
export function requireFloat32(outputs: ModelOutputs, name: string, size: number | undefined, what: string): Float32Array {
  const t = outputs[name];
  if (t === undefined) {
    throw new DecodeError(`${what}: the model has no output '${name}' (outputs: ${Object.keys(outputs).join(', ') || 'none'})`);
  }
  if (t.type !== 'float32' || !(t.data instanceof Float32Array))
    throw new DecodeError(`${what}: output '${name}' is ${t.type}, expected float32`);
  if (size !== undefined && t.data.length !== size) {
    throw new DecodeError(`${what}: output '${name}' has ${t.data.length} values (dims [${t.dims.join(',')}]), expected ${size}`);
  }
  return t.data;
}
