// One pipeline: `vla-ros sim eval`'s episode runner (the nodes' cores driven in this thread) and
// the launched suite (sim.launch.xml's nodes in a deterministic in-process launch on virtual time)
// give the same episodes. The same seeds through both must publish the same action chunks —
// stamps, delivery times, latent versions and ages, and every action value — and end the same
// way. Exact equality is expected: both run the same code on the same inputs at the same instants,
// and ONNX inference on one thread is deterministic; the only tolerance is 1 ns on times (stamps
// cross builtin_interfaces/Time). The failure monitor is left out of the suite: `sim eval`
// measures the policy and scores SAFE offline, and a SAFE hold would end an episode differently.

import { strict as assert } from 'node:assert';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import type { MergeRuleName } from '../../nodes/controller_bridge/merge_rule.js';
import { defaultLaunchContext } from '../../nodes/launcher/launch_context.js';
import { loadLaunchFile } from '../../nodes/launcher/launch_file.js';
import { packagePath } from '../../nodes/package_paths.js';
import { InProcessLaunch } from '../../nodes/launcher/inprocess_launch.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { fromRosTime } from '../../nodes/ros/time.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { simCameraRig } from '../../nodes/sim/camera_rig.js';
import { createDefaultSimulator } from '../../nodes/sim/default_simulator.js';
import { BundlePolicy } from '../../nodes/sim/eval/bundle_policy.js';
import { runClosedLoopEpisode, runClosedLoopEpisodes } from '../../nodes/sim/eval/closed_loop.js';
import { Renderer } from '../../nodes/sim/render/renderer.js';
import type { TaskChoice } from '../../nodes/sim/tasks.js';

interface Chunk {
  at: number;
  stamp: number;
  sequence: number;
  latentVersion: number;
  latentAge: number;
  data: number[];
}

interface Outcome {
  chunks: Chunk[];
  /** Episode time of success, or undefined. */
  success: number | undefined;
}

const TIME_TOLERANCE = 1e-9;
const chunkOf = (m: vla_ros_msgs.msg.ActionChunk, at: number): Chunk => ({
  at,
  stamp: fromRosTime(m.header.stamp),
  sequence: m.sequence,
  latentVersion: m.latent_version,
  latentAge: m.latent_age,
  data: Array.from(m.data),
});

interface Case {
  seed: number;
  task: TaskChoice;
  mergeRule: MergeRuleName;
  decoderSeed: number;
  /** Episode time limit [s]. */
  seconds: number;
  /** Whether the policy solves it in time (so the outcome comparison covers both outcomes). */
  solved: boolean;
  /** Eval's simulator runs another episode first, as `sim eval` reuses one simulator for all. */
  reusedSimulator: boolean;
}

/** sim.launch.xml without the failure monitor, in a deterministic launch from virtual time 0. */
async function throughSuite(c: Case): Promise<Outcome> {
  const time = new VirtualTimeBase(0);
  // failure_monitor:=false: eval scores SAFE offline and applies no hold (the bridge then requires no monitor).
  const description = loadLaunchFile(
    packagePath('launch', 'sim.launch.xml'),
    { robot: 'fr3', task: c.task, seed: String(c.seed), failure_monitor: 'false' },
    defaultLaunchContext({}),
  );
  assert.ok(!description.nodes.some((n) => n.exec === 'failure_monitor'), 'failure_monitor:=false launches no monitor');
  const set = (exec: string, name: string, type: 'integer' | 'string', value: number | string) =>
    description.nodes
      .find((n) => n.exec === exec)!
      .parameters.push({ kind: 'inline', global: false, params: [{ name, type, value, source: 'agreement test' }] });
  set('fast_pathway', 'seed', 'integer', c.decoderSeed);
  set('controller_bridge', 'merge_rule', 'string', c.mergeRule);
  const suite = await InProcessLaunch.start(description, { time, managed: true, logSink: () => {}, logLevel: 'warn' });
  try {
    const probe = await suite.probe('agreement_probe');
    const out: Outcome = { chunks: [], success: undefined };
    probe.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (m) => {
      if (out.success === undefined) out.chunks.push(chunkOf(m, time.now()));
    });
    probe.createSubscription('std_msgs/msg/Bool', 'sim/task_success', QoSProfiles.transientLocal, (m) => {
      if (m.data) out.success ??= time.now();
    });
    void suite.activate();
    // The sim's episode starts at virtual time 0 (its activation).
    await time.advanceBy(c.seconds);
    assert.deepEqual(suite.activationProblems, []);
    return out;
  } finally {
    await suite.stop();
  }
}

