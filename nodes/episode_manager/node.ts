// episode_manager — owns the current language instruction and episode boundaries.
// Topics, services and lifecycle: docs/fast-slow-runtime.md (episode_manager); input limits:
// docs/input-validation.md; parameters: EPISODE_MANAGER_PARAMETERS below (docs tables generated from it).
//
//   pub  instruction        vla_ros_msgs/msg/Instruction   transient local: late joiners get the current one
//   pub  episode_events     vla_ros_msgs/msg/EpisodeEvent  START / RESET / END
//   sub  instruction_text   std_msgs/msg/String            a new instruction from plain text; latched while inactive
//   srv  ~/set_instruction  vla_ros_msgs/srv/SetInstruction  start a new episode
//   srv  ~/reset            std_srvs/srv/Trigger              restart the current instruction as a new episode
//   srv  ~/end_episode      std_srvs/srv/SetBool              end the episode; data = success label
//   pub  ~/status, /diagnostics                             1 Hz: the instruction counters

import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { LifecycleNode, type LifecyclePublisher } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import { QoSProfiles } from '../ros/qos.js';
import { NodeStatus } from '../runtime/node_status.js';
import { declareParameters, param } from '../ros/parameter_schema.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import { EpisodeLog } from './episode_log.js';
import { checkInstruction, instructionForLog, type InstructionRejection } from './instruction_text.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';

const EPISODE_EVENT = vla_ros_msgs.msg.EpisodeEvent;

export const EPISODE_MANAGER_PARAMETERS = {
  // Read-only: read once at start (set_instruction or instruction_text start later episodes).
  instruction: param.string('', 'Instruction to publish when the node activates (empty: wait for one).'),
};

type Counter = 'instructions_empty' | 'instructions_too_long' | 'instructions_before_active';
const COUNTERS: readonly Counter[] = ['instructions_empty', 'instructions_too_long', 'instructions_before_active'];
const REJECTION_COUNTER: Record<InstructionRejection, Counter> = { empty: 'instructions_empty', too_long: 'instructions_too_long' };

/** What configure allocates and cleanup frees (undefined while unconfigured). */
interface Configured {
  /** The current episode; a cleanup forgets it. */
  readonly log: EpisodeLog;
}

export class EpisodeManagerNode implements NodeInstance {
  readonly lifecycle: LifecycleNode;
  /** The `instruction` parameter, checked at start (a bad one refuses to start); undefined when empty. */
  private readonly initial: string | undefined;
  private readonly status = new NodeStatus();
  private readonly counts: Record<Counter, number> = { instructions_empty: 0, instructions_too_long: 0, instructions_before_active: 0 };
  private readonly instructionPub: LifecyclePublisher<vla_ros_msgs.msg.Instruction>;
  private readonly eventPub: LifecyclePublisher<vla_ros_msgs.msg.EpisodeEvent>;
  private readonly stopStatus: StatusReport;
  private configured: Configured | undefined;
  /** A plain-text instruction received before activation: started on activation. */
  private pending: string | undefined;

  constructor(private readonly node: RosNode) {
    const { instruction } = declareParameters(node.parameters, EPISODE_MANAGER_PARAMETERS);
    const check = instruction.trim() === '' ? undefined : checkInstruction(instruction);
    if (check !== undefined && !check.ok) throw new Error(`parameter instruction: ${check.error}`);
    this.initial = check?.text;
    for (const key of COUNTERS) this.status.setValue(key, 0);
    this.status.set('starting', 'inactive');
    this.lifecycle = new LifecycleNode(node, {
      onConfigure: () => this.configure(),
      onActivate: () => this.activate(),
      onDeactivate: () => this.deactivate(),
      onCleanup: () => this.cleanup(),
      onShutdown: () => this.cleanup(),
    });
    this.stopStatus = reportStatus(node, this.status);
    // Publishers, services and the subscription stay for the node's life: the graph others see
    // does not change with the lifecycle, and instruction_text is latched even while unconfigured.
    this.instructionPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal);
    this.eventPub = this.lifecycle.createPublisher('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10);
    node.createService('vla_ros_msgs/srv/SetInstruction', '~/set_instruction', (req) => this.setInstruction(req));
    node.createService('std_srvs/srv/Trigger', '~/reset', () => this.reset());
    node.createService('std_srvs/srv/SetBool', '~/end_episode', (req) => this.endEpisode(req.data));
    // Volatile, like `ros2 topic pub` (a transient-local subscription would not match it); an
    // instruction that arrives before activation is latched here instead.
    node.createSubscription('std_msgs/msg/String', 'instruction_text', 'default', (msg) => this.onInstructionText(msg.data));
  }

  private configure(): void {
    this.configured = { log: new EpisodeLog() };
  }

