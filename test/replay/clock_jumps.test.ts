// Time going backwards in a replay: on a loop (and on a loop of a seeked range) /clock jumps back
// to the start of the played range, once per pass; every node drops what it held from the
// "future" and keeps working — the same outputs per pass, no latent older than the run allows or
// from after the current time, nothing non-finite to the controller, no error logged.

import { strict as assert } from 'node:assert';
import path from 'node:path';
import { BagReader, type BagRecord } from '../../nodes/bags/bag_reader.js';
import type { LogRecord } from '../../nodes/ros/logger.js';
import { fromNanoseconds } from '../../nodes/ros/time.js';
import { replayBag } from '../../nodes/replay/replay.js';
import { tempDir } from '../bags/helpers.js';
import { FIXTURE_INPUT, FIXTURE_INPUT_OPTIONS, fixtureLaunch } from './fixtures/replay_fixture.js';

const T0 = FIXTURE_INPUT_OPTIONS.start!;

interface Stamp {
  sec: number;
  nanosec: number;
}
interface Chunk {
  header: { stamp: Stamp };
  data: Float32Array;
  latent_version: number;
  latent_age: number;
}
interface Pose {
  header: { stamp: Stamp };
  pose: { position: Record<'x' | 'y' | 'z', number>; orientation: Record<'x' | 'y' | 'z' | 'w', number> };
}

const seconds = (s: Stamp) => s.sec + s.nanosec / 1e9;

/** Each topic's messages in the order they were recorded (per-topic sequence), with receive times [s]. */
async function recorded(bag: string): Promise<Map<string, { t: number; m: BagRecord }[]>> {
  const reader = await BagReader.open(bag);
  const out = new Map<string, { t: number; m: BagRecord }[]>();
  try {
    for await (const m of reader.messages()) {
      const list = out.get(m.topic) ?? [];
      list.push({ t: fromNanoseconds(m.logTime), m });
      out.set(m.topic, list);
    }
  } finally {
    reader.close();
  }
  for (const list of out.values()) list.sort((a, b) => a.m.sequence - b.m.sequence);
  return out;
}

/** Splits a recorded sequence where its time goes back: one part per pass. */
function passes<T extends { t: number }>(list: T[]): T[][] {
  const parts: T[][] = [[]];
  list.forEach((x, i) => {
    if (i > 0 && x.t < list[i - 1].t) parts.push([]);
    parts[parts.length - 1].push(x);
  });
  return parts;
}

async function loopedReplay(dir: string, range: { start?: number; duration?: number }) {
  const logs: LogRecord[] = [];
  const outputBag = path.join(dir, 'out');
  const r = await replayBag({
    bag: FIXTURE_INPUT,
    mode: 'deterministic',
    launch: fixtureLaunch(),
    passes: 2,
    ...range,
    outputBag,
    includeOutputTypes: ['rosgraph_msgs/msg/Clock'],
    logSink: (l) => logs.push(l),
  });
  return { r, logs, out: await recorded(outputBag) };
}

