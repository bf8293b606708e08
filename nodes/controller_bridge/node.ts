// controller_bridge — executes action chunks on CRISP's compliant controllers behind a safety
// layer. Wiring only: the algorithms are the plain modules beside this file (control_loop.ts and
// what it uses); docs/controller-bridge.md describes behaviour, parameters and numbers.
//
// Topics (relative names resolve under the node's namespace = the robot's CRISP namespace):
//   sub  action_chunk                 vla_ros_msgs/msg/ActionChunk    from the fast pathway
//   sub  hold_request                 vla_ros_msgs/msg/HoldRequest    failure monitor / operator
//   sub  <failure_monitor_status_topic> vla_ros_msgs/msg/PathwayStatus when require_failure_monitor
//   sub  episode_events               vla_ros_msgs/msg/EpisodeEvent   START: re-anchor, end the last episode's hold
//   sub  <crisp.joint_states_topic>   sensor_msgs/msg/JointState      mapped by name
//   sub  <crisp.current_pose_topic>   geometry_msgs/msg/PoseStamped
//   pub  <crisp.target_pose_topic>    geometry_msgs/msg/PoseStamped   command_interface pose
//   pub  <crisp.target_joint_topic>   sensor_msgs/msg/JointState      command_interface joint (controller order)
//   pub  <crisp.gripper_command_topic> std_msgs/msg/Float64           0 closed .. 1 open
// Services: ~/hold, ~/resume (std_srvs/srv/Trigger).
// Lifecycle: publishes nothing until active; activation waits up to activation_timeout for
// robot state and refuses when it is missing or older than state_timeout; deactivate stops
// publishing (CRISP keeps following its last target, i.e. the arm holds).

import type { NodeDefinition } from '../runtime/node_definition.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import { QoSProfiles } from '../ros/qos.js';
import type { Timer } from '../ros/timer.js';
import { NodeStatus, type NodeHealth } from '../runtime/node_status.js';
import { reportStatus } from '../runtime/status_reporter.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { declareParameters } from '../ros/parameter_schema.js';
import { JointStateMapper } from '../robots/joint_state_mapper.js';
import { robotFactProblems } from '../robots/robot_facts.js';
import { kinematicsFor } from '../robots/robot_models.js';
import { chunkInputFromMessage } from './action_decoder.js';
import {
  BRIDGE_PARAMETERS,
  bridgeRobotFacts,
  requiredRobotState,
  bridgeSettingsFrom,
  workspaceProblems,
  type BridgeConfig,
} from './bridge_config.js';
import { ControlLoop, type LoopState } from './control_loop.js';

const EPISODE_START = vla_ros_msgs.msg.EpisodeEvent.EVENT_START;

const HEALTH: Record<LoopState, 'starting' | 'running' | 'holding'> = {
  inactive: 'starting',
  waiting: 'starting',
  running: 'running',
  held: 'holding',
  stale: 'holding',
};

