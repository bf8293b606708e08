// controller_bridge — executes action chunks on CRISP's compliant controllers behind a safety
// layer. Wiring only: the algorithms are the plain modules beside this file (control_loop.ts and
// what it uses). Topics, services, lifecycle and numbers: docs/controller-bridge.md; parameters:
// BRIDGE_PARAMETERS in bridge_config.ts (docs tables generated from it).
//
//   sub  action_chunk, hold_request, episode_events, <failure_monitor_status_topic> (when required),
//        <crisp.joint_states_topic>, <crisp.current_pose_topic>
//   pub  <crisp.target_pose_topic> or <crisp.target_joint_topic>, <crisp.gripper_command_topic>
//   srv  ~/hold, ~/resume (std_srvs/srv/Trigger)

import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import { QoSProfiles } from '../ros/qos.js';
import type { Timer } from '../ros/timer.js';
import type { CallbackResult } from '../ros/lifecycle_state_machine.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { declareParameters } from '../ros/parameter_schema.js';
import { JointStateMapper } from '../robots/joint_state_mapper.js';
import { kinematicsFor } from '../robots/robot_models.js';
import { chunkInputFromMessage } from './action_decoder.js';
import { BRIDGE_PARAMETERS, bridgeConfigFrom, requiredRobotState, type BridgeConfig } from './bridge_config.js';
import { ControlLoop } from './control_loop.js';
import { LatestRobotState, type StateOffer } from './latest_robot_state.js';
import { EpisodeTracker } from './episode_tracker.js';
import { FailureMonitorWatch } from './failure_monitor_watch.js';
import { HoldKeeper, holdNote, holdRequestAction, type HoldRequestFields, type LogLine } from './hold_keeper.js';
import { activationLine, chunkDropLevel, observationAgeLine, otherPublishersLine, writeBridgeStatus } from './bridge_status.js';
import { CommandOutput } from './command_output.js';
import { waitUntil } from './wait_until.js';

const EPISODE_START = vla_ros_msgs.msg.EpisodeEvent.EVENT_START;

// The bridge allocates everything at start and keeps it through cleanup: its control loop holds
// the latched holds (operator, episode, failure monitor), which must survive a cleanup, and the
// robot state and episode it follows arrive in any lifecycle state. So configure has nothing to
// allocate; activate checks the robot state and starts the control tick, deactivate and cleanup
// stop it (the arm holds: CRISP keeps following its last target).
export class ControllerBridgeNode implements NodeInstance {
  readonly lifecycle: LifecycleNode;
  private readonly config: BridgeConfig;
  private readonly activationTimeout: number;
  private readonly loop: ControlLoop;
  private readonly status = new NodeStatus();
  private readonly robot: LatestRobotState;
  private readonly episodes = new EpisodeTracker();
  private readonly holds: HoldKeeper;
  /** Undefined when require_failure_monitor is false. */
  private readonly monitor: FailureMonitorWatch | undefined;
  private readonly output: CommandOutput;
  private readonly checkTimer: Timer;
  private readonly stopJumps: () => void;
  private readonly stopStatus: StatusReport;
  private tickTimer: Timer | undefined;
  /** Warnings from the last (re)start, shown in the status while active. */
  private notes: string[] = [];
  private observationTrips = 0;
  private otherPublishers = false;