function checkPasses(out: Map<string, { t: number; m: BagRecord }[]>, from: number, to: number, tail: number): void {
  // /clock: non-decreasing, then exactly one jump back to the start of the range.
  const clock = passes(out.get('/clock')!);
  assert.equal(clock.length, 2);
  assert.equal(clock[1][0].t, from);
  assert.ok(clock[0][clock[0].length - 1].t >= to - 0.002);
  assert.ok(clock[1][clock[1].length - 1].t <= to + tail + 1e-6);

  // The fast pathway works on in pass 2 as in pass 1, with latents of its own pass.
  const chunks = passes(out.get('/action_chunk')!);
  assert.equal(chunks.length, 2);
  // Only the last pass has the tail (time running on after the last message): compare the range.
  const [n1, n2] = chunks.map((p) => p.filter(({ t }) => t <= to).length);
  assert.ok(n1 > 20 && Math.abs(n1 - n2) <= 2, `chunks per pass ${n1}, ${n2}`);
  for (const { t, m } of chunks.flat()) {
    const c = m.decode() as Chunk;
    const stamp = seconds(c.header.stamp);
    assert.ok(stamp >= from - 1e-6 && stamp <= t + 1e-6, `chunk stamped ${stamp - T0} received ${t - T0}`);
    // A latent kept across the jump would be from the future (negative age) or from pass 1: young
    // while the cameras send (VLM at 2 Hz), then ageing up to max_latent_age (1 s) after they stop.
    const camerasLive = stamp - T0 < FIXTURE_INPUT_OPTIONS.camerasStopAt! + 0.1;
    assert.ok(c.latent_age >= 0 && c.latent_age < (camerasLive ? 0.6 : 1.0), `latent age ${c.latent_age} at ${t - T0}`);
    assert.ok(c.data.every(Number.isFinite));
  }
  const lastOfPass1 = chunks[0][n1 - 1].m.decode() as Chunk;
  const firstOfPass2 = chunks[1][0].m.decode() as Chunk;
  assert.ok(firstOfPass2.latent_version > lastOfPass1.latent_version, 'pass 2 starts from a new latent');

  // The bridge commands finite poses, stamped in the current pass, in both passes.
  const poses = passes(out.get('/target_pose')!);
  assert.equal(poses.length, 2);
  // Pass 1 starts with the bridge's activation (it waits for the first robot state): a few fewer.
  const [p1, p2] = poses.map((p) => p.filter(({ t }) => t <= to).length);
  assert.ok(p1 > 20 && p2 >= p1 && p2 - p1 <= 5, `target poses per pass ${p1}, ${p2}`);
  for (const { t, m } of poses.flat()) {
    const p = m.decode() as Pose;
    assert.ok([...Object.values(p.pose.position), ...Object.values(p.pose.orientation)].every(Number.isFinite));
    assert.ok(seconds(p.header.stamp) >= from - 1e-6 && seconds(p.header.stamp) <= t + 1e-6);
  }
  // The failure monitor scores in both passes.
  const scores = passes(out.get('/failure_score')!);
  assert.equal(scores.length, 2);
  const [s1, s2] = scores.map((p) => p.filter(({ t }) => t <= to).length);
  assert.ok(s1 > 20 && Math.abs(s1 - s2) <= 2, `scores per pass ${s1}, ${s2}`);
}

describe('replay: clock jumps on loop and seek', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('vla-replay-jumps-')));
  afterEach(() => tmp.remove());

  it('a looped replay jumps /clock back to the bag start; the nodes reset and work on', async () => {
    const { r, logs, out } = await loopedReplay(tmp.dir, {});
    assert.equal(r.play.passes, 2);
    assert.deepEqual(r.suiteProblems, []);
    assert.equal(r.play.perTopic.get('/joint_states'), 350);
    assert.ok(Math.abs(r.play.seconds - 2 * (r.play.end - r.play.start)) < 1e-6, `played ${r.play.seconds} s`);
    assert.deepEqual(
      logs.filter((l) => l.level === 'error' || l.level === 'fatal'),
      [],
    );
    assert.equal(r.play.start, T0);
    checkPasses(out, r.play.start, r.play.end, 0.5);
  });

  it('a seek (--start 1 --duration 1) plays only that range, and loops back to its start', async () => {
    const { r, logs, out } = await loopedReplay(tmp.dir, { start: 1, duration: 1 });
    assert.equal(r.play.passes, 2);
    assert.deepEqual(r.suiteProblems, []);
    assert.deepEqual(
      logs.filter((l) => l.level === 'error' || l.level === 'fatal'),
      [],
    );
    // Robot state replayed (recorded among the outputs) lies in the range only: 50 Hz × 1 s per pass.
    const joints = passes(out.get('/joint_states')!);
    assert.deepEqual(
      joints.map((p) => p.length),
      [51, 51],
    );
    for (const { t } of joints.flat()) assert.ok(t >= T0 + 1 && t <= T0 + 2);
    assert.deepEqual(
      [r.play.start - T0, r.play.end - T0].map((x) => Math.round(x * 1e6) / 1e6),
      [1, 2],
    );
    checkPasses(out, r.play.start, r.play.end, 0.5);
  });
});
