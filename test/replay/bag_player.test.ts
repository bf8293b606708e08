// The bag player on its own, into a recording target in virtual time: which topics it plays
// (--topics, what the target accepts), remaps, the /clock it generates (on the bag-time grid and
// at every message's time, never backwards within a pass), start/duration, and what it does with
// topics it must not or cannot play.

import { strict as assert } from 'node:assert';
import path from 'node:path';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { McapBagWriter } from '../../nodes/bags/mcap_writer.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { fromRosTime } from '../../nodes/ros/time.js';
import { BagPlayer, VirtualTimeline, type PlayOptions, type ReplayTarget } from '../../nodes/replay/bag_player.js';
import { tempDir, writeSample } from '../bags/helpers.js';

const START = 1_700_000_000;

interface Published {
  topic: string;
  type: string;
  at: number;
  message: unknown;
}

function recordingTarget(
  time: VirtualTimeBase,
  refuse: Record<string, { reason: string; permanent: boolean }> = {},
  needed: string[] = [],
) {
  const published: Published[] = [];
  const target: ReplayTarget = {
    copyMessages: false,
    publisher: (topic, type) => (message) => published.push({ topic, type, at: time.now(), message }),
    accepts: (topic) => refuse[topic],
    needed: (topic) => needed.includes(topic),
  };
  return { target, published };
}

async function play(
  bag: string,
  options: Partial<PlayOptions>,
  refuse?: Record<string, { reason: string; permanent: boolean }>,
  needed?: string[],
) {
  const time = new VirtualTimeBase(START);
  const { target, published } = recordingTarget(time, refuse, needed);
  const notes: string[] = [];
  const reader = await BagReader.open(bag);
  try {
    const result = await new BagPlayer(reader, target, new VirtualTimeline(time), {
      clockHz: 100,
      onNote: (n) => notes.push(n),
      ...options,
    }).play();
    return { result, published, notes };
  } finally {
    reader.close();
  }
}

describe('replay: bag player', () => {
  let tmp: ReturnType<typeof tempDir>;
  let bag: string;
  before(async () => {
    tmp = tempDir('vla-player-');
    bag = path.join(tmp.dir, 'sample');
    await writeSample(bag, {}, undefined);
  });
  after(() => tmp.remove());

  it('publishes each message at its receive time, with /clock on the grid and at every message, never backwards', async () => {
    const { result, published } = await play(bag, {}, { '/chatter2': { reason: 'nobody listens', permanent: false } });
    const data = published.filter((p) => p.topic !== '/clock');
    assert.equal(result.perTopic.get('/joint_states'), 200);
    assert.equal(result.perTopic.get('/chatter'), 20);
    assert.equal(result.perTopic.get('/chatter2'), undefined);
    assert.equal(result.notPlayed.get('/chatter2'), '20 message(s): nobody listens');
    assert.equal(data.length, 1 + 200 + 20 + 20);
    assert.ok(Math.abs(result.seconds - (data[data.length - 1].at - START)) < 1e-9);
    // Joint state i was received at START + 5 ms + 10 ms × i: published exactly then.
    const joints = data.filter((p) => p.topic === '/joint_states');
    joints.forEach((p, i) => assert.ok(Math.abs(p.at - (START + 0.005 + 0.01 * i)) < 1e-6, `joint state ${i} at ${p.at - START}`));
    const clock = published
      .filter((p) => p.topic === '/clock')
      .map((p) => fromRosTime((p.message as { clock: { sec: number; nanosec: number } }).clock));
    assert.equal(clock[0], START);
    for (let i = 1; i < clock.length; i++) assert.ok(clock[i] > clock[i - 1]);
    // Every message's time is on /clock; the grid fills the gaps at 100 Hz.
    for (const p of data) assert.ok(clock.some((c) => Math.abs(c - p.at) < 1e-9));
    const gaps = clock.slice(1).map((c, i) => c - clock[i]);
    assert.ok(Math.max(...gaps) <= 0.01 + 1e-9);
  });

  it('plays only --topics, remapped, within --start/--duration', async () => {
    const { result, published } = await play(bag, {
      topics: ['/chatter'],
      remap: new Map([['/chatter', '/talk']]),
      start: 0.5,
      duration: 0.5,
      clockHz: 0,
    });
    assert.deepEqual([...new Set(published.map((p) => p.topic))], ['/talk']);
    assert.deepEqual(
      published.map((p) => (p.message as { data: string }).data),
      ['hello 50', 'hello 60', 'hello 70', 'hello 80', 'hello 90'],
    );
    assert.ok(published.every((p) => p.at >= START + 0.5 && p.at <= START + 1));
    assert.equal(result.start, START + 0.5);
    assert.equal(result.end, START + 1);
  });

  it('a permanently refused topic is noted once; a needed topic that cannot be decoded stops the replay with the reason', async () => {
    const { notes, result } = await play(bag, {}, { '/camera/image_raw': { reason: 'the suite publishes it itself', permanent: true } });
    assert.equal(result.perTopic.get('/camera/image_raw'), undefined);
    assert.deepEqual(notes, ['/camera/image_raw is not replayed: the suite publishes it itself']);

    // A bag whose /chatter has a definition that cannot be parsed.
    const broken = path.join(tmp.dir, 'broken.mcap');
    const w = await McapBagWriter.create(broken);
    await w.addTopic('/odd', 'acme_msgs/msg/Odd', { schema: { encoding: 'ros2msg', text: 'this is not a message definition %%%' } });
    await w.writeSerialized('/odd', Uint8Array.of(0, 1, 0, 0, 1, 2, 3, 4), START);
    await w.close();
    const skipped = await play(broken, {});
    assert.match(skipped.notes.join('\n'), /\/odd is not replayed: /);
    await assert.rejects(
      play(broken, {}, undefined, ['/odd']),
      /topic \/odd \(acme_msgs\/msg\/Odd\) is needed by the replayed nodes but cannot be decoded: /,
    );
  });
});
