// The embedded backend's middleware: an in-process ROS graph that keeps ROS 2 semantics —
// typed topics (a type clash is an error), QoS request/offer matching (incompatible pairs
// get a warning and no data, as with DDS), keep-last queues that drop the oldest sample
// when a subscriber falls behind, transient-local history for late joiners, and services.
// Domains in different worker threads are joined by links (see link_protocol.ts), so each
// node can run on its own thread without changing a line of node code.

import { checkQoSCompatibility, describeQoS, type QoSProfile } from '../qos.js';
import { consoleLogSink, type LogSink } from '../logger.js';
import { microtaskExecutor, VirtualExecutor, type Executor } from './executor.js';
import type { VirtualTimeBase } from '../time_base.js';
import { WallTimeBase, wallNow, type TimeBase } from '../time_base.js';
import type { DomainLink, EndpointInfo, LinkMessage, ServiceInfo } from './link_protocol.js';
import { errorText } from '../../error_text.js';

export class TopicTypeError extends Error {
  override name = 'TopicTypeError';
}

export class ServiceCallError extends Error {
  override name = 'ServiceCallError';
}

/** Diagnostics an endpoint's owner wants to hear about (its node's logger). */
export interface EndpointOwner {
  warn(message: string): void;
  error(message: string): void;
}

/** Normalises `pkg/Type` to `pkg/msg/Type` so both spellings name one type. */
export function normalizeTypeName(type: string): string {
  const parts = type.split('/');
  if (parts.length === 2) return `${parts[0]}/msg/${parts[1]}`;
  return type;
}

interface LocalPublisher {
  info: EndpointInfo;
  owner: EndpointOwner;
  /** Last `depth` samples, kept only for transient_local publishers. */
  history: unknown[];
}

interface LocalSubscription {
  info: EndpointInfo;
  owner: EndpointOwner;
  handler: (message: unknown) => void;
  queue: unknown[];
  scheduled: boolean;
  dropped: number;
  destroyed: boolean;
}

interface RemoteEndpoint {
  info: EndpointInfo;
  link: DomainLink;
  /** Type differs from the topic's type here: never matched. */
  mismatched: boolean;
}

interface TopicState {
  name: string;
  type: string | undefined;
  pubs: Map<string, LocalPublisher>;
  subs: Map<string, LocalSubscription>;
  remotePubs: Map<string, RemoteEndpoint>;
  remoteSubs: Map<string, RemoteEndpoint>;
}

type ServiceHandler = (request: unknown) => unknown;

interface PendingCall {
  resolve: (response: unknown) => void;
  reject: (error: Error) => void;
  timer: { cancel(): void } | undefined;
}

export interface PublisherHandle {
  readonly id: string;
  publish(message: unknown): void;
  subscriptionCount(): number;
  destroy(): void;
}

export interface SubscriptionHandle {
  readonly id: string;
  /** Samples dropped because the keep-last queue was full when a new one arrived. */
  readonly dropped: number;
  destroy(): void;
}

export interface DomainOptions {
  /** 'wall' (default) or a VirtualTimeBase shared by everything in a deterministic run. */
  time?: 'wall' | VirtualTimeBase;
  logSink?: LogSink;
  /** Prefix for endpoint ids; must differ between linked domains (e.g. the thread id). */
  tag?: string;
}

export class EmbeddedDomain {
  readonly timeBase: TimeBase;
  readonly virtualTime: VirtualTimeBase | undefined;
  readonly executor: Executor;
  readonly logSink: LogSink;
  private readonly tag: string;
  private counter = 0;
  private readonly topics = new Map<string, TopicState>();
  private readonly links = new Set<DomainLink>();
  private readonly localServices = new Map<string, { info: ServiceInfo; handler: ServiceHandler }>();
  private readonly remoteServices = new Map<string, { info: ServiceInfo; link: DomainLink }>();
  private readonly pendingCalls = new Map<string, PendingCall>();
  /** Requests this domain forwarded for another link: requestId → where the response goes. */
  private readonly forwardedCalls = new Map<string, DomainLink>();

