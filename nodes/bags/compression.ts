// Chunk compression for MCAP bags. zstd (what vla-ros writes by default; rosbag2's MCAP plugin
// writes uncompressed chunks unless a storage preset asks for zstd) comes from
// @foxglove/wasm-zstd, the WebAssembly build @mcap/support already uses to read zstd chunks;
// it is loaded once, on first use. lz4 frames come from ./lz4.ts. Decompression handlers
// (zstd, lz4, bz2) come from @mcap/support.

import type { DecompressHandlers } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import { compressLz4Frame } from './lz4.js';
import { BagReadError } from './storage.js';

export type ChunkCompression = 'zstd' | 'lz4' | 'none';

export const CHUNK_COMPRESSIONS: readonly ChunkCompression[] = ['zstd', 'lz4', 'none'];

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
  if (compression === 'lz4') return (data) => ({ compression: 'lz4', compressedData: compressLz4Frame(data) });
  const z = await (zstd ??= loadZstd());
  return (data) => ({ compression: 'zstd', compressedData: z.compress(data, 3) });
}

/** Largest chunk decompressed (what a chunk header claims is allocated before decompressing). */
export const MAX_CHUNK_BYTES = 1024 ** 3;

let handlers: Promise<DecompressHandlers> | undefined;

/** zstd, lz4 and bz2 chunk decompressors (WebAssembly, loaded once), refusing chunks above MAX_CHUNK_BYTES. */
export function decompressHandlers(): Promise<DecompressHandlers> {
  return (handlers ??= loadDecompressHandlers().then((loaded) => {
    const bounded: DecompressHandlers = {};
    for (const [name, decompress] of Object.entries(loaded)) {
      bounded[name] = (data, size) => {
        if (size > BigInt(MAX_CHUNK_BYTES))
          throw new BagReadError(
            `a ${name} chunk claims ${size} bytes uncompressed, more than the ${MAX_CHUNK_BYTES} bytes vla-ros decompresses`,
          );
        return decompress(data, size);
      };
    }
    return bounded;
  }));
}
