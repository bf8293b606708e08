// `vla-ros sim collect`: scripted-expert episodes from the built-in simulator as a training export
// (nodes/sim/dataset_export.ts). This module parses options, drives the episodes and prints progress.
//   vla-ros sim collect --out DIR [--episodes 200] [--seed 0] [--robot fr3] [--tasks push_left,...]
//                       [--bundle reference] [--image-every 2] [--pool 4] [--noise 1]
//                       [--policy BUNDLE]   (DAgger: the policy drives, the expert labels; dagger_recording.ts)

import type { CommandModule } from 'yargs';
import { SIM_ROBOTS, type SimRobot } from '../sim/robot_facts.js';
import { DEFAULT_RANDOM_TASKS, TASK_KINDS, isTaskKind, type TaskKind } from '../sim/tasks.js';
import type { EpisodeRecording, RecordOptions } from '../sim/dataset_export.js';
import { CliError } from './cli_error.js';
import type { TextIo } from './command_io.js';

/** What collecting runs (MuJoCo, onnxruntime, the renderer), loaded only when it runs: every `vla-ros` start builds this command. */
async function collectModules() {
  const [bundles, random, rig, dagger, dataset, policy, simulator, render] = await Promise.all([
    import('../policy/policy_bundle.js'),
    import('../random/seeded_random.js'),
    import('../sim/camera_rig.js'),
    import('../sim/dagger_recording.js'),
    import('../sim/dataset_export.js'),
    import('../sim/eval/bundle_policy.js'),
    import('../sim/default_simulator.js'),
    import('../sim/render/renderer.js'),
  ]);
  return { ...bundles, ...random, ...rig, ...dagger, ...dataset, ...policy, ...simulator, ...render };
}

export interface CollectArgs {
  out: string;
  episodes: number;
  seed: number;
  robot: SimRobot;
  tasks: readonly TaskKind[];
  bundle: string;
  imageEvery: number;
  pool: number;
  /** Multiplies the default perturbation (0: the clean expert). */
  noise: number;
  maxTime: number;
  /** DAgger: this policy bundle drives the episodes and the expert labels them (undefined: the expert drives). */
  policy?: string;
}

export function parseTasks(text: string): TaskKind[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = items.find((s) => !isTaskKind(s));
  if (items.length === 0 || bad !== undefined)
    throw new CliError(`--tasks: expected comma-separated tasks from ${TASK_KINDS.join(', ')}, got '${bad ?? text}'`, 2);
  return items as TaskKind[];
}

