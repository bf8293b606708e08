// The sim node's episodes (ROS-free): starting the next one of the seed sequence, ending it on
// success or episode_timeout, the automatic reset, and what each tells the world through
// `EpisodeOutputs` (the node publishes, calls the episode manager and logs).

import type { std_msgs } from '../msgs/generated/interfaces.js';
import { EpisodeTracker } from './episode_tracker.js';
import type { SimDynamicSettings, SimNodeSettings } from './node_params.js';
import { episodeMessage } from './sim_messages.js';
import type { SimEvent, Simulator } from './simulator.js';

export interface EpisodeOutputs {
  /** `~/episode` (transient local). */
  episode(msg: std_msgs.msg.String): void;
  /** `~/task_success`. */
  success(done: boolean): void;
  /** set_instruction on the episode manager. */
  announce(instruction: string, id: string): void;
  /** end_episode on the episode manager. */
  end(success: boolean): void;
  info(line: string): void;
}

type EpisodeSettings = Pick<SimNodeSettings, 'endEpisodeOnSuccess' | 'episodeTimeout' | 'autoReset' | 'resetDelay'>;

export class SimEpisodes {
  private readonly tracker = new EpisodeTracker();

  constructor(
    private readonly settings: EpisodeSettings,
    private readonly out: EpisodeOutputs,
    /** Simulated time now [s] (the node's, with its offset). */
    private readonly simTime: () => number,
  ) {}

  /** `sim-<seed>-<index>` of the running episode ('' before the first). */
  get id(): string {
    return this.tracker.id;
  }

  /** Starts the next episode of the seed sequence with the current settings; returns its instruction. */
  reset(simulator: Simulator, d: SimDynamicSettings): string {
    // Settings changed at run time take effect here.
    const seedChanged = d.seed !== simulator.seed;
    if (seedChanged) simulator.seed = d.seed;
    simulator.episodeChoice = d.episode;
    simulator.failureSpec = d.failure;
    const setup = simulator.reset(this.tracker.takeIndex(seedChanged));
    this.tracker.started(simulator.seed, setup.index);
    this.drain(simulator);
    return setup.instruction;
  }

  /** After each physics step at simulated time `t`: events, the timeout, a due reset. */
  afterStep(simulator: Simulator, d: SimDynamicSettings, t: number): void {
    if (simulator.events.length > 0) this.drain(simulator);
    const timeout = this.settings.episodeTimeout;
    if (simulator.episode !== undefined && this.tracker.timedOut(simulator.episodeTime, timeout, simulator.timestep)) {
      this.finish(simulator, false, `episode_timeout ${timeout} s`);
    }
    if (this.tracker.resetDue(t, simulator.timestep)) this.reset(simulator, d);
  }

  private finish(simulator: Simulator, success: boolean, why: string): void {
    const { settings } = this;
    if (!this.tracker.finish(settings.autoReset ? this.simTime() + settings.resetDelay : Infinity)) return;
    this.out.info(`episode ${this.id}: ${success ? 'SUCCESS' : 'FAILURE'} (${why}) after ${simulator.episodeTime.toFixed(2)} s`);
    if (settings.endEpisodeOnSuccess || !success) this.out.end(success);
  }

  private drain(simulator: Simulator): void {
    for (const e of simulator.events.splice(0)) this.handle(simulator, e);
  }

  private handle(simulator: Simulator, e: SimEvent): void {
    const { out, id } = this;
    switch (e.kind) {
      case 'episode_started': {
        const f = e.failure;
        out.episode(episodeMessage(id, e.setup, simulator.seed, f, this.simTime()));
        out.success(false);
        out.info(`episode ${id}: "${e.setup.instruction}"${f === undefined ? '' : ` (failure ${f.kind} at ${f.start.toFixed(2)} s)`}`);
        out.announce(e.setup.instruction, id);
        break;
      }
      case 'success':
        out.success(true);
        this.finish(simulator, true, e.status.detail);
        break;
      case 'instruction_switched':
        out.info(`episode ${id}: failure injection switches the instruction to "${e.instruction}"`);
        out.announce(e.instruction, `${id}-switched`);
        break;
      case 'failure_started':
        out.info(`episode ${id}: injected failure ${e.failure.kind} starts`);
        break;
      case 'failure_ended':
        out.info(`episode ${id}: injected failure ${e.failure.kind} ends`);
        break;
    }
  }
}
