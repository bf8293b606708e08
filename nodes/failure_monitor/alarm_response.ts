// What the failure monitor does about an alarm, by its `response` parameter: the FailureAlarm it
// publishes, the HoldRequest (none for alarm_only), the node status and the log line.

import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import type { RosTime } from '../ros/time.js';
import type { NodeHealth } from '../runtime/node_status.js';
import type { AlarmEvent } from './episode_monitor.js';

const ALARM = vla_ros_msgs.msg.FailureAlarm;

export const RESPONSES = ['alarm_only', 'hold', 'hold_and_notify'] as const;
export type Response = (typeof RESPONSES)[number];

const RESPONSE_CODE: Record<Response, number> = {
  alarm_only: ALARM.RESPONSE_ALARM_ONLY,
  hold: ALARM.RESPONSE_HOLD,
  hold_and_notify: ALARM.RESPONSE_HOLD_AND_NOTIFY,
};

export interface AlarmResponse {
  alarm: vla_ros_msgs.msg.FailureAlarm;
  /** Undefined for alarm_only. */
  hold: vla_ros_msgs.msg.HoldRequest | undefined;
  health: Extract<NodeHealth, 'degraded' | 'holding'>;
  /** Status message. */
  line: string;
  log: { level: 'warn' | 'error'; text: string };
}

export function alarmResponse(alarm: AlarmEvent, response: Response, stamp: RosTime): AlarmResponse {
  const msg: vla_ros_msgs.msg.FailureAlarm = {
    header: { stamp, frame_id: '' },
    episode_id: alarm.episodeId,
    step: alarm.step,
    reason: alarm.reason === 'score' ? ALARM.REASON_SCORE : ALARM.REASON_FEATURE_TIMEOUT,
    score: alarm.score,
    threshold: alarm.threshold,
    response: RESPONSE_CODE[response],
    detail: alarm.detail,
  };
  const what = alarm.reason === 'score' ? 'policy failure predicted' : 'policy features timed out';
  const line = `episode '${alarm.episodeId}': ${what}: ${alarm.detail}`;
  if (response === 'alarm_only') {
    return {
      alarm: msg,
      hold: undefined,
      health: 'degraded',
      line,
      log: { level: 'warn', text: `${line} (response alarm_only: no hold requested)` },
    };
  }
  const hold: vla_ros_msgs.msg.HoldRequest = {
    header: { stamp, frame_id: '' },
    hold: true,
    source: 'failure_monitor',
    reason: `${what} (episode ${alarm.episodeId}): ${alarm.detail}`,
    // `hold`: the episode's hold, released by the bridge when the next episode starts;
    // `hold_and_notify`: unscoped, since an operator must inspect and resume.
    episode_id: response === 'hold_and_notify' ? '' : alarm.episodeId,
  };
  const log =
    response === 'hold_and_notify'
      ? { level: 'error' as const, text: `${line}: hold requested; an operator must inspect and resume` }
      : { level: 'warn' as const, text: `${line}: hold requested` };
  return { alarm: msg, hold, health: 'holding', line, log };
}
