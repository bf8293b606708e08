// Output tensors over SharedArrayBuffers, so an Observation crosses worker threads without a copy.
//
// The embedded backend hands messages to other threads with postMessage (structured clone).
// Cloning a typed array over an ordinary ArrayBuffer copies its bytes (600 KB per 224×224
// camera tensor, per subscriber thread, 30 times a second); cloning one over a SharedArrayBuffer
// shares the memory: every subscriber's NamedTensor.data views the same bytes.
//
// Every frame gets a FRESH buffer, never a reused one: a subscriber may keep an observation for
// as long as it likes (the slow pathway holds one for its whole VLM inference), and a shared
// buffer that the next frame overwrote would change under its reader — a torn, mixed-frame
// input with no error anywhere. Allocation is cheap next to preprocessing; memory returns to
// the allocator when the last reader drops its view.
//
// NamedTensor.data is little-endian by definition; a Float32Array uses the platform's byte
// order, which is little-endian on every platform Node supports for this (x86-64, arm64) —
// checked once below rather than assumed.

import type { TensorAllocator } from './image_preprocessor.js';

export const PLATFORM_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A zero-filled Float32Array over a new SharedArrayBuffer. */
export const sharedAllocator: TensorAllocator = (length) => {
  if (!PLATFORM_IS_LITTLE_ENDIAN) throw new Error('camera_ingestion needs a little-endian platform (NamedTensor data is little-endian)');
  return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
};

/** The bytes of a float tensor, as NamedTensor.data: a view, not a copy. */
export function tensorBytes(tensor: Float32Array): Uint8Array {
  return new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength);
}
