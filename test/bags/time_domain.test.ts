// Which clock a bag's header stamps are on (nodes/bags/time_domain.ts): the same as its log times
// (a robot, or a suite recorded on its sim time), or another one — a simulated run recorded on
// wall time, whose sim clock also drifts from 1× real time, so replay follows the recorded /clock.

import { strict as assert } from 'node:assert';
import path from 'node:path';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { RosbagWriter } from '../../nodes/bags/bag_writer.js';
import { detectStampDomain } from '../../nodes/bags/time_domain.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { tempDir } from './helpers.js';

const WALL = 1_796_620_000;

/** 10 s of sim time at 0.8× real time: log time = WALL + 1.25·sim; /clock every 10 ms; poses with sim stamps. */
async function writeBag(dir: string, options: { clock: boolean; sameClock?: boolean }): Promise<string> {
  const bag = path.join(dir, `${options.sameClock === true ? 'same' : 'wall'}_${options.clock ? 'clock' : 'no_clock'}`);
  const writer = await RosbagWriter.create(bag, { compression: 'none' });
  await writer.addTopic('/clock', 'rosgraph_msgs/msg/Clock');
  await writer.addTopic('/current_pose', 'geometry_msgs/msg/PoseStamped');
  const log = (sim: number) => (options.sameClock === true ? sim + 0.002 : WALL + 1.25 * sim);
  for (let k = 1; k <= 1000; k++) {
    const sim = k * 0.01;
    if (options.clock) await writer.write('/clock', { clock: toRosTime(sim) }, log(sim));
    if (k % 2 === 0) {
      await writer.write(
        '/current_pose',
        {
          header: { stamp: toRosTime(sim), frame_id: 'base' },
          pose: { position: { x: 0, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
        },
        log(sim) + 0.001,
      );
    }
  }
  await writer.close();
  return bag;
}

async function domainOf(bag: string) {
  const reader = await BagReader.open(bag);
  try {
    return await detectStampDomain(reader);
  } finally {
    reader.close();
  }
}

describe('bags: stamp clock vs log clock', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir('vla-time-domain-')));
  after(() => tmp.remove());

  it('same clock: no offset, log time is bag time', async () => {
    const d = await domainOf(await writeBag(tmp.dir, { clock: true, sameClock: true }));
    assert.equal(d.differs, false);
    assert.equal(d.toStampClock(5.5), 5.5);
  });

  it('wall-time log of a drifting sim: follows the recorded /clock both ways', async () => {
    const d = await domainOf(await writeBag(tmp.dir, { clock: true }));
    assert.equal(d.differs, true);
    for (const sim of [0.5, 5, 9.5]) {
      const log = WALL + 1.25 * sim;
      assert.ok(Math.abs(d.toStampClock(log) - sim) < 1e-3, `log ${log} → ${d.toStampClock(log)}, sim ${sim}`);
      assert.ok(Math.abs(d.toLogTime(sim) - log) < 1e-3, `sim ${sim} → ${d.toLogTime(sim)}, log ${log}`);
    }
  });

  it('without /clock: one offset, measured on the first stamped messages', async () => {
    const d = await domainOf(await writeBag(tmp.dir, { clock: false }));
    assert.equal(d.differs, true);
    assert.ok(Math.abs(d.offset - WALL) < 1, `offset ${d.offset}`);
    assert.equal(d.toStampClock(WALL + 3), WALL + 3 - d.offset);
  });
});
