// The golden comparison's report, line for line, and its verdicts at the edges: the diff report is
// what a user reads to decide whether a replay regressed, so its exact text is asserted (every
// kind of difference, the per-kind tolerance it was measured against, where it first differs),
// and every verdict is checked exactly at its limit and just past it.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { FileHandleWritable } from '@mcap/nodejs';
import { McapWriter } from '@mcap/core';
import { RosbagWriter } from '../../nodes/bags/bag_writer.js';
import { defaultMessageRegistry } from '../../nodes/msgs/registry.js';
import { compareWithGolden, sameText, type CompareOptions, type GoldenReport } from '../../nodes/replay/golden.js';
import { tempDir } from '../bags/helpers.js';

const T0 = 1_700_000_000;

/** Per topic: its type and its messages as [receive time after T0 [s], message]. */
type Topics = Record<string, { type: string; messages: [number, object][] }>;

const f64 = (messages: [number, number][]): Topics[string] => ({
  type: 'std_msgs/msg/Float64',
  messages: messages.map(([t, data]): [number, object] => [t, { data }]),
});

function chunk(data: number[], dimensionNames = ['x', 'y']): object {
  const stamp = { sec: 0, nanosec: 0 };
  return {
    header: { stamp, frame_id: 'base' },
    start_time: stamp,
    dt: 0.1,
    horizon: 1,
    action_space: 'ee_delta',
    rotation: 'euler_xyz',
    gripper: '',
    dimension_names: dimensionNames,
    data: Float32Array.from(data),
    sequence: 1,
    latent_version: 1,
    latent_age: 0,
    inference_latency: 0,
    observation_stamp: stamp,
  };
}

function alarm(reason: number): object {
  return {
    header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
    episode_id: 'ep1',
    step: 3,
    reason,
    score: 0.75,
    threshold: 0.5,
    response: 1,
    detail: '',
  };
}

