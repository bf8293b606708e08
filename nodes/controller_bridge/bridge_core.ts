// One configuration of the controller bridge, without ROS: the control loop and what feeds it
// (robot state, episode starts, hold requests, the failure monitor interlock, the command topic's
// publisher count), with the lines it logs and the status it shows. The node (node.ts) makes one
// in configure, drops it in cleanup and only moves messages, timers and time in and out; the
// failure monitor's status (FailureMonitorWatch) outlives it.

import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import type { NodeStatus } from '../runtime/node_status.js';
import type { ChunkInput } from './action_decoder.js';
import { activationLine, chunkDropLevel, observationAgeLine, otherPublishersLine, writeBridgeStatus } from './bridge_status.js';
import type { ActivationResult, ControlLoop, TickOutput } from './control_loop.js';
import { EpisodeTracker } from './episode_tracker.js';
import type { FailureMonitorWatch } from './failure_monitor_watch.js';
import { HoldKeeper, holdRequestAction, type HoldRequestFields, type LatchedHold, type LogLine } from './hold_keeper.js';
import type { LatestRobotState, StateOffer } from './latest_robot_state.js';

const EPISODE_START = vla_ros_msgs.msg.EpisodeEvent.EVENT_START;

/** The node's logger, as far as the bridge uses it. */
export interface BridgeLog {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  throttle(level: 'info' | 'warn', periodSec: number, text: string, key: string): void;
}

export class BridgeCore {
  readonly holds: HoldKeeper;
  readonly episodes = new EpisodeTracker();
  /** Warnings from the last (re)start, shown in the status while active. */
  private notes: string[] = [];
  private observationTrips = 0;
  /** The command topic while another node publishes on it too. */
  private contested: string | undefined;

  constructor(
    readonly loop: ControlLoop,
    readonly robot: LatestRobotState,
    /** Undefined when require_failure_monitor is false. */
    readonly monitor: FailureMonitorWatch | undefined,
    private readonly log: BridgeLog,
    private readonly status: NodeStatus,
    private readonly lifecycle: { readonly state: string },
  ) {
    this.holds = new HoldKeeper(loop);
  }

  /** Starts from the robot's current state, commanding on `commandTopic`; logs the start, returns a refusal. */
  activate(now: number, commandTopic: string): ActivationResult {
    this.checkMonitor(now);
    const { loop } = this;
    const result = loop.activate(now, this.robot.values);
    if (!result.ok) return result;
    this.notes = [...result.notes];
    for (const n of result.notes) this.log.warn(n);
    const monitorProblem = this.monitor?.problem;
    this.log.info(
      activationLine({
        ...loop.config,
        commandTopic,
        holdRequested: loop.isHoldRequested,
        interlocked: loop.isInterlocked,
        monitorProblem,
      }),
    );
    return result;
  }

  /** The previous configuration's requested hold holds again, then the requests since apply (fail closed). */
  relatch(pending: { latched: LatchedHold | undefined; requests: readonly HoldRequestFields[] }, now: number): void {
    if (pending.latched !== undefined) this.holds.hold(now, pending.latched.note, pending.latched.episode);
    for (const m of pending.requests) this.holdRequest(m, now);
  }

  /** One control tick: the safe target to publish, undefined while inactive. */
  tick(now: number): TickOutput | undefined {
    this.checkMonitor(now);
    const out = this.loop.tick(now);
    if (out === undefined) return undefined;
    if (this.loop.observationTrips !== this.observationTrips) {
      this.observationTrips = this.loop.observationTrips;
      const line = observationAgeLine(this.loop.observationAge(now), this.loop.config.maxObservationAge);
      this.log.throttle('warn', 5, line, 'observation-age');
      this.updateStatus(now);
    }
    return out;
  }

  offerChunk(input: ChunkInput, now: number): void {
    const verdict = this.loop.offerChunk(input, now);
    if (verdict.accepted) return;
    this.status.drop();
    // One line per reason per 5 s: a misconfigured policy must not flood the log.
    const line = `dropped action chunk #${input.sequence}: ${verdict.reason}: ${verdict.detail}`;
    this.log.throttle(chunkDropLevel(verdict.reason), 5, line, `drop-${verdict.reason}`);
  }

