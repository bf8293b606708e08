// Closed-loop rollouts of a policy bundle in the built-in simulator, in this thread (no ROS), for
// SAFE training data and quick success checks: the same episodes as `vla-ros sim eval`
// (nodes/sim/eval/closed_loop.ts: the runtime's preprocessing, tokenizer, ONNX models, latent
// buffer, decoders and the controller bridge's control loop, asynchronous fast–slow with the
// bundle's modelled latencies and the bridge's weighted_average rule). Run after `npm run build`:
//
//   node dist/tools/policy/sim_policy_rollouts.js [--bundle reference] [--episodes 60] [--seed 7]
//        [--tasks push_left,push_right,push_forward,touch] [--robot fr3] [--max-time 15]
//        [--failure-fraction 0] [--failures object_moved,arm_blocked,camera_frozen,camera_dropped,instruction_switched]
//        [--added-latency 100] [--bags DIR --prefix P]
//
// Prints one line per episode and the success rate per task. Episode i does task i mod n on
// layout i of the seed's sequence. With --failure-fraction f a share f of the episodes (drawn from
// the seed) gets one of --failures injected by the simulator (nodes/sim/failures.ts) from a time
// in [0.5, 3] s to the end. With --bags, each episode's expert features are written as SAFE
// rollouts (rosbag2 MCAP: /instruction, /episode_events START/END with the simulator's success
// label, /policy_features), the input of `vla-ros safe calibrate|eval` and safe_rollouts.ts export;
// episode ids end in the injected failure kind (or 'nominal'), preceded by its onset step: `-t52-arm_blocked`.

import fs from 'node:fs';
import path from 'node:path';
import { McapBagWriter } from '../../nodes/bags/mcap_writer.js';
import { onsetStep, rolloutId } from './rollout_id.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { createDefaultSimulator } from '../../nodes/sim/default_simulator.js';
import { BundlePolicy } from '../../nodes/sim/eval/bundle_policy.js';
import { simCameraRig } from '../../nodes/sim/camera_rig.js';
import { runClosedLoopEpisode } from '../../nodes/sim/eval/closed_loop.js';
import { INJECTED_FAILURE_KINDS, NO_FAILURE, type FailureKind } from '../../nodes/sim/failures.js';
import { Renderer } from '../../nodes/sim/render/renderer.js';
import { mixSeed, mulberry32, pick } from '../../nodes/random/seeded_random.js';
import type { SimRobot } from '../../nodes/sim/robot_facts.js';
import { DEFAULT_RANDOM_TASKS, isTaskKind } from '../../nodes/sim/tasks.js';

const { EVENT_START, EVENT_END } = vla_ros_msgs.msg.EpisodeEvent;
const EPISODES_PER_BAG = 10;

