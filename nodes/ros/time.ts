// Conversions between the port's time unit (seconds as float64) and builtin_interfaces/Time.
// A float64 holds epoch seconds to ~0.25 µs, far below anything this suite controls.

export interface RosTime {
  sec: number;
  nanosec: number;
}

const NS_PER_S = 1e9;

/** Seconds (float) → builtin_interfaces/Time, rounded to the nearest nanosecond. */
export function toRosTime(seconds: number): RosTime {
  if (!Number.isFinite(seconds)) {
    throw new RangeError(`cannot convert non-finite time ${seconds} to builtin_interfaces/Time`);
  }
  let sec = Math.floor(seconds);
  let nanosec = Math.round((seconds - sec) * NS_PER_S);
  if (nanosec >= NS_PER_S) {
    sec += 1;
    nanosec -= NS_PER_S;
  }
  return { sec, nanosec };
}

/** builtin_interfaces/Time (or Duration) → seconds (float). */
export function fromRosTime(t: RosTime): number {
  return t.sec + t.nanosec / NS_PER_S;
}

/** Nanoseconds since the epoch as a BigInt (what rclnodejs uses). */
export function toNanoseconds(seconds: number): bigint {
  const t = toRosTime(seconds);
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nanosec);
}

export function fromNanoseconds(ns: bigint): number {
  const sec = ns / 1_000_000_000n;
  const rem = ns - sec * 1_000_000_000n;
  return Number(sec) + Number(rem) / NS_PER_S;
}

export const ZERO_TIME: Readonly<RosTime> = Object.freeze({ sec: 0, nanosec: 0 });
