// The latent buffer between the slow pathway (VLM, 1–5 Hz) and the fast pathway (30 Hz):
// the latest entry wins, readers learn its age (TIC-VLA: age = now − observation time), and
// an entry that is too old, or that answers another instruction, is never handed out.
// Writes replace one reference, so a reader sees a whole entry or the previous one (the
// buffer lives on the fast pathway's thread; entries arrive as messages).

export interface LatentTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface LatentEntryData {
  /** Strictly increasing per slow-pathway instance. */
  version: number;
  instructionId: string;
  /** When the images the VLM saw were captured [s]. */
  observationTime: number;
  /** When the VLM result became available [s]. */
  readyTime: number;
  tensors: LatentTensor[];
}

export type LatentUnavailable =
  { reason: 'empty'; detail: string } | { reason: 'too_old'; detail: string; age: number } | { reason: 'no_instruction'; detail: string };

export type LatentRead = { entry: LatentEntryData; age: number } | LatentUnavailable;

export type WriteResult = { accepted: true } | { accepted: false; reason: string };

export class LatentBuffer {
  private entry: LatentEntryData | undefined;
  private instruction: string | undefined;

  /** `maxAge`: beyond this age [s] the entry is withheld and readers stop producing. */
  constructor(public maxAge: number) {}

  /** The instruction the policy is working on; a change invalidates latents of older ones. */
  setInstruction(id: string): void {
    if (id === this.instruction) return;
    this.instruction = id;
    if (this.entry !== undefined && this.entry.instructionId !== id) this.entry = undefined;
  }

  get instructionId(): string | undefined {
    return this.instruction;
  }

  write(entry: LatentEntryData): WriteResult {
    if (this.instruction !== undefined && entry.instructionId !== this.instruction) {
      return { accepted: false, reason: `latent answers instruction '${entry.instructionId}', current is '${this.instruction}'` };
    }
    const current = this.entry;
    if (current !== undefined && entry.version <= current.version && entry.observationTime <= current.observationTime) {
      return { accepted: false, reason: `latent version ${entry.version} is not newer than ${current.version}` };
    }
    if (current !== undefined && entry.observationTime < current.observationTime) {
      // A restarted slow pathway may reset its version; the observation time still orders entries.
      return {
        accepted: false,
        reason: `latent observed at ${entry.observationTime} is older than the current one (${current.observationTime})`,
      };
    }
    this.entry = entry;
    return { accepted: true };
  }

  read(now: number): LatentRead {
    if (this.instruction === undefined) return { reason: 'no_instruction', detail: 'no instruction yet' };
    const entry = this.entry;
    if (entry === undefined) return { reason: 'empty', detail: `no latent yet for instruction '${this.instruction}'` };
    const age = now - entry.observationTime;
    if (age > this.maxAge) {
      return { reason: 'too_old', age, detail: `latent is ${age.toFixed(3)} s old > max_latent_age ${this.maxAge} s` };
    }
    return { entry, age };
  }

  /** Forgets the entry (e.g. when time jumps backwards in a replay). */
  clear(): void {
    this.entry = undefined;
  }
}