function option(args: string[], name: string, fallback?: string): string {
  const i = args.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < args.length) return args[i + 1];
  if (fallback === undefined) throw new Error(`missing --${name}`);
  return fallback;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const bundleSpec = option(args, 'bundle', 'reference');
  const episodes = Number(option(args, 'episodes', '60'));
  const seed = Number(option(args, 'seed', '7'));
  const robot = option(args, 'robot', 'fr3') as SimRobot;
  const maxTime = Number(option(args, 'max-time', '15'));
  const tasks = option(args, 'tasks', DEFAULT_RANDOM_TASKS.join(',')).split(',');
  if (!tasks.every(isTaskKind)) throw new Error(`--tasks: unknown task in ${tasks.join(',')}`);
  const failureFraction = Number(option(args, 'failure-fraction', '0'));
  const failures = option(args, 'failures', INJECTED_FAILURE_KINDS.join(',')).split(',') as FailureKind[];
  if (!failures.every((f) => (INJECTED_FAILURE_KINDS as readonly string[]).includes(f)))
    throw new Error(`--failures: unknown kind in ${failures.join(',')}`);
  const bagDir = args.includes('--bags') ? option(args, 'bags') : undefined;
  const prefix = option(args, 'prefix', `s${seed}`);
  // VLM latency added to the bundle's modelled one [ms]: 100 is `vla-ros sim eval`'s base setting,
  // whose latent ages are close to what the suite shows under `vla-ros sim run` (docs/training.md).
  const addedLatency = Number(option(args, 'added-latency', '100')) / 1000;
  if (!(addedLatency >= 0)) throw new Error('--added-latency: expected milliseconds >= 0');

  const renderer = new Renderer();
  const policy = await BundlePolicy.load(bundleSpec);
  const runners = await Promise.all(
    tasks.map(async (task) => {
      const sim = await createDefaultSimulator(robot, seed, { task, object: 'random' });
      return { task, sim, rig: simCameraRig(sim) };
    }),
  );
  const featuresName = policy.manifest.expert.outputs.features;
  if (bagDir !== undefined) {
    if (featuresName === undefined) throw new Error(`bundle '${bundleSpec}' exports no expert features`);
    fs.mkdirSync(bagDir, { recursive: true });
  }
  const random = mulberry32(mixSeed(seed, 0x5afe));
  const perTask = new Map<string, { n: number; ok: number }>();
  let bag: McapBagWriter | undefined;
  let time = 1_700_000_000 + seed * 100_000;
  const started = Date.now();
  for (let i = 0; i < episodes; i++) {
    if (bagDir !== undefined && i % EPISODES_PER_BAG === 0) {
      await bag?.close();
      bag = await McapBagWriter.create(path.join(bagDir, `${prefix}_${String(i / EPISODES_PER_BAG).padStart(3, '0')}.mcap`));
      await bag.addTopic('/instruction', 'vla_ros_msgs/msg/Instruction', QoSProfiles.transientLocal);
      await bag.addTopic('/episode_events', 'vla_ros_msgs/msg/EpisodeEvent');
      await bag.addTopic('/policy_features', 'vla_ros_msgs/msg/PolicyFeatures', {
        history: 'keep_last',
        depth: 10,
        reliability: 'reliable',
        durability: 'volatile',
      });
    }
    const { task, sim, rig } = runners[i % runners.length];
    const inject = random() < failureFraction;
    const kind = pick(random, failures);
    sim.failureSpec = inject ? { ...NO_FAILURE, kind, probability: 1, startMin: 0.5, startMax: 3, duration: 0 } : NO_FAILURE;
    const r = await runClosedLoopEpisode(sim, rig, renderer, policy, {
      mode: 'async',
      mergeRule: 'weighted_average',
      addedVlmLatency: addedLatency,
      index: i,
      maxTime,
      decoderSeed: mixSeed(seed, i),
    });
    const features = r.features;
    const stat = perTask.get(task) ?? { n: 0, ok: 0 };
    stat.n++;
    if (r.success) stat.ok++;
    perTask.set(task, stat);
    // The onset lets training count a failure's steps before its fault as nominal (make_safe_detector.py --onset-labels).
    const injected = inject ? sim.failure : undefined;
    const id = rolloutId(
      prefix,
      i,
      injected === undefined ? undefined : { kind, onset: onsetStep(injected.start, r.duration, features.length) },
    );
    const s = ((Date.now() - started) / 1000).toFixed(0);
    process.stdout.write(
      `${id} ${r.success ? 'success' : 'FAILED '} ${r.duration.toFixed(1)} s "${r.instruction}"` +
        `${r.chunksRefused > 0 ? `, ${r.chunksRefused} chunks refused` : ''} (${s} s)\n`,
    );
    if (bag !== undefined && features.length > 0) {
      const header = () => ({ stamp: toRosTime(time), frame_id: '' });
      const instruction = r.instruction;
      await bag.write('/instruction', { header: header(), id, text: instruction }, time);
      await bag.write('/episode_events', { header: header(), episode_id: id, event: EVENT_START, instruction, success: false }, time);
      for (let t = 0; t < features.length; t++) {
        time += 1 / 30;
        await bag.write(
          '/policy_features',
          { header: header(), episode_id: id, step: t, source: `expert:${featuresName!}`, features: features[t] },
          time + 0.004,
        );
      }
      time += 0.5;
      await bag.write('/episode_events', { header: header(), episode_id: id, event: EVENT_END, instruction, success: r.success }, time);
      time += 1;
    }
  }
  await bag?.close();
  let n = 0;
  let ok = 0;
  process.stdout.write(`\n| task | episodes | success |\n|---|---|---|\n`);
  for (const [task, s] of perTask) {
    process.stdout.write(`| ${task} | ${s.n} | ${s.ok} (${((100 * s.ok) / s.n).toFixed(0)} %) |\n`);
    n += s.n;
    ok += s.ok;
  }
  process.stdout.write(`| all | ${n} | ${ok} (${((100 * ok) / n).toFixed(1)} %) |\n`);
  process.stdout.write(
    `${episodes} episodes in ${((Date.now() - started) / 1000).toFixed(0)} s (bundle ${bundleSpec}, seed ${seed}, robot ${robot})\n`,
  );
  await policy.release();
  for (const r of runners) r.sim.dispose();
}

await main();
