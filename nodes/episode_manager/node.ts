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
// Parameters:
//   instruction (string, ''): instruction published on activation, if not empty.

import type { NodeDefinition } from '../runtime/node_definition.js';
import { LifecycleNode } from '../ros/lifecycle_node.js';
import { QoSProfiles } from '../ros/qos.js';
import { EpisodeLog } from './episode_log.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';

const EPISODE_EVENT = vla_ros_msgs.msg.EpisodeEvent;

export const episodeManager: NodeDefinition = {
  exec: 'episode_manager',
  defaultName: 'episode_manager',
  summary: 'Owns the language instruction and episode boundaries (instruction, episode_events).',
  create(node) {
    const initial = node.parameters.declare('instruction', '', {
      type: 'string',
      description: 'Instruction to publish when the node activates (empty: wait for one).',
    });
    const log = new EpisodeLog();
    const lifecycle = new LifecycleNode(node, {
      onActivate: () => {
        if (initial.trim() !== '') start(initial, '');
      },
    });
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
      node.logger.info(`episode ${ep.id}: "${ep.text}"`);
      return ep.id;
    }

    const requireActive = (): string | undefined =>
      lifecycle.isActive ? undefined : `episode_manager is ${lifecycle.state}, not active`;

    node.createService('vla_ros_msgs/srv/SetInstruction', '~/set_instruction', (req) => {
      const refused = requireActive() ?? (req.text.trim() === '' ? 'instruction text is empty' : undefined);
      if (refused !== undefined) return { success: false, message: refused, id: '' };
      const id = start(req.text, req.id);
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
    node.createSubscription('std_msgs/msg/String', 'instruction_text', 'default', (msg) => {
      if (requireActive() === undefined && msg.data.trim() !== '') start(msg.data, '');
    });
    return { lifecycle };
  },
};