  constructor(options: DomainOptions = {}) {
    const time = options.time ?? 'wall';
    this.logSink = options.logSink ?? consoleLogSink;
    if (time === 'wall') {
      const warn = (message: string) => this.logSink({ level: 'warn', name: 'timing_thread', time: wallNow(), message });
      this.timeBase = new WallTimeBase({ warn });
      this.virtualTime = undefined;
      this.executor = microtaskExecutor;
    } else {
      this.timeBase = time;
      this.virtualTime = time;
      this.executor = new VirtualExecutor(time);
    }
    this.tag = options.tag ?? 'main';
  }

  newId(): string {
    return `${this.tag}:${++this.counter}`;
  }

  // ---------------------------------------------------------------- topics

  addPublisher(spec: Omit<EndpointInfo, 'id' | 'kind' | 'type'> & { type: string }, owner: EndpointOwner): PublisherHandle {
    const info: EndpointInfo = { ...spec, type: normalizeTypeName(spec.type), id: this.newId(), kind: 'publisher' };
    const topic = this.claimTopic(info);
    const pub: LocalPublisher = { info, owner, history: [] };
    topic.pubs.set(info.id, pub);
    for (const sub of topic.subs.values()) this.reportIfIncompatible(info, sub.info, owner, sub.owner);
    for (const r of topic.remoteSubs.values()) if (!r.mismatched) this.reportIfIncompatible(info, r.info, owner, undefined);
    this.broadcast({ op: 'endpoint_add', info });
    let destroyed = false;
    return {
      id: info.id,
      publish: (message: unknown) => {
        if (destroyed) throw new Error(`publisher on '${info.topic}' was destroyed`);
        this.publishLocal(topic, pub, message);
      },
      subscriptionCount: () => this.matchedSubscriptions(topic, info.qos),
      destroy: () => {
        if (destroyed) return;
        destroyed = true;
        topic.pubs.delete(info.id);
        this.broadcast({ op: 'endpoint_remove', id: info.id });
        this.dropTopicIfEmpty(topic);
      },
    };
  }

  addSubscription(
    spec: Omit<EndpointInfo, 'id' | 'kind' | 'type'> & { type: string },
    owner: EndpointOwner,
    handler: (message: unknown) => void,
  ): SubscriptionHandle {
    const info: EndpointInfo = { ...spec, type: normalizeTypeName(spec.type), id: this.newId(), kind: 'subscription' };
    const topic = this.claimTopic(info);
    const sub: LocalSubscription = {
      info,
      owner,
      handler,
      queue: [],
      scheduled: false,
      dropped: 0,
      destroyed: false,
    };
    topic.subs.set(info.id, sub);
    for (const pub of topic.pubs.values()) {
      // As in DDS: only a transient-local reader gets samples written before it matched.
      if (this.reportIfIncompatible(pub.info, info, pub.owner, owner) && info.qos.durability === 'transient_local') {
        for (const m of pub.history) this.enqueue(sub, m);
      }
    }
    for (const r of topic.remotePubs.values()) if (!r.mismatched) this.reportIfIncompatible(r.info, info, undefined, owner);
    this.broadcast({ op: 'endpoint_add', info });
    return {
      id: info.id,
      get dropped() {
        return sub.dropped;
      },
      destroy: () => {
        if (sub.destroyed) return;
        sub.destroyed = true;
        sub.queue = [];
        topic.subs.delete(info.id);
        this.broadcast({ op: 'endpoint_remove', id: info.id });
        this.dropTopicIfEmpty(topic);
      },
    };
  }

  countPublishers(topicName: string): number {
    const t = this.topics.get(topicName);
    if (t === undefined) return 0;
    let n = t.pubs.size;
    for (const r of t.remotePubs.values()) if (!r.mismatched) n++;
    return n;
  }

