// ROS 2 logging severities (rcutils), lowest first.
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function parseLogLevel(text: string): LogLevel {
  const level = text.trim().toLowerCase();
  const found = LOG_LEVELS.find((l) => l === level || (level === 'warning' && l === 'warn'));
  if (found === undefined) {
    throw new Error(`unknown log level '${text}': expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return found;
}

export function logLevelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}
