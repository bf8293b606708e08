// sim — the built-in simulated arm, behind the same topics as a real CRISP-controlled robot, with
// cameras, tasks, injected failures and /clock. Wiring only: physics, control law, tasks, expert,
// failures and the messages are the plain modules beside this file. Topics, services, time and
// lifecycle: docs/simulator.md; parameters: simParameters (node_params.ts).

import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import { toRosTime } from '../ros/time.js';
import type { Timer } from '../ros/timer.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import { CAMERA_NAMES, CameraFeed, CameraRig } from './camera_rig.js';
import { subscribeCrispCommands } from './crisp_commands.js';
import { createSimOutputs, type SimOutputs } from './sim_outputs.js';
import { EpisodeManagerLink } from './episode_manager_link.js';
import {
  declareSimParameters,
  dynamicProblems,
  readDynamic,
  simParameters,
  type SimDynamicSettings,
  type SimNodeSettings,
} from './node_params.js';
import { Pacer, rateSchedules, type RateSchedule } from './pacing.js';
import { Simulator } from './simulator.js';
import { Renderer } from './render/renderer.js';
import { cameraMessages, gripperStateMessage, jointStateMessage, poseMessage } from './sim_messages.js';
import { SimEpisodes } from './sim_episodes.js';
import { sampleEpisode } from './tasks.js';

/** Physics steps per batch when running as fast as possible (then the event loop gets a turn). */
const AFAP_BATCH = 20;

/** What configure allocates and cleanup frees (undefined while unconfigured). */
interface Configured {
  simulator: Simulator;
  feed: CameraFeed | undefined;
  pacer: Pacer;
  fingerNames: string[];
  /** Simulated time = timeOffset + physics time; fixed at the first activation after configure. */
  timeOffset: number | undefined;
  schedules: Record<keyof SimNodeSettings['rates'], RateSchedule> | undefined;
}

export class SimNode implements NodeInstance {
  readonly lifecycle: LifecycleNode;
  private readonly settings: SimNodeSettings;
  private dynamic: SimDynamicSettings;
  private readonly deterministic: boolean;
  private configured: Configured | undefined;
  private timer: Timer | undefined;
  private afap: NodeJS.Immediate | undefined;
  private running = false;
  /** Simulated time reached by the last simulator: a new one continues from there. */
  private simTimeReached = 0;
  private readonly episodes: SimEpisodes;
  private readonly episodeManager: EpisodeManagerLink | undefined;
  private readonly status = new NodeStatus();
  private readonly statusTimer: Timer;
  private readonly statusReport: StatusReport;
  private lastStatus: { wall: number; sim: number };
  private readonly jointNames: string[];
  private readonly pubs: SimOutputs;

  constructor(private readonly node: RosNode) {
    if (node.clock.isSimTime) {
      throw new Error(
        'sim: the simulator publishes /clock itself; run it with use_sim_time:=false (and every other node with use_sim_time:=true)',
      );
    }
    const { settings, dynamic } = declareSimParameters(node.parameters);
    this.settings = settings;
    this.dynamic = dynamic;
    this.deterministic = node.clock.deterministic;
    this.jointNames = [...settings.facts.jointNames];
    this.lifecycle = new LifecycleNode(node, {
      onConfigure: () => {
        // Loading the model is asynchronous: virtual time waits for it (deterministic runs).
        const work = this.configure();
        node.clock.track(work);
        return work;
      },
      onActivate: () => this.activate(),
      onDeactivate: () => this.deactivate(),
      onCleanup: () => this.cleanup(),
      onShutdown: () => this.cleanup(),
    });
    // Entities live as long as the node: replays read the suite's graph before nodes configure.
    this.pubs = createSimOutputs(this.lifecycle, settings);
    subscribeCrispCommands(node, settings.topics, () => this.configured?.simulator);
    const em = settings.episodeManager.trim();
    this.episodeManager =
      em === ''
        ? undefined
        : new EpisodeManagerLink(
            node.createClient('vla_ros_msgs/srv/SetInstruction', `${em}/set_instruction`),
            node.createClient('std_srvs/srv/SetBool', `${em}/end_episode`),
            (sec) => this.sleep(sec),
            (line) => node.logger.warn(line),
          );
    const { episode, success } = this.pubs;
    this.episodes = new SimEpisodes(
      settings,
      {
        episode: (msg) => episode.publish(msg),
        success: (done) => success.publish({ data: done }),
        announce: (text, id) => this.episodeManager?.announce(text, id),
        end: (ok) => this.episodeManager?.end(ok),
        info: (line) => node.logger.info(line),
      },
      () => this.simTime(),
    );
    node.createService('std_srvs/srv/Trigger', '~/reset', () => {
      if (this.configured === undefined) return { success: false, message: 'not configured' };
      const instruction = this.episodes.reset(this.configured.simulator, this.dynamic);
      return { success: true, message: `episode ${this.episodes.id}: ${instruction}` };
    });
    node.parameters.onValidate((changes) => {
      const problems = dynamicProblems(readDynamic(node.parameters, settings.facts, changes), this.jointNames.length);
      return problems.length === 0 ? { successful: true, reason: '' } : { successful: false, reason: problems.join('; ') };
    });
    node.parameters.onChanged(() => this.applyDynamic());
    this.lastStatus = { wall: node.clock.now(), sim: this.simTime() };
    this.statusTimer = node.createTimer(1, () => this.updateStatus());
    this.statusReport = reportStatus(node, this.status);
    // A sanity check that the first episode can be laid out with these settings (fails fast).
    sampleEpisode(settings.facts.name, dynamic.seed, 0, dynamic.episode);
  }

