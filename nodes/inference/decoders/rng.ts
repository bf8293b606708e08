// A small seeded PRNG for the decoders: xoshiro128** (Blackman & Vigna) seeded through a
// splitmix32-style mixer, with uniforms, Box–Muller normals and Gumbel noise.
//
// Why not Math.random: a chunk decode draws noise (flow's x_1, discrete diffusion's samples and
// Gumbel re-masking noise). Replays, virtual-time tests and recorded episodes must reproduce the
// same chunks bit for bit, which needs a generator whose sequence is fixed by a seed (and, via
// `stream`, independent per chunk, so one chunk's draws never shift the next one's). Math.random
// cannot be seeded and differs between runs and engines.

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The generator's complete state (for checkpointing a replay). */
export interface RngState {
  s: [number, number, number, number];
  /** Cached second Box–Muller normal, or null. */
  spare: number | null;
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /**
   * `seed`: any safe integer (negative allowed). `stream`: a second safe integer selecting an
   * independent sequence for the same seed (e.g. the control step a chunk is decoded for).
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng seed must be a safe integer, got ${seed}`);
    if (!Number.isSafeInteger(stream)) throw new RangeError(`Rng stream must be a safe integer, got ${stream}`);
    let h = 0x6a09e667;
    for (const v of [seed, stream]) {
      const lo = v >>> 0;
      const hi = Math.floor(v / TWO_POW_32) >>> 0;
      h = (mix32(h ^ lo) + 0x9e3779b9) >>> 0;
      h = (mix32(h ^ hi) + 0x9e3779b9) >>> 0;
    }
    const next = (): number => {
      h = (h + 0x9e3779b9) >>> 0;
      return mix32(h);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // xoshiro's one forbidden state
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform in the open interval (0, 1): safe under log. */
  uniformOpen(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b + 0.5) / TWO_POW_53;
  }

  /** Standard normal (Box–Muller; the second value of each pair is cached). */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniformOpen()));
    const phi = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }

  /** Standard Gumbel: −log(−log u). */
  gumbel(): number {
    return -Math.log(-Math.log(this.uniformOpen()));
  }

  /** Fills `out` with standard normals, in index order. */
  fillNormal<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  setState(state: RngState): void {
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((v) => v >>> 0) as [number, number, number, number];
    this.spare = state.spare;
  }
}
