// controller_bridge — executes action chunks on CRISP's compliant controllers behind a safety
// layer. Wiring only: the bridge of one configuration is BridgeCore (bridge_core.ts, around
// control_loop.ts). Topics, services and lifecycle: docs/controller-bridge.md; parameters:
// BRIDGE_PARAMETERS in bridge_config.ts (docs tables generated from it).

import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { LifecycleNode, type LifecycleCallbacks } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import { QoSProfiles } from '../ros/qos.js';
import type { Timer } from '../ros/timer.js';
import type { CallbackResult } from '../ros/lifecycle_state_machine.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import { declareParameters, type ParameterValues } from '../ros/parameter_schema.js';
import type { SerialChain } from '../robots/kinematics.js';
import { JointStateMapper } from '../robots/joint_state_mapper.js';
import { kinematicsFor } from '../robots/robot_models.js';
import { chunkInputFromMessage } from './action_decoder.js';
import { BRIDGE_PARAMETERS, bridgeConfigFrom, requiredRobotState, type BridgeConfig } from './bridge_config.js';
import { BridgeCore } from './bridge_core.js';
import { writeUnconfiguredStatus } from './bridge_status.js';
import { CommandOutput } from './command_output.js';
import { ControlLoop } from './control_loop.js';
import { FailureMonitorWatch } from './failure_monitor_watch.js';
import { holdNote, PendingHolds } from './hold_keeper.js';
import { LatestRobotState } from './latest_robot_state.js';
import { waitUntil } from './wait_until.js';

/** What configure allocates and cleanup frees (undefined while unconfigured). */
interface Configured {
  readonly core: BridgeCore;
  readonly output: CommandOutput;
  /** Frees the subscriptions, services, publishers and clock jump listener. */
  readonly release: (() => void)[];
}

// Configure allocates the bridge core, its subscriptions, services and publishers; activate
// checks the robot state and starts the control tick; deactivate and cleanup stop it (the arm
// holds: CRISP keeps following its last target). A requested hold outlives a cleanup.
export class ControllerBridgeNode implements NodeInstance, LifecycleCallbacks {
  readonly lifecycle: LifecycleNode;
  private readonly v: ParameterValues<typeof BRIDGE_PARAMETERS>;
  private readonly config: BridgeConfig;
  private readonly chain: SerialChain | undefined;
  private readonly status = new NodeStatus();
  private readonly stopStatus: StatusReport;
  private readonly graphCheck: Timer;
  /** Undefined when require_failure_monitor is false. */
  private readonly monitor: FailureMonitorWatch | undefined;
  private c: Configured | undefined;
  private readonly pending = new PendingHolds();
  private tickTimer: Timer | undefined;

  constructor(private readonly node: RosNode) {
    const v = (this.v = declareParameters(node.parameters, BRIDGE_PARAMETERS));
    this.config = bridgeConfigFrom(v);
    this.chain = kinematicsFor(this.config.robot.name, this.config.robot.eeFrame);
    // The monitor's status is followed in every state: it publishes at once when it goes live, maybe
    // before this node is configured, and missing that would hold the arm until its next status.
    if (v.require_failure_monitor) {
      const monitor = (this.monitor = new FailureMonitorWatch(node.resolveName(v.failure_monitor_status_topic), v.failure_monitor_timeout));
      node.createSubscription('vla_ros_msgs/msg/PathwayStatus', v.failure_monitor_status_topic, 10, (m) => {
        monitor.received(m.state, m.message, node.clock.now());
        this.c?.core.checkMonitor(node.clock.now());
      });
    } else node.logger.warn('require_failure_monitor is false: the arm moves without a failure monitor watching it');
    // Hold requests too: one that comes while unconfigured holds from the next configure on.
    node.createSubscription('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10, (m) =>
      this.c ? this.c.core.holdRequest(m, node.clock.now()) : this.pending.offer(m),
    );
    this.lifecycle = new LifecycleNode(node, this);
    this.lifecycle.onStateChange(() => this.updateStatus());
    // CRISP ignores a command topic with two publishers: counted at 1 Hz while configured. Part of
    // the status: made before the reporter, so that each report carries the check of that second.
    this.graphCheck = node.createTimer(1, () => {
      const topic = this.c?.output.topic;
      if (topic !== undefined) this.c!.core.publishersOnCommandTopic(node.countPublishers(topic), topic, node.clock.now());
    });
    this.stopStatus = reportStatus(node, this.status);
    this.updateStatus();
  }

