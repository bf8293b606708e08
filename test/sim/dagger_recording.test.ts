// `vla-ros sim collect --policy`: DAgger data. The reference bundle drives the arm through the
// closed loop `vla-ros sim eval` runs; the export holds the states the POLICY visited and the
// EXPERT's labels for them, in the expert demonstrations' format.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectDataset } from '../../nodes/cli/sim_collect_command.js';
import { mixSeed } from '../../nodes/random/seeded_random.js';
import { simCameraRig } from '../../nodes/sim/camera_rig.js';
import { DAGGER_MAX_LATENT_AGE, DAGGER_SETTING } from '../../nodes/sim/dagger_recording.js';
import { DATASET_FORMAT } from '../../nodes/sim/dataset_export.js';
import { createDefaultSimulator } from '../../nodes/sim/default_simulator.js';
import { expertPolicy } from '../../nodes/sim/episode_runner.js';
import { BundlePolicy } from '../../nodes/sim/eval/bundle_policy.js';
import { runClosedLoopEpisode, type ActionInstant } from '../../nodes/sim/eval/closed_loop.js';
import { Renderer } from '../../nodes/sim/render/renderer.js';

interface Index {
  format: string;
  ticks: number;
  policy?: { bundle: string; setting: unknown; maxLatentAge: number };
  options: { perturbation: { position: number; yaw: number }; randomScale: boolean };
  episodes: Array<{ task: string; driver: string; success: boolean; ticks: number; frames: number; instruction: string }>;
}

const quiet = { out: () => {}, err: () => {} };

describe('sim collect --policy: on-policy states labelled by the expert (DAgger)', function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-dagger-'));
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("records the policy's closed-loop states with the expert's actions for them", async () => {
    const out = path.join(dir, 'dagger');
    const seed = 21;
    const maxTime = 1.5;
    const r = await collectDataset(
      {
        out,
        episodes: 1,
        seed,
        robot: 'fr3',
        tasks: ['push_left'],
        bundle: 'reference',
        imageEvery: 2,
        pool: 4,
        noise: 1,
        maxTime,
        policy: 'reference',
      },
      quiet,
    );
    const index = JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8')) as Index;
    assert.equal(index.format, DATASET_FORMAT);
    assert.deepEqual(index.policy?.setting, DAGGER_SETTING);
    // --noise 1 was given, but the policy's actions run unperturbed, and the index says so.
    assert.deepEqual([index.options.perturbation.position, index.options.perturbation.yaw, index.options.randomScale], [0, 0, false]);
    const [e] = index.episodes;
    assert.equal(e.driver, 'policy');
    assert.equal(e.task, 'push_left');
    // One tick per action instant k/30 s of the 1.5 s episode, a frame every 2nd.
    assert.equal(e.ticks, 45);
    assert.equal(r.ticks, 45);
    assert.equal(e.frames, 23);
    const f32 = (name: string) => {
      const b = fs.readFileSync(path.join(out, `${name}.bin`));
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    };
    const state = f32('state');
    const action = f32('action');
    const time = f32('time');

    // The same episode again (closed loops on simulated time are deterministic), watched at the
    // same instants: the recorded states are the policy's, the recorded actions what a fresh
    // expert says from the bridge's target at each instant — not what the policy then did.
    const sim = await createDefaultSimulator('fr3', seed, { task: 'push_left', object: 'random' });
    const policy = await BundlePolicy.load('reference');
    const instants: ActionInstant[] = [];
    const joints: Float64Array[] = [];
    const labels: Float64Array[] = [];
    let expert: ReturnType<typeof expertPolicy> | undefined;
    try {
      const ep = await runClosedLoopEpisode(sim, simCameraRig(sim), new Renderer(), policy, {
        ...DAGGER_SETTING,
        index: 0,
        maxTime,
        decoderSeed: mixSeed(seed, 0),
        maxLatentAge: DAGGER_MAX_LATENT_AGE,
        onActionInstant: (instant) => {
          expert ??= expertPolicy(sim, sim.episode!);
          instants.push(instant);
          joints.push(Float64Array.from(sim.jointState().position));
          const ee = sim.eePose();
          const b = instant.bridgeTarget;
          const target =
            b === undefined
              ? ee
              : { p: [b[0], b[1], b[2]] as [number, number, number], q: [b[3], b[4], b[5], b[6]] as [number, number, number, number] };
          labels.push(expert.act({ time: instant.time, target, ee, objectPose: (c) => sim.physics.objectPose(c) }));
        },
      });
      assert.equal(ep.instruction, e.instruction);
      assert.equal(ep.success, e.success);
    } finally {
      await policy.release();
      sim.dispose();
    }
    assert.equal(instants.length, 45);
    instants.forEach((x, k) => {
      assert.equal(x.tick, k);
      assert.ok(Math.abs(x.time - Math.round((k * 1000) / 30) / 1000) < 1e-9, `instant ${k} at ${x.time}`);
      assert.ok(Math.abs(time[k] - x.time) < 1e-6, `time ${k}`);
    });
    // The bridge publishes from its activation (0.07 s) on: the first instants use the reset pose.
    assert.equal(instants[0].bridgeTarget, undefined);
    assert.ok(instants[10].bridgeTarget !== undefined);
    let moved = 0;
    let differs = 0;
    for (let k = 0; k < 45; k++) {
      for (let j = 0; j < 7; j++) {
        assert.ok(Math.abs(state[7 * k + j] - joints[k][j]) < 1e-6, `state ${k}.${j}`);
        assert.ok(Math.abs(action[7 * k + j] - labels[k][j]) < 1e-6, `action ${k}.${j}`);
      }
      moved = Math.max(moved, Math.hypot(joints[k][0] - joints[0][0], joints[k][1] - joints[0][1], joints[k][3] - joints[0][3]));
      // What the policy did between this instant and the next, against the expert's label.
      const a = instants[k].bridgeTarget;
      const b = instants[k + 1]?.bridgeTarget;
      if (a !== undefined && b !== undefined) {
        const d = Math.hypot(b[0] - a[0] - labels[k][0], b[1] - a[1] - labels[k][1], b[2] - a[2] - labels[k][2]);
        if (d > 0.002) differs++;
      }
    }
    assert.ok(moved > 0.01, `the policy moved the arm (${moved} rad)`);
    assert.ok(differs > 5, `the labels are not the policy's motion (${differs} ticks differ by > 2 mm)`);
  });
});