  countSubscriptions(topicName: string): number {
    const t = this.topics.get(topicName);
    if (t === undefined) return 0;
    let n = t.subs.size;
    for (const r of t.remoteSubs.values()) if (!r.mismatched) n++;
    return n;
  }

  /** Every endpoint this domain knows of, local and remote: the graph as `ros2 topic list -v` sees it. */
  endpoints(): EndpointInfo[] {
    const out: EndpointInfo[] = [];
    for (const t of this.topics.values()) {
      for (const p of t.pubs.values()) out.push(p.info);
      for (const s of t.subs.values()) out.push(s.info);
      for (const r of t.remotePubs.values()) out.push(r.info);
      for (const r of t.remoteSubs.values()) out.push(r.info);
    }
    return out;
  }

  topicType(topicName: string): string | undefined {
    return this.topics.get(topicName)?.type;
  }

  private claimTopic(info: EndpointInfo): TopicState {
    let topic = this.topics.get(info.topic);
    if (topic === undefined) {
      topic = {
        name: info.topic,
        type: undefined,
        pubs: new Map(),
        subs: new Map(),
        remotePubs: new Map(),
        remoteSubs: new Map(),
      };
      this.topics.set(info.topic, topic);
    }
    if (topic.type !== undefined && topic.type !== info.type) {
      const other =
        [...topic.pubs.values(), ...topic.subs.values()][0]?.info ??
        [...topic.remotePubs.values(), ...topic.remoteSubs.values()].find((r) => !r.mismatched)?.info;
      throw new TopicTypeError(
        `topic '${info.topic}' has type '${topic.type}'` +
          (other ? ` (${other.kind} of ${other.node})` : '') +
          `; ${info.node} cannot create a ${info.kind} of type '${info.type}' on it`,
      );
    }
    topic.type = info.type;
    return topic;
  }

  private dropTopicIfEmpty(topic: TopicState): void {
    if (topic.pubs.size + topic.subs.size === 0) {
      const remote = [...topic.remotePubs.values(), ...topic.remoteSubs.values()].filter((r) => !r.mismatched);
      if (remote.length === 0) this.topics.delete(topic.name);
      else topic.type = remote[0].info.type;
    }
  }

  /** Logs a QoS mismatch (once per pair) to both owners. Returns true when compatible. */
  private reportIfIncompatible(
    pub: EndpointInfo,
    sub: EndpointInfo,
    pubOwner: EndpointOwner | undefined,
    subOwner: EndpointOwner | undefined,
  ): boolean {
    const c = checkQoSCompatibility(pub.qos, sub.qos);
    if (c.compatible) return true;
    const text =
      `incompatible QoS on '${pub.topic}': publisher of ${pub.node} offers (${describeQoS(pub.qos)}), ` +
      `subscription of ${sub.node} requests (${describeQoS(sub.qos)}) — no messages will be delivered. ` +
      `Last incompatible policy: ${c.reason}`;
    pubOwner?.warn(text);
    subOwner?.warn(text);
    return false;
  }

  private matchedSubscriptions(topic: TopicState, offered: QoSProfile): number {
    let n = 0;
    for (const s of topic.subs.values()) if (checkQoSCompatibility(offered, s.info.qos).compatible) n++;
    for (const r of topic.remoteSubs.values()) {
      if (!r.mismatched && checkQoSCompatibility(offered, r.info.qos).compatible) n++;
    }
    return n;
  }

  private publishLocal(topic: TopicState, pub: LocalPublisher, message: unknown): void {
    if (pub.info.qos.durability === 'transient_local') {
      pub.history.push(message);
      if (pub.history.length > Math.max(1, pub.info.qos.depth)) pub.history.shift();
    }
    this.deliverToLocal(topic, pub.info, message, undefined);
    // Send once over each link that leads to a matching subscription.
    const sentTo = new Set<DomainLink>();
    for (const r of topic.remoteSubs.values()) {
      if (r.mismatched || sentTo.has(r.link)) continue;
      if (!checkQoSCompatibility(pub.info.qos, r.info.qos).compatible) continue;
      sentTo.add(r.link);
      r.link.send({ op: 'data', topic: topic.name, pub: pub.info.id, message });
    }
  }

