// The golden comparison on small hand-made output bags: which differences count under which
// tolerance (actions, values, receive times, counts), ignored measured fields, missing and extra
// topics, alarms, and the --tolerance syntax.

import { strict as assert } from 'node:assert';
import path from 'node:path';
import { RosbagWriter } from '../../nodes/bags/bag_writer.js';
import { parseTolerance } from '../../nodes/cli/replay_command.js';
import { compareWithGolden, DEFAULT_TOLERANCE, sameText } from '../../nodes/replay/golden.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { tempDir } from '../bags/helpers.js';

const T0 = 1_700_000_000;

interface Run {
  /** Added to every action value. */
  actionOffset?: number;
  /** Added to every pose x. */
  poseOffset?: number;
  /** Added to every receive time [s]. */
  timeOffset?: number;
  chunks?: number;
  /** A compute time that differs between runs (ignored by default). */
  latency?: number;
  alarmAt?: number;
  withPose?: boolean;
}

async function outputs(file: string, r: Run = {}): Promise<string> {
  const bag = await RosbagWriter.create(file);
  await bag.addTopic('/action_chunk', 'vla_ros_msgs/msg/ActionChunk');
  await bag.addTopic('/failure_alarm', 'vla_ros_msgs/msg/FailureAlarm');
  if (r.withPose !== false) await bag.addTopic('/target_pose', 'geometry_msgs/msg/PoseStamped');
  for (let i = 0; i < (r.chunks ?? 10); i++) {
    const t = T0 + i / 30 + (r.timeOffset ?? 0);
    const stamp = toRosTime(T0 + i / 30);
    await bag.write(
      '/action_chunk',
      {
        header: { stamp, frame_id: 'base' },
        start_time: stamp,
        dt: 1 / 30,
        horizon: 2,
        action_space: 'ee_delta',
        rotation: 'euler_xyz',
        gripper: '',
        dimension_names: ['x', 'y'],
        data: Float32Array.from([0.01 * i, -0.01 * i, 0.02, 0.03].map((v) => v + (r.actionOffset ?? 0))),
        sequence: i + 1,
        latent_version: 1,
        latent_age: 0.01,
        inference_latency: r.latency ?? 0.002,
        observation_stamp: stamp,
      },
      t,
    );
    if (r.withPose !== false) {
      await bag.write(
        '/target_pose',
        {
          header: { stamp, frame_id: 'base' },
          pose: { position: { x: 0.3 + i * 1e-3 + (r.poseOffset ?? 0), y: 0, z: 0.5 }, orientation: { x: 1, y: 0, z: 0, w: 0 } },
        },
        t + 0.001,
      );
    }
  }
  if (r.alarmAt !== undefined) {
    await bag.write(
      '/failure_alarm',
      {
        header: { stamp: toRosTime(T0 + r.alarmAt), frame_id: '' },
        episode_id: 'ep1',
        step: 3,
        reason: 0,
        score: 0.7,
        threshold: 0.6,
        response: 1,
        detail: '',
      },
      T0 + r.alarmAt,
    );
  }
  await bag.close();
  return file;
}

