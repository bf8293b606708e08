// Plays a bag's messages at their recorded times with /clock from bag time, like
// `ros2 bag play --clock`: nodes running with use_sim_time see the recording's time and process
// the messages as they would live. Where time comes from is a ReplayTimeline:
//   - VirtualTimeline: deterministic. Virtual time IS bag time: before each message (and each
//     /clock tick) the player advances the run's VirtualTimeBase to that instant, which first runs
//     every node callback, timer and modelled inference result due before it. Nothing depends on
//     machine speed, so two replays of one bag give identical outputs.
//   - WallTimeline: real time, at `rate` × wall-clock speed.
// /clock is published at `clockHz` on the bag-time grid and at every message's time (so a node
// receiving a message reads exactly its receive time). On a loop or a seek, time jumps back to the
// start: VirtualTimeBase.jumpTo (virtual time) and a smaller /clock (sim time) make every node's
// clock report the jump (clock.onJump), which is where nodes drop state from "the future".
//
// Which bag topics are played is the target's decision (ReplayTarget.accepts): into a suite, a
// topic is played only while some suite node subscribes to it and no suite node publishes it, so
// the suite's own outputs recorded in the bag are not fed back.

import { fromNanoseconds, toNanoseconds, toRosTime } from '../ros/time.js';
import { QoSProfiles, type QoSProfile } from '../ros/qos.js';
import type { VirtualTimeBase } from '../ros/time_base.js';
import { wallNow } from '../ros/time_base.js';
import type { BagReader, BagRecord } from '../bags/bag_reader.js';
import { replayQosFromYaml } from '../bags/qos_metadata.js';
import { ReplayError } from './suite.js';
import { errorText } from '../error_text.js';

export interface ReplayTimeline {
  /** Lets time pass up to bag time `t` [s]. */
  waitUntil(t: number): Promise<void>;
  /** Time jumps (back) to `t`: the bag loops or seeks. */
  jumpTo(t: number): void;
  now(): number;
  /** True when results must not depend on timing (messages are decoded before they are due). */
  readonly deterministic: boolean;
}

export class VirtualTimeline implements ReplayTimeline {
  readonly deterministic = true;
  constructor(
    readonly time: VirtualTimeBase,
    private readonly afterStep?: () => void,
  ) {}
  async waitUntil(t: number): Promise<void> {
    await this.time.advanceTo(Math.max(t, this.time.now()));
    this.afterStep?.();
  }
  jumpTo(t: number): void {
    this.time.jumpTo(t);
  }
  now(): number {
    return this.time.now();
  }
}

export class WallTimeline implements ReplayTimeline {
  readonly deterministic = false;
  private wall0 = wallNow();
  private bag0: number;
  constructor(
    start: number,
    private readonly rate: number,
    private readonly signal?: AbortSignal,
  ) {
    if (!(rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
    this.bag0 = start;
  }
  now(): number {
    return this.bag0 + (wallNow() - this.wall0) * this.rate;
  }
  async waitUntil(t: number): Promise<void> {
    for (;;) {
      const wait = (t - this.now()) / this.rate;
      if (wait <= 0 || this.signal?.aborted === true) return;
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          clearTimeout(timer);
          resolve();
        };
        // The listener goes with the wait: thousands of waits must not pile up listeners.
        const timer = setTimeout(
          () => {
            this.signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          Math.max(0, wait * 1000 - 0.5),
        );
        this.signal?.addEventListener('abort', onAbort, { once: true });
      });
      if (t - this.now() < 0.0005 * this.rate) return;
    }
  }
  jumpTo(t: number): void {
    this.wall0 = wallNow();
    this.bag0 = t;
  }
}

/** Where the player publishes. */
export interface ReplayTarget {
  /** A publish function for `topic` (after remapping); throws when it cannot be created (type clash). */
  publisher(topic: string, type: string, qos: QoSProfile): (message: unknown) => void;
  /**
   * Whether a message on `topic` should be published now: undefined = yes; otherwise why not.
   * `permanent` reasons (e.g. the suite publishes this topic itself) are asked once per topic.
   */
  accepts(topic: string): { reason: string; permanent: boolean } | undefined;
  /** Whether some node subscribes to `topic` (to decide if an undecodable topic is needed). */
  needed(topic: string): boolean;
  /** Copy message buffers before publishing (the target structured-clones to other threads). */
  readonly copyMessages: boolean;
}