  constructor(private readonly node: RosNode) {
    const v = declareParameters(node.parameters, BRIDGE_PARAMETERS);
    const config = (this.config = bridgeConfigFrom(v));
    this.activationTimeout = v.activation_timeout;
    const chain = kinematicsFor(config.robot.name, config.robot.eeFrame);
    this.loop = new ControlLoop(config, chain);
    this.holds = new HoldKeeper(this.loop);
    const topics = { pose: v['crisp.current_pose_topic'], joints: v['crisp.joint_states_topic'] };
    const { positionMin: min, positionMax: max } = config.robot;
    const mapper = new JointStateMapper(config.robot.jointNames, { min, max, tolerance: v.joint_state_limit_tolerance });
    const resolved = { pose: node.resolveName(topics.pose), joints: node.resolveName(topics.joints) };
    const need = requiredRobotState(config, chain !== undefined);
    this.robot = new LatestRobotState(need, mapper, config.robot.baseFrame, resolved, v.state_timeout);

    this.lifecycle = new LifecycleNode(node, {
      onActivate: () => this.activate(),
      onDeactivate: () => this.deactivate(),
      onCleanup: () => this.cleanup(),
      onShutdown: () => this.cleanup(),
    });
    this.lifecycle.onStateChange(() => this.updateStatus());
    this.output = new CommandOutput(this.lifecycle, config.commandInterface, config.robot, {
      targetPose: v['crisp.target_pose_topic'],
      targetJoint: v['crisp.target_joint_topic'],
      gripper: v['crisp.gripper_command_topic'],
    });

    node.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (m) => this.onChunk(m));
    node.createSubscription('sensor_msgs/msg/JointState', topics.joints, QoSProfiles.sensorData, (m) =>
      this.onRobotState(this.robot.offerJoints(m.name, m.position, node.clock.now())),
    );
    node.createSubscription('geometry_msgs/msg/PoseStamped', topics.pose, QoSProfiles.sensorData, (m) =>
      this.onRobotState(this.robot.offerPose(m, node.clock.now())),
    );
    if (v.require_failure_monitor) {
      this.monitor = new FailureMonitorWatch(node.resolveName(v.failure_monitor_status_topic), v.failure_monitor_timeout);
      node.createSubscription('vla_ros_msgs/msg/PathwayStatus', v.failure_monitor_status_topic, 10, (m) => {
        this.monitor!.received(m.state, m.message, node.clock.now());
        this.checkMonitor(node.clock.now());
      });
    } else {
      node.logger.warn('require_failure_monitor is false: the arm moves without a failure monitor watching it');
    }
    node.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (m) => {
      if (m.event === EPISODE_START && this.episodes.start(m.episode_id, this.robot.counts)) this.startReadyEpisode();
    });
    node.createSubscription('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10, (m) => this.onHoldRequest(m));
    node.createService('std_srvs/srv/Trigger', '~/hold', () => ({ success: true, message: this.hold(holdNote('~/hold', 'service call')) }));
    node.createService('std_srvs/srv/Trigger', '~/resume', () => {
      const r = this.resume('~/resume');
      return { success: r.ok, message: r.message };
    });
    this.stopJumps = node.clock.onJump((j) => {
      this.loop.clockJumped(node.clock.now());
      node.logger.warn(`time jumped back ${(j.before - j.after).toFixed(3)} s: holding, waiting for chunks observed after the jump`);
    });
    // CRISP ignores a command topic with two publishers: check at 1 Hz, warn, degrade.
    this.checkTimer = node.createTimer(1, () => this.checkGraph());
    this.stopStatus = reportStatus(node, this.status);
    this.updateStatus();
  }

  private async activate(): Promise<CallbackResult> {
    const { node, loop, config } = this;
    const ready = await waitUntil(node, () => this.robot.problem(node.clock.now()) === undefined, this.activationTimeout);
    const problem = ready ? undefined : this.robot.problem(node.clock.now());
    if (problem !== undefined) return this.refuseActivation(problem);
    const now = node.clock.now();
    this.checkMonitor(now);
    const result = loop.activate(now, this.robot.values);
    if (!result.ok) return this.refuseActivation(result.reason);
    this.notes = [...result.notes];
    for (const n of result.notes) node.logger.warn(n);
    this.tickTimer = node.createTimer(loop.tickPeriod, () => this.tick(), { precise: true });
    node.logger.info(
      activationLine({
        ...config,
        commandTopic: this.output.topic,
        holdRequested: loop.isHoldRequested,
        interlocked: loop.isInterlocked,
        monitorProblem: this.monitor?.problem,
      }),
    );
    this.updateStatus();
    return 'success';
  }

  private refuseActivation(reason: string): CallbackResult {
    this.node.logger.error(`refusing to activate: ${reason}`);
    this.status.set('error', `not activated: ${reason}`);
    return 'failure';
  }

  private deactivate(): void {
    this.stopTicking();
    this.node.logger.info('inactive: no more targets; CRISP keeps following the last one (the arm holds)');
  }

  /** Idempotent: also the shutdown step. Holds stay latched (fail closed). */
  private cleanup(): void {
    this.stopTicking();
    this.notes = [];
  }

  private stopTicking(): void {
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    this.loop.deactivate();
  }

  dispose(): void {
    this.tickTimer?.cancel();
    this.checkTimer.cancel();
    this.stopJumps();
    this.stopStatus();
  }

  private tick(): void {
    const { node, loop } = this;
    const now = node.clock.now();
    this.checkMonitor(now);
    const out = loop.tick(now);
    if (out === undefined) return;
    if (loop.observationTrips !== this.observationTrips) {
      this.observationTrips = loop.observationTrips;
      node.logger.throttle('warn', 5, observationAgeLine(loop.observationAge(now), this.config.maxObservationAge), 'observation-age');
      this.updateStatus();
    }
    this.output.publish(out, node.clock.stamp());
    this.status.output(now);
  }

  private onChunk(m: vla_ros_msgs.msg.ActionChunk): void {
    const verdict = this.loop.offerChunk(chunkInputFromMessage(m), this.node.clock.now());
    if (verdict.accepted) return;
    this.status.drop();
    // One line per reason per 5 s: a misconfigured policy must not flood the log.
    const line = `dropped action chunk #${m.sequence}: ${verdict.reason}: ${verdict.detail}`;
    this.node.logger.throttle(chunkDropLevel(verdict.reason), 5, line, `drop-${verdict.reason}`);
  }

  private onRobotState(offer: StateOffer): void {
    const n = offer.notice;
    if (n?.rejected !== undefined) this.status.rejected(n.rejected.topic, n.rejected.reason, n.rejected.count);
    if (n !== undefined) this.node.logger.throttle('warn', n.periodSec, n.line, n.key);
    if (offer.accepted) this.startReadyEpisode();
  }

  /** Interlock: held while the required failure monitor is not live. */
  private checkMonitor(now: number): void {
    if (this.monitor === undefined) return;
    const r = this.monitor.check(now);
    const changed = this.loop.setInterlock(r.problem !== undefined, now);
    if (r.change !== undefined) this.node.logger[r.change.level](r.change.text);
    if (changed) this.updateStatus();
  }

  /** A started episode re-anchors at the current state once state received after its START is in. */
  private startReadyEpisode(): void {
    const id = this.episodes.takeReady(this.robot);
    if (id === undefined) return;
    const r = this.holds.startEpisode(this.node.clock.now(), id, this.robot.values);
    if (r.notes !== undefined) this.notes = [...r.notes];
    this.report(...r.log);
  }

  private onHoldRequest(m: HoldRequestFields): void {
    const action = holdRequestAction(m, (id) => this.episodes.hasEnded(id));
    if (action.kind === 'ignore') this.node.logger.warn(action.line);
    else if (action.kind === 'hold') this.hold(action.note, action.episode);
    else this.resume(action.source);
  }

  private hold(note: string, episode?: string): string {
    const r = this.holds.hold(this.node.clock.now(), note, episode);
    this.report(r.log);
    return r.reply;
  }

  private resume(source: string): { ok: boolean; message: string } {
    const r = this.holds.resume(this.node.clock.now(), source);
    this.report(r.log);
    return { ok: r.ok, message: r.message };
  }

  /** Logs what a hold decision said and updates the status. */
  private report(...lines: (LogLine | undefined)[]): void {
    for (const l of lines) if (l !== undefined) this.node.logger[l.level](l.text);
    this.updateStatus();
  }

  private checkGraph(): void {
    const count = this.node.countPublishers(this.output.topic);
    this.otherPublishers = count > 1;
    if (this.otherPublishers && this.loop.isActive) {
      this.node.logger.throttle('warn', 10, otherPublishersLine(count, this.output.topic), 'other-publishers');
    }
    this.checkMonitor(this.node.clock.now());
    this.updateStatus();
  }

  private updateStatus(): void {
    const { loop, config } = this;
    const problems: string[] = [];
    if (this.otherPublishers) problems.push(`another publisher on ${this.output.topic}: CRISP ignores commands from both`);
    if (loop.isActive) {
      const stale = this.robot.problem(this.node.clock.now());
      if (stale !== undefined) problems.push(stale);
      problems.push(...this.notes);
    }
    writeBridgeStatus(this.status, loop, {
      lifecycle: this.lifecycle.state,
      mergeRule: config.mergeRule,
      holdNote: this.holds.note,
      monitorProblem: this.monitor === undefined ? null : this.monitor.problem,
      episode: this.episodes.current,
      maxObservationAge: config.maxObservationAge,
      maxChunkAge: config.maxChunkAge,
      problems,
    });
  }
}

export const controllerBridge: NodeDefinition = {
  exec: 'controller_bridge',
  defaultName: 'controller_bridge',
  summary: 'Executes action chunks on CRISP controllers (target_pose / target_joint) behind a safety layer.',
  parameters: BRIDGE_PARAMETERS,
  create: (node) => new ControllerBridgeNode(node),
};
