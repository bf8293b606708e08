// The port: what node code may use of ROS. Both backends (embedded, rclnodejs) implement
// it; node code imports nothing else of ROS, so one node runs unchanged under
// `vla-ros launch` (no ROS 2) and `ros2 launch` (rclnodejs).

import type { SchedulerLike } from 'rxjs';
import type { MessageTypeMap, MessageTypeName, ServiceTypeMap, ServiceTypeName } from '../msgs/generated/interfaces.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { ParameterStore } from './parameter_store.js';
import type { QoSLike, QoSProfile } from './qos.js';
import type { Timer, TimerOptions } from './timer.js';

export type { MessageTypeMap, MessageTypeName, ServiceTypeMap, ServiceTypeName };

export type BackendKind = 'embedded' | 'rclnodejs';

export interface Publisher<T> {
  /** Fully qualified, remapped topic name. */
  readonly topic: string;
  readonly type: string;
  readonly qos: QoSProfile;
  publish(message: T): void;
  /** Subscriptions currently matched (compatible QoS). */
  subscriptionCount(): number;
  destroy(): void;
}

export interface Subscription {
  readonly topic: string;
  readonly type: string;
  readonly qos: QoSProfile;
  destroy(): void;
}

export type ServiceRequest<K extends ServiceTypeName> = ServiceTypeMap[K]['Request'];
export type ServiceResponse<K extends ServiceTypeName> = ServiceTypeMap[K]['Response'];

export interface ServiceServer {
  readonly name: string;
  readonly type: string;
  destroy(): void;
}

export interface ServiceClient<K extends ServiceTypeName> {
  readonly name: string;
  readonly type: string;
  isServiceReady(): boolean;
  /** Resolves true once the service exists, false after `timeoutSec` (node clock). */
  waitForService(timeoutSec: number): Promise<boolean>;
  /** Rejects when the service is missing, fails, or does not answer within `timeoutSec`. */
  call(request: ServiceRequest<K>, timeoutSec?: number): Promise<ServiceResponse<K>>;
  destroy(): void;
}

export interface RosNode {
  readonly backend: BackendKind;
  readonly name: string;
  /** Normalised namespace: '/' or '/a/b'. */
  readonly namespace: string;
  readonly fullyQualifiedName: string;
  readonly logger: Logger;
  /** ROS time: wall time, /clock under use_sim_time, or virtual time in tests. */
  readonly clock: Clock;
  /** rxjs scheduler on `clock`, for time operators in node code. */
  readonly scheduler: SchedulerLike;
  readonly parameters: ParameterStore;

  /** Expands (relative, ~) and remaps a topic or service name as this node sees it. */
  resolveName(name: string): string;

  createPublisher<K extends MessageTypeName>(type: K, topic: string, qos?: QoSLike): Publisher<MessageTypeMap[K]>;
  createSubscription<K extends MessageTypeName>(
    type: K,
    topic: string,
    qos: QoSLike,
    handler: (message: MessageTypeMap[K]) => void,
  ): Subscription;
  /** A periodic timer on the node clock (drift-free; missed ticks are skipped). */
  createTimer(periodSec: number, callback: () => void, options?: TimerOptions): Timer;
  createService<K extends ServiceTypeName>(
    type: K,
    name: string,
    handler: (request: ServiceRequest<K>) => ServiceResponse<K> | Promise<ServiceResponse<K>>,
  ): ServiceServer;
  createClient<K extends ServiceTypeName>(type: K, name: string): ServiceClient<K>;

  countPublishers(topic: string): number;
  countSubscribers(topic: string): number;

  /** Destroys every entity of the node. */
  destroy(): void;
}
