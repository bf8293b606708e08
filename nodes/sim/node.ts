// sim — the built-in simulated arm, behind the same topics as a real CRISP-controlled robot, with
// cameras, tasks, injected failures and /clock. Wiring only: the work is in the modules beside
// this file. Topics, services, time and lifecycle: docs/simulator.md; parameters: node_params.ts.

import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { LifecycleNode, type LifecycleCallbacks } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import type { Timer } from '../ros/timer.js';
import { NodeStatus } from '../runtime/node_status.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import { CAMERA_NAMES } from './camera_rig.js';
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
import { SimEpisodes } from './sim_episodes.js';
import { SimSession } from './sim_session.js';
import { RealTimeFactorMeter, simHealth } from './sim_status.js';
import { StepLoop } from './step_loop.js';
import { sampleEpisode } from './tasks.js';

export class SimNode implements NodeInstance, LifecycleCallbacks {
  readonly lifecycle: LifecycleNode;
  private readonly settings: SimNodeSettings;
  private dynamic: SimDynamicSettings;
  private readonly deterministic: boolean;
  /** Made by configure, disposed by cleanup. */
  private session: SimSession | undefined;
  /** Steps the session while active. */
  private readonly loop: StepLoop;
  /** Simulated time reached by the last session: a new one continues from there. */
  private simTimeReached = 0;
  private readonly episodes: SimEpisodes;
  private readonly episodeManager: EpisodeManagerLink | undefined;
  private readonly status = new NodeStatus();
  private readonly statusTimer: Timer;
  private readonly statusReport: StatusReport;
  private readonly rtf: RealTimeFactorMeter;
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
    this.loop = new StepLoop(node);
    this.lifecycle = new LifecycleNode(node, this);
    // Entities live as long as the node: replays read the suite's graph before nodes configure.
    this.pubs = createSimOutputs(this.lifecycle, settings);
    subscribeCrispCommands(node, settings.topics, () => this.session?.simulator);
    this.episodeManager = EpisodeManagerLink.forNode(node, settings.episodeManager);
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
      if (this.session === undefined) return { success: false, message: 'not configured' };
      const instruction = this.episodes.reset(this.session.simulator, this.dynamic);
      return { success: true, message: `episode ${this.episodes.id}: ${instruction}` };
    });
    node.parameters.onValidate((changes) => {
      const problems = dynamicProblems(readDynamic(node.parameters, settings.facts, changes), settings.facts.jointNames.length);
      return problems.length === 0 ? { successful: true, reason: '' } : { successful: false, reason: problems.join('; ') };
    });
    node.parameters.onChanged(() => this.applyDynamic());
    this.rtf = new RealTimeFactorMeter(node.clock.now(), this.simTime());
    this.statusTimer = node.createTimer(1, () => this.updateStatus());
    this.statusReport = reportStatus(node, this.status);
    // A sanity check that the first episode can be laid out with these settings (fails fast).
    sampleEpisode(settings.facts.name, dynamic.seed, 0, dynamic.episode);
  }

  /** A fresh simulator with the parameters as they are now (the model loads asynchronously). */
  onConfigure(): Promise<void> {
    const rtf = this.deterministic ? 1 : this.dynamic.realTimeFactor;
    const work = SimSession.create(this.settings, this.dynamic, rtf).then((session) => {
      this.session = session;
    });
    // Virtual time waits for the model (deterministic runs).
    this.node.clock.track(work);
    return work;
  }

  onActivate(): void {
    const c = this.session!;
    const { simulator } = c;
    c.activate(this.deterministic ? this.node.clock.now() - simulator.time : this.simTimeReached);
    if (this.settings.startEpisodeOnActivate && simulator.episode === undefined) this.episodes.reset(simulator, this.dynamic);
    this.start(c);
    const rtf = this.dynamic.realTimeFactor;
    this.node.logger.info(
      `active: ${this.settings.facts.name} at ${this.deterministic ? 'virtual time' : rtf === 0 ? 'full speed' : `${rtf}× real time`}, ` +
        `${simulator.controllerName}, cameras ${c.feed === undefined ? 'off' : CAMERA_NAMES.join('+')}`,
    );
  }

  onDeactivate(): void {
    this.loop.stop();
    this.node.logger.info('inactive: simulated time is paused');
  }

  /** Frees the simulator (idempotent); simulated time goes on from where it was. */
  onCleanup(): void {
    this.loop.stop();
    const c = this.session;
    if (c === undefined) return;
    this.simTimeReached = this.simTime();
    this.session = undefined;
    c.dispose();
  }

  onShutdown(): void {
    this.onCleanup();
  }

  dispose(): void {
    this.onCleanup();
    this.statusTimer.cancel();
    this.statusReport();
  }

  private simTime(): number {
    return this.session?.time(this.simTimeReached) ?? this.simTimeReached;
  }

  private start(c: SimSession): void {
    const onFrame = () => this.status.output(this.node.clock.now());
    this.loop.start(c.pacer, c.simulator, () => this.episodes.afterStep(c.simulator, this.dynamic, c.step(this.pubs, onFrame)));
  }

  private applyDynamic(): void {
    const before = this.dynamic;
    const d = (this.dynamic = readDynamic(this.node.parameters, this.settings.facts));
    const c = this.session;
    if (c === undefined) return; // configure creates the simulator with the new settings
    const switched = c.applyControl(d);
    if (switched !== undefined) this.node.logger.info(`switched to ${switched}`);
    if (this.deterministic || d.realTimeFactor === before.realTimeFactor) return;
    const wasAfap = c.pacer.realTimeFactor === 0;
    c.pacer.setRealTimeFactor(d.realTimeFactor, this.node.clock.now(), c.simulator.steps);
    if (this.loop.running && wasAfap !== (d.realTimeFactor === 0)) {
      this.loop.stop();
      this.start(c);
    }
  }

  private updateStatus(): void {
    const simTime = this.simTime();
    const rtf = this.rtf.read(this.node.clock.now(), simTime);
    const c = this.session;
    if (c === undefined) return this.status.set('starting', 'unconfigured');
    const h = simHealth({ simulator: c.simulator, pacer: c.pacer, running: this.loop.running, episodeId: this.episodes.id, simTime, rtf });
    this.status.set(h.state, h.message);
    for (const [key, value] of h.values) this.status.setValue(key, value);
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
