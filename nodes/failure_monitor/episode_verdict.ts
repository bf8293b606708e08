// The failure monitor's verdict on a recorded episode: the node's EpisodeMonitor fed the episode's
// scores at the times their features arrived, with the feature timeout checked on the node's own
// timer grid (timeoutCheckPeriod) from the episode's start to its end. What `sim eval` reports as
// the monitor's alarms: a policy that stops producing features (its camera dropped, its latent too
// old) is caught by the timeout, not by the score.

import type { ConformalBand } from './conformal_band.js';
import { EpisodeMonitor, timeoutCheckPeriod, type AlarmReason, type MonitorConfig } from './episode_monitor.js';

export interface EpisodeVerdict {
  reason: AlarmReason;
  /** Steps scored when the alarm came (the crossing step for a score alarm). */
  index: number;
  /** Episode time of the alarm [s]. */
  time: number;
}

/**
 * The first alarm of an episode whose i-th score came at `times[i]` (episode time, s, non-decreasing)
 * and which ended at `duration`; undefined when the monitor stayed quiet.
 */
export function episodeVerdict(
  band: ConformalBand,
  config: MonitorConfig,
  scores: readonly number[],
  times: readonly number[],
  duration: number,
): EpisodeVerdict | undefined {
  if (scores.length !== times.length) throw new RangeError(`${scores.length} scores but ${times.length} times`);
  const monitor = new EpisodeMonitor(band, config);
  monitor.begin('episode', 0);
  const period = timeoutCheckPeriod(config.featureTimeout);
  let k = 1; // the timer's k-th expiry, at k·period
  const timeoutBefore = (end: number): EpisodeVerdict | undefined => {
    for (; k * period <= end; k++) {
      const alarm = monitor.checkTimeout(k * period);
      if (alarm !== undefined) return { reason: alarm.reason, index: alarm.index, time: k * period };
    }
    return undefined;
  };
  for (let i = 0; i < scores.length; i++) {
    const timeout = timeoutBefore(times[i]);
    if (timeout !== undefined) return timeout;
    const alarm = monitor.scored(i, scores[i], times[i]).alarm;
    if (alarm !== undefined) return { reason: 'score', index: alarm.index, time: times[i] };
  }
  return timeoutBefore(duration);
}
