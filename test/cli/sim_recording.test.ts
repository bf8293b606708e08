// `vla-ros sim run --record`: the hook records every topic of the run's hub into a bag, and the
// report is written from that bag once it is closed.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { defaultRecordingPath, simRecording } from '../../nodes/cli/sim_recording.js';
import { collectReportData, renderReport } from '../../nodes/replay/report.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { fromNanoseconds, toRosTime } from '../../nodes/ros/time.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { collect, tempDir } from '../bags/helpers.js';

describe('cli: sim run --record', function () {
  this.timeout(30_000);

  it('names a fresh bag per run after the UTC time', () => {
    assert.equal(defaultRecordingPath(new Date('2026-11-21T15:04:05.678Z')), path.join('out', 'sim_run_20261121_150405'));
  });

  it('records what the suite publishes on its hub on the sim /clock (log time = sim time) and writes the report from the closed bag', async () => {
    const tmp = tempDir('vla-simrec-');
    try {
      const time = new VirtualTimeBase(1_700_000_000);
      const backend = new EmbeddedBackend({ time, logSink: () => {} });
      const node = await backend.createNode({
        name: 'fake_bridge',
        namespace: '/',
        remaps: [],
        parameterSections: [],
        logLevel: 'warn',
        rosArgv: [],
      });
      const pose = node.createPublisher('geometry_msgs/msg/PoseStamped', '/target_pose', 'default');
      // The domain runs on wall-like time; the suite's time is the sim's /clock, from 5 s.
      const clock = node.createPublisher('rosgraph_msgs/msg/Clock', '/clock', QoSProfiles.clock);
      const sim = (i: number) => 5 + 0.02 * i;
      const lines: string[] = [];
      const bag = path.join(tmp.dir, 'run');
      const recording = simRecording(bag, (l) => lines.push(l));
      const running = recording.hooks.onRunning!(backend.domain);
      clock.publish({ clock: toRosTime(sim(0)) });
      await time.flush();
      const stop = await running;
      for (let i = 0; i < 20; i++) {
        await time.advanceTo(1_700_000_000 + 0.02 * (i + 1));
        clock.publish({ clock: toRosTime(sim(i + 1)) });
        pose.publish({
          header: { stamp: toRosTime(sim(i + 1)), frame_id: 'base' },
          pose: { position: { x: 0.3 + 0.001 * i, y: 0, z: 0.5 }, orientation: { x: 1, y: 0, z: 0, w: 0 } },
        });
      }
      await time.flush();
      assert.equal(typeof stop, 'function');
      await (stop as () => Promise<void>)();
      await backend.shutdown();
      const { records } = await collect(bag);
      const xs = records
        .filter((r) => r.topic === '/target_pose')
        .map((r) => (r.decode() as { pose: { position: { x: number } } }).pose.position.x);
      assert.deepEqual(
        xs,
        Array.from({ length: 20 }, (_, i) => 0.3 + 0.001 * i),
      );
      const logTimes = records.filter((r) => r.topic === '/target_pose').map((r) => fromNanoseconds(r.logTime));
      logTimes.forEach((t, i) => assert.ok(Math.abs(t - sim(i + 1)) < 1e-6, `log time ${t} is sim time ${sim(i + 1)}`));
      assert.ok(
        lines.some((l) => /recorded 40 messages on 2 topics/.test(l)),
        lines.join(''),
      );
      const report = await recording.writeReport();
      assert.equal(report, path.join(bag, 'report.html'));
      const html = fs.readFileSync(report, 'utf8');
      assert.ok(html.includes('<h2>Commanded vs actual pose</h2>'));
      // Gathered while recording (no second pass over the bag), it is the report of the bag.
      assert.equal(html, renderReport(await collectReportData(bag, { title: `vla-ros sim run: ${bag}` })));
    } finally {
      tmp.remove();
    }
  });
});