  // ------------------------------------------------------------ lifecycle
  private async configure(): Promise<void> {
    const { facts, cameras } = this.settings;
    const d = this.dynamic;
    const simulator = await Simulator.create({
      facts,
      gains: d.gains,
      controller: d.controller,
      seed: d.seed,
      episode: d.episode,
      failure: d.failure,
    });
    const rig = cameras.enabled ? new CameraRig(simulator.physics, facts.name, cameras.sizes) : undefined;
    this.configured = {
      simulator,
      feed: rig === undefined ? undefined : new CameraFeed(simulator, rig, new Renderer()),
      pacer: new Pacer(simulator.timestep, this.deterministic ? 1 : d.realTimeFactor, this.settings.maxCatchUp),
      fingerNames: [...simulator.physics.scene.arm.fingerJoints],
      timeOffset: undefined,
      schedules: undefined,
    };
  }

  private activate(): void {
    const c = this.configured!;
    const { simulator } = c;
    c.timeOffset ??= this.deterministic ? this.node.clock.now() - simulator.time : this.simTimeReached;
    c.schedules = rateSchedules(this.settings.rates, simulator.timestep, simulator.steps);
    if (this.settings.startEpisodeOnActivate && simulator.episode === undefined) this.episodes.reset(simulator, this.dynamic);
    this.start(c);
    const rtf = this.dynamic.realTimeFactor;
    this.node.logger.info(
      `active: ${this.settings.facts.name} at ${this.deterministic ? 'virtual time' : rtf === 0 ? 'full speed' : `${rtf}× real time`}, ` +
        `${simulator.controllerName}, cameras ${c.feed === undefined ? 'off' : CAMERA_NAMES.join('+')}`,
    );
  }

  private deactivate(): void {
    this.stop();
    this.node.logger.info('inactive: simulated time is paused');
  }

  /** Frees the simulator (idempotent); simulated time goes on from where it was. */
  private cleanup(): void {
    this.stop();
    const c = this.configured;
    if (c === undefined) return;
    this.simTimeReached = this.simTime();
    this.configured = undefined;
    c.simulator.dispose();
  }

  dispose(): void {
    this.cleanup();
    this.statusTimer.cancel();
    this.statusReport();
  }

  // ------------------------------------------------------------ time and the loop
  private simTime(): number {
    const c = this.configured;
    return c === undefined ? this.simTimeReached : (c.timeOffset ?? this.simTimeReached) + c.simulator.time;
  }

  private start(c: Configured): void {
    if (this.running) return;
    this.running = true;
    c.pacer.start(this.node.clock.now(), c.simulator.steps);
    if (!this.deterministic && c.pacer.realTimeFactor === 0) {
      const loop = () => {
        this.afap = undefined;
        if (!this.running) return;
        for (let i = 0; i < AFAP_BATCH; i++) this.stepOnce(c);
        this.afap = setImmediate(loop);
      };
      this.afap = setImmediate(loop);
    } else {
      // Precise only where it sleeps between ticks (the port knows: a worker thread); spinning
      // would take the whole millisecond, and the pacing's catch-up absorbs setTimeout's ~1 ms.
      this.timer = this.node.createTimer(
        c.simulator.timestep,
        () => {
          const n = c.pacer.due(this.node.clock.now(), c.simulator.steps);
          for (let i = 0; i < n; i++) this.stepOnce(c);
        },
        { precise: this.node.clock.preciseTimersSleep },
      );
    }
  }