async function throughEval(policy: BundlePolicy, c: Case): Promise<Outcome> {
  const sim = await createDefaultSimulator('fr3', c.seed, { task: c.task, object: 'random' });
  try {
    const chunks: Chunk[] = [];
    const options = { mode: 'async', mergeRule: c.mergeRule, addedVlmLatency: 0, decoderSeed: c.decoderSeed } as const;
    const rig = simCameraRig(sim);
    if (c.reusedSimulator) await runClosedLoopEpisode(sim, rig, new Renderer(), policy, { ...options, index: 1, maxTime: 1 });
    const ep = await runClosedLoopEpisode(sim, rig, new Renderer(), policy, {
      ...options,
      index: 0,
      maxTime: c.seconds,
      onChunk: (m, at) => chunks.push(chunkOf(m, at)),
    });
    return { chunks, success: ep.success ? ep.successTime : undefined };
  } finally {
    sim.dispose();
  }
}

function assertSameChunks(suite: readonly Chunk[], evaluated: readonly Chunk[], context = ''): void {
  assert.equal(evaluated.length, suite.length, `${context}chunk count`);
  suite.forEach((s, i) => {
    const e = evaluated[i];
    const where = `${context}chunk ${i} (#${s.sequence}, stamped ${s.stamp.toFixed(3)} s)`;
    assert.equal(e.sequence, s.sequence, `${where}: sequence`);
    assert.ok(Math.abs(e.stamp - s.stamp) <= TIME_TOLERANCE, `${where}: eval stamps it ${e.stamp}`);
    assert.ok(Math.abs(e.at - s.at) <= TIME_TOLERANCE, `${where}: the suite delivers it at ${s.at}, eval at ${e.at}`);
    assert.equal(e.latentVersion, s.latentVersion, `${where}: latent version`);
    assert.ok(Math.abs(e.latentAge - s.latentAge) <= TIME_TOLERANCE, `${where}: latent age ${s.latentAge} vs ${e.latentAge}`);
    assert.deepEqual(e.data, s.data, `${where}: actions`);
  });
}

describe('one pipeline: sim eval and the launched suite agree (reference bundle, virtual time)', function () {
  this.timeout(240_000);
  let policy: BundlePolicy;
  before(async () => {
    policy = await BundlePolicy.load('reference');
  });
  after(async () => {
    await policy.release();
  });

  const cases: Case[] = [
    // Solved (~5.5 s): outcome and time of success must agree, and every chunk up to it.
    { seed: 1, task: 'touch', mergeRule: 'weighted_average', decoderSeed: 7, seconds: 7, solved: true, reusedSimulator: false },
    // Another task, layout and merge rule (RTC freezes the executing prefix), not solved in time;
    // eval on a simulator that already ran an episode.
    { seed: 3, task: 'push_left', mergeRule: 'rtc', decoderSeed: 100_000, seconds: 3, solved: false, reusedSimulator: true },
  ];
  for (const c of cases) {
    it(`seed ${c.seed}, ${c.task}, ${c.mergeRule}: the same chunks and the same outcome`, async () => {
      const suite = await throughSuite(c);
      const evaluated = await throughEval(policy, c);
      assert.equal(suite.success !== undefined, c.solved, `the suite ${c.solved ? 'did not solve' : 'solved'} the episode`);
      assert.ok(
        suite.chunks.length >= 0.8 * 30 * (Math.min(c.seconds, suite.success ?? Infinity) - 0.2),
        `${suite.chunks.length} chunks from the suite`,
      );
      assertSameChunks(suite.chunks, evaluated.chunks);
      if (suite.success === undefined) assert.equal(evaluated.success, undefined, 'eval solved an episode the suite did not');
      else {
        assert.ok(evaluated.success !== undefined, `the suite solved it at ${suite.success} s, eval did not`);
        assert.ok(
          Math.abs(evaluated.success - suite.success) <= 1e-6,
          `success at ${suite.success} s (suite) vs ${evaluated.success} s (eval)`,
        );
      }
    });
  }
});

