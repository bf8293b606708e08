// `vla-ros report`: what it reads from a run's outputs (the committed golden of the replay fixture)
// and the page it writes — every plot the issue asks for, self-contained.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packagePath } from '../../nodes/package_paths.js';
import { collectReportData, renderReport } from '../../nodes/replay/report.js';
import { tempDir } from '../bags/helpers.js';
import { FIXTURE_GOLDEN } from './fixtures/replay_fixture.js';

describe('replay: report', function () {
  this.timeout(30_000);

  it('collects chunks, commanded and actual pose, latencies, latent age and failure scores from a run', async () => {
    const d = await collectReportData(FIXTURE_GOLDEN);
    assert.equal(d.start, 1_700_000_000);
    const chunks = d.chunks.get('/action_chunk')!;
    assert.equal(chunks.count, 77);
    assert.deepEqual(chunks.names, ['x', 'y', 'z', 'roll', 'pitch', 'yaw', 'gripper']);
    assert.deepEqual(chunks.first.map((series) => series.length), [77, 77, 77, 77, 77, 77, 77]);
    assert.equal(chunks.latentAge.length, 77);
    assert.ok(chunks.latentAge.every(([t, age]) => t >= 0 && age >= 0 && age < 0.6));
    assert.deepEqual([...d.poses].map(([topic, p]) => [topic, p.xyz[0].length]), [['/current_pose', 125], ['/target_pose', 146]]);
    assert.deepEqual([...d.statuses.values()].map((s) => s.node).sort(), ['/camera_ingestion', '/controller_bridge', '/episode_manager', '/failure_monitor', '/fast_pathway', '/slow_pathway']);
    const score = d.scores.get('/failure_score')!;
    assert.equal(score.score.length, 77);
    assert.ok(score.score.every(([, s], i) => s < score.threshold[i][1]), 'no alarm in the golden: every score below its threshold');
    assert.deepEqual(d.alarms, []);
    assert.equal(d.topics.length, 23); // with /episode_manager/status
  });

  it('renders one self-contained page with every plot, and `vla-ros report` writes it', async () => {
    const html = renderReport(await collectReportData(FIXTURE_GOLDEN));
    for (const h of ['Action chunks over time', 'Commanded vs actual pose', 'Pathway latencies and latent age', 'Failure score vs threshold', 'Topics']) assert.ok(html.includes(`<h2>${h}</h2>`), h);
    assert.ok((html.match(/<svg/g) ?? []).length >= 10);
    assert.ok(!/<script|https?:\/\/(?!www\.w3\.org)/.test(html), 'no scripts, no network');
    const tmp = tempDir('vla-report-');
    try {
      const out = path.join(tmp.dir, 'run.html');
      const child = spawn(process.execPath, [packagePath('tools', 'vla-ros.js'), 'report', FIXTURE_GOLDEN, '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
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
});
