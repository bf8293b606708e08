// A node of the embedded backend: the port (node.ts) over an EmbeddedDomain.

import type { SchedulerLike } from 'rxjs';
import { Clock, USE_SIM_TIME_DESCRIPTOR } from '../clock.js';
import { NodeLogger, loggerNameFor, type Logger } from '../logger.js';
import { expandTopicName, applyTopicRemaps, fullyQualifiedNodeName } from '../names.js';
import { collectOverrides } from '../params_file.js';
import { ParameterStore } from '../parameter_store.js';
import { QoSProfiles, resolveQoS, type QoSLike } from '../qos.js';
import { TimeBaseScheduler } from '../rx_scheduler.js';
import { SimTimeBase, type TimeBase } from '../time_base.js';
import { fromRosTime } from '../time.js';
import { PeriodicTimer, type Timer, type TimerOptions } from '../timer.js';
import type { NodeConfig } from '../node_config.js';
import type {
  MessageTypeMap,
  MessageTypeName,
  Publisher,
  RosNode,
  ServiceClient,
  ServiceRequest,
  ServiceResponse,
  ServiceServer,
  ServiceTypeName,
  Subscription,
} from '../node.js';
import type { RemapRule } from '../remap.js';
import { guarded } from '../guarded_callback.js';
import { normalizeServiceType, normalizeTypeName, type EmbeddedDomain } from './domain.js';
import { errorText } from '../../error_text.js';

export class EmbeddedNode implements RosNode {
  readonly backend = 'embedded' as const;
  readonly name: string;
  readonly namespace: string;
  readonly fullyQualifiedName: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly scheduler: SchedulerLike;
  readonly parameters: ParameterStore;
  private readonly remaps: RemapRule[];
  private readonly disposers = new Set<() => void>();
  private destroyed = false;

  constructor(
    private readonly domain: EmbeddedDomain,
    config: NodeConfig,
  ) {
    this.name = config.name;
    this.namespace = config.namespace;
    this.fullyQualifiedName = fullyQualifiedNodeName(config.namespace, config.name);
    this.remaps = config.remaps;
    const { overrides, nodeSpecific } = collectOverrides(config.parameterSections, this.fullyQualifiedName);
    this.parameters = new ParameterStore(this.fullyQualifiedName, overrides, nodeSpecific);

    const useSimTime = this.parameters.declare('use_sim_time', false, USE_SIM_TIME_DESCRIPTOR);
    let base: TimeBase = domain.timeBase;
    if (useSimTime) {
      const sim = new SimTimeBase();
      base = sim;
      // Subscribed before anything else so timers see time as soon as it exists.
      const sub = domain.addSubscription(
        { topic: '/clock', type: 'rosgraph_msgs/msg/Clock', qos: QoSProfiles.clock, node: this.fullyQualifiedName },
        { warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
        (msg) => sim.setTime(fromRosTime((msg as MessageTypeMap['rosgraph_msgs/msg/Clock']).clock)),
      );
      this.disposers.add(() => sub.destroy());
    }
    this.clock = new Clock(base, useSimTime ? 'sim' : domain.virtualTime ? 'virtual' : 'system', domain.virtualTime);
    this.scheduler = new TimeBaseScheduler(base);
    this.logger = new NodeLogger(loggerNameFor(this.namespace, this.name), () => this.clock.now(), domain.logSink, config.logLevel);
  }

  resolveName(name: string): string {
    const expanded = expandTopicName(name, this.name, this.namespace);
    return applyTopicRemaps(expanded, this.remaps, this.name, this.namespace);
  }

  private owner() {
    return { warn: (m: string) => this.logger.warn(m), error: (m: string) => this.logger.error(m) };
  }

  private track(dispose: () => void): () => void {
    this.assertAlive();
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      this.disposers.delete(once);
      dispose();
    };
    this.disposers.add(once);
    return once;
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error(`node ${this.fullyQualifiedName} was destroyed`);
  }

