// Tensors as the suite passes them between threads, to onnxruntime and to the decoders: a
// type tag, dims and the matching typed array. Plain data, so they structured-clone (and
// transfer) between worker threads.

export type TensorData =
  | { type: 'float32'; dims: number[]; data: Float32Array }
  | { type: 'int64'; dims: number[]; data: BigInt64Array }
  | { type: 'int32'; dims: number[]; data: Int32Array }
  | { type: 'uint8' | 'bool'; dims: number[]; data: Uint8Array };

export type TensorType = TensorData['type'];
export type Float32TensorData = Extract<TensorData, { type: 'float32' }>;
export type Int64TensorData = Extract<TensorData, { type: 'int64' }>;

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

export function float32Tensor(dims: number[], data?: Float32Array | readonly number[]): Float32TensorData {
  const n = elementCount(dims);
  const array = data === undefined ? new Float32Array(n) : data instanceof Float32Array ? data : Float32Array.from(data);
  if (array.length !== n) throw new RangeError(`float32 tensor [${dims.join(',')}] needs ${n} values, got ${array.length}`);
  return { type: 'float32', dims, data: array };
}

export function int64Tensor(dims: number[], data?: BigInt64Array | readonly number[]): Int64TensorData {
  const n = elementCount(dims);
  const array =
    data === undefined ? new BigInt64Array(n) : data instanceof BigInt64Array ? data : BigInt64Array.from(data, (v) => BigInt(v));
  if (array.length !== n) throw new RangeError(`int64 tensor [${dims.join(',')}] needs ${n} values, got ${array.length}`);
  return { type: 'int64', dims, data: array };
}
