// Wall-clock time as every thread reads it (time bases, the timing thread, stamps).

/** Seconds since the epoch with sub-millisecond resolution, monotonic within the process. */
export function wallNow(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}
