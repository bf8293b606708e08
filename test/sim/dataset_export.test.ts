// `vla-ros sim collect`'s export: a couple of real expert episodes → index.json + binary arrays
// whose values are what the simulator, the expert and the bundle's preprocessing give.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectDataset } from '../../nodes/cli/sim_collect_command.js';
import { CliError } from '../../nodes/cli/cli_error.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';
import { ActionPerturbation, DATASET_FORMAT, FrameSource, encodePooled, storedCameras } from '../../nodes/sim/dataset_export.js';
import { runEpisode } from '../../nodes/sim/episode_runner.js';
import { Renderer } from '../../nodes/sim/render/renderer.js';
import { SCENE_OBJECTS, TABLE } from '../../nodes/sim/scene_mjcf.js';
import { makeSimulator } from './sim_helpers.js';

interface Index {
  format: string;
  joint_names: string[];
  ticks: number;
  frames: number;
  cameras: Array<{ name: string; width: number; height: number }>;
  fields: Array<{ file: string; type: string; shape: number[] }>;
  episodes: Array<{
    task: string;
    instruction: string;
    success: boolean;
    ticks: number;
    frames: number;
    tickStart: number;
    frameStart: number;
    noiseScale: number;
    object: string;
  }>;
}

const quiet = { out: () => {}, err: () => {} };

