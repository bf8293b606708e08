// sim — the built-in simulated arm, behind the same topics as a real CRISP-controlled robot.
// Wiring only: physics, control law, tasks, expert and failures are the plain modules beside
// this file; docs/simulator.md describes behaviour, parameters and numbers.
//
// Topics (relative names resolve under the node's namespace = the robot's CRISP namespace):
//   sub  <crisp.target_pose_topic>     geometry_msgs/PoseStamped   base frame; header ignored (CRISP)
//   sub  <crisp.target_joint_topic>    sensor_msgs/JointState      read BY INDEX (CRISP): joint target
//                                                                  (joint impedance) / nullspace reference
//   sub  <crisp.gripper_command_topic> std_msgs/Float64            0 closed .. 1 open
//   pub  <crisp.joint_states_topic>    sensor_msgs/JointState      by name, joint_state_rate_hz (250)
//   pub  <crisp.current_pose_topic>    geometry_msgs/PoseStamped   robot.ee_frame in robot.base_frame, 250 Hz
//   pub  <gripper_state_topic>         sensor_msgs/JointState      finger joints [m] (opening = sum), 50 Hz
//   pub  cameras/<scene|wrist>/image_raw    sensor_msgs/Image rgb8 30 Hz
//   pub  cameras/<scene|wrist>/camera_info  sensor_msgs/CameraInfo (same stamp)
//   pub  /clock                        rosgraph_msgs/Clock         simulated time, every step (1 kHz)
//   pub  ~/episode                     std_msgs/String             JSON: index, seed, task, object, instruction,
//                                                                  layout, scheduled failure (transient local)
//   pub  ~/task_success                std_msgs/Bool               false at each reset, true on success (transient local)
// Services: ~/reset (std_srvs/Trigger): the next episode of the seed sequence.
// Calls: <episode_manager>/set_instruction on every reset and instruction switch,
//        <episode_manager>/end_episode on success (and on episode_timeout, as a failure).
//
// Time: the sim OWNS simulated time. Its own clock must be the domain's (use_sim_time:=false):
// wall time under `vla-ros launch` / rclnodejs, virtual time in a deterministic in-process launch.
// On wall time a 1 kHz timer (precise in its worker thread) runs the physics steps due,
// ⌊Δwall·real_time_factor / 1 ms⌋ since activation (real_time_factor 0: batches as fast as
// possible, yielding to message handling in between); simulated time starts at 0 and every
// message is stamped with it. On virtual time the sim steps
// once per 1 ms of virtual time and simulated time IS virtual time (offset fixed at activation),
// so nodes with or without use_sim_time agree, and runs are deterministic.

import type { NodeDefinition } from '../runtime/node_definition.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import { QoSProfiles } from '../ros/qos.js';
import { toRosTime } from '../ros/time.js';
import type { Timer } from '../ros/timer.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus } from '../runtime/status_reporter.js';
import { CAMERA_FRAMES, CAMERA_NAMES, CameraFeed, CameraRig } from './camera_rig.js';
import { declareSimParameters, dynamicProblems, readDynamic, simParameters, type SimDynamicSettings } from './node_params.js';
import { Pacer, RateSchedule } from './pacing.js';
import { Simulator, type SimEvent } from './simulator.js';
import { Renderer } from './render/renderer.js';
import { cameraInfoFields } from './render/camera.js';
import { sampleEpisode } from './tasks.js';
import { errorText } from '../error_text.js';

/** Physics steps per batch when running as fast as possible (then the event loop gets a turn). */
const AFAP_BATCH = 20;

/** A refused set_instruction is tried again this often [s], this many times (5 s in all). */
const EM_RETRY_PERIOD = 0.25;
const EM_RETRIES = 20;