// Several episodes back to back, as `npm start` (`vla-ros sim run`) runs them: the sim resets by
// itself (auto_reset: reset_delay after a success or its episode_timeout) and the suite carries on
// across episodes — timers, decoder noise sequence, the slow pathway's latest frame, the bridge's
// re-anchoring on the episode manager's START. Eval's back-to-back runner (runClosedLoopEpisodes)
// runs the same indices of the same seed sequence with the same time limit (maxTime =
// episode_timeout) and reset delay, and must give the same chunks and outcomes in every episode.
// The failure monitor is off in both: eval applies no SAFE hold.
describe("one pipeline: npm start's episodes 0, 1, 2 agree with eval's back-to-back runner (reference bundle, virtual time)", function () {
  this.timeout(300_000);
  const SEED = 1;
  const TASK: TaskChoice = 'touch';
  const INDICES = [0, 1, 2];
  /** The sim's reset_delay default [s]. */
  const RESET_DELAY = 1;

  interface EpisodeOutcome {
    index: number;
    chunks: Chunk[];
    /** Episode time of success, or undefined. */
    success: number | undefined;
  }

  /** sim.launch.xml as `sim run` launches it (auto_reset, episode_timeout), without the failure monitor. */
  async function throughSuite(limit: number): Promise<EpisodeOutcome[]> {
    const time = new VirtualTimeBase(0);
    const description = loadLaunchFile(
      packagePath('launch', 'sim.launch.xml'),
      { robot: 'fr3', task: TASK, seed: String(SEED), failure_monitor: 'false', auto_reset: 'true', episode_timeout: String(limit) },
      defaultLaunchContext({}),
    );
    const suite = await InProcessLaunch.start(description, { time, managed: true, logSink: () => {}, logLevel: 'warn' });
    try {
      const probe = await suite.probe('agreement_probe');
      const episodes: (EpisodeOutcome & { id: string; start: number; ended: boolean })[] = [];
      const current = () => episodes[episodes.length - 1];
      // The instruction each latent answers: a chunk must come from its own episode's instruction.
      const latentInstruction = new Map<number, string>();
      const foreign: string[] = [];
      probe.createSubscription('vla_ros_msgs/msg/LatentEntry', 'latent', QoSProfiles.transientLocal, (m) => {
        latentInstruction.set(m.version, m.instruction_id);
      });
      probe.createSubscription('std_msgs/msg/String', 'sim/episode', QoSProfiles.transientLocal, (m) => {
        const e = JSON.parse(m.data) as { id: string; index: number; start_time: number };
        episodes.push({ id: e.id, index: e.index, start: e.start_time, chunks: [], success: undefined, ended: false });
      });
      probe.createSubscription('vla_ros_msgs/msg/ActionChunk', 'action_chunk', 10, (m) => {
        const e = current();
        if (e === undefined || e.ended) return;
        if (time.now() - e.start > limit + 1e-6) e.ended = true;
        else {
          // A decode started before the episode's instruction arrived is dropped, not published into it.
          const answers = latentInstruction.get(m.latent_version);
          if (answers !== e.id) foreign.push(`episode ${e.id}: chunk #${m.sequence} from latent ${m.latent_version} of '${answers}'`);
          e.chunks.push(chunkOf(m, time.now()));
        }
      });
      probe.createSubscription('std_msgs/msg/Bool', 'sim/task_success', QoSProfiles.transientLocal, (m) => {
        const e = current();
        if (m.data && e !== undefined && !e.ended) {
          e.success = time.now() - e.start;
          e.ended = true;
        }
      });
      void suite.activate();
      // Each episode starts at most limit + reset_delay after the one before.
      await time.advanceBy((INDICES.length - 1) * (limit + RESET_DELAY) + limit + 0.1);
      assert.deepEqual(suite.activationProblems, []);
      assert.deepEqual(foreign, [], "chunks answering another episode's instruction");
      return episodes.slice(0, INDICES.length).map(({ index, chunks, success }) => ({ index, chunks, success }));
    } finally {
      await suite.stop();
    }
  }

  async function throughEval(policy: BundlePolicy, limit: number): Promise<EpisodeOutcome[]> {
    const sim = await createDefaultSimulator('fr3', SEED, { task: TASK, object: 'random' });
    try {
      const chunks = new Map<number, Chunk[]>(INDICES.map((i) => [i, []]));
      // config/nodes.yaml's fast_pathway seed (0) and the bridge's merge rule.
      const eps = await runClosedLoopEpisodes(sim, simCameraRig(sim), new Renderer(), policy, {
        mode: 'async',
        mergeRule: 'weighted_average',
        addedVlmLatency: 0,
        decoderSeed: 0,
        indices: INDICES,
        maxTime: limit,
        resetDelay: RESET_DELAY,
        onChunk: (m, at, index) => chunks.get(index)!.push(chunkOf(m, at)),
      });
      return eps.map((ep) => ({ index: ep.index, chunks: chunks.get(ep.index)!, success: ep.success ? ep.successTime : undefined }));
    } finally {
      sim.dispose();
    }
  }

  let policy: BundlePolicy;
  before(async () => {
    policy = await BundlePolicy.load('reference');
  });
  after(async () => {
    await policy.release();
  });

  // Every way one episode hands over to the next (the episodes are solved in 4.5–6.4 s): 6 s — after
  // a success (0 → 1) and after a timeout (1 → 2); 5.5 s — after two timeouts in a row (the sim's
  // summed time drifts off the exact step multiples: both must end and reset them at the same step).
  for (const { limit, solved } of [
    { limit: 6, solved: [true, false, true] },
    { limit: 5.5, solved: [false, false, true] },
  ]) {
    it(`seed ${SEED}, ${TASK}, ${limit} s episode timeout: the same chunks and outcome in each episode`, async () => {
      const suite = await throughSuite(limit);
      const evaluated = await throughEval(policy, limit);
      assert.deepEqual(
        suite.map((e) => e.index),
        INDICES,
        'the suite ran episodes 0, 1, 2',
      );
      assert.deepEqual(
        evaluated.map((e) => e.index),
        INDICES,
        'eval ran episodes 0, 1, 2',
      );
      assert.deepEqual(
        suite.map((e) => e.success !== undefined),
        solved,
        'episodes the suite solved',
      );
      suite.forEach((s, i) => {
        const e = evaluated[i];
        assert.ok(
          s.chunks.length >= 0.8 * 30 * (Math.min(limit, s.success ?? Infinity) - 0.2),
          `episode ${s.index}: ${s.chunks.length} chunks from the suite`,
        );
        assertSameChunks(s.chunks, e.chunks, `episode ${s.index}: `);
        if (s.success === undefined)
          assert.equal(e.success, undefined, `episode ${s.index}: eval solved it at ${e.success} s, the suite did not`);
        else {
          assert.ok(e.success !== undefined, `episode ${s.index}: the suite solved it at ${s.success} s, eval did not`);
          assert.ok(
            Math.abs(e.success - s.success) <= 1e-3,
            `episode ${s.index}: success at ${s.success} s (suite) vs ${e.success} s (eval)`,
          );
        }
      });
    });
  }
});