describe('replay: golden comparison report', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('vla-golden-report-')));
  afterEach(() => tmp.remove());

  async function bag(name: string, topics: Topics): Promise<string> {
    const file = path.join(tmp.dir, name);
    const writer = await RosbagWriter.create(file, { overwrite: true });
    for (const [topic, t] of Object.entries(topics)) await writer.addTopic(topic, t.type);
    const all = Object.entries(topics).flatMap(([topic, t]) => t.messages.map(([dt, m]) => ({ topic, time: T0 + dt, m })));
    for (const x of all.sort((a, b) => a.time - b.time)) await writer.write(x.topic, x.m, x.time);
    await writer.close();
    return file;
  }

  async function compare(actual: Topics, golden: Topics, options?: CompareOptions): Promise<GoldenReport> {
    return compareWithGolden(await bag('actual', actual), await bag('golden', golden), options);
  }

  /** The report's lines, with the temporary folder written as <tmp>. */
  const lines = (r: GoldenReport) => {
    assert.ok(r.text.endsWith('\n') && !r.text.endsWith('\n\n'), JSON.stringify(r.text));
    return r.text.split(tmp.dir).join('<tmp>').slice(0, -1).split('\n');
  };

  it('a match: a header with the tolerances, one ok line per topic padded to a common width, no alarms', async () => {
    const topics: Topics = {
      '/a': { type: 'vla_ros_msgs/msg/ActionChunk', messages: [[0, chunk([0.5, 0.25])]] },
      '/pose': f64([
        [0, 1],
        [1, 2],
      ]),
    };
    const r = await compare(topics, topics);
    assert.equal(r.ok, true);
    assert.equal(r.origin, T0);
    assert.deepEqual(lines(r), [
      'replay outputs <tmp>/actual vs golden <tmp>/golden: 2 topic(s) compared (tolerances: actions 0.0001, values 0.0001, time 0.001 s, count 0)',
      '  ok    /a        1 msgs (golden 1), Δt max 0 s, actions max|Δ| 0 mean|Δ| 0',
      '  ok    /pose     2 msgs (golden 2), Δt max 0 s',
      '  alarms: replay none; golden none',
      'RESULT: the replay matches the golden',
    ]);
  });

  it('action figures: the largest difference and the mean over every compared value, within tolerance', async () => {
    const golden: Topics = {
      '/action_chunk_long': {
        type: 'vla_ros_msgs/msg/ActionChunk',
        messages: [
          [0, chunk([0, 0])],
          [1, chunk([0, 0])],
        ],
      },
    };
    const actual: Topics = {
      '/action_chunk_long': {
        type: 'vla_ros_msgs/msg/ActionChunk',
        messages: [
          [0, chunk([0.5, 0.25])],
          [1, chunk([0.125, 0])],
        ],
      },
    };
    const r = await compare(actual, golden, { tolerance: { actions: 1 } });
    assert.equal(r.ok, true, r.text);
    const data = r.topics[0].fields.find((f) => f.field === 'data[]')!;
    assert.deepEqual([data.kind, data.maxAbs, data.meanAbs, data.compared, data.mismatches], ['actions', 0.5, 0.21875, 4, 0]);
    assert.equal(lines(r)[1], '  ok    /action_chunk_long  2 msgs (golden 2), Δt max 0 s, actions max|Δ| 0.5000 mean|Δ| 0.2188');
  });

  it('every kind of difference: its own line, the tolerance of its kind, and the first message that differs', async () => {
    const golden: Topics = {
      '/chunk': {
        type: 'vla_ros_msgs/msg/ActionChunk',
        messages: [
          [0, chunk([0.5, 0.25])],
          [1, chunk([0.5, 0.25])],
        ],
      },
      '/value': f64([
        [0, 2],
        [1, 2],
      ]),
      '/stamp': { type: 'std_msgs/msg/Header', messages: [[0, { stamp: { sec: 10, nanosec: 600_000_000 }, frame_id: 'base' }]] },
      '/text': { type: 'std_msgs/msg/String', messages: [[0, { data: 'hold' }]] },
      '/flag': { type: 'std_msgs/msg/Bool', messages: [[0, { data: true }]] },
      '/names': { type: 'vla_ros_msgs/msg/ActionChunk', messages: [[0, chunk([1, 2, 3], ['x', 'y'])]] },
      '/count': {
        type: 'std_msgs/msg/Int64',
        messages: [
          [0, { data: 5n }],
          [1, { data: 5n }],
          [2, { data: 5n }],
        ],
      },
      '/late': f64([
        [0, 1],
        [1, 1],
        [2, 1],
      ]),
    };
    const actual: Topics = {
      ...golden,
      '/chunk': {
        type: 'vla_ros_msgs/msg/ActionChunk',
        messages: [
          [0, chunk([0.5, 0.25])],
          [1, chunk([1, 0.25])],
        ],
      },
      '/value': f64([
        [0, 2],
        [1, 2.5],
      ]),
      '/stamp': { type: 'std_msgs/msg/Header', messages: [[0, { stamp: { sec: 11, nanosec: 400_000_000 }, frame_id: 'tool' }]] },
      '/text': { type: 'std_msgs/msg/String', messages: [[0, { data: 'resume' }]] },
      '/flag': { type: 'std_msgs/msg/Bool', messages: [[0, { data: false }]] },
      '/names': { type: 'vla_ros_msgs/msg/ActionChunk', messages: [[0, chunk([1], [])]] },
      '/count': {
        type: 'std_msgs/msg/Int64',
        messages: [
          [0, { data: 5n }],
          [1, { data: 7n }],
        ],
      },
      '/late': f64([
        [0, 1],
        [1, 1],
        [2.5, 1],
      ]),
    };
    const r = await compare(actual, golden, { tolerance: { actions: 0.25, values: 0.125, time: 0.375 } });
    assert.equal(r.ok, false);
    assert.deepEqual(lines(r), [
      'replay outputs <tmp>/actual vs golden <tmp>/golden: 8 topic(s) compared (tolerances: actions 0.25, values 0.125, time 0.375 s, count 0)',
      '  DIFF  /chunk    2 msgs (golden 2), Δt max 0 s, actions max|Δ| 0.5000 mean|Δ| 0.1250',
      '          data[] (actions): max |Δ| 0.5000, mean |Δ| 0.1250 > tolerance 0.25; 1 of 4 values off, first at message #1 (t=+1.000 s): 1.000 vs 0.5000 in the golden',
      '  DIFF  /value    2 msgs (golden 2), Δt max 0 s',
      '          data: max |Δ| 0.5000, mean |Δ| 0.2500 > tolerance 0.125; 1 of 2 values off, first at message #1 (t=+1.000 s): 2.500 vs 2.000 in the golden',
      '  DIFF  /stamp    1 msgs (golden 1), Δt max 0 s',
      '          stamp: max |Δ| 0.8000, mean |Δ| 0.8000 > tolerance 0.375; 1 of 1 values off, first at message #0 (t=+0.000 s): 11.40 vs 10.60 in the golden',
      '          frame_id: 1 of 1 differ, first at message #0 (t=+0.000 s): "tool" vs "base" in the golden',
      '  DIFF  /text     1 msgs (golden 1), Δt max 0 s',
      '          data: 1 of 1 differ, first at message #0 (t=+0.000 s): "resume" vs "hold" in the golden',
      '  DIFF  /flag     1 msgs (golden 1), Δt max 0 s',
      '          data: 1 of 1 differ, first at message #0 (t=+0.000 s): "false" vs "true" in the golden',
      '  DIFF  /names    1 msgs (golden 1), Δt max 0 s, actions max|Δ| 0 mean|Δ| 0',
      '          dimension_names[]: 2 of 2 differ, first at message #0 (t=+0.000 s): (missing) vs x in the golden',
      '          dimension_names.length: 1 of 1 differ, first at message #0 (t=+0.000 s): "0" vs "2" in the golden',
      '          data[] (actions): max |Δ| 0, mean |Δ| 0 > tolerance 0.25; 2 of 3 values off, first at message #0 (t=+0.000 s): (missing) vs 2.000 in the golden',
      '          data.length: 1 of 1 differ, first at message #0 (t=+0.000 s): "1" vs "3" in the golden',
      '  DIFF  /count    2 msgs (golden 3), Δt max 0 s',
      '          count 2 vs 3 in the golden (tolerance 0)',
      '          data: max |Δ| 2.000, mean |Δ| 1.000 > tolerance 0.125; 1 of 2 values off, first at message #1 (t=+1.000 s): 7.000 vs 5.000 in the golden',
      '  DIFF  /late     3 msgs (golden 3), Δt max 0.5000 s',
      '          receive time differs by up to 0.5000 s (tolerance 0.375 s), first at message #2 (t=+2.000 s)',
      '  alarms: replay none; golden none',
      'RESULT: the replay DIFFERS from the golden (8 topic(s) differ)',
    ]);
    const late = r.topics.find((t) => t.topic === '/late')!;
    assert.equal(late.timeMaxAbs, 0.5);
    assert.ok(Math.abs(late.timeMeanAbs - 0.5 / 3) < 1e-9, String(late.timeMeanAbs));
    assert.equal(r.topics.find((t) => t.topic === '/value')!.fields[0].kind, 'values', "a 'data' field outside ActionChunk is a value");
  });

  it('a topic whose type differs is one problem, and its messages are not compared', async () => {
    const r = await compare(
      { '/x': { type: 'std_msgs/msg/Int64', messages: [[0, { data: 1n }]] } },
      { '/x': { type: 'std_msgs/msg/Float64', messages: [[0, { data: 1 }]] } },
    );
    assert.equal(r.ok, false);
    assert.deepEqual(r.topics[0].fields, []);
    assert.deepEqual(lines(r).slice(1, 3), [
      '  DIFF  /x        1 msgs (golden 1), Δt max 0 s',
      '          type std_msgs/msg/Int64 in the replay, std_msgs/msg/Float64 in the golden',
    ]);
  });

  it('every tolerance holds exactly at its limit and fails just past it', async () => {
    const golden: Topics = {
      '/chunk': { type: 'vla_ros_msgs/msg/ActionChunk', messages: [[0, chunk([0.5])]] },
      '/value': f64([[0, 2]]),
      '/stamp': { type: 'std_msgs/msg/Header', messages: [[0, { stamp: { sec: 10, nanosec: 0 }, frame_id: '' }]] },
      '/time': f64([
        [0, 1],
        [1, 1],
      ]),
      '/count': f64([
        [0, 1],
        [1, 1],
        [2, 1],
      ]),
      '/alarm': { type: 'vla_ros_msgs/msg/FailureAlarm', messages: [[0.25, alarm(0)]] },
    };
    const actual: Topics = {
      '/chunk': { type: 'vla_ros_msgs/msg/ActionChunk', messages: [[0, chunk([0.75])]] },
      '/value': f64([[0, 2.25]]),
      '/stamp': { type: 'std_msgs/msg/Header', messages: [[0, { stamp: { sec: 10, nanosec: 250_000_000 }, frame_id: '' }]] },
      '/time': f64([
        [0, 1],
        [1.25, 1],
      ]),
      '/count': f64([
        [0, 1],
        [1, 1],
      ]),
      '/alarm': { type: 'vla_ros_msgs/msg/FailureAlarm', messages: [[0.5, alarm(0)]] },
    };
    const at = await compare(actual, golden, { tolerance: { actions: 0.25, values: 0.25, time: 0.25, count: 1 } });
    assert.equal(at.ok, true, at.text);
    assert.match(at.text, /alarms: replay t=\+0\.500 s \(episode ep1 step 3 score 0\.7500 >= 0\.5000\); golden t=\+0\.250 s \(.*\)\n/);
    // Each limit on its own, just below the difference: only that topic (or the alarms) differs.
    const past = async (tolerance: CompareOptions['tolerance']) => {
      const r = await compareWithGolden(path.join(tmp.dir, 'actual'), path.join(tmp.dir, 'golden'), {
        tolerance: { actions: 0.25, values: 0.25, time: 0.25, count: 1, ...tolerance },
      });
      return [r.ok, r.topics.filter((t) => t.problems.length > 0).map((t) => t.topic), /alarms differ/.test(r.text)];
    };
    assert.deepEqual(await past({ actions: 0.24 }), [false, ['/chunk'], false]);
    assert.deepEqual(await past({ values: 0.24 }), [false, ['/value'], false]);
    assert.deepEqual(await past({ count: 0 }), [false, ['/count'], false]);
    // The time tolerance covers time fields, receive times and alarm times.
    assert.deepEqual(await past({ time: 0.24 }), [false, ['/stamp', '/time', '/alarm'], true]);
  });

  it('each kind is measured against its own tolerance, not another kind’s', async () => {
    const golden: Topics = {
      '/chunk': { type: 'vla_ros_msgs/msg/ActionChunk', messages: [[0, chunk([0.5])]] },
      '/value': f64([[0, 2]]),
      '/stamp': { type: 'std_msgs/msg/Header', messages: [[0, { stamp: { sec: 10, nanosec: 0 }, frame_id: '' }]] },
    };
    const actual: Topics = {
      '/chunk': { type: 'vla_ros_msgs/msg/ActionChunk', messages: [[0, chunk([0.75])]] },
      '/value': f64([[0, 2.25]]),
      '/stamp': { type: 'std_msgs/msg/Header', messages: [[0, { stamp: { sec: 10, nanosec: 250_000_000 }, frame_id: '' }]] },
    };
    const failing = async (tolerance: CompareOptions['tolerance']) =>
      (await compare(actual, golden, { tolerance })).topics.filter((t) => t.problems.length > 0).map((t) => t.topic);
    assert.deepEqual(await failing({ actions: 0.5, values: 0.5, time: 0.125 }), ['/stamp']);
    assert.deepEqual(await failing({ actions: 0.5, values: 0.125, time: 0.5 }), ['/value']);
    assert.deepEqual(await failing({ actions: 0.125, values: 0.5, time: 0.5 }), ['/chunk']);
  });

  it('numbers that cannot be subtracted: NaN on both sides and equal infinities match, NaN against a number does not', async () => {
    const golden: Topics = {
      '/nan': f64([[0, NaN]]),
      '/inf': f64([[0, Infinity]]),
      '/half': f64([[0, NaN]]),
    };
    const actual: Topics = { ...golden, '/half': f64([[0, 1]]) };
    const r = await compare(actual, golden);
    assert.deepEqual(
      r.topics.map((t) => [t.topic, t.problems.length]),
      [
        ['/nan', 0],
        ['/inf', 0],
        ['/half', 1],
      ],
    );
    assert.match(
      r.text,
      /\/half .*\n +data: max \|Δ\| Infinity, mean \|Δ\| 0 > tolerance 0\.0001; 1 of 1 values off, .*: 1\.000 vs NaN in the golden/,
    );
  });

  it('how numbers are printed: 0, the 1e-3 and 1e4 boundaries of fixed notation', async () => {
    const r = await compare(
      {
        '/small': f64([[0, 0.001]]),
        '/big': f64([[0, 10000]]),
      },
      { '/small': f64([[0, 0]]), '/big': f64([[0, 9999]]) },
    );
    assert.deepEqual(
      r.topics.map((t) => t.problems.at(-1)),
      [
        'data: max |Δ| 0.001000, mean |Δ| 0.001000 > tolerance 0.0001; 1 of 1 values off, first at message #0 (t=+0.000 s): 0.001000 vs 0 in the golden',
        'data: max |Δ| 1.000, mean |Δ| 1.000 > tolerance 0.0001; 1 of 1 values off, first at message #0 (t=+0.000 s): 1.00e+4 vs 9999 in the golden',
      ],
    );
  });

  it('int64 fields are compared, and an empty ignore entry ignores nothing', async () => {
    const golden: Topics = { '/n': { type: 'std_msgs/msg/Int64', messages: [[0, { data: 5n }]] } };
    const actual: Topics = { '/n': { type: 'std_msgs/msg/Int64', messages: [[0, { data: 6n }]] } };
    assert.equal((await compare(actual, golden)).ok, false);
    assert.equal((await compare(actual, golden, { ignoreFields: [''] })).ok, false);
    assert.equal((await compare(actual, golden, { ignoreFields: ['data'] })).ok, true);
  });

  it('topics without messages: not missing, not extra, origin 0, no mean receive-time difference', async () => {
    const empty = (type: string) => ({ type, messages: [] });
    const r = await compare(
      { '/both': empty('std_msgs/msg/Float64'), '/replay_only': empty('std_msgs/msg/Float64') },
      { '/both': empty('std_msgs/msg/Float64'), '/golden_only': empty('std_msgs/msg/Float64') },
    );
    assert.equal(r.ok, true, r.text);
    assert.deepEqual([r.missingTopics, r.extraTopics, r.origin], [[], [], 0]);
    assert.deepEqual(
      r.topics.map((t) => [t.topic, t.timeMeanAbs, t.timeMaxAbs]),
      [['/both', 0, 0]],
    );
    // One side empty: a count difference, and nothing to average.
    const one = await compare({ '/both': empty('std_msgs/msg/Float64') }, { '/both': f64([[0, 1]]) });
    assert.deepEqual([one.ok, one.topics[0].timeMeanAbs, one.topics[0].problems], [false, 0, ['count 0 vs 1 in the golden (tolerance 0)']]);
    assert.match(one.text, /RESULT: the replay DIFFERS from the golden \(1 topic\(s\) differ\)\n$/);
  });

  it('missing and extra topics together, and the verdict names each', async () => {
    const r = await compare({ '/b': f64([[0, 1]]), '/c': f64([[0, 1]]) }, { '/a': f64([[0, 1]]), '/b': f64([[0, 2]]) });
    assert.equal(r.ok, false);
    assert.deepEqual(lines(r).slice(1), [
      '  DIFF  /b        1 msgs (golden 1), Δt max 0 s',
      '          data: max |Δ| 1.000, mean |Δ| 1.000 > tolerance 0.0001; 1 of 1 values off, first at message #0 (t=+0.000 s): 1.000 vs 2.000 in the golden',
      '  MISSING /a: 1 message(s) in the golden, none in the replay',
      '  EXTRA   /c: 1 message(s) in the replay, none in the golden',
      '  alarms: replay none; golden none',
      'RESULT: the replay DIFFERS from the golden (1 topic(s) differ, 1 missing, 1 extra)',
    ]);
  });

  it('alarms: listed in time order over all alarm topics, a feature timeout named, a differing count flagged', async () => {
    // The topic met first in the bag has the first and the last alarm: only sorting puts the other one between them.
    const alarms: Topics = {
      '/failure_alarm': {
        type: 'vla_ros_msgs/msg/FailureAlarm',
        messages: [
          [0.25, alarm(0)],
          [0.75, alarm(0)],
        ],
      },
      '/other_alarm': { type: 'vla_ros_msgs/msg/FailureAlarm', messages: [[0.5, alarm(1)]] },
    };
    const r = await compare(alarms, { ...alarms, '/other_alarm': { type: 'vla_ros_msgs/msg/FailureAlarm', messages: [] } });
    assert.deepEqual(
      r.alarms.actual.map((a) => a.time),
      [0, 0.25, 0.5],
    );
    const score = 'episode ep1 step 3 score 0.7500 >= 0.5000';
    assert.equal(
      lines(r).at(-2),
      `  alarms: replay t=+0.000 s (${score}), t=+0.250 s (episode ep1 step 3 feature timeout), t=+0.500 s (${score}); golden t=+0.000 s (${score}), t=+0.500 s (${score})  <- DIFFER`,
    );
    assert.equal(lines(r).at(-1), 'RESULT: the replay DIFFERS from the golden (1 topic(s) differ, alarms differ)');
  });

  it("the readers' notes on a damaged bag are in the report, named by side", async () => {
    const topics: Topics = {
      '/v': f64([
        [0, 1],
        [1, 1],
      ]),
    };
    const g = await bag('golden', topics);
    const a = await bag('actual', topics);
    for (const dir of [g, a]) {
      const file = path.join(
        dir,
        fs.readdirSync(dir).find((f) => f.endsWith('.mcap'))!,
      );
      fs.truncateSync(file, fs.statSync(file).size - 40); // cut into the footer: read by streaming, with a note
    }
    const r = await compareWithGolden(a, g);
    const notes = lines(r).filter((l) => l.startsWith('  note: '));
    assert.equal(notes.length, 2, r.text);
    assert.match(notes[0], /^ {2}note: golden: <tmp>\/golden\/golden_0\.mcap: the file ends before the MCAP footer/);
    assert.match(notes[1], /^ {2}note: replay: <tmp>\/actual\/actual_0\.mcap: the file ends before the MCAP footer/);
  });

  it("a topic the reader cannot decode is left out of the comparison, with the reader's note", async () => {
    const file = path.join(tmp.dir, 'raw.mcap');
    const handle = await fs.promises.open(file, 'w');
    const writer = new McapWriter({ writable: new FileHandleWritable(handle) });
    await writer.start({ profile: 'ros2', library: 'test' });
    const schema = await writer.registerSchema({
      name: 'std_msgs/msg/Float64',
      encoding: 'ros2msg',
      data: new TextEncoder().encode('float64 data'),
    });
    const known = await writer.registerChannel({ topic: '/known', schemaId: schema, messageEncoding: 'cdr', metadata: new Map() });
    const raw = await writer.registerChannel({ topic: '/raw', schemaId: 0, messageEncoding: 'cdr', metadata: new Map() });
    const data = defaultMessageRegistry().serialize('std_msgs/msg/Float64', { data: 1 });
    for (const channelId of [known, raw]) await writer.addMessage({ channelId, sequence: 0, logTime: 1n, publishTime: 1n, data });
    await writer.end();
    await handle.close();
    const r = await compareWithGolden(file, file);
    assert.equal(r.ok, true, r.text);
    assert.deepEqual(
      r.topics.map((t) => t.topic),
      ['/known'],
    );
    const notes = lines(r).filter((l) => l.startsWith('  note: '));
    assert.equal(notes.length, 2, r.text);
    ['golden', 'replay'].forEach((side, i) =>
      assert.match(notes[i], new RegExp(`^  note: ${side}: <tmp>/raw\\.mcap: topic /raw skipped: unknown message type`)),
    );
  });

  it('numbers inside text: equal within the tolerance, at it exactly, and zero tolerance allows another spelling', () => {
    assert.ok(sameText('v 0', 'v 1.0000005', 1), 'the tolerance is widened a little for rounding, not narrowed');
    assert.ok(sameText('a 0', 'a 1e-12', 0));
    assert.ok(sameText('x 1.0', 'x 1', 0));
    assert.ok(!sameText('x 1.5', 'x 1', 0.25));
  });
});