export const sim: NodeDefinition = {
  exec: 'sim',
  defaultName: 'sim',
  summary: "Built-in simulated arm (MuJoCo, CRISP's control law at 1 kHz) behind a real robot's topics, with cameras, tasks and /clock.",
  /** With the FR3's facts and gains (the default robot.name); `simParameters(robot)` for another. */
  get parameters() {
    return simParameters('fr3');
  },
  async create(node) {
    if (node.clock.isSimTime) {
      throw new Error(
        'sim: the simulator publishes /clock itself; run it with use_sim_time:=false (and every other node with use_sim_time:=true)',
      );
    }
    const { settings, dynamic: initial } = declareSimParameters(node.parameters);
    const { facts, topics, rates } = settings;
    let dynamic: SimDynamicSettings = initial;
    const simulator = await Simulator.create({
      facts,
      gains: dynamic.gains,
      controller: dynamic.controller,
      seed: dynamic.seed,
      episode: dynamic.episode,
      failure: dynamic.failure,
    });
    const rig = settings.cameras.enabled ? new CameraRig(simulator.physics, facts.name, settings.cameras.sizes) : undefined;
    const feed = rig === undefined ? undefined : new CameraFeed(simulator, rig, new Renderer());
    const deterministic = node.clock.deterministic;
    const dt = simulator.timestep;
    const status = new NodeStatus();

    // ------------------------------------------------------------ time
    /** simulated time = timeOffset + physics time; fixed at the first activation. */
    let timeOffset: number | undefined;
    const simTime = () => (timeOffset ?? 0) + simulator.time;
    const pacer = new Pacer(dt, deterministic ? 1 : dynamic.realTimeFactor, settings.maxCatchUp);
    let timer: Timer | undefined;
    let afap: NodeJS.Immediate | undefined;
    let running = false;

    // ------------------------------------------------------------ entities
    const lifecycle = new LifecycleNode(node, {
      onActivate: () => {
        if (timeOffset === undefined) timeOffset = deterministic ? node.clock.now() - simulator.time : 0;
        makeSchedules();
        if (settings.startEpisodeOnActivate && simulator.episode === undefined) reset();
        start();
        node.logger.info(
          `active: ${facts.name} at ${deterministic ? 'virtual time' : dynamic.realTimeFactor === 0 ? 'full speed' : `${dynamic.realTimeFactor}× real time`}, ` +
            `${simulator.controllerName}, cameras ${rig === undefined ? 'off' : CAMERA_NAMES.join('+')}`,
        );
      },
      onDeactivate: () => {
        stop();
        node.logger.info('inactive: simulated time is paused');
      },
      onShutdown: () => stop(),
    });
    const clockPub = lifecycle.createPublisher('rosgraph_msgs/msg/Clock', '/clock', QoSProfiles.clock);
    const jointPub = lifecycle.createPublisher('sensor_msgs/msg/JointState', topics.jointStates, 'default');
    const posePub = lifecycle.createPublisher('geometry_msgs/msg/PoseStamped', topics.currentPose, 'default');
    const gripperPub = lifecycle.createPublisher('sensor_msgs/msg/JointState', topics.gripperState, 'default');
    const episodePub = lifecycle.createPublisher('std_msgs/msg/String', '~/episode', QoSProfiles.transientLocal);
    const successPub = lifecycle.createPublisher('std_msgs/msg/Bool', '~/task_success', QoSProfiles.transientLocal);
    const cameraPubs =
      rig === undefined
        ? undefined
        : new Map(
            CAMERA_NAMES.map((c) => [
              c,
              {
                image: lifecycle.createPublisher('sensor_msgs/msg/Image', `cameras/${c}/image_raw`, 5),
                info: lifecycle.createPublisher('sensor_msgs/msg/CameraInfo', `cameras/${c}/camera_info`, 5),
              },
            ]),
          );

    // CRISP ignores a command topic with more than one publisher: so does the sim.
    const guarded = (topic: string, what: string): boolean => {
      const count = node.countPublishers(topic);
      if (count <= 1) return true;
      node.logger.throttle(
        'warn',
        2,
        `ignoring ${what}: ${count} publishers on ${topic} (CRISP ignores a command topic with more than one publisher)`,
        `guard-${what}`,
      );
      return false;
    };
    const poseSub = node.createSubscription('geometry_msgs/msg/PoseStamped', topics.targetPose, QoSProfiles.command, (m) => {
      if (!guarded(poseSub.topic, 'target_pose')) return;
      const { position: p, orientation: o } = m.pose;
      if (!simulator.setTargetPose([p.x, p.y, p.z], [o.x, o.y, o.z, o.w]))
        node.logger.throttle('warn', 5, 'target_pose is not finite or has a zero quaternion: ignored', 'bad-pose');
    });
    const jointSub = node.createSubscription('sensor_msgs/msg/JointState', topics.targetJoint, QoSProfiles.command, (m) => {
      if (!guarded(jointSub.topic, 'target_joint')) return;
      if (m.position.length !== simulator.dof) {
        node.logger.throttle(
          'warn',
          5,
          `target_joint has ${m.position.length} positions for ${simulator.dof} joints (read by index, as CRISP does)`,
          'joint-len',
        );
      }
      if (!simulator.setTargetJoint(m.position, m.velocity))
        node.logger.throttle('warn', 5, 'target_joint is not finite: ignored', 'bad-joint');
    });
    node.createSubscription('std_msgs/msg/Float64', topics.gripperCommand, QoSProfiles.command, (m) => {
      if (!simulator.setGripperCommand(m.data)) node.logger.throttle('warn', 5, 'gripper command is not finite: ignored', 'bad-gripper');
    });

    // ------------------------------------------------------------ episodes
    const em = settings.episodeManager.trim();
    const setInstruction = em === '' ? undefined : node.createClient('vla_ros_msgs/srv/SetInstruction', `${em}/set_instruction`);
    const endEpisode = em === '' ? undefined : node.createClient('std_srvs/srv/SetBool', `${em}/end_episode`);
    // Calls to the episode manager go out in order (an END must not overtake the next START).
    let emQueue: Promise<void> = Promise.resolve();
    // A launch may activate the sim before the episode manager (record --launch, replay suites go in
    // launch order, and the sim comes first): a refused set_instruction is retried for a while, so
    // the first episode gets its instruction instead of running without one.
    const sleep = (sec: number) =>
      new Promise<void>((resolve) => {
        const t = node.createTimer(sec, () => {
          t.cancel();
          resolve();
        });
      });
    const callEpisodeManager = (what: string, call: () => Promise<{ success: boolean; message: string }>, retries = 0) => {
      emQueue = emQueue.then(async () => {
        try {
          let r = await call();
          for (let retry = 0; !r.success && retry < retries; retry++) {
            await sleep(EM_RETRY_PERIOD);
            r = await call();
          }
          if (!r.success) node.logger.warn(`episode manager refused ${what}: ${r.message}`);
        } catch (err) {
          node.logger.warn(`episode manager: ${what} failed: ${errorText(err)}`);
        }
      });
    };
    const ready = async (client: { isServiceReady(): boolean; waitForService(t: number): Promise<boolean>; name: string }) => {
      if (client.isServiceReady() || (await client.waitForService(10))) return;
      throw new Error(`${client.name} is not available`);
    };
    let episodeEnded = false;
    let resetAt = Infinity;
    let episodeId = '';

    const announce = (instruction: string, suffix = '') => {
      if (setInstruction === undefined) return;
      const id = episodeId + suffix;
      callEpisodeManager(
        `set_instruction "${instruction}"`,
        async () => {
          await ready(setInstruction);
          return setInstruction.call({ text: instruction, id }, 5);
        },
        EM_RETRIES,
      );
    };
    const finish = (success: boolean, why: string) => {
      if (episodeEnded) return;
      episodeEnded = true;
      node.logger.info(`episode ${episodeId}: ${success ? 'SUCCESS' : 'FAILURE'} (${why}) after ${simulator.episodeTime.toFixed(2)} s`);
      if (endEpisode !== undefined && (settings.endEpisodeOnSuccess || !success)) {
        callEpisodeManager('end_episode', async () => {
          await ready(endEpisode);
          return endEpisode.call({ data: success }, 5);
        });
      }
      if (settings.autoReset) resetAt = simTime() + settings.resetDelay;
    };

    function reset(): string {
      // Settings changed at run time take effect here.
      if (dynamic.seed !== simulator.seed) {
        simulator.seed = dynamic.seed;
        nextIndex = 0;
      }
      simulator.episodeChoice = dynamic.episode;
      simulator.failureSpec = dynamic.failure;
      const setup = simulator.reset(nextIndex++);
      episodeEnded = false;
      resetAt = Infinity;
      episodeId = `sim-${simulator.seed}-${String(setup.index).padStart(4, '0')}`;
      drainEvents();
      return setup.instruction;
    }
    let nextIndex = 0;

    function drainEvents(): void {
      for (const e of simulator.events.splice(0)) handleEvent(e);
    }

    function handleEvent(e: SimEvent): void {
      switch (e.kind) {
        case 'episode_started': {
          const f = e.failure;
          episodePub.publish({
            data: JSON.stringify({
              id: episodeId,
              index: e.setup.index,
              seed: e.setup.seed,
              sequence_seed: simulator.seed,
              task: e.setup.kind,
              object: e.setup.colour,
              instruction: e.setup.instruction,
              layout: e.setup.placements,
              failure: f === undefined ? null : { ...f, end: Number.isFinite(f.end) ? f.end : null },
              start_time: simTime(),
            }),
          });
          successPub.publish({ data: false });
          node.logger.info(
            `episode ${episodeId}: "${e.setup.instruction}"${f === undefined ? '' : ` (failure ${f.kind} at ${f.start.toFixed(2)} s)`}`,
          );
          announce(e.setup.instruction);
          break;
        }
        case 'success':
          successPub.publish({ data: true });
          finish(true, e.status.detail);
          break;
        case 'instruction_switched':
          node.logger.info(`episode ${episodeId}: failure injection switches the instruction to "${e.instruction}"`);
          announce(e.instruction, '-switched');
          break;
        case 'failure_started':
          node.logger.info(`episode ${episodeId}: injected failure ${e.failure.kind} starts`);
          break;
        case 'failure_ended':
          node.logger.info(`episode ${episodeId}: injected failure ${e.failure.kind} ends`);
          break;
      }
    }

    node.createService('std_srvs/srv/Trigger', '~/reset', () => {
      const instruction = reset();
      return { success: true, message: `episode ${episodeId}: ${instruction}` };
    });

    // ------------------------------------------------------------ outputs
    let schedules:
      { clock: RateSchedule; joints: RateSchedule; pose: RateSchedule; gripper: RateSchedule; cameras: RateSchedule } | undefined;
    function makeSchedules(): void {
      const k = simulator.steps;
      schedules = {
        clock: new RateSchedule(rates.clock, dt, k),
        joints: new RateSchedule(rates.jointStates, dt, k),
        pose: new RateSchedule(rates.currentPose, dt, k),
        gripper: new RateSchedule(rates.gripperState, dt, k),
        cameras: new RateSchedule(rates.cameras, dt, k),
      };
    }
    const jointNames = [...facts.jointNames];
    const fingerNames = [...simulator.physics.scene.arm.fingerJoints];

    function publishCameras(stamp: ReturnType<typeof toRosTime>): void {
      if (feed === undefined || cameraPubs === undefined) return;
      for (const frame of feed.capture()) {
        const { camera, model } = frame;
        const data = frame.image();
        const header = { stamp, frame_id: CAMERA_FRAMES[camera] };
        const pubs = cameraPubs.get(camera)!;
        pubs.image.publish({
          header,
          height: model.height,
          width: model.width,
          encoding: 'rgb8',
          is_bigendian: 0,
          step: model.width * 3,
          data,
        });
        pubs.info.publish({ header, ...cameraInfoFields(model) });
        status.output(node.clock.now());
      }
    }

    function stepOnce(): void {
      simulator.step();
      const s = schedules!;
      const k = simulator.steps;
      const t = simTime();
      const stamp = toRosTime(t);
      if (s.clock.due(k)) clockPub.publish({ clock: stamp });
      if (s.joints.due(k)) {
        const js = simulator.jointState();
        jointPub.publish({
          header: { stamp, frame_id: '' },
          name: jointNames,
          position: js.position,
          velocity: js.velocity,
          effort: js.effort,
        });
      }
      if (s.pose.due(k)) {
        const { p, q } = simulator.eePose();
        posePub.publish({
          header: { stamp, frame_id: facts.baseFrame },
          pose: { position: { x: p[0], y: p[1], z: p[2] }, orientation: { x: q[0], y: q[1], z: q[2], w: q[3] } },
        });
      }
      if (s.gripper.due(k)) {
        const g = simulator.gripperState();
        gripperPub.publish({
          header: { stamp, frame_id: '' },
          name: fingerNames,
          position: Float64Array.from(g.fingers),
          velocity: Float64Array.from(g.velocity),
          effort: new Float64Array(0),
        });
      }
      if (s.cameras.due(k)) publishCameras(stamp);
      if (simulator.events.length > 0) drainEvents();
      if (
        !episodeEnded &&
        settings.episodeTimeout > 0 &&
        simulator.episode !== undefined &&
        simulator.episodeTime >= settings.episodeTimeout
      ) {
        finish(false, `episode_timeout ${settings.episodeTimeout} s`);
      }
      if (t >= resetAt) reset();
    }

    // ------------------------------------------------------------ the loop
    function tick(): void {
      const n = pacer.due(node.clock.now(), simulator.steps);
      for (let i = 0; i < n; i++) stepOnce();
    }
    function start(): void {
      if (running) return;
      running = true;
      pacer.start(node.clock.now(), simulator.steps);
      if (!deterministic && pacer.realTimeFactor === 0) {
        const loop = () => {
          afap = undefined;
          if (!running) return;
          for (let i = 0; i < AFAP_BATCH; i++) stepOnce();
          afap = setImmediate(loop);
        };
        afap = setImmediate(loop);
      } else {
        // Precise only where it sleeps between ticks (the port knows: a worker thread); spinning
        // would take the whole millisecond, and the pacing's catch-up absorbs setTimeout's ~1 ms.
        timer = node.createTimer(dt, tick, { precise: node.clock.preciseTimersSleep });
      }
    }
    function stop(): void {
      running = false;
      timer?.cancel();
      timer = undefined;
      if (afap !== undefined) clearImmediate(afap);
      afap = undefined;
    }

    // ------------------------------------------------------------ parameters at run time
    node.parameters.onValidate((changes) => {
      const problems = dynamicProblems(readDynamic(node.parameters, facts, changes), simulator.dof);
      return problems.length === 0 ? { successful: true, reason: '' } : { successful: false, reason: problems.join('; ') };
    });
    node.parameters.onChanged(() => {
      const before = dynamic;
      dynamic = readDynamic(node.parameters, facts);
      for (const c of ['cartesian_impedance_controller', 'joint_impedance_controller'] as const) simulator.setParams(c, dynamic.gains[c]);
      if (dynamic.controller !== simulator.controllerName) {
        simulator.switchController(dynamic.controller);
        node.logger.info(`switched to ${dynamic.controller}`);
      }
      if (!deterministic && dynamic.realTimeFactor !== before.realTimeFactor) {
        const wasAfap = pacer.realTimeFactor === 0;
        pacer.setRealTimeFactor(dynamic.realTimeFactor, node.clock.now(), simulator.steps);
        if (running && wasAfap !== (dynamic.realTimeFactor === 0)) {
          stop();
          start();
        }
      }
    });

    // ------------------------------------------------------------ status
    let lastStatus = { wall: node.clock.now(), sim: simTime() };
    const statusTimer = node.createTimer(1, () => {
      const now = node.clock.now();
      const rtf = (simTime() - lastStatus.sim) / Math.max(1e-9, now - lastStatus.wall);
      lastStatus = { wall: now, sim: simTime() };
      const ep = simulator.episode;
      const ts = simulator.taskStatus;
      status.set(
        running ? (pacer.lagEvents > 0 && rtf < 0.9 * pacer.realTimeFactor ? 'degraded' : 'running') : 'starting',
        ep === undefined ? 'no episode' : `${episodeId} "${simulator.instruction}": ${ts?.detail ?? ''}`,
      );
      status.setValue('sim_time', simTime().toFixed(3));
      status.setValue('real_time_factor', rtf.toFixed(2));
      status.setValue('lag_events', pacer.lagEvents);
      status.setValue('controller', simulator.controllerName);
      status.setValue('success', String(ts?.success ?? false));
      status.setValue('failure', simulator.failure?.kind ?? 'none');
    });
    const stopStatus = reportStatus(node, status);

    // A sanity check that the first episode can be laid out with these settings (fails fast).
    sampleEpisode(facts.name, dynamic.seed, 0, dynamic.episode);

    return {
      lifecycle,
      dispose() {
        stop();
        statusTimer.cancel();
        stopStatus();
        simulator.dispose();
      },
    };
  },
};
