// `vla-ros report`: what it reads from a run's outputs (the committed golden of the replay fixture)
// and the page it writes — every plot the issue asks for, self-contained.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RosbagWriter } from '../../nodes/bags/bag_writer.js';
import { packagePath } from '../../nodes/package_paths.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { collectReportData, renderReport } from '../../nodes/replay/report.js';
import { tempDir } from '../bags/helpers.js';
import { FIXTURE_GOLDEN } from './fixtures/replay_fixture.js';

describe('replay: report', function () {
  this.timeout(30_000);

  it('collects chunks, commanded and actual pose, latencies, latent age and failure scores from a run', async () => {
    const d = await collectReportData(FIXTURE_GOLDEN);
    assert.equal(d.start, 1_700_000_000);
    const chunks = d.chunks.get('/action_chunk')!;
    assert.equal(chunks.count, 74);
    assert.deepEqual(chunks.names, ['x', 'y', 'z', 'roll', 'pitch', 'yaw', 'gripper']);
    assert.deepEqual(
      chunks.first.map((series) => series.length),
      [74, 74, 74, 74, 74, 74, 74],
    );
    assert.equal(chunks.latentAge.length, 74);
    // up to max_latent_age (1 s): the cameras drop out after 1.5 s and the latent ages until the chunks stop
    assert.ok(chunks.latentAge.every(([t, age]) => t >= 0 && age >= 0 && age <= 1.0));
    assert.ok(chunks.latentAge.some(([, age]) => age > 0.9));
    assert.deepEqual(
      [...d.poses].map(([topic, p]) => [topic, p.xyz[0].length]),
      [
        ['/current_pose', 175],
        ['/target_pose', 196],
      ],
    );
    assert.deepEqual([...d.statuses.values()].map((s) => s.node).sort(), [
      '/camera_ingestion',
      '/controller_bridge',
      '/episode_manager',
      '/failure_monitor',
      '/fast_pathway',
      '/slow_pathway',
    ]);
    const score = d.scores.get('/failure_score')!;
    assert.equal(score.score.length, 74);
    // The golden's one alarm (golden_fixture.test.ts) is the monitor's feature timeout: no score
    // reaches its threshold, and the alarm comes 0.5–0.6 s (the timeout, checked every 0.1 s) after the last score.
    assert.equal(
      score.score.findIndex(([, s], i) => s >= score.threshold[i][1]),
      -1,
    );
    assert.deepEqual(
      d.alarms.map((a) => a.label),
      ['alarm: feature timeout'],
    );
    const gap = d.alarms[0].t - score.score[score.score.length - 1][0];
    assert.ok(gap > 0.5 && gap <= 0.6 + 1e-6, `alarm ${gap} s after the last score`);
    assert.equal(d.topics.length, 23); // with /episode_manager/status
  });

  it('renders one self-contained page with every plot, and `vla-ros report` writes it', async () => {
    const html = renderReport(await collectReportData(FIXTURE_GOLDEN));
    for (const h of [
      'Action chunks over time',
      'Commanded vs actual pose',
      'Pathway latencies and latent age',
      'Failure score vs threshold',
      'Topics',
    ])
      assert.ok(html.includes(`<h2>${h}</h2>`), h);
    assert.ok((html.match(/<svg/g) ?? []).length >= 10);
    assert.ok(!/<script|https?:\/\/(?!www\.w3\.org)/.test(html), 'no scripts, no network');
    const tmp = tempDir('vla-report-');
    try {
      const out = path.join(tmp.dir, 'run.html');
      const child = spawn(process.execPath, [packagePath('tools', 'vla-ros.js'), 'report', FIXTURE_GOLDEN, '-o', out], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      assert.equal(code, 0);
      assert.match(stdout, /^wrote .*run\.html \(\d+\.\d KiB\)\n$/);
      assert.equal(fs.readFileSync(out, 'utf8'), html);
    } finally {
      tmp.remove();
    }
  });

  it('a sim run recorded on wall time: chunk times read seconds from the bag start; episodes list their alarms and the holds the next START released', async () => {
    const tmp = tempDir('vla-report-clock-');
    try {
      const bag = path.join(tmp.dir, 'sim_run');
      const writer = await RosbagWriter.create(bag, { compression: 'none' });
      // Log times are Unix time; header stamps are sim time from 5 s (what issue 10 measured: x-axes at -1.8e9).
      const wall = 1_796_620_000;
      const sim = 5;
      const stamp = (t: number) => ({ stamp: toRosTime(sim + t), frame_id: '' });
      for (const [topic, type] of [
        ['/action_chunk', 'vla_ros_msgs/msg/ActionChunk'],
        ['/episode_events', 'vla_ros_msgs/msg/EpisodeEvent'],
        ['/hold_request', 'vla_ros_msgs/msg/HoldRequest'],
        ['/failure_alarm', 'vla_ros_msgs/msg/FailureAlarm'],
      ] as const) {
        await writer.addTopic(topic, type);
      }
      const event = (t: number, id: string, kind: number, success = false) =>
        writer.write('/episode_events', { header: stamp(t), episode_id: id, event: kind, instruction: `task of ${id}`, success }, wall + t);
      await event(0, 'ep-0', 0);
      for (let i = 0; i < 40; i++) {
        const t = 0.1 * i;
        await writer.write(
          '/action_chunk',
          {
            header: stamp(t),
            start_time: toRosTime(sim + t),
            dt: 0.1,
            horizon: 2,
            action_space: 'ee_delta',
            rotation: 'euler_xyz',
            gripper: 'none',
            dimension_names: ['x'],
            data: Float32Array.of(i, i + 1),
            sequence: i,
            latent_version: 1,
            latent_age: 0.2,
            inference_latency: 0.01,
            observation_stamp: toRosTime(sim + t - 0.2),
          },
          wall + t + 0.01,
        );
      }
      await writer.write(
        '/failure_alarm',
        { header: stamp(1.5), episode_id: 'ep-0', step: 15, reason: 0, score: 2, threshold: 1, response: 1, detail: 'score 2 >= 1' },
        wall + 1.5,
      );
      await writer.write(
        '/hold_request',
        { header: stamp(1.5), hold: true, source: 'failure_monitor', reason: 'SAFE', episode_id: 'ep-0' },
        wall + 1.5,
      );
      await event(2, 'ep-0', 2);
      await event(2.5, 'ep-1', 0);
      await event(3.9, 'ep-1', 2, true);
      await writer.close();

      const d = await collectReportData(bag);
      const first = d.chunks.get('/action_chunk')!.first[0];
      assert.equal(first.length, 40);
      first.forEach(([t], i) =>
        assert.ok(Math.abs(t - 0.1 * i) < 0.02, `chunk ${i} at ${t} s from the bag start, not at ${t - d.start} s`),
      );
      assert.deepEqual(
        d.episodes.map((e) => [
          e.id,
          e.instruction,
          Number(e.start!.toFixed(3)),
          Number(e.end!.toFixed(3)),
          e.success,
          e.alarms.length,
          e.holds.length,
        ]),
        [
          ['ep-0', 'task of ep-0', 0, 2, false, 1, 1],
          ['ep-1', 'task of ep-1', 2.5, 3.9, true, 0, 0],
        ],
      );
      const html = renderReport(d);
      assert.ok(html.includes('<h2>Episodes: alarms and holds</h2>'));
      assert.match(html, /1\.50 s by failure_monitor — released at the next START, 2\.50 s/);
    } finally {
      tmp.remove();
    }
  });
});