  createPublisher<K extends MessageTypeName>(type: K, topic: string, qos?: QoSLike): Publisher<MessageTypeMap[K]> {
    this.assertAlive();
    const profile = resolveQoS(qos);
    const fq = this.resolveName(topic);
    const handle = this.domain.addPublisher({ topic: fq, type, qos: profile, node: this.fullyQualifiedName }, this.owner());
    const destroy = this.track(() => handle.destroy());
    return {
      topic: fq,
      type: normalizeTypeName(type),
      qos: profile,
      publish: (message) => handle.publish(message),
      subscriptionCount: () => handle.subscriptionCount(),
      destroy,
    };
  }

  createSubscription<K extends MessageTypeName>(
    type: K,
    topic: string,
    qos: QoSLike,
    handler: (message: MessageTypeMap[K]) => void,
  ): Subscription {
    this.assertAlive();
    const profile = resolveQoS(qos);
    const fq = this.resolveName(topic);
    const handle = this.domain.addSubscription({ topic: fq, type, qos: profile, node: this.fullyQualifiedName }, this.owner(), (m) =>
      handler(m as MessageTypeMap[K]),
    );
    const destroy = this.track(() => handle.destroy());
    return { topic: fq, type: normalizeTypeName(type), qos: profile, destroy };
  }

  createTimer(periodSec: number, callback: () => void, options?: TimerOptions): Timer {
    this.assertAlive();
    const timer = new PeriodicTimer(this.clock.base, periodSec, guarded(this.logger, 'timer callback', callback), options);
    const dispose = this.track(() => timer.cancel());
    return {
      get period() {
        return timer.period;
      },
      get canceled() {
        return timer.canceled;
      },
      get missedTicks() {
        return timer.missedTicks;
      },
      cancel: dispose,
      reset: () => timer.reset(),
    };
  }

  createService<K extends ServiceTypeName>(
    type: K,
    name: string,
    handler: (request: ServiceRequest<K>) => ServiceResponse<K> | Promise<ServiceResponse<K>>,
  ): ServiceServer {
    this.assertAlive();
    const fq = this.resolveName(name);
    const handle = this.domain.addService({ name: fq, type, node: this.fullyQualifiedName }, (req) => handler(req as ServiceRequest<K>));
    const destroy = this.track(() => handle.destroy());
    return { name: fq, type: normalizeServiceType(type), destroy };
  }

  createClient<K extends ServiceTypeName>(type: K, name: string): ServiceClient<K> {
    this.assertAlive();
    const fq = this.resolveName(name);
    const wanted = normalizeServiceType(type);
    const domain = this.domain;
    // Waiting for a service is measured on the domain's (wall or virtual) time, not on a
    // /clock that may not be running yet.
    const waitBase = domain.timeBase;
    const checkType = () => {
      const actual = domain.serviceType(fq);
      if (actual !== undefined && actual !== wanted) {
        throw new Error(`service '${fq}' has type '${actual}', client expects '${wanted}'`);
      }
    };
    let closed = false;
    const destroy = this.track(() => {
      closed = true;
    });
    return {
      name: fq,
      type: wanted,
      isServiceReady: () => domain.hasService(fq),
      waitForService: (timeoutSec: number) =>
        new Promise<boolean>((resolve) => {
          const deadline = waitBase.now() + timeoutSec;
          const poll = () => {
            if (closed) return resolve(false);
            if (domain.hasService(fq)) return resolve(true);
            if (waitBase.now() >= deadline) return resolve(false);
            waitBase.at(Math.min(deadline, waitBase.now() + 0.02), poll);
          };
          poll();
        }),
      call: async (request, timeoutSec) => {
        if (closed) throw new Error(`client for '${fq}' was destroyed`);
        checkType();
        return (await domain.callService(fq, request, timeoutSec)) as ServiceResponse<K>;
      },
      destroy,
    };
  }

  countPublishers(topic: string): number {
    return this.domain.countPublishers(this.resolveName(topic));
  }

  countSubscribers(topic: string): number {
    return this.domain.countSubscriptions(this.resolveName(topic));
  }

  destroy(): void {
    if (this.destroyed) return;
    for (const d of [...this.disposers]) {
      try {
        d();
      } catch (err) {
        this.logger.error(`while destroying: ${errorText(err)}`);
      }
    }
    this.disposers.clear();
    this.destroyed = true;
  }
}
