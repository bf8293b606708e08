// The bridge's health and status message from its control loop's state: what `~/status` and
// /diagnostics say. Problems (another publisher on the command topic, stale robot state,
// activation notes) degrade a running or starting bridge and are appended to the message.

import type { NodeHealth, NodeStatus } from '../runtime/node_status.js';
import type { DropReason } from './action_decoder.js';
import type { ControlLoop, LoopState } from './control_loop.js';

const HEALTH: Record<LoopState, 'starting' | 'running' | 'holding'> = {
  inactive: 'starting',
  waiting: 'starting',
  running: 'running',
  held: 'holding',
  stale: 'holding',
};

export interface BridgeStatusInput {
  readonly state: LoopState;
  /** The lifecycle state, named while inactive. */
  readonly lifecycle: string;
  readonly exhausted: boolean;
  readonly holdRequested: boolean;
  /** Why a requested hold holds ('' when unknown). */
  readonly holdNote: string;
  /** Why the failure monitor interlock holds, if it does. */
  readonly monitorProblem: string | undefined;
  readonly staleReason: 'chunk' | 'observation';
  readonly maxObservationAge: number;
  readonly maxChunkAge: number;
  readonly problems: readonly string[];
}

export function bridgeStatus(s: BridgeStatusInput): { health: NodeHealth; message: string } {
  let health: NodeHealth = HEALTH[s.state];
  let message: string;
  switch (s.state) {
    case 'inactive':
      message = `lifecycle ${s.lifecycle}`;
      break;
    case 'waiting':
      message = 'holding the start target, waiting for action chunks';
      break;
    case 'running':
      message = s.exhausted ? 'every action executed: holding until the next chunk' : 'executing action chunks';
      break;
    case 'held':
      message = s.holdRequested ? s.holdNote || 'held' : `held: ${s.monitorProblem ?? 'interlock'}`;
      break;
    case 'stale':
      message =
        s.staleReason === 'observation'
          ? `the newest camera image behind the action chunks is older than max_observation_age ${s.maxObservationAge} s: holding the last safe target`
          : `no fresh action chunk for more than max_chunk_age ${s.maxChunkAge} s: holding the last safe target`;
      break;
  }
  if (s.problems.length > 0 && (health === 'running' || health === 'starting')) {
    health = 'degraded';
    message = `${message}; ${s.problems.join('; ')}`;
  }
  return { health, message };
}

/** What the node knows beside its control loop, for `writeBridgeStatus`. */
export interface BridgeContext {
  readonly lifecycle: string;
  readonly mergeRule: string;
  readonly holdNote: string;
  /** The failure monitor's interlock reason; undefined: live; null: not required. */
  readonly monitorProblem: string | undefined | null;
  readonly episode: string | undefined;
  readonly maxObservationAge: number;
  readonly maxChunkAge: number;
  readonly problems: readonly string[];
}

/** Sets the status (unless a refused activation's error stands while inactive) and its values. */
export function writeBridgeStatus(status: NodeStatus, loop: ControlLoop, c: BridgeContext): void {
  const { health, message } = bridgeStatus({
    state: loop.state,
    lifecycle: c.lifecycle,
    exhausted: loop.isExhausted,
    holdRequested: loop.isHoldRequested,
    holdNote: c.holdNote,
    monitorProblem: c.monitorProblem ?? undefined,
    staleReason: loop.staleReason,
    maxObservationAge: c.maxObservationAge,
    maxChunkAge: c.maxChunkAge,
    problems: c.problems,
  });
  if (!(status.state === 'error' && loop.state === 'inactive')) status.set(health, message);
  status.setValue('merge_rule', c.mergeRule);
  status.setValue('rtc_delay_steps', loop.rtcDelaySteps);
  status.setValue('pending_steps', loop.pendingSteps);
  status.setValue('watchdog_trips', loop.watchdogTrips);
  status.setValue('observation_age_trips', loop.observationTrips);
  status.setValue('episode', c.episode ?? '');
  status.setValue('held_for_episode', loop.heldEpisode ?? '');
  status.setValue('pose_joint_limits', loop.poseJointLimitsActive ? 'model' : 'cartesian only');
  status.setValue('failure_monitor', c.monitorProblem === null ? 'not required' : (c.monitorProblem ?? 'live'));
  for (const [reason, count] of loop.drops) status.setValue(`dropped_${reason}`, count);
  for (const [limit, count] of loop.limitHits) status.setValue(`limited_${limit}`, count);
}

/** The status while unconfigured (no control loop): unless a refused activation's error stands. */
export function writeUnconfiguredStatus(status: NodeStatus, lifecycle: string, mergeRule: string): void {
  if (status.state !== 'error') status.set('starting', `lifecycle ${lifecycle}`);
  status.setValue('merge_rule', mergeRule);
}

/** The log line when the bridge becomes active. */
export function activationLine(a: {
  commandInterface: 'pose' | 'joint';
  publishRateHz: number;
  commandTopic: string;
  mergeRule: string;
  holdRequested: boolean;
  interlocked: boolean;
  monitorProblem: string | undefined;
}): string {
  return (
    `active: ${a.commandInterface} targets at ${a.publishRateHz} Hz on ${a.commandTopic}, merge rule ${a.mergeRule}, ` +
    `starting from the current ${a.commandInterface === 'pose' ? 'pose' : 'joint positions'}` +
    (a.holdRequested ? ' — HOLDING until ~/resume' : '') +
    (a.interlocked ? ` — HOLDING until the failure monitor is live (${a.monitorProblem ?? ''})` : '')
  );
}

/** The warning when the newest camera image behind the chunks is too old (`age` > `max` s). */
export function observationAgeLine(age: number, max: number): string {
  return `the newest camera image behind the action chunks is ${age.toFixed(3)} s old > max_observation_age ${max} s: holding the last safe target (cameras stopped?)`;
}

/** The warning when `count` > 1 nodes publish on the command topic. */
export function otherPublishersLine(count: number, topic: string): string {
  return `${count} publishers on ${topic}: CRISP ignores a command topic with more than one publisher, so the arm gets no targets. Stop the other publisher.`;
}

/** Drops the bridge's own state explains (inactive, held, late) are routine; the rest are warnings. */
export function chunkDropLevel(reason: DropReason): 'info' | 'warn' {
  return reason === 'inactive' || reason === 'held' || reason === 'late' ? 'info' : 'warn';
}