  onConfigure(): void {
    const { node, v, config } = this;
    const now = () => node.clock.now();
    const { positionMin: min, positionMax: max, jointNames, baseFrame } = config.robot;
    const topics = { pose: v['crisp.current_pose_topic'], joints: v['crisp.joint_states_topic'] };
    const mapper = new JointStateMapper(jointNames, { min, max, tolerance: v.joint_state_limit_tolerance });
    const resolved = { pose: node.resolveName(topics.pose), joints: node.resolveName(topics.joints) };
    const robot = new LatestRobotState(requiredRobotState(config, !!this.chain), mapper, baseFrame, resolved, v.state_timeout);
    const core = new BridgeCore(new ControlLoop(config, this.chain), robot, this.monitor, node.logger, this.status, this.lifecycle);
    core.relatch(this.pending.take(), now());
    const output = new CommandOutput(this.lifecycle, config.commandInterface, config.robot, {
      targetPose: v['crisp.target_pose_topic'],
      targetJoint: v['crisp.target_joint_topic'],
      gripper: v['crisp.gripper_command_topic'],
    });
    const sensorData = QoSProfiles.sensorData;
    const entities = [
      node.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (m) => core.offerChunk(chunkInputFromMessage(m), now())),
      node.createSubscription('sensor_msgs/msg/JointState', topics.joints, sensorData, (m) =>
        core.robotState(robot.offerJoints(m.name, m.position, now()), now()),
      ),
      node.createSubscription('geometry_msgs/msg/PoseStamped', topics.pose, sensorData, (m) =>
        core.robotState(robot.offerPose(m, now()), now()),
      ),
      node.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (m) =>
        core.episodeEvent(m.event, m.episode_id, now()),
      ),
      node.createService('std_srvs/srv/Trigger', '~/hold', () => ({
        success: true,
        message: core.hold(holdNote('~/hold', 'service call'), now()),
      })),
      node.createService('std_srvs/srv/Trigger', '~/resume', () => core.resume('~/resume', now())),
      output,
    ];
    const stopJumps = node.clock.onJump((j) => core.clockJumped(j.before - j.after, now()));
    this.c = { core, output, release: [stopJumps, ...entities.map((e) => () => e.destroy())] };
  }

  async onActivate(): Promise<CallbackResult> {
    const { node } = this;
    const { core, output } = this.c!;
    const ready = await waitUntil(node, () => core.robot.problem(node.clock.now()) === undefined, this.v.activation_timeout);
    const problem = ready ? undefined : core.robot.problem(node.clock.now());
    const result = problem === undefined ? core.activate(node.clock.now(), output.topic) : { ok: false as const, reason: problem };
    if (!result.ok) {
      node.logger.error(`refusing to activate: ${result.reason}`);
      this.status.set('error', `not activated: ${result.reason}`);
      return 'failure';
    }
    this.tickTimer = node.createTimer(core.loop.tickPeriod, () => this.tick(), { precise: true });
    this.updateStatus();
    return 'success';
  }

  onDeactivate(): void {
    this.stopTicking();
    this.node.logger.info('inactive: no more targets; CRISP keeps following the last one (the arm holds)');
  }

  /** Idempotent: also the shutdown step. A requested hold stays latched for the next configure (fail closed). */
  onCleanup(): void {
    this.stopTicking();
    const c = this.c;
    this.c = undefined;
    if (c === undefined) return;
    this.pending.latched = c.core.holds.latched;
    for (const release of c.release) release();
  }

  onShutdown(): void {
    this.onCleanup();
  }

  dispose(): void {
    this.onCleanup();
    this.graphCheck.cancel();
    this.stopStatus();
  }

  private stopTicking(): void {
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    this.c?.core.loop.deactivate();
  }

  private tick(): void {
    const { core, output } = this.c!;
    const now = this.node.clock.now();
    const out = core.tick(now);
    if (out === undefined) return;
    output.publish(out, this.node.clock.stamp());
    this.status.output(now);
  }

  private updateStatus(): void {
    if (this.c !== undefined) this.c.core.updateStatus(this.node.clock.now());
    else writeUnconfiguredStatus(this.status, this.lifecycle.state, this.config.mergeRule);
  }
}

export const controllerBridge: NodeDefinition = {
  exec: 'controller_bridge',
  defaultName: 'controller_bridge',
  summary: 'Executes action chunks on CRISP controllers (target_pose / target_joint) behind a safety layer.',
  parameters: BRIDGE_PARAMETERS,
  create: (node) => new ControllerBridgeNode(node),
};
