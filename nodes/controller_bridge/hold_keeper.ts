// What the bridge does with hold and resume requests (HoldRequest topic, ~/hold, ~/resume) and
// episode starts: the decisions and the words, and why the arm is held; the ControlLoop does the
// holding. A hold for an episode that has ended (a late alarm) is ignored, so it cannot freeze
// the next episode; the next episode's START releases an episode's hold and restarts from the
// robot's current state.

import type { ControlLoop, RobotState } from './control_loop.js';

export interface HoldRequestFields {
  readonly hold: boolean;
  readonly source: string;
  readonly reason: string;
  readonly episode_id: string;
}

export type HoldAction =
  | { readonly kind: 'hold'; readonly note: string; readonly episode: string | undefined }
  | { readonly kind: 'resume'; readonly source: string }
  | { readonly kind: 'ignore'; readonly line: string };

/** Why the arm is held, for the status and the log: `held by <source>: <reason>`. */
export function holdNote(source: string, reason: string): string {
  return `held by ${source || 'unknown'}${reason ? `: ${reason}` : ''}`;
}

/** What a HoldRequest asks for; `hasEnded` says whether an episode id belongs to an ended episode. */
export function holdRequestAction(m: HoldRequestFields, hasEnded: (episode: string) => boolean): HoldAction {
  if (!m.hold) return { kind: 'resume', source: m.source };
  if (m.episode_id !== '' && hasEnded(m.episode_id)) {
    return {
      kind: 'ignore',
      line: `ignored a hold from ${m.source || 'unknown'} for episode '${m.episode_id}', which has ended: ${m.reason}`,
    };
  }
  return { kind: 'hold', note: holdNote(m.source, m.reason), episode: m.episode_id === '' ? undefined : m.episode_id };
}

/** The log line for a new hold; `heldEpisode` is the episode whose START releases it, if any. */
export function holdLine(note: string, heldEpisode: string | undefined): string {
  const until = heldEpisode === undefined ? '' : ` or the next episode after '${heldEpisode}'`;
  return `HOLD ${note}; resume only on ~/resume, a HoldRequest with hold=false${until}`;
}

/** The answer to a hold request. */
export function holdReply(active: boolean): string {
  return active ? 'holding at the last safe target' : 'hold latched (the bridge is not active)';
}

/** A line for the node's log. */
export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly text: string;
}

/** A requested hold as it outlives a configuration: the next one holds again (fail closed). */
export interface LatchedHold {
  readonly note: string;
  /** The episode it is scoped to; undefined: until an explicit resume. */
  readonly episode: string | undefined;
}

/** Bounded: past this many, a request flood only repeats holds that already hold the arm. */
const MAX_PENDING = 100;

/**
 * Holds between configurations (fail closed): the hold the last one had latched and the hold
 * requests since, applied in order by the next configure (BridgeCore.relatch).
 */
export class PendingHolds {
  latched: LatchedHold | undefined;
  requests: HoldRequestFields[] = [];

  /** A HoldRequest while unconfigured; a resume makes the requests before it moot. */
  offer(m: HoldRequestFields): void {
    if (!m.hold) this.requests = [m];
    else if (this.requests.length < MAX_PENDING) this.requests.push(m);
  }

  /** What to apply (then forgotten). */
  take(): { latched: LatchedHold | undefined; requests: HoldRequestFields[] } {
    const taken = { latched: this.latched, requests: this.requests };
    this.latched = undefined;
    this.requests = [];
    return taken;
  }
}

export class HoldKeeper {
  private why = '';

  constructor(private readonly loop: ControlLoop) {}

  /** Why a requested hold holds ('' when unknown or released). */
  get note(): string {
    return this.why;
  }

  /** The requested hold, if one is latched. */
  get latched(): LatchedHold | undefined {
    return this.loop.isHoldRequested ? { note: this.why, episode: this.loop.heldEpisode } : undefined;
  }

  /** Holds (for `episode` only, if given); the reply and, for a new hold, the line to log. */
  hold(now: number, note: string, episode?: string): { reply: string; log?: LogLine } {
    const started = this.loop.hold(now, episode);
    this.why = note;
    const log: LogLine | undefined = started ? { level: 'warn', text: holdLine(note, this.loop.heldEpisode) } : undefined;
    return { reply: holdReply(this.loop.isActive), log };
  }

  /** Resumes; logs only when a hold was requested. */
  resume(now: number, source: string): { ok: boolean; message: string; log?: LogLine } {
    const was = this.loop.isHoldRequested;
    const r = this.loop.resume(now);
    const log: LogLine | undefined = was ? { level: 'info', text: `resume requested by ${source || 'unknown'}: ${r.message}` } : undefined;
    return { ...r, log };
  }

  /** Starts episode `id` from `robot`: releases its predecessor's hold; notes of the restart, if it started. */
  startEpisode(now: number, id: string, robot: RobotState): { notes?: string[]; log: LogLine[] } {
    const heldFor = this.loop.heldEpisode;
    const r = this.loop.startEpisode(now, id, robot);
    const log: LogLine[] = [];
    if (r.released) {
      log.push({ level: 'info', text: `episode '${id}' started: released the hold of episode '${heldFor}' (${this.why})` });
      this.why = '';
    }
    if (r.restart !== undefined && !r.restart.ok) {
      this.why = `held: cannot start episode '${id}' from the current state: ${r.restart.reason}`;
      log.push({ level: 'error', text: `${this.why}; resume with ~/resume once the arm is back` });
      return { log };
    }
    return { notes: r.restart?.notes, log };
  }
}
