// Rollouts for calibration and evaluation, read from MCAP bags (docs/failure-monitor.md, "Bag
// layout"):
//   - a vla_ros_msgs/msg/PolicyFeatures topic (any name; `policy_features` in the suite): the
//     per-step features; an episode is the sequence of messages with one episode_id, in order;
//   - a vla_ros_msgs/msg/EpisodeEvent topic (`episode_events`): the label of an episode is the
//     `success` field of its last EVENT_END. Episodes without an END are unlabelled (a recording
//     cut mid-episode) and are left out with a note, as are ENDs without features.
// Topics are found by type; when a bag has several of one type, name the topic to use.

import path from 'node:path';
import { readBag, type BagChannel } from '../bags/decoded_messages.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';

export const FEATURES_TYPE = 'vla_ros_msgs/msg/PolicyFeatures';
export const EVENTS_TYPE = 'vla_ros_msgs/msg/EpisodeEvent';

export class RolloutError extends Error {
  override name = 'RolloutError';
}

export interface RolloutEpisode {
  /** Bag file the episode comes from. */
  bag: string;
  id: string;
  instruction: string;
  /** One feature vector per recorded PolicyFeatures message, in order. */
  features: Float32Array[];
  /** The policy's step numbers of those messages. */
  steps: number[];
  /** From the last EVENT_END; undefined when the episode never ended in the bag. */
  success: boolean | undefined;
}

export interface LoadRolloutsOptions {
  /** Topic of the features when a bag has several PolicyFeatures topics. */
  featuresTopic?: string;
  /** Topic of the episode events when a bag has several EpisodeEvent topics. */
  eventsTopic?: string;
  onNote?: (note: string) => void;
}

const { EVENT_END } = vla_ros_msgs.msg.EpisodeEvent;

const withSlash = (t: string) => (t.startsWith('/') ? t : `/${t}`);
/** `pkg/Type` (as some writers name schemas) → `pkg/msg/Type`. */
const normalizeType = (t: string) => (t.split('/').length === 2 ? t.replace('/', '/msg/') : t);

/** Picks the one topic of `type` (or the named one) among a bag's channels. */
function pickTopic(bag: string, channels: readonly BagChannel[], type: string, named: string | undefined, option: string): string {
  const ofType = channels.filter((c) => normalizeType(c.type) === type).map((c) => c.topic);
  const all = channels.map((c) => `${c.topic} (${c.type})`).join(', ') || 'none';
  if (named !== undefined) {
    if (!ofType.includes(withSlash(named)))
      throw new RolloutError(`${bag}: no ${type} topic named ${withSlash(named)}; the bag has ${all}`);
    return withSlash(named);
  }
  if (ofType.length === 0) throw new RolloutError(`${bag}: no ${type} topic; the bag has ${all}`);
  if (ofType.length > 1) throw new RolloutError(`${bag}: several ${type} topics (${ofType.join(', ')}): choose one with ${option}`);
  return ofType[0];
}

/** Reads the episodes of one bag. */
export async function loadBagRollouts(bag: string, options: LoadRolloutsOptions = {}): Promise<RolloutEpisode[]> {
  const channels: BagChannel[] = [];
  const features: Array<{ topic: string; msg: vla_ros_msgs.msg.PolicyFeatures }> = [];
  const events: Array<{ topic: string; msg: vla_ros_msgs.msg.EpisodeEvent }> = [];
  const messages = readBag(bag, {
    topics: (ch) => {
      channels.push(ch);
      const type = normalizeType(ch.type);
      return type === FEATURES_TYPE || type === EVENTS_TYPE;
    },
    onNote: options.onNote,
  });
  for await (const m of messages) {
    if (m.type === FEATURES_TYPE) features.push({ topic: m.topic, msg: m.message as vla_ros_msgs.msg.PolicyFeatures });
    else events.push({ topic: m.topic, msg: m.message as vla_ros_msgs.msg.EpisodeEvent });
  }
  const featuresTopic = pickTopic(bag, channels, FEATURES_TYPE, options.featuresTopic, '--features-topic');
  const eventsTopic = pickTopic(bag, channels, EVENTS_TYPE, options.eventsTopic, '--events-topic');

  const episodes = new Map<string, RolloutEpisode>();
  const episode = (id: string, instruction = ''): RolloutEpisode => {
    let ep = episodes.get(id);
    if (ep === undefined) {
      ep = { bag, id, instruction, features: [], steps: [], success: undefined };
      episodes.set(id, ep);
    }
    if (ep.instruction === '' && instruction !== '') ep.instruction = instruction;
    return ep;
  };
  for (const { topic, msg } of features) {
    if (topic !== featuresTopic) continue;
    const ep = episode(msg.episode_id);
    // Copy: decoded typed arrays may share the chunk's buffer.
    ep.features.push(Float32Array.from(msg.features));
    ep.steps.push(msg.step);
  }
  for (const { topic, msg } of events) {
    if (topic !== eventsTopic) continue;
    const ep = episode(msg.episode_id, msg.instruction);
    if (msg.event === EVENT_END) ep.success = msg.success;
  }
  const note = options.onNote ?? (() => {});
  const out: RolloutEpisode[] = [];
  for (const ep of episodes.values()) {
    if (ep.features.length === 0) {
      if (ep.success !== undefined)
        note(`${path.basename(bag)}: episode '${ep.id}' has an END but no features on ${featuresTopic}: left out`);
      continue;
    }
    if (ep.success === undefined) {
      note(
        `${path.basename(bag)}: episode '${ep.id}' (${ep.features.length} steps) has no EVENT_END on ${eventsTopic}, so no label: left out`,
      );
      continue;
    }
    const sizes = new Set(ep.features.map((f) => f.length));
    if (sizes.size !== 1)
      throw new RolloutError(`${bag}: episode '${ep.id}' has feature vectors of different lengths (${[...sizes].join(', ')})`);
    out.push(ep);
  }
  return out;
}

/** Reads the labelled episodes of several bags, in bag order. */
export async function loadRollouts(bags: readonly string[], options: LoadRolloutsOptions = {}): Promise<RolloutEpisode[]> {
  if (bags.length === 0) throw new RolloutError('no rollout bags given');
  const all: RolloutEpisode[] = [];
  for (const bag of bags) all.push(...(await loadBagRollouts(bag, options)));
  return all;
}