  /** What LatestRobotState said about a joint_states or current_pose message. */
  robotState(offer: StateOffer, now: number): void {
    const n = offer.notice;
    if (n?.rejected !== undefined) this.status.rejected(n.rejected.topic, n.rejected.reason, n.rejected.count);
    if (n !== undefined) this.log.throttle('warn', n.periodSec, n.line, n.key);
    if (offer.accepted) this.startReadyEpisode(now);
  }

  /** An EpisodeEvent: a START of another episode than the current one restarts from the current state. */
  episodeEvent(event: number, id: string, now: number): void {
    if (event === EPISODE_START && this.episodes.start(id, this.robot.counts)) this.startReadyEpisode(now);
  }

  holdRequest(m: HoldRequestFields, now: number): void {
    const action = holdRequestAction(m, (id) => this.episodes.hasEnded(id));
    if (action.kind === 'ignore') this.log.warn(action.line);
    else if (action.kind === 'hold') this.hold(action.note, now, action.episode);
    else this.resume(action.source, now);
  }

  /** Holds (for `episode` only, if given); the reply to the caller. */
  hold(note: string, now: number, episode?: string): string {
    const r = this.holds.hold(now, note, episode);
    this.report(now, r.log);
    return r.reply;
  }

  /** Resumes; the reply to the caller (a std_srvs/Trigger response). */
  resume(source: string, now: number): { success: boolean; message: string } {
    const r = this.holds.resume(now, source);
    this.report(now, r.log);
    return { success: r.ok, message: r.message };
  }

  clockJumped(jumpedBack: number, now: number): void {
    this.loop.clockJumped(now);
    this.log.warn(`time jumped back ${jumpedBack.toFixed(3)} s: holding, waiting for chunks observed after the jump`);
  }

  /** `count` nodes publish on the command `topic` (CRISP ignores a topic with two). */
  publishersOnCommandTopic(count: number, topic: string, now: number): void {
    this.contested = count > 1 ? topic : undefined;
    if (this.contested !== undefined && this.loop.isActive)
      this.log.throttle('warn', 10, otherPublishersLine(count, topic), 'other-publishers');
    this.checkMonitor(now);
    this.updateStatus(now);
  }

  updateStatus(now: number): void {
    const { loop } = this;
    const problems: string[] = [];
    if (this.contested !== undefined) problems.push(`another publisher on ${this.contested}: CRISP ignores commands from both`);
    if (loop.isActive) {
      const stale = this.robot.problem(now);
      if (stale !== undefined) problems.push(stale);
      problems.push(...this.notes);
    }
    writeBridgeStatus(this.status, loop, {
      lifecycle: this.lifecycle.state,
      mergeRule: loop.config.mergeRule,
      holdNote: this.holds.note,
      monitorProblem: this.monitor === undefined ? null : this.monitor.problem,
      episode: this.episodes.current,
      maxObservationAge: loop.config.maxObservationAge,
      maxChunkAge: loop.config.maxChunkAge,
      problems,
    });
  }

  /** Interlock: held while the required failure monitor is not live. */
  checkMonitor(now: number): void {
    if (this.monitor === undefined) return;
    const r = this.monitor.check(now);
    const changed = this.loop.setInterlock(r.problem !== undefined, now);
    if (r.change !== undefined) this.log[r.change.level](r.change.text);
    if (changed) this.updateStatus(now);
  }

  /** A started episode re-anchors at the current state once state received after its START is in. */
  private startReadyEpisode(now: number): void {
    const id = this.episodes.takeReady(this.robot);
    if (id === undefined) return;
    const r = this.holds.startEpisode(now, id, this.robot.values);
    if (r.notes !== undefined) this.notes = [...r.notes];
    this.report(now, ...r.log);
  }

  /** Logs what a hold decision said and updates the status. */
  private report(now: number, ...lines: (LogLine | undefined)[]): void {
    for (const l of lines) if (l !== undefined) this.log[l.level](l.text);
    this.updateStatus(now);
  }
}