export const controllerBridge: NodeDefinition = {
  exec: 'controller_bridge',
  defaultName: 'controller_bridge',
  summary: 'Executes action chunks on CRISP controllers (target_pose / target_joint) behind a safety layer.',
  parameters: BRIDGE_PARAMETERS,
  create(node) {
    const v = declareParameters(node.parameters, BRIDGE_PARAMETERS);
    const config: BridgeConfig = { robot: bridgeRobotFacts(v), ...bridgeSettingsFrom(v) };
    const topics = {
      targetPose: v['crisp.target_pose_topic'],
      targetJoint: v['crisp.target_joint_topic'],
      currentPose: v['crisp.current_pose_topic'],
      jointStates: v['crisp.joint_states_topic'],
      gripperCommand: v['crisp.gripper_command_topic'],
    };
    const stateTimeout = v.state_timeout;
    const activationTimeout = v.activation_timeout;
    const monitor = { required: v.require_failure_monitor, topic: v.failure_monitor_status_topic, timeout: v.failure_monitor_timeout };
    const problems = [...robotFactProblems(config.robot, config.jointLimitMargin), ...workspaceProblems(config.workspace)];
    if (problems.length > 0) throw new Error(`controller_bridge: ${problems.join('; ')}`);

    const chain = kinematicsFor(config.robot.name, config.robot.eeFrame);
    const loop = new ControlLoop(config, chain);
    const { pose: needPose, joints: needJoints } = requiredRobotState(config, chain !== undefined);
    const status = new NodeStatus();
    const mapper = new JointStateMapper(config.robot.jointNames, {
      min: config.robot.positionMin,
      max: config.robot.positionMax,
      tolerance: v.joint_state_limit_tolerance,
    });
    let pose: { value: Float64Array; at: number } | undefined;
    let joints: { value: Float64Array; at: number } | undefined;
    let tickTimer: Timer | undefined;
    let holdNote = '';
    const notes: string[] = [];
    // Robot state messages received so far: an episode restarts from state received after its START.
    let poseCount = 0;
    let jointCount = 0;
    let episode: string | undefined;
    let pendingEpisode: { id: string; pose: number; joints: number } | undefined;
    const pastEpisodes = new Set<string>();

    const lifecycle = new LifecycleNode(node, {
      onActivate: async () => {
        const ready = await waitFor(node, () => stateProblem() === undefined, activationTimeout);
        const problem = ready ? undefined : stateProblem();
        if (problem !== undefined) {
          node.logger.error(`refusing to activate: ${problem}`);
          status.set('error', `not activated: ${problem}`);
          return 'failure';
        }
        const now = node.clock.now();
        checkMonitor(now);
        const result = loop.activate(now, { pose: pose?.value, joints: joints?.value });
        if (!result.ok) {
          node.logger.error(`refusing to activate: ${result.reason}`);
          status.set('error', `not activated: ${result.reason}`);
          return 'failure';
        }
        notes.length = 0;
        for (const n of result.notes) {
          node.logger.warn(n);
          notes.push(n);
        }
        tickTimer = node.createTimer(loop.tickPeriod, tick, { precise: true });
        node.logger.info(
          `active: ${config.commandInterface} targets at ${config.publishRateHz} Hz on ${commandTopic}, merge rule ${config.mergeRule}, ` +
            `starting from the current ${config.commandInterface === 'pose' ? 'pose' : 'joint positions'}` +
            (loop.isHoldRequested ? ' — HOLDING until ~/resume' : '') +
            (loop.isInterlocked ? ` — HOLDING until the failure monitor is live (${monitorProblem ?? ''})` : ''),
        );
        updateStatus();
        return 'success';
      },
      onDeactivate: () => {
        tickTimer?.cancel();
        tickTimer = undefined;
        loop.deactivate();
        node.logger.info('inactive: no more targets; CRISP keeps following the last one (the arm holds)');
      },
      onShutdown: () => {
        tickTimer?.cancel();
        tickTimer = undefined;
        loop.deactivate();
      },
    });

    lifecycle.onStateChange(() => updateStatus());
    const commandPub =
      config.commandInterface === 'pose'
        ? { kind: 'pose' as const, pub: lifecycle.createPublisher('geometry_msgs/msg/PoseStamped', topics.targetPose, QoSProfiles.command) }
        : { kind: 'joint' as const, pub: lifecycle.createPublisher('sensor_msgs/msg/JointState', topics.targetJoint, QoSProfiles.command) };
    const gripperPub = lifecycle.createPublisher('std_msgs/msg/Float64', topics.gripperCommand, QoSProfiles.command);
    const commandTopic = commandPub.pub.topic;

    function stateProblem(): string | undefined {
      const now = node.clock.now();
      const check = (what: string, topic: string, s: { at: number } | undefined): string | undefined => {
        if (s === undefined) return `no ${what} received on ${node.resolveName(topic)}`;
        const age = now - s.at;
        return age > stateTimeout ? `${what} is ${age.toFixed(2)} s old (state_timeout ${stateTimeout} s)` : undefined;
      };
      return (
        (needPose ? check('current_pose', topics.currentPose, pose) : undefined) ??
        (needJoints ? check('joint_states', topics.jointStates, joints) : undefined)
      );
    }

    let observationTrips = 0;
    function tick(): void {
      const now = node.clock.now();
      checkMonitor(now);
      const out = loop.tick(now);
      if (out === undefined) return;
      if (loop.observationTrips !== observationTrips) {
        observationTrips = loop.observationTrips;
        node.logger.throttle(
          'warn',
          5,
          `the newest camera image behind the action chunks is ${loop.observationAge(now).toFixed(3)} s old > max_observation_age ${config.maxObservationAge} s: holding the last safe target (cameras stopped?)`,
          'observation-age',
        );
        updateStatus();
      }
      const stamp = node.clock.stamp();
      const t = out.target;
      if (commandPub.kind === 'pose') {
        commandPub.pub.publish({
          header: { stamp, frame_id: config.robot.baseFrame },
          pose: { position: { x: t[0], y: t[1], z: t[2] }, orientation: { x: t[3], y: t[4], z: t[5], w: t[6] } },
        });
      } else {
        commandPub.pub.publish({
          header: { stamp, frame_id: '' },
          name: [...config.robot.jointNames],
          position: Float64Array.from(t),
          velocity: new Float64Array(0),
          effort: new Float64Array(0),
        });
      }
      if (out.gripper !== undefined) gripperPub.publish({ data: out.gripper });
      status.output(now);
    }

    node.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (m) => {
      const verdict = loop.offerChunk(chunkInputFromMessage(m), node.clock.now());
      if (!verdict.accepted) {
        status.drop();
        // One line per reason per 5 s: a misconfigured policy must not flood the log.
        const level = verdict.reason === 'inactive' || verdict.reason === 'held' || verdict.reason === 'late' ? 'info' : 'warn';
        node.logger.throttle(
          level,
          5,
          `dropped action chunk #${m.sequence}: ${verdict.reason}: ${verdict.detail}`,
          `drop-${verdict.reason}`,
        );
      }
    });
    node.createSubscription('sensor_msgs/msg/JointState', topics.jointStates, QoSProfiles.sensorData, (m) => {
      // Some setups publish the gripper's joints separately on the same topic: not ours, not an error.
      if (!mapper.concerns(m.name)) return;
      const mapped = mapper.map(m.name, m.position);
      if (!mapped.ok) {
        status.rejected('joint_states', mapped.reason, mapper.rejected.get(mapped.reason) ?? 0);
        node.logger.throttle('warn', 5, `joint_states rejected: ${mapped.error}`, `joint-states-${mapped.reason}`);
        return;
      }
      joints = { value: mapped.positions, at: node.clock.now() };
      jointCount++;
      startPendingEpisode();
    });
    let poseRejected = 0;
    node.createSubscription('geometry_msgs/msg/PoseStamped', topics.currentPose, QoSProfiles.sensorData, (m) => {
      const { position: p, orientation: o } = m.pose;
      const value = Float64Array.of(p.x, p.y, p.z, o.x, o.y, o.z, o.w);
      if (!value.every(Number.isFinite)) {
        status.rejected('current_pose', 'non_finite', ++poseRejected);
        node.logger.throttle('warn', 5, 'current_pose is not finite: ignored', 'pose-nan');
        return;
      }
      if (m.header.frame_id !== '' && m.header.frame_id !== config.robot.baseFrame) {
        node.logger.throttle(
          'warn',
          10,
          `current_pose is in frame '${m.header.frame_id}', expected robot.base_frame '${config.robot.baseFrame}'`,
          'pose-frame',
        );
      }
      pose = { value, at: node.clock.now() };
      poseCount++;
      startPendingEpisode();
    });

    // The failure monitor as a required safety component: held while it is not live (a detector
    // that cannot load, a monitor that never started, died or was deactivated), one log line per
    // change of the reason; not latched, so the arm waits for fresh chunks once it is live.
    const STATUS = vla_ros_msgs.msg.PathwayStatus;
    let monitorStatus: { state: number; message: string; at: number } | undefined;
    let monitorProblem: string | undefined;
    let monitorKind = '';
    let monitorWasLive = false;
    const monitorTopic = node.resolveName(monitor.topic);
    if (monitor.required) {
      node.createSubscription('vla_ros_msgs/msg/PathwayStatus', monitor.topic, 10, (m) => {
        monitorStatus = { state: m.state, message: m.message, at: node.clock.now() };
        checkMonitor(node.clock.now());
      });
    } else {
      node.logger.warn('require_failure_monitor is false: the arm moves without a failure monitor watching it');
    }
    function checkMonitor(now: number): void {
      if (!monitor.required) return;
      // Time went backwards (a replay looped): the last status counts from the jump, so a monitor
      // that died around it is still timed out, not taken as live for the jump's length.
      if (monitorStatus !== undefined && now < monitorStatus.at) monitorStatus.at = now;
      const s = monitorStatus;
      const topic = monitorTopic;
      let kind: string;
      if (s === undefined) {
        kind = 'waiting';
        monitorProblem = `no status from the failure monitor on ${topic} yet`;
      } else if (now - s.at > monitor.timeout) {
        kind = 'gone';
        monitorProblem = `the failure monitor's last status on ${topic} is ${(now - s.at).toFixed(1)} s old (failure_monitor_timeout ${monitor.timeout} s)`;
      } else if (s.state === STATUS.STATE_ERROR) {
        kind = 'error';
        monitorProblem = `the failure monitor cannot run: ${s.message}`;
      } else if (s.state === STATUS.STATE_STARTING) {
        kind = 'starting';
        monitorProblem = `the failure monitor is not monitoring yet (${s.message || 'starting'})`;
      } else {
        kind = 'live';
        monitorProblem = undefined;
      }
      const changed = loop.setInterlock(monitorProblem !== undefined, now);
      if (kind !== monitorKind) {
        monitorKind = kind;
        if (kind === 'live') {
          monitorWasLive = true;
          node.logger.info('the failure monitor is live: chunks are executed again');
        } else {
          const line = `HOLD: ${monitorProblem}; the arm stays held until it is live (require_failure_monitor)`;
          if (kind === 'error' || monitorWasLive) node.logger.error(line);
          else node.logger.info(line);
        }
      }
      if (changed) updateStatus();
    }

    // Episodes own their holds: a SAFE alarm holds the arm for the rest of its episode; the next
    // START re-anchors at the robot's current state (after a simulator reset the arm is elsewhere)
    // and releases that hold. The restart waits for robot state received after the START.
    node.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (m) => {
      if (m.event !== EPISODE_START || m.episode_id === episode) return;
      if (episode !== undefined) pastEpisodes.add(episode);
      // An id used again (a caller-chosen id, a sim seed run again) is a live episode again.
      pastEpisodes.delete(m.episode_id);
      // Enough to recognise a late alarm; a long-running robot must not grow this without bound.
      if (pastEpisodes.size > 1000) pastEpisodes.delete(pastEpisodes.values().next().value!);
      episode = m.episode_id;
      pendingEpisode = { id: m.episode_id, pose: poseCount, joints: jointCount };
      startPendingEpisode();
    });

    function startPendingEpisode(): void {
      const p = pendingEpisode;
      if (p === undefined) return;
      if ((needPose && poseCount <= p.pose) || (needJoints && jointCount <= p.joints)) return;
      pendingEpisode = undefined;
      const heldFor = loop.heldEpisode;
      const r = loop.startEpisode(node.clock.now(), p.id, { pose: pose?.value, joints: joints?.value });
      if (r.released) {
        node.logger.info(`episode '${p.id}' started: released the hold of episode '${heldFor}' (${holdNote})`);
        holdNote = '';
      }
      if (r.restart !== undefined && !r.restart.ok) {
        holdNote = `held: cannot start episode '${p.id}' from the current state: ${r.restart.reason}`;
        node.logger.error(`${holdNote}; resume with ~/resume once the arm is back`);
      } else if (r.restart !== undefined) {
        notes.length = 0;
        notes.push(...r.restart.notes);
      }
      updateStatus();
    }

    const hold = (source: string, reason: string, episodeId = ''): string => {
      const started = loop.hold(node.clock.now(), episodeId === '' ? undefined : episodeId);
      holdNote = `held by ${source || 'unknown'}${reason ? `: ${reason}` : ''}`;
      const until = loop.heldEpisode === undefined ? '' : ` or the next episode after '${loop.heldEpisode}'`;
      if (started) node.logger.warn(`HOLD ${holdNote}; resume only on ~/resume, a HoldRequest with hold=false${until}`);
      updateStatus();
      return loop.isActive ? 'holding at the last safe target' : 'hold latched (the bridge is not active)';
    };
    const resume = (source: string): { ok: boolean; message: string } => {
      const was = loop.isHoldRequested;
      const r = loop.resume(node.clock.now());
      if (was) node.logger.info(`resume requested by ${source || 'unknown'}: ${r.message}`);
      updateStatus();
      return r;
    };
    node.createSubscription('vla_ros_msgs/msg/HoldRequest', 'hold_request', 10, (m) => {
      if (m.hold && m.episode_id !== '' && pastEpisodes.has(m.episode_id)) {
        node.logger.warn(`ignored a hold from ${m.source || 'unknown'} for episode '${m.episode_id}', which has ended: ${m.reason}`);
      } else if (m.hold) hold(m.source, m.reason, m.episode_id);
      else resume(m.source);
    });
    node.createService('std_srvs/srv/Trigger', '~/hold', () => ({ success: true, message: hold('~/hold', 'service call') }));
    node.createService('std_srvs/srv/Trigger', '~/resume', () => {
      const r = resume('~/resume');
      return { success: r.ok, message: r.message };
    });

    const stopJumps = node.clock.onJump((j) => {
      loop.clockJumped(node.clock.now());
      node.logger.warn(`time jumped back ${(j.before - j.after).toFixed(3)} s: holding, waiting for chunks observed after the jump`);
    });

    let otherPublishers = false;
    function updateStatus(): void {
      const state = loop.state;
      let health: NodeHealth = HEALTH[state];
      let message: string;
      switch (state) {
        case 'inactive':
          message = `lifecycle ${lifecycle.state}`;
          break;
        case 'waiting':
          message = 'holding the start target, waiting for action chunks';
          break;
        case 'running':
          message = loop.isExhausted ? 'every action executed: holding until the next chunk' : 'executing action chunks';
          break;
        case 'held':
          message = loop.isHoldRequested ? holdNote || 'held' : `held: ${monitorProblem ?? 'interlock'}`;
          break;
        case 'stale':
          message =
            loop.staleReason === 'observation'
              ? `the newest camera image behind the action chunks is older than max_observation_age ${config.maxObservationAge} s: holding the last safe target`
              : `no fresh action chunk for more than max_chunk_age ${config.maxChunkAge} s: holding the last safe target`;
          break;
      }
      const problems: string[] = [];
      if (otherPublishers) problems.push(`another publisher on ${commandTopic}: CRISP ignores commands from both`);
      if (loop.isActive) {
        const stale = stateProblem();
        if (stale !== undefined) problems.push(stale);
      }
      if (loop.isActive) problems.push(...notes);
      if (problems.length > 0 && (health === 'running' || health === 'starting')) {
        health = 'degraded';
        message = `${message}; ${problems.join('; ')}`;
      }
      if (!(status.state === 'error' && state === 'inactive')) status.set(health, message);
      status.setValue('merge_rule', config.mergeRule);
      status.setValue('rtc_delay_steps', loop.rtcDelaySteps);
      status.setValue('pending_steps', loop.pendingSteps);
      status.setValue('watchdog_trips', loop.watchdogTrips);
      status.setValue('observation_age_trips', loop.observationTrips);
      status.setValue('episode', episode ?? '');
      status.setValue('held_for_episode', loop.heldEpisode ?? '');
      status.setValue('pose_joint_limits', loop.poseJointLimitsActive ? 'model' : 'cartesian only');
      status.setValue('failure_monitor', !monitor.required ? 'not required' : (monitorProblem ?? 'live'));
      for (const [reason, count] of loop.drops) status.setValue(`dropped_${reason}`, count);
      for (const [limit, count] of loop.limitHits) status.setValue(`limited_${limit}`, count);
    }

    // CRISP ignores a command topic with two publishers: check at 1 Hz, warn, degrade.
    const checkTimer = node.createTimer(1, () => {
      const count = node.countPublishers(commandTopic);
      otherPublishers = count > 1;
      if (otherPublishers && loop.isActive) {
        node.logger.throttle(
          'warn',
          10,
          `${count} publishers on ${commandTopic}: CRISP ignores a command topic with more than one publisher, so the arm gets no targets. Stop the other publisher.`,
          'other-publishers',
        );
      }
      checkMonitor(node.clock.now());
      updateStatus();
    });
    const stopStatus = reportStatus(node, status);
    updateStatus();

    return {
      lifecycle,
      dispose() {
        tickTimer?.cancel();
        checkTimer.cancel();
        stopJumps();
        stopStatus();
      },
    };
  },
};

/** Resolves true as soon as `ready()` holds (checked every 50 ms of node time), false after `timeoutSec`. */
function waitFor(node: RosNode, ready: () => boolean, timeoutSec: number): Promise<boolean> {
  if (ready()) return Promise.resolve(true);
  if (timeoutSec <= 0) return Promise.resolve(false);
  // On simulated time the wait starts at the first /clock (Clock.isValid).
  const clockValid = () => node.clock.isValid;
  let start = clockValid() ? node.clock.now() : undefined;
  return new Promise<boolean>((resolve) => {
    const timer = node.createTimer(0.05, () => {
      if (start === undefined && clockValid()) start = node.clock.now();
      if (ready()) {
        timer.cancel();
        resolve(true);
      } else if (start !== undefined && node.clock.now() - start >= timeoutSec) {
        timer.cancel();
        resolve(false);
      }
    });
  });
}