  private deliverToLocal(topic: TopicState, pubInfo: EndpointInfo, message: unknown, target: string | undefined): void {
    if (target !== undefined) {
      const sub = topic.subs.get(target);
      if (sub && checkQoSCompatibility(pubInfo.qos, sub.info.qos).compatible) this.enqueue(sub, message);
      return;
    }
    for (const sub of topic.subs.values()) {
      if (checkQoSCompatibility(pubInfo.qos, sub.info.qos).compatible) this.enqueue(sub, message);
    }
  }

  private enqueue(sub: LocalSubscription, message: unknown): void {
    const q = sub.info.qos;
    sub.queue.push(message);
    if (q.history === 'keep_last' && sub.queue.length > q.depth) {
      sub.queue.shift();
      sub.dropped++;
    }
    if (!sub.scheduled) {
      sub.scheduled = true;
      this.executor.post(() => this.drain(sub));
    }
  }

  private drain(sub: LocalSubscription): void {
    sub.scheduled = false;
    while (sub.queue.length > 0 && !sub.destroyed) {
      const message = sub.queue.shift();
      try {
        sub.handler(message);
      } catch (err) {
        sub.owner.error(`subscription callback on '${sub.info.topic}' threw: ${errorText(err)}`);
      }
    }
  }

  // ---------------------------------------------------------------- services

  addService(spec: Omit<ServiceInfo, 'id' | 'type'> & { type: string }, handler: ServiceHandler): { destroy(): void } {
    if (this.localServices.has(spec.name) || this.remoteServices.has(spec.name)) {
      throw new Error(`service '${spec.name}' already exists; ${spec.node} cannot create it again`);
    }
    const info: ServiceInfo = { ...spec, type: normalizeServiceType(spec.type), id: this.newId() };
    this.localServices.set(info.name, { info, handler });
    this.broadcast({ op: 'service_add', info });
    return {
      destroy: () => {
        if (this.localServices.get(info.name)?.info.id !== info.id) return;
        this.localServices.delete(info.name);
        this.broadcast({ op: 'service_remove', id: info.id });
      },
    };
  }

  hasService(name: string): boolean {
    return this.localServices.has(name) || this.remoteServices.has(name);
  }

  serviceType(name: string): string | undefined {
    return (this.localServices.get(name) ?? this.remoteServices.get(name))?.info.type;
  }

  /** Calls a service; rejects with ServiceCallError when it is missing, fails or times out. */
  callService(name: string, request: unknown, timeoutSec?: number): Promise<unknown> {
    const local = this.localServices.get(name);
    if (local !== undefined) {
      return new Promise((resolve, reject) => {
        let done = false;
        const timer =
          timeoutSec !== undefined
            ? this.timeBase.at(this.timeBase.now() + timeoutSec, () => {
                done = true;
                reject(new ServiceCallError(`service '${name}' did not answer within ${timeoutSec} s`));
              })
            : undefined;
        const finish = (settle: () => void) => {
          if (done) return;
          done = true;
          timer?.cancel();
          settle();
        };
        this.executor.post(() => {
          Promise.resolve()
            .then(() => local.handler(request))
            .then(
              (response) => finish(() => resolve(response)),
              (err: unknown) => finish(() => reject(new ServiceCallError(serviceFailure(name, err)))),
            );
        });
      });
    }
    const remote = this.remoteServices.get(name);
    if (remote === undefined) return Promise.reject(new ServiceCallError(`service '${name}' is not available`));
    const requestId = this.newId();
    return new Promise((resolve, reject) => {
      const timer =
        timeoutSec !== undefined
          ? this.timeBase.at(this.timeBase.now() + timeoutSec, () => {
              this.pendingCalls.delete(requestId);
              reject(new ServiceCallError(`service '${name}' did not answer within ${timeoutSec} s`));
            })
          : undefined;
      this.pendingCalls.set(requestId, { resolve, reject, timer });
      remote.link.send({ op: 'request', service: name, requestId, request });
    });
  }

