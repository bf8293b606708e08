// Synthetic expert models for the decoder tests: a function of the feeds, with every call's
// feeds recorded (copied) so tests can assert what the decoder fed.
import type { ExpertModel, TensorData } from '../../../nodes/inference/decoders/tensor.js';

export class FnModel implements ExpertModel {
  readonly calls: Array<Record<string, TensorData>> = [];

  constructor(private readonly fn: (feeds: Record<string, TensorData>, call: number) => Record<string, TensorData>) {}

  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    const copy: Record<string, TensorData> = {};
    for (const [k, t] of Object.entries(feeds)) {
      copy[k] = { ...t, dims: [...t.dims], data: t.data.slice() } as TensorData;
    }
    this.calls.push(copy);
    return Promise.resolve(this.fn(feeds, this.calls.length - 1));
  }
}

export function f32(feeds: Record<string, TensorData>, name: string): Float32Array {
  const t = feeds[name];
  if (t?.type !== 'float32') throw new Error(`feed '${name}' is not float32`);
  return t.data;
}

export function i64(feeds: Record<string, TensorData>, name: string): BigInt64Array {
  const t = feeds[name];
  if (t?.type !== 'int64') throw new Error(`feed '${name}' is not int64`);
  return t.data;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
