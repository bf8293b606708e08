// The seed sequence of episodes: episode k of seed s is the same on every machine and does not
// depend on how many numbers earlier episodes drew.

import { mixSeed } from '../random/seeded_random.js';

/** The seed of episode `index` (0, 1, 2, …) in the sequence of `seed`. */
export function episodeSeed(seed: number, index: number): number {
  return mixSeed(seed, index, 0x51d);
}
