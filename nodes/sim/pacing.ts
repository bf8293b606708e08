// How the simulator's stepping keeps pace: with a real-time factor r, the number of 1 ms physics
// steps due by wall time t is ⌊(t − t₀)·r / dt⌋ since the anchor t₀. A tick that finds more than
// `maxCatchUp` steps due (the machine cannot keep up, or the thread was stalled) does at most
// that many and re-anchors, so the simulation slows down instead of bursting — counted as a lag.
// And which steps publish what: an output at rate f is due at steps ⌈j/(f·dt)⌉, j = 1, 2, …,
// so its stamps are exact step times and its spacing never drifts.

export class Pacer {
  private anchorTime = 0;
  private anchorSteps = 0;
  private rtf: number;
  /** Times the simulation fell behind and was re-anchored. */
  lagEvents = 0;

  constructor(
    readonly dt: number,
    realTimeFactor: number,
    readonly maxCatchUp: number,
  ) {
    this.rtf = realTimeFactor;
  }

  get realTimeFactor(): number {
    return this.rtf;
  }

  /** Starts pacing at wall time `now` with `steps` done so far. */
  start(now: number, steps: number): void {
    this.anchorTime = now;
    this.anchorSteps = steps;
  }

  /** Changes the factor from now on (no jump). */
  setRealTimeFactor(rtf: number, now: number, steps: number): void {
    this.rtf = rtf;
    this.start(now, steps);
  }

  /** Steps to do at wall time `now`, having done `steps`. */
  due(now: number, steps: number): number {
    const target = this.anchorSteps + Math.floor(((now - this.anchorTime) * this.rtf) / this.dt + 1e-9);
    const n = target - steps;
    if (n <= this.maxCatchUp) return Math.max(0, n);
    this.lagEvents++;
    // Do what is allowed and pretend the rest of the wall time never happened.
    this.start(now, steps + this.maxCatchUp);
    return this.maxCatchUp;
  }
}

/** An output at `rateHz` on a grid of `dt` steps: due at steps ⌈j/(rate·dt)⌉. */
export class RateSchedule {
  private readonly origin: number;
  private next: number;
  private j = 1;

  constructor(
    readonly rateHz: number,
    private readonly dt: number,
    /** Step index the schedule starts from. */
    from = 0,
  ) {
    this.origin = from;
    this.next = from + this.stepOf(1);
  }

  private stepOf(j: number): number {
    // Round away float noise before the ceiling (1000/250 must be exactly 4).
    return Math.ceil(Math.round((j / (this.rateHz * this.dt)) * 1e9) / 1e9);
  }

  /** True when an output is due at step `k` (call once per step, in order). */
  due(k: number): boolean {
    if (k < this.next) return false;
    while (this.next <= k) {
      this.j++;
      this.next = this.origin + this.stepOf(this.j);
    }
    return true;
  }
}

/** One RateSchedule per output, all starting at step `from`. */
export function rateSchedules<K extends string>(rates: Readonly<Record<K, number>>, dt: number, from: number): Record<K, RateSchedule> {
  const out = {} as Record<K, RateSchedule>;
  for (const k of Object.keys(rates) as K[]) out[k] = new RateSchedule(rates[k], dt, from);
  return out;
}
