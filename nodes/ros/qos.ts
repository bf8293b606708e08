// Quality of service as ROS 2 defines it (rmw_qos_profile_t), reduced to the policies the
// suite uses, with the standard profiles and the request/offer compatibility rules DDS
// applies: a subscription that asks for more than a publisher offers gets nothing.

export type Reliability = 'reliable' | 'best_effort';
export type Durability = 'volatile' | 'transient_local';
export type History = 'keep_last' | 'keep_all';

export interface QoSProfile {
  readonly history: History;
  /** Queue depth for keep_last (ignored for keep_all). */
  readonly depth: number;
  readonly reliability: Reliability;
  readonly durability: Durability;
}

function profile(history: History, depth: number, reliability: Reliability, durability: Durability): QoSProfile {
  return Object.freeze({ history, depth, reliability, durability });
}

/** The standard profiles of rmw/qos_profiles.h, by the names rclnodejs and rclpy use. */
export const QoSProfiles = Object.freeze({
  /** rmw_qos_profile_default: keep last 10, reliable, volatile. */
  default: profile('keep_last', 10, 'reliable', 'volatile'),
  /** rmw_qos_profile_sensor_data: keep last 5, best effort, volatile. */
  sensorData: profile('keep_last', 5, 'best_effort', 'volatile'),
  /** rmw_qos_profile_services_default. */
  services: profile('keep_last', 10, 'reliable', 'volatile'),
  /** rmw_qos_profile_parameter_events: keep last 1000, reliable, volatile. */
  parameterEvents: profile('keep_last', 1000, 'reliable', 'volatile'),
  /** rclcpp::ClockQoS: keep last 1, best effort — a late /clock sample is worthless. */
  clock: profile('keep_last', 1, 'best_effort', 'volatile'),
  /** Latched: the last message is kept for subscribers that join later. */
  transientLocal: profile('keep_last', 1, 'reliable', 'transient_local'),
  /** Controller command topics: only the newest target matters (CRISP subscribes with depth 1). */
  command: profile('keep_last', 1, 'reliable', 'volatile'),
});

export type QoSProfileName = keyof typeof QoSProfiles;

/** A profile, a profile name, or a depth (= default profile with that depth). */
export type QoSLike = QoSProfile | QoSProfileName | number;

export function resolveQoS(qos: QoSLike | undefined): QoSProfile {
  if (qos === undefined) return QoSProfiles.default;
  if (typeof qos === 'number') {
    if (!Number.isInteger(qos) || qos < 1) throw new RangeError(`QoS depth must be a positive integer, got ${qos}`);
    return profile('keep_last', qos, 'reliable', 'volatile');
  }
  if (typeof qos === 'string') {
    const found = Object.hasOwn(QoSProfiles, qos) ? (QoSProfiles as Record<string, QoSProfile>)[qos] : undefined;
    if (found === undefined) {
      throw new RangeError(`unknown QoS profile '${qos}': expected one of ${Object.keys(QoSProfiles).join(', ')}`);
    }
    return found;
  }
  if (qos.history === 'keep_last' && (!Number.isInteger(qos.depth) || qos.depth < 1)) {
    throw new RangeError(`QoS depth must be a positive integer for keep_last, got ${qos.depth}`);
  }
  return qos;
}

export interface QoSCompatibility {
  compatible: boolean;
  /** The incompatible policy, worded as ROS 2 reports it. */
  reason?: string;
}

/** Whether a publisher offering `offered` can deliver to a subscription requesting `requested`. */
export function checkQoSCompatibility(offered: QoSProfile, requested: QoSProfile): QoSCompatibility {
  if (offered.reliability === 'best_effort' && requested.reliability === 'reliable') {
    return { compatible: false, reason: 'RELIABILITY: subscription requests reliable, publisher offers best effort' };
  }
  if (offered.durability === 'volatile' && requested.durability === 'transient_local') {
    return { compatible: false, reason: 'DURABILITY: subscription requests transient local, publisher offers volatile' };
  }
  return { compatible: true };
}

export function describeQoS(q: QoSProfile): string {
  const hist = q.history === 'keep_all' ? 'keep_all' : `keep_last(${q.depth})`;
  return `${hist}, ${q.reliability}, ${q.durability}`;
}
