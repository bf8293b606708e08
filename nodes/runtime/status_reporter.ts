// Publishes a node's NodeStatus at ~1 Hz on `~/status` (vla_ros_msgs/PathwayStatus) and on
// `/diagnostics` (diagnostic_msgs/DiagnosticArray, for rqt_robot_monitor and Foxglove).

import { diagnostic_msgs, vla_ros_msgs } from '../msgs/generated/interfaces.js';
import type { RosNode } from '../ros/node.js';
import type { NodeHealth, NodeStatus } from './node_status.js';

const STATE_ID: Record<NodeHealth, number> = {
  starting: vla_ros_msgs.msg.PathwayStatus.STATE_STARTING,
  running: vla_ros_msgs.msg.PathwayStatus.STATE_RUNNING,
  degraded: vla_ros_msgs.msg.PathwayStatus.STATE_DEGRADED,
  holding: vla_ros_msgs.msg.PathwayStatus.STATE_HOLDING,
  error: vla_ros_msgs.msg.PathwayStatus.STATE_ERROR,
};

const LEVEL: Record<NodeHealth, number> = {
  starting: diagnostic_msgs.msg.DiagnosticStatus.WARN,
  running: diagnostic_msgs.msg.DiagnosticStatus.OK,
  degraded: diagnostic_msgs.msg.DiagnosticStatus.WARN,
  holding: diagnostic_msgs.msg.DiagnosticStatus.WARN,
  error: diagnostic_msgs.msg.DiagnosticStatus.ERROR,
};

const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** Stops the reporting when called; `publishNow()` publishes at once (a change others wait on). */
export interface StatusReport {
  (): void;
  publishNow(): void;
}

/** Starts publishing `status` every `periodSec`; returns a function that stops it. */
export function reportStatus(node: RosNode, status: NodeStatus, periodSec = 1): StatusReport {
  const statusPub = node.createPublisher('vla_ros_msgs/msg/PathwayStatus', '~/status', 10);
  const diagPub = node.createPublisher('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 10);
  const publish = () => {
    const now = node.clock.now();
    const s = status.snapshot(now);
    const header = { stamp: node.clock.stamp(), frame_id: '' };
    statusPub.publish({
      header,
      node: node.fullyQualifiedName,
      state: STATE_ID[s.state],
      message: s.message,
      rate: s.rate,
      latency_p50: s.latencyP50,
      latency_p99: s.latencyP99,
      drops: s.drops,
      overruns: s.overruns,
      latent_age: s.latentAge,
    });
    const values: Record<string, string> = {
      state: s.state,
      rate_hz: fmt(s.rate, 2),
      latency_p50_s: fmt(s.latencyP50),
      latency_p99_s: fmt(s.latencyP99),
      drops: String(s.drops),
      overruns: String(s.overruns),
      ...(Number.isFinite(s.latentAge) ? { latent_age_s: fmt(s.latentAge) } : {}),
      ...s.values,
    };
    diagPub.publish({
      header,
      status: [
        {
          level: LEVEL[s.state],
          name: `vla_ros: ${node.fullyQualifiedName}`,
          message: s.message || s.state,
          hardware_id: '',
          values: Object.entries(values).map(([key, value]) => ({ key, value })),
        },
      ],
    });
  };
  const timer = node.createTimer(periodSec, publish);
  const stop = () => {
    timer.cancel();
    statusPub.destroy();
    diagPub.destroy();
  };
  return Object.assign(stop, { publishNow: publish });
}
