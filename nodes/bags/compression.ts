// Chunk compression for MCAP bags. zstd (what rosbag2's MCAP plugin writes by default) comes
// from @foxglove/wasm-zstd, the WebAssembly build @mcap/support already uses to read zstd
// chunks; it is loaded once, on first use. Decompression handlers (zstd, lz4, bz2) come from
// @mcap/support.

import type { DecompressHandlers } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';

export type ChunkCompression = 'zstd' | 'none';

export type CompressChunk = (data: Uint8Array) => { compression: string; compressedData: Uint8Array };

interface ZstdModule {
  isLoaded: Promise<boolean>;
  compress(buffer: Uint8Array, level?: number): Uint8Array;
}

let zstd: Promise<ZstdModule> | undefined;

async function loadZstd(): Promise<ZstdModule> {
  const mod = (await import('@foxglove/wasm-zstd')) as unknown as ZstdModule & { default?: ZstdModule };
  const z = typeof mod.compress === 'function' ? mod : mod.default;
  if (z === undefined) throw new Error('@foxglove/wasm-zstd has no compress()');
  await z.isLoaded;
  return z;
}

/** The chunk compressor for `compression`, or undefined for none. zstd level 3 (rosbag2's default "fast"). */
export async function chunkCompressor(compression: ChunkCompression): Promise<CompressChunk | undefined> {
  if (compression === 'none') return undefined;
  const z = await (zstd ??= loadZstd());
  return (data) => ({ compression: 'zstd', compressedData: z.compress(data, 3) });
}

export function decompressHandlers(): Promise<DecompressHandlers> {
  return loadDecompressHandlers();
}