/** The object colour (or 'table') whose chromaticity (r, g, b over their sum) is nearest to a pixel's. */
function closestObjectColour(rgb: readonly number[]): string {
  const chroma = (c: readonly number[]) => c.map((v) => v / (c[0] + c[1] + c[2] + 1e-9));
  const p = chroma(rgb);
  let best = '';
  let bestDistance = Infinity;
  for (const o of [...SCENE_OBJECTS, { colour: 'table', rgba: TABLE.rgba }]) {
    const q = chroma(o.rgba.slice(0, 3));
    const d = (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 + (p[2] - q[2]) ** 2;
    if (d < bestDistance) [best, bestDistance] = [o.colour, d];
  }
  return best;
}

describe('sim collect: dataset export', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-collect-'));
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pools a tensor by blocks and stores it in pixel units', () => {
    const [cam] = storedCameras(
      [{ name: 'scene', width: 4, height: 2, resize: 'stretch', channelOrder: 'rgb', mean: [0.5, 0, 0], std: [0.5, 1, 1] }],
      2,
    );
    assert.deepEqual([cam.width, cam.height], [2, 1]);
    // channel 0: x = (u/255 − 0.5)/0.5; the 2×2 block means are 0 and 1 → u = 127.5 → 128, 255
    const t = new Float32Array(3 * 2 * 4);
    t.set([-1, 1, 1, 1, 1, -1, 1, 1], 0);
    t.set([0.2, 0.2, 0, 0, 0.2, 0.2, 0, 0], 8);
    const out = new Uint8Array(6);
    encodePooled(t, cam, 2, out, 0);
    assert.deepEqual([...out], [128, 255, 51, 0, 0, 0]);
    assert.throws(() => storedCameras([{ ...cam.source, name: 'x', width: 5, height: 4 }], 2), /not divisible/);
  });

  it('leaves the expert action alone at noise scale 0 and perturbs it with correlated noise otherwise', () => {
    const spec = { position: 0.002, yaw: 0.01, correlation: 0.8 };
    let s = 1;
    const random = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const a = [0.001, 0, 0, 0, 0, 0.01, 0];
    assert.deepEqual([...new ActionPerturbation(spec, 0, random).apply(a)], a);
    const noisy = new ActionPerturbation(spec, 1, random);
    const d = Array.from({ length: 200 }, () => noisy.apply(a)[0] - a[0]);
    const std = Math.sqrt(d.reduce((x, v) => x + v * v, 0) / d.length);
    assert.ok(std > 0.001 && std < 0.004, `translation noise std ${std}`);
    const lag1 = d.slice(1).reduce((x, v, i) => x + v * d[i], 0) / d.slice(1).reduce((x, _v, i) => x + d[i] * d[i], 0);
    assert.ok(lag1 > 0.5, `correlated (lag-1 ${lag1})`);
    const b = noisy.apply(a);
    assert.equal(b[6], 0, 'gripper untouched');
    assert.deepEqual([b[3], b[4]], [0, 0], 'roll and pitch untouched');
  });

  it('writes two expert episodes as a well-formed export with the recorded values', async () => {
    const out = path.join(dir, 'data');
    const r = await collectDataset(
      {
        out,
        episodes: 2,
        seed: 11,
        robot: 'fr3',
        tasks: ['push_left', 'touch'],
        bundle: 'reference',
        imageEvery: 3,
        pool: 4,
        noise: 0,
        maxTime: 15,
      },
      quiet,
    );
    assert.equal(r.successes, 2);
    const index = JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8')) as Index;
    assert.equal(index.format, DATASET_FORMAT);
    assert.deepEqual(index.joint_names, ['fr3_joint1', 'fr3_joint2', 'fr3_joint3', 'fr3_joint4', 'fr3_joint5', 'fr3_joint6', 'fr3_joint7']);
    assert.deepEqual(
      index.cameras.map((c) => [c.name, c.width, c.height]),
      [
        ['scene', 56, 56],
        ['wrist', 56, 56],
      ],
    );
    assert.deepEqual(
      index.episodes.map((e) => e.task),
      ['push_left', 'touch'],
    );
    assert.equal(index.episodes[1].tickStart, index.episodes[0].ticks);
    assert.equal(index.ticks, r.ticks);
    for (const f of index.fields) {
      const size = { float32: 4, int32: 4, uint8: 1 }[f.type]!;
      assert.equal(fs.statSync(path.join(out, f.file)).size, size * f.shape.reduce((a, b) => a * b, 1), f.file);
    }
    const bytes = (name: string) => {
      const b = fs.readFileSync(path.join(out, `${name}.bin`));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    };
    const f32 = (name: string) => new Float32Array(bytes(name));
    const i32 = (name: string) => new Int32Array(bytes(name));
    const action = f32('action');
    const state = f32('state');
    const frame = i32('frame');
    const frameTick = i32('frame_tick');
    const success = fs.readFileSync(path.join(out, 'success_flag.bin'));

    // Episode 0 with noise 0 is exactly the expert's episode: same actions, same joint states.
    const sim = await makeSimulator('fr3', { seed: 11, episode: { task: 'push_left', object: 'random' } });
    const actions: Float64Array[] = [];
    const joints: Float64Array[] = [];
    sim.reset(0);
    joints.push(Float64Array.from(sim.jointState().position));
    const run = runEpisode(sim, 'expert', {
      index: 0,
      maxTime: 15,
      afterSuccess: 0.3,
      onTick: (t) => (actions.push(t.action), joints.push(Float64Array.from(t.jointPositions))),
    });
    const e0 = index.episodes[0];
    assert.equal(e0.ticks, run.actions);
    assert.equal(e0.instruction, run.setup.instruction);
    for (let t = 0; t < e0.ticks; t++) {
      for (let j = 0; j < 7; j++) {
        assert.ok(Math.abs(action[7 * t + j] - actions[t][j]) < 1e-6, `action ${t}.${j}`);
        assert.ok(Math.abs(state[7 * t + j] - joints[t][j]) < 1e-5, `state ${t}.${j}`);
      }
      assert.equal(action[7 * t + 6], 0, 'pushes close the gripper');
      assert.equal(frame[t], Math.floor(t / 3), 'the latest frame at or before the tick');
    }
    assert.equal(e0.frames, Math.ceil(e0.ticks / 3));
    assert.deepEqual([...frameTick.slice(0, 3)], [0, 3, 6]);
    // Where the task object lands in each camera's tensor (privileged label): in the scene camera
    // at the first frame, on pixels of the object's colour; in the wrist camera at the end of touch.
    const objectPixel = f32('object_pixel');
    assert.equal(objectPixel.length, index.frames * 2 * 3);
    const scene = fs.readFileSync(path.join(out, 'images_scene.bin'));
    for (const [k, e] of index.episodes.entries()) {
      const at = 6 * e.frameStart;
      assert.equal(objectPixel[at + 2], 1, `episode ${k}: object in the scene camera's view`);
      const col = Math.floor(((objectPixel[at] + 1) / 2) * 56);
      const row = Math.floor(((objectPixel[at + 1] + 1) / 2) * 56);
      const rgb = [0, 1, 2].map((c) => scene[3 * 56 * 56 * e.frameStart + c * 56 * 56 + row * 56 + col]);
      assert.equal(closestObjectColour(rgb), e.object, `episode ${k}: pixel ${col},${row} is ${rgb.join(',')}`);
    }
    const touchEnd = 6 * (index.episodes[1].frameStart + index.episodes[1].frames - 1) + 3;
    assert.equal(objectPixel[touchEnd + 2], 1, 'the wrist camera sees the object it touches');
    assert.ok(
      Math.abs(objectPixel[touchEnd]) < 0.5 && Math.abs(objectPixel[touchEnd + 1]) < 0.9,
      `${objectPixel.slice(touchEnd, touchEnd + 2).join(',')}`,
    );

    // The success flag latches on in the last 0.3 s.
    assert.equal(success[e0.ticks - 1], 1);
    assert.equal(success[0], 0);

    // The first stored frame is the bundle's preprocessing of the reset scene, pooled.
    sim.reset(0);
    const cams = storedCameras(loadPolicyBundle('reference').manifest.cameras, 4);
    const tensors = new FrameSource(sim, new Renderer(), cams).capture([0.5, 0, 0]).map((c) => c.tensor);
    const images = fs.readFileSync(path.join(out, 'images_wrist.bin'));
    const expected = new Uint8Array(3 * 56 * 56);
    encodePooled(tensors[1], cams[1], 4, expected, 0);
    assert.deepEqual(new Uint8Array(images.buffer, images.byteOffset, expected.length), expected);
    sim.dispose();
  });

  it('refuses bad options with a usage error', async () => {
    const base = {
      out: path.join(dir, 'bad'),
      episodes: 1,
      seed: 0,
      robot: 'fr3' as const,
      tasks: ['touch' as const],
      bundle: 'reference',
      imageEvery: 1,
      pool: 4,
      noise: 1,
      maxTime: 1,
    };
    await assert.rejects(
      collectDataset({ ...base, episodes: 0 }, quiet),
      (e: unknown) => e instanceof CliError && /--episodes/.test(e.message),
    );
    await assert.rejects(collectDataset({ ...base, pool: 3 }, quiet), /not divisible by pool 3/);
  });
});
