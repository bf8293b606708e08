// What every vla-ros node reports about itself at ~1 Hz: its output rate, processing latency
// percentiles, drops and overruns, and a state with the reason when it is not producing.
// Pure bookkeeping; status_reporter.ts publishes it.

export type NodeHealth = 'starting' | 'running' | 'degraded' | 'holding' | 'error';

export interface StatusSnapshot {
  state: NodeHealth;
  message: string;
  /** Outputs per second over the window [Hz]. */
  rate: number;
  latencyP50: number;
  latencyP99: number;
  drops: number;
  overruns: number;
  /** NaN when not applicable. */
  latentAge: number;
  /** Extra key/values for /diagnostics. */
  values: Record<string, string>;
}

/** Nearest-rank percentile of a sample (p in [0, 100]); NaN for an empty sample. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export class NodeStatus {
  /** Outputs within the window: time and, when measured, processing latency. */
  private outputs: Array<{ time: number; latency: number }> = [];
  private dropCount = 0;
  private overrunCount = 0;
  private health: NodeHealth = 'starting';
  private reason = '';
  private latent = NaN;
  private readonly extra = new Map<string, string>();

  /** `window` is how far back rate and latency percentiles look [s]. */
  constructor(private readonly window = 5) {}

  /** An output was produced at `time`, after `latency` seconds of processing (NaN: not measured). */
  output(time: number, latency = NaN): void {
    this.outputs.push({ time, latency });
  }

  drop(count = 1): void {
    this.dropCount += count;
  }

  /** An input was rejected: counted as a drop and as `<input>_rejected_<reason>` = `total` (that reason's count so far). */
  rejected(input: string, reason: string, total: number): void {
    this.dropCount++;
    this.extra.set(`${input}_rejected_${reason}`, String(total));
  }

  overrun(): void {
    this.overrunCount++;
  }

  set(state: NodeHealth, message = ''): void {
    this.health = state;
    this.reason = message;
  }

  get state(): NodeHealth {
    return this.health;
  }

  get message(): string {
    return this.reason;
  }

  setLatentAge(age: number): void {
    this.latent = age;
  }

  setValue(key: string, value: string | number): void {
    this.extra.set(key, String(value));
  }

  get drops(): number {
    return this.dropCount;
  }

  get overruns(): number {
    return this.overrunCount;
  }

  snapshot(now: number): StatusSnapshot {
    const from = now - this.window;
    this.outputs = this.outputs.filter((o) => o.time > from);
    const n = this.outputs.length;
    const span = n >= 2 ? this.outputs[n - 1].time - this.outputs[0].time : 0;
    const latencies = this.outputs.map((o) => o.latency).filter((l) => Number.isFinite(l));
    return {
      state: this.health,
      message: this.reason,
      rate: span > 0 ? (n - 1) / span : 0,
      latencyP50: percentile(latencies, 50),
      latencyP99: percentile(latencies, 99),
      drops: this.dropCount,
      overruns: this.overrunCount,
      latentAge: this.latent,
      values: Object.fromEntries(this.extra),
    };
  }
}
