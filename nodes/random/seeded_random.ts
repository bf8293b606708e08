// Seeded randomness shared by the simulator (layouts, failures, data collection), the failure
// monitor's calibration splits, benchmarks and tests: a 32-bit generator (mulberry32), a seed mixer,
// and the draws built on them. Everything reproducible from a seed, on every machine — Math.random
// cannot be seeded. (The decoders' noise uses its own xoshiro128** in inference/decoders/rng.ts,
// which adds independent per-chunk streams and a checkpointable state.)

export type Random = () => number;

/** Uniform numbers in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** mulberry32 from any integer seed, pre-mixed so that nearby seeds start far apart. */
export function seededRandom(seed: number): Random {
  return mulberry32((Math.trunc(seed) ^ 0x9e3779b9) >>> 0);
}

/** A well-mixed 32-bit hash of integers (splitmix-style finaliser). */
export function mixSeed(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (Math.trunc(v) >>> 0), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function uniform(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))];
}

/** A standard normal sample (Box–Muller) from a uniform generator. */
export function gaussian(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A permutation of 0..n-1 (Fisher–Yates), the same for the same seed. */
export function seededPermutation(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
