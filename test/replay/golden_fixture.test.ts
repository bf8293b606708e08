// The CI regression test of issue 7: the committed robot recording (fixtures/input) replayed
// through the whole suite (bringup.launch.xml) in deterministic mode must reproduce the committed
// golden outputs (fixtures/golden), from the library and from `vla-ros replay --expect`; a change
// that alters the outputs makes the command exit 1 with a diff naming what differs.
// Regenerating the pair after an intended change: see fixtures/replay_fixture.ts.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BagReader } from '../../nodes/bags/bag_reader.js';
import { packagePath } from '../../nodes/package_paths.js';
import { compareWithGolden } from '../../nodes/replay/golden.js';
import { replayBag } from '../../nodes/replay/replay.js';
import { tempDir } from '../bags/helpers.js';
import { FIXTURE_GOLDEN, FIXTURE_INPUT, FIXTURE_LAUNCH_ARGS, fixtureLaunch } from './fixtures/replay_fixture.js';

function vlaRos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [packagePath('tools', 'vla-ros.js'), ...args], {
    cwd: packagePath(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function countsOf(bag: string): Promise<Map<string, number>> {
  const reader = await BagReader.open(bag);
  try {
    return new Map((await reader.info()).topics.map((t) => [t.topic, t.count]));
  } finally {
    reader.close();
  }
}

describe('replay: the committed fixture against its golden', function () {
  // Up to three replays per test, each a child process running the whole suite: on two cores
  // shared with the other mocha worker and lint they take far longer than when idle.
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('vla-replay-test-')));
  afterEach(() => tmp.remove());

  it('a deterministic replay reproduces the golden exactly, and twice the same outputs', async () => {
    const outputs = [path.join(tmp.dir, 'a'), path.join(tmp.dir, 'b')];
    for (const outputBag of outputs) {
      const r = await replayBag({ bag: FIXTURE_INPUT, mode: 'deterministic', launch: fixtureLaunch(), outputBag, logSink: () => {} });
      assert.deepEqual(r.suiteProblems, []);
      // The suite's inputs are played; the bag's extra topic nobody subscribes to is not.
      assert.deepEqual([...r.play.perTopic].sort(), [
        ['/cameras/scene/image_raw', 45],
        ['/cameras/wrist/image_raw', 45],
        ['/current_pose', 175],
        ['/joint_states', 175],
      ]);
      assert.match(r.play.notPlayed.get('/notes') ?? '', /4 message\(s\): no suite node subscribed/);
    }
    // Zero tolerance: only the measured compute times (ignored fields) may differ.
    const zero = { actions: 0, values: 0, time: 0, count: 0 };
    const repeat = await compareWithGolden(outputs[1], outputs[0], { tolerance: zero });
    assert.ok(repeat.ok, repeat.text);
    const golden = await compareWithGolden(outputs[0], FIXTURE_GOLDEN, { tolerance: zero });
    assert.ok(golden.ok, golden.text);
    // What the golden holds: the 30 Hz fast pathway while the latent is young enough (the cameras
    // drop out after 1.5 s of the 3.5 s bag), its features and scores, target poses from the bridge,
    // and one failure alarm with its hold: the monitor's feature timeout once the chunks stop.
    const counts = await countsOf(outputs[0]);
    assert.equal(counts.get('/action_chunk'), 74);
    assert.equal(counts.get('/policy_features'), 74);
    assert.equal(counts.get('/failure_score'), 74);
    assert.equal(counts.get('/target_pose'), 196);
    assert.equal(counts.get('/hold_request'), 1);
    assert.equal(counts.get('/failure_alarm'), 1);
    assert.equal(counts.get('/observation'), undefined); // bulky tensors are not recorded by default
  });

  it('`vla-ros replay --expect` exits 0 on the golden and 1 with a readable diff when the outputs change', async () => {
    const instruction = `instruction:=${FIXTURE_LAUNCH_ARGS.instruction}`;
    const same = await vlaRos(['replay', 'test/replay/fixtures/input', instruction, '--expect', 'test/replay/fixtures/golden', '-q']);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /ok +\/action_chunk +74 msgs \(golden 74\), Δt max 0 s, actions max\|Δ\| 0 mean\|Δ\| 0/);
    assert.match(same.stdout, /RESULT: the replay matches the golden/);

    // Another instruction: other language tokens, so other actions, features and scores.
    const other = await vlaRos([
      'replay',
      'test/replay/fixtures/input',
      'instruction:=stack the cups',
      '--expect',
      'test/replay/fixtures/golden',
      '-q',
    ]);
    assert.equal(other.code, 1, other.stderr);
    assert.match(other.stdout, /DIFF {2}\/action_chunk .*actions max\|Δ\| [0-9.e-]+ mean\|Δ\|/);
    assert.match(other.stdout, /DIFF {2}\/instruction/);
    assert.match(other.stdout, /RESULT: the replay DIFFERS from the golden/);
    assert.match(other.stderr, /differs from the golden test\/replay\/fixtures\/golden \(diff above\)/);

    // A loose enough tolerance accepts small action differences but not the other differences.
    const loose = await vlaRos([
      'replay',
      'test/replay/fixtures/input',
      'instruction:=stack the cups',
      '--expect',
      'test/replay/fixtures/golden',
      '--tolerance',
      'actions=1',
      '-q',
      '--compare-topics',
      '/action_chunk',
    ]);
    assert.equal(loose.code, 0, loose.stdout + loose.stderr);
  });

  it('refuses a replay in which the suite published no action chunk (no instruction given): exit 1 with the reason, no golden saved; --allow-empty accepts it', async () => {
    const golden = path.join(tmp.dir, 'empty_golden');
    const saved = await vlaRos(['replay', 'test/replay/fixtures/input', '--save-golden', golden, '-q']);
    assert.equal(saved.code, 1, saved.stdout + saved.stderr);
    assert.match(
      saved.stderr,
      /not saving the golden .*: the suite published no action chunk although 90 camera frame\(s\) and 175 joint state\(s\) were played into it/,
    );
    assert.equal(fs.existsSync(golden), false, 'no golden left behind');
    const plain = await vlaRos(['replay', 'test/replay/fixtures/input', '--mode', 'deterministic', '-q']);
    assert.equal(plain.code, 1, plain.stdout + plain.stderr);
    assert.match(plain.stderr, /published no action chunk .* pass --allow-empty/);
    const allowed = await vlaRos(['replay', 'test/replay/fixtures/input', '--mode', 'deterministic', '-q', '--allow-empty']);
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    assert.match(allowed.stderr, /accepted \(--allow-empty\)/);
  });
});
