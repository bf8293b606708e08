// Node logging with ROS severities, in rcutils' console format, plus the throttled and
// once-only variants a 30 Hz loop needs so that a persistent fault logs a line, not a flood.

import { logLevelRank, type LogLevel } from './log_level.js';
import { toRosTime } from './time.js';

export interface LogRecord {
  level: LogLevel;
  /** Logger name: the node's name with namespace tokens joined by dots, as rclcpp names it. */
  name: string;
  /** ROS time of the record [s]. */
  time: number;
  message: string;
}

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  readonly name: string;
  level: LogLevel;
  isEnabled(level: LogLevel): boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  fatal(message: string): void;
  /** Logs at most once per `periodSec` for this `key` (defaults to the message text). */
  throttle(level: LogLevel, periodSec: number, message: string, key?: string): void;
  /** Logs only the first time this `key` is seen (defaults to the message text). */
  once(level: LogLevel, message: string, key?: string): void;
}

export function loggerNameFor(namespace: string, nodeName: string): string {
  return [...namespace.split('/').filter((t) => t.length > 0), nodeName].join('.');
}

/** rcutils' default console format: `[INFO] [1700000000.123456789] [name]: message`. */
export function formatLogRecord(r: LogRecord): string {
  const t = Number.isFinite(r.time) ? toRosTime(r.time) : { sec: 0, nanosec: 0 };
  return `[${r.level.toUpperCase()}] [${t.sec}.${t.nanosec.toString().padStart(9, '0')}] [${r.name}]: ${r.message}`;
}

export const consoleLogSink: LogSink = (r) => {
  const line = formatLogRecord(r);
  if (logLevelRank(r.level) >= logLevelRank('warn')) process.stderr.write(line + '\n');
  else process.stdout.write(line + '\n');
};

export class NodeLogger implements Logger {
  private readonly lastThrottled = new Map<string, number>();
  private readonly seenOnce = new Set<string>();

  constructor(
    readonly name: string,
    private readonly now: () => number,
    private readonly sink: LogSink,
    public level: LogLevel = 'info',
  ) {}

  isEnabled(level: LogLevel): boolean {
    return logLevelRank(level) >= logLevelRank(this.level);
  }

  log(level: LogLevel, message: string): void {
    if (this.isEnabled(level)) this.sink({ level, name: this.name, time: this.now(), message });
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  error(message: string): void {
    this.log('error', message);
  }
  fatal(message: string): void {
    this.log('fatal', message);
  }

  throttle(level: LogLevel, periodSec: number, message: string, key = message): void {
    if (!this.isEnabled(level)) return;
    const t = this.now();
    const last = this.lastThrottled.get(key);
    if (last !== undefined && t - last < periodSec && t >= last) return;
    this.lastThrottled.set(key, t);
    this.log(level, message);
  }

  once(level: LogLevel, message: string, key = message): void {
    // Like rcutils: "once" is only spent when the message is actually emitted.
    if (!this.isEnabled(level) || this.seenOnce.has(key)) return;
    this.seenOnce.add(key);
    this.log(level, message);
  }
}
