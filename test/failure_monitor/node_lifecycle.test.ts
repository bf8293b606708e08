// The failure monitor's lifecycle: cleanup releases the detector, a second configure loads the
// files again and the node monitors as before.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { failureMonitor } from '../../nodes/failure_monitor/node.js';
import { formatCalibration } from '../../nodes/failure_monitor/calibration_file.js';
import { ConformalBand } from '../../nodes/failure_monitor/conformal_band.js';
import { fileSha256, OnnxDetector } from '../../nodes/failure_monitor/detector.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { RosNode } from '../../nodes/ros/node.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { startNode, type RunningNode } from '../../nodes/runtime/node_runner.js';
import type { vla_ros_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { featureSequence, referenceLstmScores, referenceMlpScores, TINY_LSTM, TINY_MLP } from './helpers.js';

/** A calibration for `detector` whose threshold no tiny-detector score reaches. */
function writeCalibration(file: string, detector: string, kind: 'mlp' | 'lstm'): void {
  const horizon = 4;
  const band = new ConformalBand({
    alpha: 0.2,
    horizon,
    mu: new Array<number>(horizon).fill(100),
    sigma: new Array<number>(horizon).fill(0.25),
    h: 2,
    gamma: 0.1,
    n1: 3,
    n2: 7,
  });
  const provenance = {
    created: 'now',
    tool: 'test',
    detector: path.basename(detector),
    detectorSha256: fileSha256(detector),
    seed: 0,
    rollouts: [],
  };
  fs.writeFileSync(
    file,
    formatCalibration({ detectorKind: kind, scoreWindow: 0, band, counts: { episodes: 10, d1: 3, d2: 7 }, provenance }),
  );
}

describe('failure_monitor node lifecycle', () => {
  let dir: string;
  let backend: EmbeddedBackend;
  let running: RunningNode | undefined;
  const prototype = OnnxDetector.prototype;
  const dispose = Object.getOwnPropertyDescriptor(prototype, 'dispose')!;
  let disposed = 0;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-fm-life-'));
    disposed = 0;
    const original = dispose.value as (this: OnnxDetector) => Promise<void>;
    Object.defineProperty(prototype, 'dispose', {
      ...dispose,
      value(this: OnnxDetector) {
        disposed++;
        return original.call(this);
      },
    });
  });
  afterEach(async () => {
    Object.defineProperty(prototype, 'dispose', dispose);
    await running?.stop();
    await backend.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('configure → activate → deactivate → cleanup → configure → activate: cleanup releases the detector, the files load again', async () => {
    const time = new VirtualTimeBase(50);
    backend = new EmbeddedBackend({ time, logSink: () => {} });
    const probe: RosNode = await backend.createNode({
      name: 'probe',
      namespace: '/arm',
      remaps: [],
      parameterSections: [],
      logLevel: 'error',
      rosArgv: [],
    });
    const scores: vla_ros_msgs.msg.FailureScore[] = [];
    const alarms: vla_ros_msgs.msg.FailureAlarm[] = [];
    probe.createSubscription('vla_ros_msgs/msg/FailureScore', 'failure_score', 100, (m) => scores.push(m));
    probe.createSubscription('vla_ros_msgs/msg/FailureAlarm', 'failure_alarm', 10, (m) => alarms.push(m));
    const featuresPub = probe.createPublisher('vla_ros_msgs/msg/PolicyFeatures', 'policy_features', 10);
    const instructionPub = probe.createPublisher('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal);
    const header = () => ({ stamp: { sec: Math.floor(time.now()), nanosec: 0 }, frame_id: '' });
    const episode = async (id: string, features: Float32Array[]) => {
      instructionPub.publish({ header: header(), id, text: 'push the red cube' });
      await time.flush();
      for (const [step, f] of features.entries()) {
        featuresPub.publish({ header: header(), episode_id: id, step, source: '', features: f });
        await time.advanceBy(1 / 30);
      }
    };

    // The same paths throughout: configure reads whatever the files hold then.
    const detector = path.join(dir, 'detector.onnx');
    const calibration = path.join(dir, 'calibration.yaml');
    fs.copyFileSync(TINY_MLP, detector);
    writeCalibration(calibration, detector, 'mlp');
    running = await startNode(failureMonitor, backend, {
      name: 'failure_monitor',
      namespace: '/arm',
      remaps: [],
      parameterSections: [
        {
          nodePattern: '/**',
          params: [
            { name: 'detector', type: 'string', value: detector, source: 'test' },
            { name: 'calibration', type: 'string', value: calibration, source: 'test' },
            { name: 'startup_timeout', type: 'double', value: 0.5, source: 'test' },
          ],
        },
      ],
      logLevel: 'error',
      rosArgv: [],
    });
    await time.flush();
    const lifecycle = running.instance.lifecycle!;
    assert.equal(lifecycle.state, 'active');
    const features = featureSequence(6, 3);
    await episode('first', features);
    assert.deepEqual(
      scores.map((s) => s.score.toFixed(5)),
      referenceMlpScores(features).map((s) => s.toFixed(5)),
    );

    assert.equal((await lifecycle.deactivate()).success, true);
    // Inactive: an episode waiting for its first features times out no more (the check timer is stopped).
    instructionPub.publish({ header: header(), id: 'waiting', text: 'x' });
    await time.advanceBy(2);
    assert.equal(alarms.length, 0);
    assert.equal((await lifecycle.cleanup()).success, true);
    assert.equal(lifecycle.state, 'unconfigured');
    assert.equal(disposed, 1, 'cleanup released the detector');
    assert.equal((await lifecycle.cleanup()).success, false, 'cleanup is refused while unconfigured');

    // New files at the same paths: the second configure loads them.
    fs.copyFileSync(TINY_LSTM, detector);
    writeCalibration(calibration, detector, 'lstm');
    scores.length = 0;
    assert.equal((await lifecycle.configure()).success, true);
    assert.equal((await lifecycle.activate()).success, true);
    await episode('second', features);
    assert.deepEqual(
      scores.map((s) => s.score.toFixed(5)),
      referenceLstmScores(features).map((s) => s.toFixed(5)),
    );
    // The feature-timeout check runs again after the second activate.
    instructionPub.publish({ header: header(), id: 'silent', text: 'x' });
    await time.advanceBy(2);
    assert.deepEqual(
      alarms.map((a) => a.episode_id),
      ['silent'],
    );
  });
});
