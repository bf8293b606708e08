// Deterministic replay of JPEG cameras (issue 10): under use_sim_time the camera ingestion must
// wait for every decode through the port (clock.track) before virtual time moves on. When it did
// not, 20 compressed frames gave 1 observation out of 20, a different one on each run. This
// replays a small compressed-image bag twice on sim time and expects an observation for every
// frame pair and identical outputs.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { writeSyntheticRobotBag } from '../bags/synthetic_bag.js';
import { packagePath } from '../../nodes/package_paths.js';
import { compareWithGolden } from '../../nodes/replay/golden.js';
import { replayBag } from '../../nodes/replay/replay.js';
import { tempDir } from '../bags/helpers.js';
import { fixtureLaunch, FIXTURE_LAUNCH_ARGS } from './fixtures/replay_fixture.js';

const FRAMES = 20;

/** The raw observation messages and the number of action chunks in an output bag. */
async function read(bag: string): Promise<{ observations: Uint8Array[]; chunks: number }> {
  const reader = await BagReader.open(bag);
  try {
    const observations: Uint8Array[] = [];
    let chunks = 0;
    for await (const m of reader.messages()) {
      if (m.type === 'vla_ros_msgs/msg/Observation') observations.push(m.data.slice());
      if (m.type === 'vla_ros_msgs/msg/ActionChunk') chunks++;
    }
    return { observations, chunks };
  } finally {
    reader.close();
  }
}

describe('replay: compressed cameras, deterministic on sim time', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir('vla-replay-jpeg-')));
  after(() => tmp.remove());

  it(`gives an observation for each of ${FRAMES} JPEG frame pairs, the same outputs twice`, async () => {
    const input = path.join(tmp.dir, 'input');
    // 10 Hz cameras over 2 s: 20 frames per camera, each pair within max_skew.
    await writeSyntheticRobotBag(input, {
      duration: FRAMES / 10,
      cameraHz: 10,
      jointHz: 50,
      width: 320,
      height: 240,
      jpeg: true,
      compression: 'none',
    });
    // The suite's parameters with both cameras on the compressed transport.
    const params = YAML.parse(fs.readFileSync(packagePath('config', 'nodes.yaml'), 'utf8')) as Record<
      string,
      { ros__parameters: Record<string, unknown> }
    >;
    params['/**/camera_ingestion'].ros__parameters.camera_transports = ['compressed', 'compressed'];
    const paramsFile = path.join(tmp.dir, 'nodes.yaml');
    fs.writeFileSync(paramsFile, YAML.stringify(params));
    const launch = fixtureLaunch({ ...FIXTURE_LAUNCH_ARGS, params_file: paramsFile });

    const outputs: string[] = [];
    for (const name of ['a', 'b']) {
      const outputBag = path.join(tmp.dir, name);
      const r = await replayBag({
        bag: input,
        mode: 'deterministic',
        launch,
        outputBag,
        includeOutputTypes: ['vla_ros_msgs/msg/Observation'],
        logSink: () => {},
      });
      assert.deepEqual(r.suiteProblems, []);
      assert.equal(r.play.perTopic.get('/cameras/scene/image_raw/compressed'), FRAMES);
      assert.equal(r.play.perTopic.get('/cameras/wrist/image_raw/compressed'), FRAMES);
      outputs.push(outputBag);
    }
    const [a, b] = [await read(outputs[0]), await read(outputs[1])];
    assert.equal(a.observations.length, FRAMES, 'one observation per frame pair');
    assert.ok(a.chunks > 0, 'the policy ran on them');
    // The tensors byte for byte (the golden comparison would flatten 300k floats per message).
    assert.equal(b.observations.length, a.observations.length);
    a.observations.forEach((bytes, i) =>
      assert.ok(Buffer.from(bytes).equals(Buffer.from(b.observations[i])), `observation #${i} differs between the runs`),
    );
    const zero = { actions: 0, values: 0, time: 0, count: 0 };
    const same = await compareWithGolden(outputs[1], outputs[0], { tolerance: zero, excludeTopics: ['/observation'] });
    assert.ok(same.ok, same.text);
  });
});
