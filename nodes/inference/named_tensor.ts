// vla_ros_msgs/NamedTensor <-> TensorData: raw little-endian bytes on the wire, typed arrays
// in memory. Views are made without copying when the bytes are aligned (they usually are:
// each tensor travels in its own buffer).

import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import type { TensorData, TensorType } from './tensor.js';
import { elementCount } from './tensor.js';

const DT = vla_ros_msgs.msg.NamedTensor;

const DTYPE_OF: Partial<Record<TensorType, number>> = {
  float32: DT.DTYPE_FLOAT32,
  int64: DT.DTYPE_INT64,
  int32: DT.DTYPE_INT32,
  uint8: DT.DTYPE_UINT8,
  bool: DT.DTYPE_BOOL,
};

const ITEM_SIZE: Record<number, number> = {
  [DT.DTYPE_FLOAT32]: 4,
  [DT.DTYPE_FLOAT16]: 2,
  [DT.DTYPE_FLOAT64]: 8,
  [DT.DTYPE_INT32]: 4,
  [DT.DTYPE_INT64]: 8,
  [DT.DTYPE_UINT8]: 1,
  [DT.DTYPE_BOOL]: 1,
};

export function toNamedTensor(name: string, t: TensorData): vla_ros_msgs.msg.NamedTensor {
  const dtype = DTYPE_OF[t.type];
  if (dtype === undefined) throw new Error(`tensor '${name}': type ${t.type} has no NamedTensor dtype`);
  return {
    name,
    dtype,
    shape: Uint32Array.from(t.dims),
    data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
  };
}

/** Reads a float32 NamedTensor; throws naming the tensor when dtype or size is wrong. */
export function float32Of(t: vla_ros_msgs.msg.NamedTensor): { dims: number[]; data: Float32Array } {
  if (t.dtype !== DT.DTYPE_FLOAT32)
    throw new Error(`tensor '${t.name}': expected float32 (dtype ${DT.DTYPE_FLOAT32}), got dtype ${t.dtype}`);
  const dims = [...t.shape];
  const n = elementCount(dims);
  if (t.data.byteLength !== n * ITEM_SIZE[t.dtype]) {
    throw new Error(`tensor '${t.name}': shape [${dims.join(',')}] needs ${n * 4} bytes, got ${t.data.byteLength}`);
  }
  const aligned = t.data.byteOffset % 4 === 0;
  const data = aligned ? new Float32Array(t.data.buffer, t.data.byteOffset, n) : new Float32Array(new Uint8Array(t.data).buffer);
  return { dims, data };
}