  // ---------------------------------------------------------------- links

  /** Joins another domain (usually in another thread) through `link`. */
  connect(link: DomainLink): void {
    this.links.add(link);
    link.onMessage((m) => this.onLinkMessage(link, m));
    for (const t of this.topics.values()) {
      for (const p of t.pubs.values()) link.send({ op: 'endpoint_add', info: p.info });
      for (const s of t.subs.values()) link.send({ op: 'endpoint_add', info: s.info });
      for (const r of [...t.remotePubs.values(), ...t.remoteSubs.values()]) {
        if (r.link !== link) link.send({ op: 'endpoint_add', info: r.info });
      }
    }
    for (const s of this.localServices.values()) link.send({ op: 'service_add', info: s.info });
    for (const s of this.remoteServices.values()) if (s.link !== link) link.send({ op: 'service_add', info: s.info });
  }

  /** Forgets everything learnt through `link` (its thread stopped). */
  disconnect(link: DomainLink): void {
    if (!this.links.delete(link)) return;
    for (const t of [...this.topics.values()]) {
      for (const [id, r] of [...t.remotePubs, ...t.remoteSubs]) {
        if (r.link !== link) continue;
        this.removeRemoteEndpoint(id);
        this.broadcast({ op: 'endpoint_remove', id }, link);
      }
    }
    for (const [name, s] of [...this.remoteServices]) {
      if (s.link === link) {
        this.remoteServices.delete(name);
        this.broadcast({ op: 'service_remove', id: s.info.id }, link);
      }
    }
    for (const [id, l] of [...this.forwardedCalls]) if (l === link) this.forwardedCalls.delete(id);
    link.close();
  }

  private broadcast(message: LinkMessage, except?: DomainLink): void {
    for (const l of this.links) if (l !== except) l.send(message);
  }

  private onLinkMessage(link: DomainLink, m: LinkMessage): void {
    switch (m.op) {
      case 'endpoint_add':
        this.addRemoteEndpoint(link, m.info);
        this.broadcast(m, link);
        return;
      case 'endpoint_remove':
        this.removeRemoteEndpoint(m.id);
        this.broadcast(m, link);
        return;
      case 'service_add':
        this.remoteServices.set(m.info.name, { info: m.info, link });
        this.broadcast(m, link);
        return;
      case 'service_remove':
        for (const [name, s] of this.remoteServices) if (s.info.id === m.id) this.remoteServices.delete(name);
        this.broadcast(m, link);
        return;
      case 'data':
        this.onRemoteData(link, m.topic, m.pub, m.message, m.target);
        return;
      case 'request':
        this.onRemoteRequest(link, m.service, m.requestId, m.request);
        return;
      case 'response':
        this.onRemoteResponse(m.requestId, m.response, m.error);
        return;
    }
  }