/** Records `a.episodes` episodes into `a.out`; returns how many the expert solved. */
export async function collectDataset(
  a: CollectArgs,
  io: TextIo,
): Promise<{ episodes: number; successes: number; ticks: number; frames: number }> {
  if (!Number.isInteger(a.episodes) || a.episodes < 1) throw new CliError(`--episodes: expected an integer >= 1, got ${a.episodes}`, 2);
  if (!Number.isInteger(a.imageEvery) || a.imageEvery < 1)
    throw new CliError(`--image-every: expected an integer >= 1, got ${a.imageEvery}`, 2);
  if (!Number.isInteger(a.pool) || a.pool < 1) throw new CliError(`--pool: expected an integer >= 1, got ${a.pool}`, 2);
  if (!(a.noise >= 0)) throw new CliError(`--noise: expected a number >= 0, got ${a.noise}`, 2);
  const {
    loadPolicyBundle,
    mixSeed,
    simCameraRig,
    DAGGER_MAX_LATENT_AGE,
    DAGGER_SETTING,
    recordPolicyEpisode,
    DEFAULT_PERTURBATION,
    DatasetWriter,
    FrameSource,
    recordEpisode,
    storedCameras,
    BundlePolicy,
    createDefaultSimulator,
    Renderer,
  } = await collectModules();
  const bundle = loadPolicyBundle(a.bundle);
  const cameras = storedCameras(bundle.manifest.cameras, a.pool);
  const policy = a.policy === undefined ? undefined : await BundlePolicy.load(a.policy);
  // index.json records these options: a DAgger run executes the policy's actions, unperturbed.
  const noise = policy === undefined ? a.noise : 0;
  const options: RecordOptions = {
    imageEvery: a.imageEvery,
    pool: a.pool,
    maxTime: a.maxTime,
    afterSuccess: 0.3,
    perturbation: { ...DEFAULT_PERTURBATION, position: DEFAULT_PERTURBATION.position * noise, yaw: DEFAULT_PERTURBATION.yaw * noise },
    randomScale: policy === undefined,
  };
  // Tasks cycle over the episodes (episode i does tasks[i mod n]); layouts and objects come from the seed.
  const sims = await Promise.all(a.tasks.map((task) => createDefaultSimulator(a.robot, a.seed, { task, object: 'random' })));
  const writer = new DatasetWriter(a.out, {
    robot: a.robot,
    jointNames: sims[0].facts.jointNames,
    seed: a.seed,
    bundle: bundle.dir,
    options,
    cameras,
    ...(policy === undefined
      ? {}
      : { policy: { bundle: policy.bundle.dir, setting: DAGGER_SETTING, maxLatentAge: DAGGER_MAX_LATENT_AGE } }),
  });
  const renderer = new Renderer();
  const frames = sims.map((sim) => new FrameSource(sim, renderer, cameras));
  const rigs = sims.map((sim) => simCameraRig(sim));
  const record = (i: number, k: number): Promise<EpisodeRecording> | EpisodeRecording =>
    policy === undefined
      ? recordEpisode(sims[k], frames[k], i, options)
      : recordPolicyEpisode(sims[k], rigs[k], renderer, frames[k], policy, i, {
          imageEvery: a.imageEvery,
          pool: a.pool,
          maxTime: a.maxTime,
          setting: DAGGER_SETTING,
          maxLatentAge: DAGGER_MAX_LATENT_AGE,
          decoderSeed: mixSeed(a.seed, i),
        });
  let successes = 0;
  let ticks = 0;
  let frameCount = 0;
  const started = Date.now();
  try {
    for (let i = 0; i < a.episodes; i++) {
      const k = i % a.tasks.length;
      const e = await record(i, k);
      writer.add(e);
      if (e.success) successes++;
      ticks += e.ticks;
      frameCount += e.frames;
      const s = ((Date.now() - started) / 1000).toFixed(0);
      const how = policy === undefined ? `noise ${e.noiseScale.toFixed(2)}` : 'policy';
      io.out(`[${i + 1}/${a.episodes}] ${e.success ? 'success' : 'FAILED '} ${e.ticks} ticks, ${how}: "${e.instruction}" (${s} s)\n`);
    }
  } finally {
    writer.close();
    for (const sim of sims) sim.dispose();
    await policy?.release();
  }
  const solver = policy === undefined ? 'the expert' : 'the policy';
  io.out(`${a.episodes} episodes (${successes} solved by ${solver}), ${ticks} ticks, ${frameCount} frames → ${a.out}\n`);
  return { episodes: a.episodes, successes, ticks, frames: frameCount };
}

export function makeCollectCommand(io: TextIo): CommandModule {
  return {
    command: 'collect',
    describe:
      'Record training episodes as binary arrays + index.json: the scripted expert (DART-perturbed), or a policy labelled by the expert (DAgger, --policy)',
    builder: (y) =>
      y
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output folder' })
        .option('episodes', { alias: 'n', type: 'number', default: 200, describe: 'episodes to record' })
        .option('seed', { type: 'number', default: 0, describe: 'seed of the episode sequence' })
        .option('robot', { choices: SIM_ROBOTS, default: 'fr3', describe: 'simulated arm' })
        .option('tasks', { type: 'string', default: DEFAULT_RANDOM_TASKS.join(','), describe: 'tasks, cycled over the episodes' })
        .option('bundle', {
          type: 'string',
          default: 'reference',
          describe: 'policy bundle whose cameras (size, resize, normalisation) the images follow',
        })
        .option('image-every', { type: 'number', default: 2, describe: 'store camera frames every this many 30 Hz ticks' })
        .option('pool', { type: 'number', default: 4, describe: 'average-pool factor of the stored camera tensors' })
        .option('noise', { type: 'number', default: 1, describe: 'scale of the DART action perturbation (0: clean expert)' })
        .option('max-time', { type: 'number', default: 15, describe: 'episode time limit [s]' })
        .option('policy', {
          type: 'string',
          describe:
            "DAgger: this policy bundle drives the episodes through the pipeline's cores (as sim eval's async base setting) and the expert labels every visited state (--noise does not apply)",
        })
        .example('$0 sim collect -o /tmp/demos -n 200', '')
        .example('$0 sim collect -o /tmp/dagger --policy reference', ''),
    handler: async (argv) => {
      const a = argv as unknown as {
        out: string;
        episodes: number;
        seed: number;
        robot: SimRobot;
        tasks: string;
        bundle: string;
        'image-every': number;
        pool: number;
        noise: number;
        'max-time': number;
        policy?: string;
      };
      await collectDataset(
        {
          out: a.out,
          episodes: a.episodes,
          seed: a.seed,
          robot: a.robot,
          tasks: parseTasks(a.tasks),
          bundle: a.bundle,
          imageEvery: a['image-every'],
          pool: a.pool,
          noise: a.noise,
          maxTime: a['max-time'],
          policy: a.policy,
        },
        io,
      );
    },
  };
}
