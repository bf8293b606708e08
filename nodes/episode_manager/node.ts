// episode_manager — owns the current language instruction and episode boundaries.
//
// Topics (relative names resolve under the node's namespace):
//   pub  instruction        vla_ros_msgs/msg/Instruction   transient local: late joiners get the current one
//   pub  episode_events     vla_ros_msgs/msg/EpisodeEvent  START / RESET / END
//   sub  instruction_text   std_msgs/msg/String            convenience: a new instruction from plain text
// Services:
//   ~/set_instruction  vla_ros_msgs/srv/SetInstruction  start a new episode
//   ~/reset            std_srvs/srv/Trigger              restart the current instruction as a new episode
//   ~/end_episode      std_srvs/srv/SetBool              end the episode; data = success label
//   pub  ~/status, /diagnostics                         1 Hz: the instruction counters below
// Parameters:
//   instruction (string, ''): instruction published on activation, if not empty.
// Input limits (instruction_text.ts, docs/input-validation.md): an empty instruction or one over
// MAX_INSTRUCTION_BYTES is refused, counted (instructions_empty / instructions_too_long) and
// logged in a log-safe, shortened form. A plain-text instruction that arrives before the node
// is active is latched (the latest wins) and started on activation, counted as
// instructions_before_active; a set_instruction call then is refused (the caller is told) and
// counted the same way.

import type { NodeDefinition } from '../runtime/node_definition.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import { QoSProfiles } from '../ros/qos.js';
import { NodeStatus } from '../runtime/node_status.js';
import { declareParameters, param } from '../ros/parameter_schema.js';
import { reportStatus } from '../runtime/status_reporter.js';
import { EpisodeLog } from './episode_log.js';
import { checkInstruction, instructionForLog, type InstructionRejection } from './instruction_text.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';

const EPISODE_EVENT = vla_ros_msgs.msg.EpisodeEvent;

export const EPISODE_MANAGER_PARAMETERS = {
  // Dynamic as before, though the node reads it once at start.
  instruction: param.string('', 'Instruction to publish when the node activates (empty: wait for one).', { dynamic: true }),
};

export const episodeManager: NodeDefinition = {
  exec: 'episode_manager',
  defaultName: 'episode_manager',
  summary: 'Owns the language instruction and episode boundaries (instruction, episode_events).',
  parameters: EPISODE_MANAGER_PARAMETERS,
  create(node) {
    const { instruction: initial } = declareParameters(node.parameters, EPISODE_MANAGER_PARAMETERS);
    const initialCheck = initial.trim() === '' ? undefined : checkInstruction(initial);
    if (initialCheck !== undefined && !initialCheck.ok) throw new Error(`parameter instruction: ${initialCheck.error}`);
    const log = new EpisodeLog();
    const status = new NodeStatus();
    const counts = { instructions_empty: 0, instructions_too_long: 0, instructions_before_active: 0 };
    const count = (key: keyof typeof counts) => {
      counts[key]++;
      status.setValue(key, counts[key]);
    };
    for (const key of Object.keys(counts) as Array<keyof typeof counts>) status.setValue(key, 0);
    status.set('starting', 'inactive');
    /** A plain-text instruction received before activation: started on activation. */
    let pending: string | undefined;
    const lifecycle = new LifecycleNode(node, {
      onActivate: () => {
        status.set('running', 'waiting for an instruction');
        const latched = pending;
        pending = undefined;
        if (latched !== undefined) start(latched, '');
        else if (initialCheck?.ok) start(initialCheck.text, '');
      },
      onDeactivate: () => status.set('starting', 'inactive'),
    });
    const stopStatus = reportStatus(node, status);
    /** The instruction, or undefined after counting and logging why it is refused. */
    const accept = (text: string, via: string): { text: string } | { refused: string } => {
      const c = checkInstruction(text);
      if (c.ok) return { text: c.text };
      const key: Record<InstructionRejection, keyof typeof counts> = { empty: 'instructions_empty', too_long: 'instructions_too_long' };
      count(key[c.reason]);
      node.logger.throttle('warn', 5, `${via}: refused: ${c.error}`, `${via}-${c.reason}`);
      return { refused: c.error };
    };
    const instructionPub = lifecycle.createPublisher('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal);
    const eventPub = lifecycle.createPublisher('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10);

    const publishEvent = (event: number, success = false) => {
      const ep = log.current;
      if (ep === undefined) return;
      eventPub.publish({
        header: { stamp: node.clock.stamp(), frame_id: '' },
        episode_id: ep.id,
        event,
        instruction: ep.text,
        success,
      });
    };

    function start(text: string, id: string): string {
      if (log.current !== undefined && !log.current.ended) publishEvent(EPISODE_EVENT.EVENT_END);
      const ep = log.begin(text, id, node.clock.now());
      instructionPub.publish({ header: { stamp: node.clock.stamp(), frame_id: '' }, id: ep.id, text: ep.text });
      publishEvent(EPISODE_EVENT.EVENT_START);
      node.logger.info(`episode ${ep.id}: "${instructionForLog(ep.text)}"`);
      status.set('running', `episode ${ep.id}`);
      status.setValue('episode', ep.id);
      return ep.id;
    }

    const requireActive = (): string | undefined => (lifecycle.isActive ? undefined : `episode_manager is ${lifecycle.state}, not active`);

    node.createService('vla_ros_msgs/srv/SetInstruction', '~/set_instruction', (req) => {
      const inactive = requireActive();
      if (inactive !== undefined) {
        count('instructions_before_active');
        node.logger.throttle('warn', 5, `set_instruction refused: ${inactive} ("${instructionForLog(req.text)}")`, 'instruction-inactive');
        return { success: false, message: inactive, id: '' };
      }
      const r = accept(req.text, 'set_instruction');
      if ('refused' in r) return { success: false, message: r.refused, id: '' };
      const id = start(r.text, req.id);
      return { success: true, message: 'episode started', id };
    });
    node.createService('std_srvs/srv/Trigger', '~/reset', () => {
      const refused = requireActive() ?? (log.current === undefined ? 'no instruction yet' : undefined);
      if (refused !== undefined) return { success: false, message: refused };
      publishEvent(EPISODE_EVENT.EVENT_RESET);
      const id = start(log.current!.text, '');
      return { success: true, message: `episode ${id} started` };
    });
    node.createService('std_srvs/srv/SetBool', '~/end_episode', (req) => {
      const refused = requireActive() ?? (log.current === undefined || log.current.ended ? 'no running episode' : undefined);
      if (refused !== undefined) return { success: false, message: refused };
      publishEvent(EPISODE_EVENT.EVENT_END, req.data);
      log.end();
      return { success: true, message: `episode ended (${req.data ? 'success' : 'failure'})` };
    });
    // Volatile, like `ros2 topic pub` (a transient-local subscription would not match it); an
    // instruction that arrives before activation is latched here instead.
    node.createSubscription('std_msgs/msg/String', 'instruction_text', 'default', (msg) => {
      const r = accept(msg.data, 'instruction_text');
      if ('refused' in r) return;
      if (lifecycle.isActive) {
        start(r.text, '');
        return;
      }
      count('instructions_before_active');
      pending = r.text;
      node.logger.info(
        `instruction_text before activation (lifecycle ${lifecycle.state}): "${instructionForLog(r.text)}" starts when the node activates`,
      );
    });
    return { lifecycle, dispose: () => stopStatus() };
  },
};