describe('replay: golden comparison', () => {
  let tmp: ReturnType<typeof tempDir>;
  let golden: string;
  beforeEach(async () => {
    tmp = tempDir('vla-golden-');
    golden = await outputs(path.join(tmp.dir, 'golden'));
  });
  afterEach(() => tmp.remove());
  const run = (name: string, r: Run) => outputs(path.join(tmp.dir, name), r);

  it('matches itself, ignoring measured compute times', async () => {
    const r = await compareWithGolden(await run('same', { latency: 0.05 }), golden, { tolerance: { actions: 0, values: 0, time: 0 } });
    assert.ok(r.ok, r.text);
    assert.match(r.text, /RESULT: the replay matches the golden/);
    const inference = await compareWithGolden(await run('lat', { latency: 0.05 }), golden, { ignoreFields: [] });
    assert.ok(!inference.ok);
    assert.match(inference.text, /inference_latency: max \|Δ\| 0\.048/);
  });

  it('action differences count against the actions tolerance, with max and mean', async () => {
    const actual = await run('off', { actionOffset: 2e-4 });
    const strict = await compareWithGolden(actual, golden);
    assert.ok(!strict.ok);
    const chunk = strict.topics.find((t) => t.topic === '/action_chunk')!;
    const data = chunk.fields.find((f) => f.field === 'data[]')!;
    assert.equal(data.kind, 'actions');
    assert.equal(data.compared, 40);
    assert.equal(data.mismatches, 40);
    assert.ok(Math.abs(data.maxAbs - 2e-4) < 1e-6 && Math.abs(data.meanAbs - 2e-4) < 1e-6);
    assert.match(strict.text, /DIFF {2}\/action_chunk +10 msgs \(golden 10\).*actions max\|Δ\| 2\.00e-4/);
    assert.ok((await compareWithGolden(actual, golden, { tolerance: { actions: 3e-4 } })).ok);
    // The poses are untouched: they pass under the strict tolerance.
    assert.deepEqual(strict.topics.find((t) => t.topic === '/target_pose')!.problems, []);
  });

  it('other numbers count against values, receive times against time, counts against count', async () => {
    const pose = await compareWithGolden(await run('pose', { poseOffset: 5e-3 }), golden, { tolerance: { values: 1e-3 } });
    assert.match(
      pose.text,
      /pose\.position\.x: max \|Δ\| 0\.005000, mean \|Δ\| 0\.005000 > tolerance 0\.001; 10 of 10 values off, first at message #0 \(t=\+0\.001 s\): 0\.3050 vs 0\.3000 in the golden/,
    );
    const late = await compareWithGolden(await run('late', { timeOffset: 0.01 }), golden);
    assert.ok(!late.ok);
    assert.match(late.text, /receive time differs by up to 0\.01000 s \(tolerance 0\.001 s\), first at message #0/);
    assert.ok((await compareWithGolden(await run('late2', { timeOffset: 0.01 }), golden, { tolerance: { time: 0.02 } })).ok);
    const fewer = await run('fewer', { chunks: 9 });
    assert.match((await compareWithGolden(fewer, golden)).text, /count 9 vs 10 in the golden \(tolerance 0\)/);
    assert.ok((await compareWithGolden(fewer, golden, { tolerance: { count: 1 } })).ok);
  });

  it('a golden topic missing from the replay, an extra topic (counts differ) and a different alarm are differences', async () => {
    const missing = await compareWithGolden(await run('nopose', { withPose: false }), golden);
    assert.deepEqual(missing.missingTopics, ['/target_pose']);
    assert.equal(missing.ok, false, 'a missing golden topic fails the comparison');
    assert.match(missing.text, /RESULT: the replay DIFFERS from the golden \(0 topic\(s\) differ, 1 missing\)/);
    assert.match(missing.text, /MISSING \/target_pose: 10 message\(s\) in the golden, none in the replay/);
    const extra = await compareWithGolden(golden, await run('nopose2', { withPose: false }));
    assert.ok(!extra.ok);
    assert.deepEqual(extra.extraTopics, ['/target_pose']);
    assert.match(extra.text, /EXTRA {3}\/target_pose: 10 message\(s\) in the replay, none in the golden/);
    assert.match(extra.text, /RESULT: the replay DIFFERS from the golden \(0 topic\(s\) differ, 1 extra\)/);
    const alarm = await compareWithGolden(await run('alarm', { alarmAt: 0.1 }), golden);
    assert.ok(!alarm.ok);
    assert.deepEqual(alarm.alarms.expected, []);
    assert.equal(alarm.alarms.actual.length, 1);
    assert.match(alarm.text, /alarms: replay t=\+0\.100 s \(episode ep1 step 3 score 0\.7000 >= 0\.6000\); golden none {2}<- DIFFER/);
  });

  it('topic selection and per-type ignored fields decide which differences count', async () => {
    const moved = await run('moved', { poseOffset: 5e-3 });
    assert.equal((await compareWithGolden(moved, golden)).ok, false);
    assert.equal((await compareWithGolden(moved, golden, { topics: ['/action_chunk'] })).ok, true);
    const excluded = await compareWithGolden(moved, golden, { excludeTopics: ['/target_pose'] });
    assert.equal(excluded.ok, true);
    assert.deepEqual(
      excluded.topics.map((t) => t.topic),
      ['/action_chunk', '/failure_alarm'],
    );
    // `Type.field` ignores the field in that message type only.
    assert.equal((await compareWithGolden(moved, golden, { ignoreFields: ['PoseStamped.x'] })).ok, true);
    assert.equal((await compareWithGolden(moved, golden, { ignoreFields: ['ActionChunk.x'] })).ok, false);
    assert.equal((await compareWithGolden(moved, golden, { ignoreFields: ['x'] })).ok, true);
  });

  it('alarms differ by count or by time beyond the time tolerance', async () => {
    const g = await run('galarm', { alarmAt: 0.1 });
    assert.equal((await compareWithGolden(await run('same-alarm', { alarmAt: 0.1 }), g)).ok, true);
    const late = await compareWithGolden(await run('late-alarm', { alarmAt: 0.2 }), g);
    assert.equal(late.ok, false);
    assert.match(late.text, /<- DIFFER/);
    assert.match(late.text, /RESULT: the replay DIFFERS from the golden \(1 topic\(s\) differ, alarms differ\)/);
    assert.equal((await compareWithGolden(await run('late-alarm2', { alarmAt: 0.2 }), g, { tolerance: { time: 0.2 } })).ok, true);
  });

  it('numbers quoted inside text compare within the values tolerance', () => {
    assert.ok(sameText('score 0.61234 >= 0.6', 'score 0.61235 >= 0.6', 1e-4));
    assert.ok(!sameText('score 0.61 >= 0.6', 'score 0.71 >= 0.6', 1e-4));
    assert.ok(!sameText('hold', 'resume', 1));
  });

  it('parses --tolerance: a bare number for actions and values, key=value items, and says what is wrong', () => {
    assert.deepEqual(parseTolerance([]), DEFAULT_TOLERANCE);
    assert.deepEqual(parseTolerance(['1e-3']), { ...DEFAULT_TOLERANCE, actions: 1e-3, values: 1e-3 });
    assert.deepEqual(parseTolerance(['actions=0.01', 'time=0.005', 'count=2']), { actions: 0.01, values: 1e-4, time: 0.005, count: 2 });
    assert.throws(() => parseTolerance(['speed=1']), /unknown key 'speed' \(actions, values, time, count\)/);
    assert.throws(() => parseTolerance(['actions=-1']), /'actions=-1' is not a number >= 0/);
  });
});