export interface PlayOptions {
  /** Bag topics to play (exact); default: every decodable topic the target accepts. */
  topics?: readonly string[];
  /** Topic remaps, bag topic → published topic. */
  remap?: ReadonlyMap<string, string>;
  /** Seconds from the bag's start to begin at (default 0). */
  start?: number;
  /** Seconds to play from `start` (default: to the end). */
  duration?: number;
  /** Number of passes through the bag (default 1; Infinity: until interrupted). */
  passes?: number;
  /** /clock rate [Hz]; 0: no /clock. */
  clockHz: number;
  /**
   * Bag time of a log time [s]: for a bag whose log times are on another clock than its header
   * stamps (time_domain.ts), the stamps' clock, so the player runs on it. Default: the log time.
   */
  bagTime?: (logTime: number) => number;
  /** Seconds to keep time running after the last message of the last pass (default 0). */
  tail?: number;
  signal?: AbortSignal;
  onProgress?: (state: { published: number; bagTime: number; pass: number; start: number; end: number }) => void;
  onNote?: (note: string) => void;
}

export interface PlayResult {
  published: number;
  perTopic: Map<string, number>;
  /** Bag topic → why (some of) its messages were not played. */
  notPlayed: Map<string, string>;
  passes: number;
  /** Bag time played over all passes, up to the last message published [s]. */
  seconds: number;
  /** Played bag-time range [s]. */
  start: number;
  end: number;
  interrupted: boolean;
}

interface TopicPlan {
  play: boolean;
  target: string;
  publish?: (message: unknown) => void;
  dropped: Map<string, number>;
}

const CLOCK_TOPIC = '/clock';

/** Bag time range to play [ns], from the bag's start/end and the start/duration options. */
export function playRange(bagStart: bigint, bagEnd: bigint, start = 0, duration?: number): { startNs: bigint; endNs: bigint } {
  if (start < 0) throw new RangeError(`--start must be >= 0, got ${start}`);
  if (duration !== undefined && !(duration > 0)) throw new RangeError(`--duration must be > 0, got ${duration}`);
  const startNs = bagStart + toNanoseconds(start);
  const endNs = duration === undefined ? bagEnd : startNs + toNanoseconds(duration);
  return { startNs, endNs: endNs < bagEnd ? endNs : bagEnd };
}

export class BagPlayer {
  private readonly plans = new Map<string, TopicPlan>();
  private clockPublish: ((message: unknown) => void) | undefined;
  private lastClock = -Infinity;
  private published = 0;

  constructor(
    private readonly bag: BagReader,
    private readonly target: ReplayTarget,
    private readonly timeline: ReplayTimeline,
    private readonly options: PlayOptions,
  ) {}

  private note(text: string): void {
    this.options.onNote?.(text);
  }

  private publishClock(t: number): void {
    if (this.options.clockHz <= 0 || t <= this.lastClock) return;
    this.lastClock = t;
    this.clockPublish ??= this.target.publisher(CLOCK_TOPIC, 'rosgraph_msgs/msg/Clock', QoSProfiles.clock);
    this.clockPublish({ clock: toRosTime(t) });
  }

  private plan(m: BagRecord): TopicPlan {
    let plan = this.plans.get(m.topic);
    if (plan !== undefined) return plan;
    const target = this.options.remap?.get(m.topic) ?? m.topic;
    plan = { play: true, target, dropped: new Map() };
    const explicit = this.options.topics;
    if (m.topic === CLOCK_TOPIC && this.options.clockHz > 0) {
      plan.play = false;
      this.note(`the bag's own ${CLOCK_TOPIC} is not replayed: /clock is generated from bag time`);
    } else if (explicit !== undefined && !explicit.includes(m.topic)) {
      plan.play = false;
    } else if (m.channel.problem !== undefined) {
      plan.play = false;
      if (this.target.needed(target))
        throw new ReplayError(`topic ${m.topic} (${m.type}) is needed by the replayed nodes but cannot be decoded: ${m.channel.problem}`);
      this.note(`${m.topic} is not replayed: ${m.channel.problem}`);
    } else if (explicit === undefined) {
      const verdict = this.target.accepts(target);
      if (verdict?.permanent === true) {
        plan.play = false;
        this.note(`${m.topic} is not replayed: ${verdict.reason}`);
      }
    }
    this.plans.set(m.topic, plan);
    return plan;
  }

