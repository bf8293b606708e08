// rosbag2's per-topic QoS metadata: the `offered_qos_profiles` key of an MCAP channel (and the
// column of the same name in sqlite3 bags and metadata.yaml), a YAML list of rmw QoS profiles in
// rosbag2's own format (rosbag2_storage/qos.cpp). `ros2 bag play` uses it to offer the recorded
// QoS (e.g. transient local for a latched instruction); so does `vla-ros replay`.

import { parse } from 'yaml';
import type { Durability, QoSProfile, Reliability } from '../ros/qos.js';

// rmw enum values as rosbag2 writes them (0: system default, 3: unknown).
const HISTORY = { keep_last: 1, keep_all: 2 } as const;
const RELIABILITY = { reliable: 1, best_effort: 2 } as const;
const DURABILITY = { transient_local: 1, volatile: 2 } as const;
const LIVELINESS_AUTOMATIC = 1;
/**
 * rosbag2's "infinite" duration since Humble (RMW_DURATION_INFINITE as {sec, nsec} of
 * INT64_MAX ns), which is what `ros2 bag record` on Humble writes. Foxy/Galactic wrote
 * {2147483647, 4294967295}; readers accept both.
 */
const INFINITE = '\n    sec: 9223372036\n    nsec: 854775807';

/** The `offered_qos_profiles` YAML for one publisher with `qos`. */
export function offeredQosProfilesYaml(qos: QoSProfile): string {
  return offeredQosProfilesYamlList([qos]);
}

/** The `offered_qos_profiles` YAML for several publishers (one list entry each). */
export function offeredQosProfilesYamlList(profiles: readonly QoSProfile[]): string {
  return profiles
    .map(
      (qos) =>
        `- history: ${HISTORY[qos.history]}\n` +
        `  depth: ${qos.history === 'keep_last' ? qos.depth : 0}\n` +
        `  reliability: ${RELIABILITY[qos.reliability]}\n` +
        `  durability: ${DURABILITY[qos.durability]}\n` +
        `  deadline:${INFINITE}\n` +
        `  lifespan:${INFINITE}\n` +
        `  liveliness: ${LIVELINESS_AUTOMATIC}\n` +
        `  liveliness_lease_duration:${INFINITE}\n` +
        `  avoid_ros_namespace_conventions: false`,
    )
    .join('\n');
}

interface RawProfile {
  history?: unknown;
  depth?: unknown;
  reliability?: unknown;
  durability?: unknown;
}

/**
 * The QoS to replay a topic with, from its recorded `offered_qos_profiles` (as `ros2 bag play`
 * decides it): reliable only when every recorded publisher was reliable, transient local only
 * when every one was; keep-last with the recorded depth, or 10 when the recorder did not know it
 * (history 3 / depth 0, which is what rosbag2 records from graph queries). Undefined when the
 * text holds no profile.
 */
export function replayQosFromYaml(text: string | undefined): QoSProfile | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch {
    return undefined;
  }
  const list = (Array.isArray(parsed) ? parsed : [parsed]).filter((p): p is RawProfile => typeof p === 'object' && p !== null);
  if (list.length === 0) return undefined;
  const reliability: Reliability = list.every((p) => p.reliability === RELIABILITY.reliable)
    ? 'reliable'
    : list.some((p) => p.reliability === RELIABILITY.best_effort)
      ? 'best_effort'
      : 'reliable';
  const durability: Durability = list.every((p) => p.durability === DURABILITY.transient_local) ? 'transient_local' : 'volatile';
  const depths = list
    .filter((p) => p.history === HISTORY.keep_last)
    .map((p) => Number(p.depth))
    .filter((d) => Number.isInteger(d) && d > 0);
  const depth = depths.length > 0 ? Math.max(...depths) : 10;
  return { history: 'keep_last', depth, reliability, durability };
}
