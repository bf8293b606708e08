// Watchdog: trips when nothing fresh has been fed for longer than `timeout`. The bridge feeds it
// with every chunk it executes; when it trips, the arm holds the last safe target instead of
// playing out an old plan open loop.

export class Watchdog {
  private last: number | undefined;

  constructor(readonly timeout: number) {
    if (!(timeout > 0)) throw new RangeError(`watchdog timeout must be > 0 s, got ${timeout}`);
  }

  feed(now: number): void {
    this.last = now;
  }

  /** Starts counting from `now` as if fed (activation), or disarms when `now` is undefined. */
  reset(now?: number): void {
    this.last = now;
  }

  /** Seconds since the last feed (Infinity when never fed). */
  age(now: number): number {
    return this.last === undefined ? Infinity : now - this.last;
  }

  expired(now: number): boolean {
    return this.last !== undefined && now - this.last > this.timeout;
  }
}
