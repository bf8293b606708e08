// A bag carries two clocks: each record's log time (when the recorder received it) and the header
// stamps inside the messages (when the data was observed). Recorded on the clock the suite runs on
// (`ros2 bag record --use-sim-time` beside a simulator, wall time on a robot) they agree up to
// transport delays. A simulated run recorded on wall time does not: its log times are ~1.8e9 s
// (Unix time) while its stamps start near 0. Replay must then play on the stamps' clock (nodes
// judge the age of a frame by its stamp against their clock), and a report must place stamps
// and log times on one axis. detectStampDomain measures which case a bag is.

import { defaultMessageRegistry, type MessageRegistry } from '../msgs/registry.js';
import { fromNanoseconds } from '../ros/time.js';
import type { BagReader } from './bag_reader.js';

/** Log time and stamps this far apart [s] are on different clocks (transport delays are ms). */
export const SAME_CLOCK_TOLERANCE = 60;

export interface StampDomain {
  /** Log time − header stamp [s]: 0 when both are on the same clock. */
  offset: number;
  /** True when the stamps are on another clock than the log times. */
  differs: boolean;
  /** Stamped messages the verdict rests on (0: none found, log time is all there is). */
  samples: number;
  /**
   * Log time → stamp clock [s]. A simulator rarely keeps exactly 1× real time, so two clocks
   * drift apart: when the bag recorded `/clock`, the map follows it; otherwise log time − offset.
   */
  toStampClock(logTime: number): number;
  /** Stamp clock → log time [s], the inverse. */
  toLogTime(stamp: number): number;
}

/**
 * A monotone piecewise-linear map between two clocks through sample pairs (log time, stamp),
 * extended beyond the samples at the nearest sample's offset.
 */
export class ClockMap {
  private readonly log: Float64Array;
  private readonly stamp: Float64Array;

  constructor(pairs: readonly (readonly [number, number])[]) {
    // Monotone in both: a sample that would go back on either clock is left out.
    const log: number[] = [];
    const stamp: number[] = [];
    for (const [l, st] of pairs) {
      if (log.length > 0 && (l <= log[log.length - 1] || st < stamp[stamp.length - 1])) continue;
      log.push(l);
      stamp.push(st);
    }
    this.log = Float64Array.from(log);
    this.stamp = Float64Array.from(stamp);
  }

  get size(): number {
    return this.log.length;
  }

  forward(x: number): number {
    return ClockMap.interpolate(this.log, this.stamp, x);
  }

  inverse(y: number): number {
    return ClockMap.interpolate(this.stamp, this.log, y);
  }

  private static interpolate(xs: Float64Array, ys: Float64Array, x: number): number {
    const n = xs.length;
    if (x <= xs[0]) return ys[0] + (x - xs[0]);
    if (x >= xs[n - 1]) return ys[n - 1] + (x - xs[n - 1]);
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= x) lo = mid;
      else hi = mid;
    }
    const f = xs[hi] > xs[lo] ? (x - xs[lo]) / (xs[hi] - xs[lo]) : 0;
    return ys[lo] + f * (ys[hi] - ys[lo]);
  }
}

/** Log time − stamp samples of /clock are taken at most this often [s of log time]. */
const CLOCK_SAMPLE_PERIOD = 0.01;

/** Types whose first field is a std_msgs/Header (or /clock's time): their stamp is the CDR's first 8 bytes. */
function stampedTypes(registry: MessageRegistry): (type: string) => boolean {
  const cache = new Map<string, boolean>();
  return (type) => {
    let known = cache.get(type);
    if (known === undefined) {
      known = false;
      if (registry.has(type)) {
        const first = registry.definitions(type)[0]?.definitions.find((f) => !f.isConstant);
        known = type === 'rosgraph_msgs/msg/Clock' || (first?.type === 'std_msgs/Header' && first.isArray !== true);
      }
      cache.set(type, known);
    }
    return known;
  };
}

/** The header stamp [s] of a CDR message whose first field is a Header; undefined when unset. */
function cdrStamp(data: Uint8Array): number | undefined {
  if (data.byteLength < 12) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const little = data[1] === 1 || data[1] === 3;
  const sec = view.getInt32(4, little);
  const nanosec = view.getUint32(8, little);
  const t = sec + nanosec * 1e-9;
  return t > 0 ? t : undefined;
}

/**
 * Compares log times with header stamps over the bag's first stamped messages (at most
 * `maxSamples` of them, within the first `maxMessages` records): the median offset decides.
 */
export async function detectStampDomain(
  bag: BagReader,
  options: { maxSamples?: number; maxMessages?: number; registry?: MessageRegistry } = {},
): Promise<StampDomain> {
  const maxSamples = options.maxSamples ?? 50;
  const maxMessages = options.maxMessages ?? 5000;
  const stamped = stampedTypes(options.registry ?? defaultMessageRegistry());
  const offsets: number[] = [];
  let read = 0;
  for await (const m of bag.messages({ topics: (t) => stamped(t.type) })) {
    const stamp = cdrStamp(m.data);
    if (stamp !== undefined) offsets.push(fromNanoseconds(m.logTime) - stamp);
    if (offsets.length >= maxSamples || ++read >= maxMessages) break;
  }
  const constant = (offset: number, differs: boolean, samples: number): StampDomain => ({
    offset,
    differs,
    samples,
    toStampClock: (t) => t - offset,
    toLogTime: (t) => t + offset,
  });
  if (offsets.length === 0) return constant(0, false, 0);
  offsets.sort((a, b) => a - b);
  const median = offsets[Math.floor(offsets.length / 2)];
  const differs = Math.abs(median) > SAME_CLOCK_TOLERANCE;
  if (!differs) return constant(0, false, offsets.length);
  // Two clocks: follow the recorded /clock through the whole bag when there is one.
  const pairs: [number, number][] = [];
  for await (const m of bag.messages({ topics: (t) => t.type === 'rosgraph_msgs/msg/Clock' })) {
    const log = fromNanoseconds(m.logTime);
    const stamp = cdrStamp(m.data);
    if (stamp === undefined || (pairs.length > 0 && log - pairs[pairs.length - 1][0] < CLOCK_SAMPLE_PERIOD)) continue;
    pairs.push([log, stamp]);
  }
  const map = new ClockMap(pairs);
  if (map.size < 2) return constant(median, true, offsets.length);
  return { offset: median, differs: true, samples: offsets.length, toStampClock: (t) => map.forward(t), toLogTime: (t) => map.inverse(t) };
}

/** One line for notes: what the player or report does about the bag's clocks. */
export function describeStampDomain(d: StampDomain): string {
  return `the bag's log times are ${d.offset.toFixed(3)} s ahead of its header stamps (recorded on another clock, e.g. wall time beside a simulator): playing on the stamps' clock`;
}