  private addRemoteEndpoint(link: DomainLink, info: EndpointInfo): void {
    let topic = this.topics.get(info.topic);
    if (topic === undefined) {
      topic = { name: info.topic, type: info.type, pubs: new Map(), subs: new Map(), remotePubs: new Map(), remoteSubs: new Map() };
      this.topics.set(info.topic, topic);
    }
    const mismatched = topic.type !== undefined && topic.type !== info.type;
    if (topic.type === undefined) topic.type = info.type;
    const remote: RemoteEndpoint = { info, link, mismatched };
    const locals = info.kind === 'publisher' ? [...topic.subs.values()] : [...topic.pubs.values()];
    if (mismatched) {
      for (const l of locals) {
        l.owner.error(
          `topic '${info.topic}' has type '${topic.type}' here, but ${info.node} created a ${info.kind} ` +
            `of type '${info.type}' on it — they will not communicate`,
        );
      }
    }
    if (info.kind === 'publisher') {
      topic.remotePubs.set(info.id, remote);
      if (!mismatched) for (const s of topic.subs.values()) this.reportIfIncompatible(info, s.info, undefined, s.owner);
    } else {
      topic.remoteSubs.set(info.id, remote);
      if (!mismatched) {
        for (const p of topic.pubs.values()) {
          const ok = this.reportIfIncompatible(p.info, info, p.owner, undefined);
          // Late-joining transient-local subscriber: replay the history to it alone.
          if (ok && info.qos.durability === 'transient_local') {
            for (const message of p.history) link.send({ op: 'data', topic: info.topic, pub: p.info.id, message, target: info.id });
          }
        }
      }
    }
  }

  private removeRemoteEndpoint(id: string): void {
    for (const topic of this.topics.values()) {
      if (topic.remotePubs.delete(id) || topic.remoteSubs.delete(id)) {
        this.dropTopicIfEmpty(topic);
        return;
      }
    }
  }

  private onRemoteData(from: DomainLink, topicName: string, pubId: string, message: unknown, target: string | undefined): void {
    const topic = this.topics.get(topicName);
    if (topic === undefined) return;
    const pub = topic.remotePubs.get(pubId);
    if (pub === undefined || pub.mismatched) return;
    this.deliverToLocal(topic, pub.info, message, target);
    // Forward to other links (this domain is the hub between them).
    if (target !== undefined) {
      const r = topic.remoteSubs.get(target);
      if (r && r.link !== from) r.link.send({ op: 'data', topic: topicName, pub: pubId, message, target });
      return;
    }
    const sentTo = new Set<DomainLink>([from]);
    for (const r of topic.remoteSubs.values()) {
      if (r.mismatched || sentTo.has(r.link)) continue;
      if (!checkQoSCompatibility(pub.info.qos, r.info.qos).compatible) continue;
      sentTo.add(r.link);
      r.link.send({ op: 'data', topic: topicName, pub: pubId, message });
    }
  }

  private onRemoteRequest(from: DomainLink, service: string, requestId: string, request: unknown): void {
    const local = this.localServices.get(service);
    if (local !== undefined) {
      this.executor.post(() => {
        Promise.resolve()
          .then(() => local.handler(request))
          .then(
            (response) => from.send({ op: 'response', requestId, response }),
            (err: unknown) => from.send({ op: 'response', requestId, error: serviceFailure(service, err) }),
          );
      });
      return;
    }
    const remote = this.remoteServices.get(service);
    if (remote === undefined || remote.link === from) {
      from.send({ op: 'response', requestId, error: `service '${service}' is not available` });
      return;
    }
    this.forwardedCalls.set(requestId, from);
    remote.link.send({ op: 'request', service, requestId, request });
  }

  private onRemoteResponse(requestId: string, response: unknown, error: string | undefined): void {
    const forwardTo = this.forwardedCalls.get(requestId);
    if (forwardTo !== undefined) {
      this.forwardedCalls.delete(requestId);
      forwardTo.send(error === undefined ? { op: 'response', requestId, response } : { op: 'response', requestId, error });
      return;
    }
    const pending = this.pendingCalls.get(requestId);
    if (pending === undefined) return; // timed out already
    this.pendingCalls.delete(requestId);
    pending.timer?.cancel();
    if (error !== undefined) pending.reject(new ServiceCallError(error));
    else pending.resolve(response);
  }
}

export function normalizeServiceType(type: string): string {
  const parts = type.split('/');
  if (parts.length === 2) return `${parts[0]}/srv/${parts[1]}`;
  return type;
}

function serviceFailure(service: string, err: unknown): string {
  return `service '${service}' failed: ${errorText(err)}`;
}
