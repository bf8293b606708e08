import { strict as assert } from 'node:assert';
import { alarmResponse, RESPONSES } from '../../nodes/failure_monitor/alarm_response.js';
import type { AlarmEvent } from '../../nodes/failure_monitor/episode_monitor.js';
import { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';

const A = vla_ros_msgs.msg.FailureAlarm;
const stamp = { sec: 12, nanosec: 5 };
const scoreAlarm: AlarmEvent = {
  reason: 'score',
  episodeId: 'ep',
  index: 4,
  step: 104,
  score: 2.5,
  threshold: 2,
  detail: 's_4 2.5 ≥ δ_4 2',
};
const timeoutAlarm: AlarmEvent = { ...scoreAlarm, reason: 'feature_timeout', detail: 'no features for 0.5 s' };

describe('failure monitor alarm response', () => {
  it('alarm_only: the alarm with its reason and response code, a warning, no hold', () => {
    const r = alarmResponse(scoreAlarm, 'alarm_only', stamp);
    assert.deepEqual(r.alarm, {
      header: { stamp, frame_id: '' },
      episode_id: 'ep',
      step: 104,
      reason: A.REASON_SCORE,
      score: 2.5,
      threshold: 2,
      response: A.RESPONSE_ALARM_ONLY,
      detail: 's_4 2.5 ≥ δ_4 2',
    });
    assert.equal(r.hold, undefined);
    assert.equal(r.health, 'degraded');
    assert.equal(r.line, "episode 'ep': policy failure predicted: s_4 2.5 ≥ δ_4 2");
    assert.deepEqual(r.log, { level: 'warn', text: `${r.line} (response alarm_only: no hold requested)` });
  });

  it("hold: a hold scoped to the alarm's episode, logged as a warning", () => {
    const r = alarmResponse(timeoutAlarm, 'hold', stamp);
    assert.equal(r.alarm.reason, A.REASON_FEATURE_TIMEOUT);
    assert.equal(r.alarm.response, A.RESPONSE_HOLD);
    assert.deepEqual(r.hold, {
      header: { stamp, frame_id: '' },
      hold: true,
      source: 'failure_monitor',
      reason: 'policy features timed out (episode ep): no features for 0.5 s',
      episode_id: 'ep',
    });
    assert.equal(r.health, 'holding');
    assert.deepEqual(r.log, { level: 'warn', text: "episode 'ep': policy features timed out: no features for 0.5 s: hold requested" });
  });

  it('hold_and_notify: an unscoped hold, logged at ERROR', () => {
    const r = alarmResponse(scoreAlarm, 'hold_and_notify', stamp);
    assert.equal(r.alarm.response, A.RESPONSE_HOLD_AND_NOTIFY);
    assert.equal(r.hold?.episode_id, '');
    assert.equal(r.hold?.hold, true);
    assert.equal(r.health, 'holding');
    assert.equal(r.log.level, 'error');
    assert.match(r.log.text, /hold requested; an operator must inspect and resume$/);
  });

  it('every response has its own code', () => {
    const codes = RESPONSES.map((x) => alarmResponse(scoreAlarm, x, stamp).alarm.response);
    assert.equal(new Set(codes).size, RESPONSES.length);
  });
});
