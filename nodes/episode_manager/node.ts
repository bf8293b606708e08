// episode_manager — owns the current language instruction and episode boundaries. Topics,
// services and lifecycle: docs/fast-slow-runtime.md (episode_manager); input limits and counters:
// docs/input-validation.md; parameters: EPISODE_MANAGER_PARAMETERS below (docs tables generated from it).

import type { NodeDefinition, NodeInstance } from '../runtime/node_definition.js';
import { LifecycleNode, type LifecycleCallbacks, type LifecyclePublisher } from '../ros/lifecycle_node.js';
import type { RosNode } from '../ros/node.js';
import { QoSProfiles } from '../ros/qos.js';
import { NodeStatus } from '../runtime/node_status.js';
import { declareParameters, param } from '../ros/parameter_schema.js';
import { reportStatus, type StatusReport } from '../runtime/status_reporter.js';
import { EpisodeLog } from './episode_log.js';
import { InstructionCounters } from './instruction_counters.js';
import { checkInstruction, instructionForLog } from './instruction_text.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';

const EPISODE_EVENT = vla_ros_msgs.msg.EpisodeEvent;

export const EPISODE_MANAGER_PARAMETERS = {
  // Read-only: read once at start (set_instruction or instruction_text start later episodes).
  instruction: param.string('', 'Instruction to publish when the node activates (empty: wait for one).'),
};

export class EpisodeManagerNode implements NodeInstance, LifecycleCallbacks {
  readonly lifecycle: LifecycleNode;
  /** The `instruction` parameter, checked at start (a bad one refuses to start); undefined when empty. */
  private readonly initial: string | undefined;
  private readonly status = new NodeStatus();
  private readonly counters = new InstructionCounters(this.status);
  private readonly instructionPub: LifecyclePublisher<vla_ros_msgs.msg.Instruction>;
  private readonly eventPub: LifecyclePublisher<vla_ros_msgs.msg.EpisodeEvent>;
  private readonly stopStatus: StatusReport;
  /** Made by configure, dropped by cleanup (which forgets the current episode). */
  private episodes: EpisodeLog | undefined;
  /** A plain-text instruction received before activation: started on activation. */
  private pending: string | undefined;

  constructor(private readonly node: RosNode) {
    const { instruction } = declareParameters(node.parameters, EPISODE_MANAGER_PARAMETERS);
    const check = instruction.trim() === '' ? undefined : checkInstruction(instruction);
    if (check !== undefined && !check.ok) throw new Error(`parameter instruction: ${check.error}`);
    this.initial = check?.text;
    this.status.set('starting', 'inactive');
    this.lifecycle = new LifecycleNode(node, this);
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

  onConfigure(): void {
    this.episodes = new EpisodeLog();
  }

  onActivate(): void {
    this.status.set('running', 'waiting for an instruction');
    const latched = this.pending ?? this.initial;
    this.pending = undefined;
    if (latched !== undefined) this.start(latched, '');
  }

  onDeactivate(): void {
    this.status.set('starting', 'inactive');
  }

  onCleanup(): void {
    this.episodes = undefined;
    this.pending = undefined;
    this.status.set('starting', 'inactive');
  }

  onShutdown(): void {
    this.onCleanup();
  }

  dispose(): void {
    this.stopStatus();
  }

  /** The episode log while active (every caller checks `requireActive` first). */
  private get log(): EpisodeLog {
    return this.episodes!;
  }

  private setInstruction(req: vla_ros_msgs.srv.SetInstruction_Request): vla_ros_msgs.srv.SetInstruction_Response {
    const inactive = this.requireActive();
    if (inactive !== undefined) {
      this.counters.count('instructions_before_active');
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
    this.counters.count('instructions_before_active');
    this.pending = r.text;
    this.node.logger.info(
      `instruction_text before activation (lifecycle ${this.lifecycle.state}): "${instructionForLog(r.text)}" starts when the node activates`,
    );
  }

  private requireActive(): string | undefined {
    return this.lifecycle.isActive ? undefined : `episode_manager is ${this.lifecycle.state}, not active`;
  }

  /** The instruction, or why it is refused (counted and logged). */
  private accept(text: string, via: string): { text: string } | { refused: string } {
    const c = checkInstruction(text);
    if (c.ok) return { text: c.text };
    this.counters.rejected(c.reason);
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
