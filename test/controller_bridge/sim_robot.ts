// A robot for node tests: the kinematic arm stepped at 1 kHz on a node's clock (virtual time in
// tests), publishing joint_states (in a driver's order, not the controller's, plus finger joints)
// and current_pose like CRISP's broadcasters, and following target_pose / target_joint.

import type { Publisher, RosNode } from '../../nodes/ros/node.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import type { Timer } from '../../nodes/ros/timer.js';
import { fromRosTime } from '../../nodes/ros/time.js';
import type { geometry_msgs, sensor_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { KinematicArm } from '../../nodes/robots/kinematic_arm.js';
import type { RobotFixture } from './helpers.js';

export interface SimulatedRobotOptions {
  /** Arm integration rate [Hz]. */
  stepHz?: number;
  /** joint_states / current_pose rate [Hz]. */
  stateHz?: number;
  timeConstant?: number;
}

export class SimulatedRobot {
  readonly arm: KinematicArm;
  readonly poses: { t: number; msg: geometry_msgs.msg.PoseStamped }[] = [];
  readonly joints: { t: number; msg: sensor_msgs.msg.JointState }[] = [];
  private readonly statePub: Publisher<sensor_msgs.msg.JointState>;
  private readonly posePub: Publisher<geometry_msgs.msg.PoseStamped>;
  private timer: Timer | undefined;
  /** A driver's order: reversed, with finger joints in between. */
  readonly driverOrder: string[];
  publishing = true;

  constructor(
    private readonly node: RosNode,
    readonly fixture: RobotFixture,
    private readonly options: SimulatedRobotOptions = {},
  ) {
    const f = fixture.facts;
    this.arm = new KinematicArm(
      fixture.chain,
      { positionMin: f.positionMin, positionMax: f.positionMax, velocityMax: f.velocityMax },
      fixture.home,
      {
        timeConstant: options.timeConstant ?? 0.03,
      },
    );
    this.driverOrder = [...f.jointNames].reverse();
    this.driverOrder.splice(2, 0, 'finger_joint1', 'finger_joint2');
    this.statePub = node.createPublisher('sensor_msgs/msg/JointState', 'joint_states', 10);
    this.posePub = node.createPublisher('geometry_msgs/msg/PoseStamped', 'current_pose', 10);
    node.createSubscription('geometry_msgs/msg/PoseStamped', 'target_pose', QoSProfiles.command, (m) => {
      this.poses.push({ t: fromRosTime(m.header.stamp), msg: m });
      const { position: p, orientation: o } = m.pose;
      this.arm.commandPose({ p: [p.x, p.y, p.z], q: [o.x, o.y, o.z, o.w] });
    });
    node.createSubscription('sensor_msgs/msg/JointState', 'target_joint', QoSProfiles.command, (m) => {
      this.joints.push({ t: fromRosTime(m.header.stamp), msg: m });
      // CRISP reads by index: the name field is ignored on purpose.
      this.arm.commandJoints(m.position);
    });
  }

  start(): void {
    const stepHz = this.options.stepHz ?? 1000;
    const every = Math.max(1, Math.round(stepHz / (this.options.stateHz ?? 250)));
    let k = 0;
    this.publishState();
    this.timer = this.node.createTimer(1 / stepHz, () => {
      this.arm.step(1 / stepHz);
      if (++k % every === 0 && this.publishing) this.publishState();
    });
  }

  stop(): void {
    this.timer?.cancel();
  }

  publishState(): void {
    const stamp = this.node.clock.stamp();
    const names = this.fixture.facts.jointNames;
    const position = this.driverOrder.map((n) => {
      const i = names.indexOf(n);
      return i >= 0 ? this.arm.q[i] : 0.04;
    });
    this.statePub.publish({
      header: { stamp, frame_id: '' },
      name: this.driverOrder,
      position: Float64Array.from(position),
      velocity: new Float64Array(0),
      effort: new Float64Array(0),
    });
    const pose = this.arm.pose();
    this.posePub.publish({
      header: { stamp, frame_id: this.fixture.facts.baseFrame },
      pose: {
        position: { x: pose.p[0], y: pose.p[1], z: pose.p[2] },
        orientation: { x: pose.q[0], y: pose.q[1], z: pose.q[2], w: pose.q[3] },
      },
    });
  }
}