  /** Publishes `m`; false when it was dropped (the reason is counted in plan.dropped). */
  private publish(plan: TopicPlan, m: BagRecord): boolean {
    if (this.options.topics === undefined) {
      const verdict = this.target.accepts(plan.target);
      if (verdict !== undefined) {
        plan.dropped.set(verdict.reason, (plan.dropped.get(verdict.reason) ?? 0) + 1);
        return false;
      }
    }
    if (plan.publish === undefined) {
      const qos = replayQosFromYaml(m.channel.metadata.get('offered_qos_profiles')) ?? QoSProfiles.default;
      // A reliable publisher serves reliable and best-effort subscribers alike.
      try {
        plan.publish = this.target.publisher(plan.target, m.type, { ...qos, reliability: 'reliable' });
      } catch (err) {
        throw new ReplayError(`cannot replay ${m.topic} as ${plan.target}: ${errorText(err)}`);
      }
    }
    let message: unknown;
    try {
      message = m.decode({ copy: this.target.copyMessages });
    } catch {
      plan.dropped.set('cannot be decoded', (plan.dropped.get('cannot be decoded') ?? 0) + 1);
      return false;
    }
    plan.publish(message);
    this.published++;
    return true;
  }

  async play(): Promise<PlayResult> {
    const info = await this.bag.info();
    const perTopic = new Map<string, number>();
    const result: PlayResult = {
      published: 0,
      perTopic,
      notPlayed: new Map(),
      passes: 0,
      seconds: 0,
      start: 0,
      end: 0,
      interrupted: false,
    };
    if (info.start === undefined || info.end === undefined) {
      this.note(`${this.bag.path} has no messages`);
      return result;
    }
    const { startNs, endNs } = playRange(info.start, info.end, this.options.start, this.options.duration);
    const bagTime = this.options.bagTime ?? ((t: number) => t);
    const passStart = bagTime(fromNanoseconds(startNs));
    const passEnd = bagTime(fromNanoseconds(endNs));
    result.start = passStart;
    result.end = passEnd;
    const period = this.options.clockHz > 0 ? 1 / this.options.clockHz : Infinity;
    const passes = this.options.passes ?? 1;
    const signal = this.options.signal;
    const aborted = () => signal?.aborted === true;
    let lastTime = passStart;
    for (let pass = 0; pass < passes && !aborted(); pass++) {
      if (pass > 0) {
        this.timeline.jumpTo(passStart);
        this.lastClock = -Infinity;
      }
      let k = 0;
      lastTime = passStart;
      const tick = (i: number) => passStart + i * period;
      this.publishClock(passStart);
      for await (const m of this.bag.messages({ start: startNs, end: endNs, includeUndecodable: true })) {
        if (aborted()) break;
        const plan = this.plan(m);
        const t = bagTime(fromNanoseconds(m.logTime));
        while (tick(k + 1) < t && !aborted()) {
          k++;
          await this.timeline.waitUntil(tick(k));
          if (!this.timeline.deterministic) k = Math.max(k, Math.floor((this.timeline.now() - passStart) / period));
          this.publishClock(tick(k));
        }
        if (!plan.play) continue;
        await this.timeline.waitUntil(t);
        this.publishClock(t);
        if (this.publish(plan, m)) perTopic.set(m.topic, (perTopic.get(m.topic) ?? 0) + 1);
        lastTime = t;
        this.options.onProgress?.({ published: this.published, bagTime: t, pass, start: passStart, end: passEnd });
      }
      result.passes = pass + 1;
      result.seconds += lastTime - passStart;
    }
    const tail = this.options.tail ?? 0;
    if (tail > 0 && !aborted()) {
      const until = lastTime + tail;
      for (let t = lastTime + period; t < until && !aborted(); t += period) {
        await this.timeline.waitUntil(t);
        this.publishClock(t);
      }
      await this.timeline.waitUntil(until);
      this.publishClock(until);
    }
    result.published = this.published;
    result.interrupted = aborted();
    for (const [topic, plan] of this.plans) {
      if (plan.dropped.size > 0) result.notPlayed.set(topic, [...plan.dropped].map(([why, n]) => `${n} message(s): ${why}`).join('; '));
    }
    return result;
  }
}