  private stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.afap !== undefined) clearImmediate(this.afap);
    this.afap = undefined;
  }

  private stepOnce(c: Configured): void {
    const { simulator } = c;
    simulator.step();
    const s = c.schedules!;
    const k = simulator.steps;
    const t = this.simTime();
    const stamp = toRosTime(t);
    if (s.clock.due(k)) this.pubs.clock.publish({ clock: stamp });
    if (s.jointStates.due(k)) this.pubs.joints.publish(jointStateMessage(stamp, this.jointNames, simulator.jointState()));
    if (s.currentPose.due(k)) this.pubs.pose.publish(poseMessage(stamp, this.settings.facts.baseFrame, simulator.eePose()));
    if (s.gripperState.due(k)) this.pubs.gripper.publish(gripperStateMessage(stamp, c.fingerNames, simulator.gripperState()));
    if (s.cameras.due(k)) this.publishCameras(c, stamp);
    this.episodes.afterStep(simulator, this.dynamic, t);
  }

  private publishCameras(c: Configured, stamp: ReturnType<typeof toRosTime>): void {
    const pubs = this.pubs.cameras;
    if (c.feed === undefined || pubs === undefined) return;
    for (const frame of c.feed.capture()) {
      const m = cameraMessages(stamp, frame);
      const p = pubs.get(frame.camera)!;
      p.image.publish(m.image);
      p.info.publish(m.info);
      this.status.output(this.node.clock.now());
    }
  }

  /** Waits `sec` on the node's clock. */
  private sleep(sec: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = this.node.createTimer(sec, () => {
        t.cancel();
        resolve();
      });
    });
  }

  // ------------------------------------------------------------ parameters at run time, status
  private applyDynamic(): void {
    const before = this.dynamic;
    const d = (this.dynamic = readDynamic(this.node.parameters, this.settings.facts));
    const c = this.configured;
    if (c === undefined) return; // configure creates the simulator with the new settings
    const { simulator, pacer } = c;
    for (const name of ['cartesian_impedance_controller', 'joint_impedance_controller'] as const) simulator.setParams(name, d.gains[name]);
    if (d.controller !== simulator.controllerName) {
      simulator.switchController(d.controller);
      this.node.logger.info(`switched to ${d.controller}`);
    }
    if (!this.deterministic && d.realTimeFactor !== before.realTimeFactor) {
      const wasAfap = pacer.realTimeFactor === 0;
      pacer.setRealTimeFactor(d.realTimeFactor, this.node.clock.now(), simulator.steps);
      if (this.running && wasAfap !== (d.realTimeFactor === 0)) {
        this.stop();
        this.start(c);
      }
    }
  }

  private updateStatus(): void {
    const { status } = this;
    const now = this.node.clock.now();
    const simTime = this.simTime();
    const rtf = (simTime - this.lastStatus.sim) / Math.max(1e-9, now - this.lastStatus.wall);
    this.lastStatus = { wall: now, sim: simTime };
    const c = this.configured;
    if (c === undefined) {
      status.set('starting', 'unconfigured');
      return;
    }
    const { simulator, pacer } = c;
    const ep = simulator.episode;
    const ts = simulator.taskStatus;
    const lagging = pacer.lagEvents > 0 && rtf < 0.9 * pacer.realTimeFactor;
    status.set(
      this.running ? (lagging ? 'degraded' : 'running') : 'starting',
      ep === undefined ? 'no episode' : `${this.episodes.id} "${simulator.instruction}": ${ts?.detail ?? ''}`,
    );
    status.setValue('sim_time', simTime.toFixed(3));
    status.setValue('real_time_factor', rtf.toFixed(2));
    status.setValue('lag_events', pacer.lagEvents);
    status.setValue('controller', simulator.controllerName);
    status.setValue('success', String(ts?.success ?? false));
    status.setValue('failure', simulator.failure?.kind ?? 'none');
  }
}

export const sim: NodeDefinition = {
  exec: 'sim',
  defaultName: 'sim',
  summary: "Built-in simulated arm (MuJoCo, CRISP's control law at 1 kHz) behind a real robot's topics, with cameras, tasks and /clock.",
  /** With the FR3's facts and gains (the default robot.name); `simParameters(robot)` for another. */
  get parameters() {
    return simParameters('fr3');
  },
  create: (node) => new SimNode(node),
};
