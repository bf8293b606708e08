// The failure monitor as a required safety component: the arm is held while it is not live (a
// detector that cannot load, a monitor that never started, died or was deactivated), one log
// line per change of the reason; not latched, so the arm waits for fresh chunks once it is live.

import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import type { LogLine } from './hold_keeper.js';

const STATUS = vla_ros_msgs.msg.PathwayStatus;

type MonitorKind = 'waiting' | 'gone' | 'error' | 'starting' | 'live';

export interface MonitorCheck {
  /** Why the arm must be held, or undefined while the monitor is live. */
  readonly problem: string | undefined;
  /** The line to log when the reason changed kind (error: it failed, or died after being live). */
  readonly change?: LogLine;
}

export class FailureMonitorWatch {
  private last: { state: number; message: string; at: number } | undefined;
  private kind: MonitorKind | undefined;
  private wasLive = false;
  private why: string | undefined;

  /** `topic` is the resolved status topic; `timeout` the failure_monitor_timeout [s]. */
  constructor(
    private readonly topic: string,
    private readonly timeout: number,
  ) {}

  /** The reason the arm is held from the last check (undefined: live). */
  get problem(): string | undefined {
    return this.why;
  }

  received(state: number, message: string, at: number): void {
    this.last = { state, message, at };
  }

  check(now: number): MonitorCheck {
    // Time went backwards (a replay looped): the last status counts from the jump, so a monitor
    // that died around it is still timed out, not taken as live for the jump's length.
    if (this.last !== undefined && now < this.last.at) this.last.at = now;
    const [kind, problem] = this.classify(now);
    this.why = problem;
    if (kind === this.kind) return { problem };
    this.kind = kind;
    if (kind === 'live') {
      this.wasLive = true;
      return { problem, change: { level: 'info', text: 'the failure monitor is live: chunks are executed again' } };
    }
    const text = `HOLD: ${problem}; the arm stays held until it is live (require_failure_monitor)`;
    return { problem, change: { level: kind === 'error' || this.wasLive ? 'error' : 'info', text } };
  }

  private classify(now: number): [MonitorKind, string | undefined] {
    const s = this.last;
    const topic = this.topic;
    if (s === undefined) return ['waiting', `no status from the failure monitor on ${topic} yet`];
    if (now - s.at > this.timeout) {
      return [
        'gone',
        `the failure monitor's last status on ${topic} is ${(now - s.at).toFixed(1)} s old (failure_monitor_timeout ${this.timeout} s)`,
      ];
    }
    if (s.state === STATUS.STATE_ERROR) return ['error', `the failure monitor cannot run: ${s.message}`];
    if (s.state === STATUS.STATE_STARTING) return ['starting', `the failure monitor is not monitoring yet (${s.message || 'starting'})`];
    return ['live', undefined];
  }
}
