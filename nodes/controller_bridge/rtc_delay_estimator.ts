// RtcDelayEstimator: Real-Time Chunking's inference delay d in control steps, d = ceil(δ/Δt),
// with δ = arrival time − observation time of a chunk (everything between the camera frame
// and the bridge: inference, transport, queueing). RTC wants a conservative d, so it is the
// maximum over the last `window` chunks: one fast chunk must not shrink the frozen window
// while slow ones are still likely.

export class RtcDelayEstimator {
  private readonly delays: number[] = [];

  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`RTC delay window must be an integer >= 1, got ${window}`);
  }

  /** Records one chunk's delay [s]; negative or non-finite delays (clock trouble) count as 0. */
  observe(delay: number): void {
    this.delays.push(Number.isFinite(delay) && delay > 0 ? delay : 0);
    if (this.delays.length > this.window) this.delays.shift();
  }

  /** Max delay over the window [s]; 0 before any chunk. */
  get delay(): number {
    let max = 0;
    for (const d of this.delays) max = Math.max(max, d);
    return max;
  }

  /** d = ceil(max δ / dt) control steps. */
  steps(dt: number): number {
    // The epsilon keeps an exact multiple (δ = 2·dt) from rounding up to 3 through float error.
    return Math.max(0, Math.ceil(this.delay / dt - 1e-9));
  }

  reset(): void {
    this.delays.length = 0;
  }
}