  private activate(): void {
    this.status.set('running', 'waiting for an instruction');
    const latched = this.pending ?? this.initial;
    this.pending = undefined;
    if (latched !== undefined) this.start(latched, '');
  }

  private deactivate(): void {
    this.status.set('starting', 'inactive');
  }

  private cleanup(): void {
    this.configured = undefined;
    this.pending = undefined;
    this.status.set('starting', 'inactive');
  }

  dispose(): void {
    this.stopStatus();
  }

  /** The episode log while active (every caller checks `requireActive` first). */
  private get log(): EpisodeLog {
    return this.configured!.log;
  }

  private setInstruction(req: vla_ros_msgs.srv.SetInstruction_Request): vla_ros_msgs.srv.SetInstruction_Response {
    const inactive = this.requireActive();
    if (inactive !== undefined) {
      this.count('instructions_before_active');
      this.node.logger.throttle(
        'warn',
        5,
        `set_instruction refused: ${inactive} ("${instructionForLog(req.text)}")`,
        'instruction-inactive',
      );
      return { success: false, message: inactive, id: '' };
    }
    const r = this.accept(req.text, 'set_instruction');
    if ('refused' in r) return { success: false, message: r.refused, id: '' };
    const id = this.start(r.text, req.id);
    return { success: true, message: 'episode started', id };
  }

  private reset(): { success: boolean; message: string } {
    const inactive = this.requireActive();
    if (inactive !== undefined) return { success: false, message: inactive };
    const current = this.log.current;
    if (current === undefined) return { success: false, message: 'no instruction yet' };
    this.publishEvent(EPISODE_EVENT.EVENT_RESET);
    const id = this.start(current.text, '');
    return { success: true, message: `episode ${id} started` };
  }

  private endEpisode(success: boolean): { success: boolean; message: string } {
    const inactive = this.requireActive();
    if (inactive !== undefined) return { success: false, message: inactive };
    const current = this.log.current;
    if (current === undefined || current.ended) return { success: false, message: 'no running episode' };
    this.publishEvent(EPISODE_EVENT.EVENT_END, success);
    this.log.end();
    return { success: true, message: `episode ended (${success ? 'success' : 'failure'})` };
  }

  private onInstructionText(data: string): void {
    const r = this.accept(data, 'instruction_text');
    if ('refused' in r) return;
    if (this.lifecycle.isActive) {
      this.start(r.text, '');
      return;
    }
    this.count('instructions_before_active');
    this.pending = r.text;
    this.node.logger.info(
      `instruction_text before activation (lifecycle ${this.lifecycle.state}): "${instructionForLog(r.text)}" starts when the node activates`,
    );
  }

  private requireActive(): string | undefined {
    return this.lifecycle.isActive ? undefined : `episode_manager is ${this.lifecycle.state}, not active`;
  }

  private count(key: Counter): void {
    this.counts[key]++;
    this.status.setValue(key, this.counts[key]);
  }

  /** The instruction, or why it is refused (counted and logged). */
  private accept(text: string, via: string): { text: string } | { refused: string } {
    const c = checkInstruction(text);
    if (c.ok) return { text: c.text };
    this.count(REJECTION_COUNTER[c.reason]);
    this.node.logger.throttle('warn', 5, `${via}: refused: ${c.error}`, `${via}-${c.reason}`);
    return { refused: c.error };
  }

  private start(text: string, id: string): string {
    const log = this.log;
    if (log.current !== undefined && !log.current.ended) this.publishEvent(EPISODE_EVENT.EVENT_END);
    const ep = log.begin(text, id, this.node.clock.now());
    this.instructionPub.publish({ header: { stamp: this.node.clock.stamp(), frame_id: '' }, id: ep.id, text: ep.text });
    this.publishEvent(EPISODE_EVENT.EVENT_START);
    this.node.logger.info(`episode ${ep.id}: "${instructionForLog(ep.text)}"`);
    this.status.set('running', `episode ${ep.id}`);
    this.status.setValue('episode', ep.id);
    return ep.id;
  }

  private publishEvent(event: number, success = false): void {
    const ep = this.log.current;
    if (ep === undefined) return;
    this.eventPub.publish({
      header: { stamp: this.node.clock.stamp(), frame_id: '' },
      episode_id: ep.id,
      event,
      instruction: ep.text,
      success,
    });
  }
}

export const episodeManager: NodeDefinition = {
  exec: 'episode_manager',
  defaultName: 'episode_manager',
  summary: 'Owns the language instruction and episode boundaries (instruction, episode_events).',
  parameters: EPISODE_MANAGER_PARAMETERS,
  create: (node) => new EpisodeManagerNode(node),
};
