import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import sharp from 'sharp';
import { cameraIngestion } from '../../nodes/camera_ingestion/node.js';
import { OBSERVATION_QOS } from '../../nodes/camera_ingestion/observation_message.js';
import { defaultMessageRegistry } from '../../nodes/msgs/registry.js';
import { vla_ros_msgs, type diagnostic_msgs, type sensor_msgs } from '../../nodes/msgs/generated/interfaces.js';
import type { CameraSpec } from '../../nodes/policy/manifest.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { LogRecord } from '../../nodes/ros/logger.js';
import type { Publisher, RosNode } from '../../nodes/ros/node.js';
import type { ParameterOverride } from '../../nodes/ros/parameter.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { toRosTime } from '../../nodes/ros/time.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { startNode, type RunningNode } from '../../nodes/runtime/node_runner.js';
import { camera, makeBundle, makeImage, plane, assertClose, RGB } from './helpers.js';

const { STATE_RUNNING, STATE_DEGRADED, STATE_STARTING } = vla_ros_msgs.msg.PathwayStatus;
const DTYPE_FLOAT32 = vla_ros_msgs.msg.NamedTensor.DTYPE_FLOAT32;

const BGR = RGB.map((row) => row.map(([r, g, b]) => [b, g, r]));

const FRONT: CameraSpec = camera('front', { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
const WRIST: CameraSpec = camera('wrist', { width: 4, height: 4, resize: 'pad', channelOrder: 'bgr' });

describe('camera_ingestion node', () => {
  let time: VirtualTimeBase;
  let backend: EmbeddedBackend;
  let running: RunningNode | undefined;
  let probe: RosNode;
  let observations: vla_ros_msgs.msg.Observation[];
  let statuses: vla_ros_msgs.msg.PathwayStatus[];
  let diagnostics: diagnostic_msgs.msg.DiagnosticStatus[];
  let logs: LogRecord[];
  const bundles: string[] = [];

  function bundle(cameras: CameraSpec[]): string {
    const dir = makeBundle(cameras);
    bundles.push(dir);
    return dir;
  }

  async function start(params: Record<string, string | number | string[] | number[]>, logLevel: 'info' | 'debug' = 'info'): Promise<void> {
    time = new VirtualTimeBase(100);
    logs = [];
    backend = new EmbeddedBackend({ time, logSink: (r) => logs.push(r) });
    probe = await backend.createNode({
      name: 'probe',
      namespace: '/arm',
      remaps: [],
      parameterSections: [],
      logLevel: 'error',
      rosArgv: [],
    });
    observations = [];
    statuses = [];
    diagnostics = [];
    probe.createSubscription('vla_ros_msgs/msg/Observation', 'observation', QoSProfiles.sensorData, (m) => observations.push(m));
    probe.createSubscription('vla_ros_msgs/msg/PathwayStatus', 'camera_ingestion/status', 10, (m) => statuses.push(m));
    probe.createSubscription('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 10, (m) => diagnostics.push(...m.status));
    const overrides: ParameterOverride[] = Object.entries(params).map(([name, value]) => ({
      name,
      value,
      type:
        typeof value === 'string'
          ? 'string'
          : typeof value === 'number'
            ? Number.isInteger(value)
              ? 'integer'
              : 'double'
            : value.every((v) => typeof v === 'string')
              ? 'string_array'
              : 'integer_array',
      source: 'test',
    }));
    running = await startNode(cameraIngestion, backend, {
      name: 'camera_ingestion',
      namespace: '/arm',
      remaps: [],
      parameterSections: [{ nodePattern: '/**', params: overrides }],
      logLevel,
      rosArgv: [],
    });
    await time.flush();
  }

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await backend.shutdown();
  });

  after(() => {
    for (const b of bundles) fs.rmSync(b, { recursive: true, force: true });
  });

  function imagePub(topic: string): Publisher<sensor_msgs.msg.Image> {
    return probe.createPublisher('sensor_msgs/msg/Image', topic, QoSProfiles.sensorData);
  }

  function image(encoding: string, pixels: number[][][], stamp: number, extra: Partial<sensor_msgs.msg.Image> = {}): sensor_msgs.msg.Image {
    return { header: { stamp: toRosTime(stamp), frame_id: 'cam' }, ...makeImage(encoding, pixels), ...extra };
  }

  const lastValues = () => Object.fromEntries(diagnostics[diagnostics.length - 1].values.map((kv) => [kv.key, kv.value]));

  it('publishes synchronised, preprocessed observations of raw images (manifest order, oldest stamp, float32 CHW)', async () => {
    await start({ policy_bundle: bundle([FRONT, WRIST]) });
    assert.equal(running!.instance.lifecycle!.state, 'active');
    const front = imagePub('cameras/front/image_raw');
    const wrist = imagePub('cameras/wrist/image_raw');
    wrist.publish(image('bgr8', BGR, 99.995));
    front.publish(image('rgb8', RGB, 99.99));
    await time.flush();

    assert.equal(observations.length, 1);
    const o = observations[0];
    assert.deepEqual(o.header.stamp, toRosTime(99.99), 'the oldest frame stamp');
    assert.equal(o.sequence, 1);
    assert.deepEqual(o.camera_names, ['front', 'wrist']);
    assert.deepEqual(o.camera_stamps, [toRosTime(99.99), toRosTime(99.995)]);
    assert.deepEqual(
      o.images.map((t) => [t.name, t.dtype, Array.from(t.shape)]),
      [
        ['front', DTYPE_FLOAT32, [3, 2, 4]],
        ['wrist', DTYPE_FLOAT32, [3, 4, 4]],
      ],
    );
    for (const t of o.images) assert.ok(t.data.buffer instanceof SharedArrayBuffer, 'tensor bytes over a SharedArrayBuffer');
    const f = new Float32Array(o.images[0].data.buffer, o.images[0].data.byteOffset, 24);
    assertClose(
      plane(f, 4, 2, 0),
      RGB.map((r) => r.map((px) => (px[0] / 255 - 0.5) / 0.5)),
      1e-6,
      'front red',
    );
    const w = new Float32Array(o.images[1].data.buffer, o.images[1].data.byteOffset, 48);
    // wrist: bgr order, padded 4×2 → 4×4: rows 0 and 3 are padding (0), rows 1-2 the image.
    assertClose(plane(w, 4, 4, 0), [[0, 0, 0, 0], ...RGB.map((r) => r.map((px) => px[2] / 255)), [0, 0, 0, 0]], 1e-6, 'wrist blue');
    assertClose(plane(w, 4, 4, 2), [[0, 0, 0, 0], ...RGB.map((r) => r.map((px) => px[0] / 255)), [0, 0, 0, 0]], 1e-6, 'wrist red');

    // Frames more than max_skew apart do not pair; the next matching pair does.
    await time.advanceBy(0.05);
    front.publish(image('rgb8', RGB, 100.03));
    wrist.publish(image('bgr8', BGR, 100.06));
    await time.flush();
    assert.equal(observations.length, 1);
    front.publish(image('rgb8', RGB, 100.05));
    await time.flush();
    assert.equal(observations.length, 2);
    assert.equal(observations[1].sequence, 2);
    assert.deepEqual(observations[1].camera_stamps, [toRosTime(100.05), toRosTime(100.06)]);
  });

  it('drops bad frames counted per reason, logs them rate-limited, and keeps running', async () => {
    await start({ policy_bundle: bundle([FRONT]), expected_widths: [4], expected_heights: [2] });
    const front = imagePub('cameras/front/image_raw');
    for (let k = 0; k < 10; k++) {
      front.publish(image('rgb8', RGB, time.now(), { step: 5 })); // step < width·3
      await time.advanceBy(0.01);
    }
    // One at a time: the subscription keeps only the newest undelivered frame (depth 1).
    for (const bad of [
      image('bayer_rggb8', RGB, time.now()),
      image('16UC1', RGB, time.now() + 0.001),
      image('rgb8', RGB, 0),
      image('rgb8', RGB, time.now() - 1),
      image('rgb8', [[[1, 2, 3]]], time.now()),
    ]) {
      front.publish(bad);
      await time.flush();
    }
    assert.equal(observations.length, 0);

    front.publish(image('rgb8', RGB, time.now()));
    await time.flush();
    assert.equal(observations.length, 1, 'a good frame after all that is still published');

    const malformedLogs = logs.filter((r) => r.level === 'warn' && /\(malformed, /.test(r.message));
    assert.equal(malformedLogs.length, 1, 'ten malformed frames in 0.1 s: one log line');
    assert.match(
      malformedLogs[0].message,
      /camera 'front': dropped frame \(malformed, 1 so far\): step 5 is less than width·bytes per pixel/,
    );
    assert.ok(logs.some((r) => r.level === 'warn' && /\(encoding, .*Bayer mosaic/.test(r.message)));
    assert.equal(
      logs.filter((r) => /\(encoding, /.test(r.message)).length,
      1,
      'the depth frame right after: same camera and reason, throttled',
    );
    assert.equal(
      logs.filter((r) => /\((zero_stamp|stale|wrong_size), 1 so far/.test(r.message)).length,
      3,
      'other reasons log on their own',
    );

    await time.advanceBy(1);
    const s = statuses[statuses.length - 1];
    assert.equal(s.drops, 15);
    const v = lastValues();
    assert.equal(v.drops_malformed, '10');
    assert.equal(v.drops_encoding, '2');
    assert.equal(v.drops_zero_stamp, '1');
    assert.equal(v.drops_stale, '1');
    assert.equal(v.drops_wrong_size, '1');
    assert.equal(v.camera_front_frames, '16');
    assert.equal(v.camera_front_drops, '15');
    assert.equal(v.observations, '1');

    // Past the throttle period the next malformed frame is logged again, with the running count.
    await time.advanceBy(5);
    front.publish(image('rgb8', RGB, time.now(), { step: 5 }));
    await time.flush();
    const again = logs.filter((r) => /\(malformed, /.test(r.message));
    assert.equal(again.length, 2);
    assert.match(again[1].message, /malformed, 11 so far/);
  });

  it('ingests compressed JPEG/PNG (decoded off the event loop), drops corrupt ones', async () => {
    await start({ policy_bundle: bundle([FRONT, WRIST]), camera_transports: ['compressed', 'compressed'] });
    const front = probe.createPublisher('sensor_msgs/msg/CompressedImage', 'cameras/front/image_raw/compressed', QoSProfiles.sensorData);
    const wrist = probe.createPublisher('sensor_msgs/msg/CompressedImage', 'cameras/wrist/image_raw/compressed', QoSProfiles.sensorData);
    const rgb = Buffer.from(RGB.flat(2));
    const png = await sharp(rgb, { raw: { width: 4, height: 2, channels: 3 } })
      .png()
      .toBuffer();
    const jpeg = await sharp(Buffer.alloc(64 * 48 * 3, 77), { raw: { width: 64, height: 48, channels: 3 } })
      .jpeg()
      .toBuffer();
    const header = (t: number) => ({ stamp: toRosTime(t), frame_id: '' });
    front.publish({ header: header(99.99), format: 'rgb8; png compressed bgr8', data: png });
    wrist.publish({ header: header(99.995), format: 'jpeg', data: jpeg });
    await time.flush();
    assert.equal(observations.length, 1);
    const f = new Float32Array(observations[0].images[0].data.buffer, 0, 24);
    assertClose(
      plane(f, 4, 2, 1),
      RGB.map((r) => r.map((px) => (px[1] / 255 - 0.5) / 0.5)),
      1e-6,
      'PNG is lossless',
    );
    const w = new Float32Array(observations[0].images[1].data.buffer, 0, 48);
    assert.ok(Math.abs(w[4 * 1 + 1] - 77 / 255) < 3 / 255, `JPEG grey 77: ${w[5] * 255}`);

    await time.advanceBy(0.05);
    front.publish({ header: header(time.now()), format: 'jpeg', data: jpeg.subarray(0, jpeg.length - 30) });
    wrist.publish({ header: header(time.now()), format: '16UC1; compressedDepth png', data: png });
    await time.flush();
    await time.advanceBy(1);
    const v = lastValues();
    assert.equal(v.drops_decode_error, '1');
    assert.equal(v.drops_encoding, '1');
    assert.ok(logs.some((r) => r.level === 'warn' && /camera 'front': dropped frame \(decode_error, 1 so far\)/.test(r.message)));
    assert.ok(
      logs.some(
        (r) =>
          r.level === 'warn' && /camera 'wrist': dropped frame \(encoding, 1 so far\): format '16UC1; compressedDepth png'/.test(r.message),
      ),
    );
  });

  it('reports running at the camera rate, degraded naming a silent camera, and latency = observation age', async () => {
    await start({ policy_bundle: bundle([FRONT, WRIST]) });
    const front = imagePub('cameras/front/image_raw');
    const wrist = imagePub('cameras/wrist/image_raw');
    const period = 1 / 30;
    const exposure = 0.03; // frames reach the node 30 ms after their stamps
    for (let k = 0; k < 60; k++) {
      front.publish(image('rgb8', RGB, time.now() - exposure));
      wrist.publish(image('bgr8', BGR, time.now() - exposure + 0.004));
      await time.advanceBy(period);
    }
    assert.equal(observations.length, 60);
    const s = statuses[statuses.length - 1];
    assert.equal(s.state, STATE_RUNNING);
    assert.ok(Math.abs(s.rate - 30) < 0.5, `rate ${s.rate}`);
    assert.ok(Math.abs(s.latency_p50 - exposure) < 1e-3, `latency ${s.latency_p50}`);
    assert.equal(s.drops, 0);

    for (let k = 0; k < 60; k++) {
      front.publish(image('rgb8', RGB, time.now() - exposure));
      await time.advanceBy(period);
    }
    const d = statuses[statuses.length - 1];
    assert.equal(d.state, STATE_DEGRADED);
    assert.match(d.message, /no observation for 1\.\d s: no frames from wrist/);
  });

  it('refuses to configure with a missing bundle or an unknown camera, naming the problem', async () => {
    await start({ policy_bundle: '/nonexistent/bundle' });
    assert.equal(running!.instance.lifecycle!.state, 'unconfigured');
    assert.ok(logs.some((r) => r.level === 'error' && /cannot configure: policy bundle '\/nonexistent\/bundle' not found/.test(r.message)));
    await time.advanceBy(1);
    assert.equal(statuses[statuses.length - 1].state, vla_ros_msgs.msg.PathwayStatus.STATE_ERROR);
    await running!.stop();
    await backend.shutdown();

    await start({ policy_bundle: bundle([FRONT]), camera_names: ['rear'] });
    assert.equal(running!.instance.lifecycle!.state, 'unconfigured');
    assert.ok(
      logs.some(
        (r) => r.level === 'error' && /camera_names: 'rear' is not a camera of the policy bundle \(its cameras: front\)/.test(r.message),
      ),
    );
  });

  it('stops listening when deactivated and resumes, with fresh synchronisation, when activated again', async () => {
    await start({ policy_bundle: bundle([FRONT]), camera_topics: ['/camera/color/image_raw'] });
    const front = imagePub('/camera/color/image_raw');
    front.publish(image('rgb8', RGB, time.now()));
    await time.flush();
    assert.equal(observations.length, 1);
    assert.equal((await running!.instance.lifecycle!.deactivate()).success, true);
    front.publish(image('rgb8', RGB, time.now() + 0.001));
    await time.flush();
    assert.equal(observations.length, 1);
    await time.advanceBy(1);
    assert.equal(statuses[statuses.length - 1].state, STATE_STARTING);
    assert.equal((await running!.instance.lifecycle!.activate()).success, true);
    front.publish(image('rgb8', RGB, time.now()));
    await time.flush();
    assert.equal(observations.length, 2);
  });

  it('cleanup releases the pipeline and the camera subscriptions; configure → activate works again', async () => {
    await start({ policy_bundle: bundle([FRONT]), camera_topics: ['/camera/color/image_raw'] });
    const front = imagePub('/camera/color/image_raw');
    const lifecycle = running!.instance.lifecycle!;
    front.publish(image('rgb8', RGB, time.now()));
    await time.flush();
    assert.equal(observations.length, 1);
    assert.equal(front.subscriptionCount(), 1);
    for (const step of ['deactivate', 'cleanup'] as const) assert.equal((await lifecycle.trigger(step)).success, true, step);
    assert.equal(front.subscriptionCount(), 0, 'camera subscription destroyed');
    await time.advanceBy(1);
    assert.equal(statuses.at(-1)!.state, STATE_STARTING);
    assert.equal(statuses.at(-1)!.message, 'not configured');
    for (const step of ['configure', 'activate'] as const) assert.equal((await lifecycle.trigger(step)).success, true, step);
    assert.equal(front.subscriptionCount(), 1);
    front.publish(image('rgb8', RGB, time.now()));
    await time.flush();
    assert.equal(observations.length, 2);
    assert.equal(observations[1].sequence, 2);
    await time.advanceBy(1);
    assert.equal(lastValues().observations, '1', 'a fresh pipeline counts from zero');
  });

  it('restarts synchronisation when time jumps back (a bag loops)', async () => {
    await start({ policy_bundle: bundle([FRONT]) });
    const front = imagePub('cameras/front/image_raw');
    front.publish(image('rgb8', RGB, 99.99));
    await time.flush();
    time.jumpTo(50);
    front.publish(image('rgb8', RGB, 49.99));
    await time.flush();
    assert.equal(observations.length, 2, 'not refused as late');
    assert.ok(logs.some((r) => /time jumped back 50\.000 s/.test(r.message)));
  });

  it('observation tensors are shared, not copied, across threads; the message serialises to CDR', async () => {
    await start({ policy_bundle: bundle([FRONT]) });
    imagePub('cameras/front/image_raw').publish(image('rgb8', RGB, 99.99));
    await time.flush();
    const o = observations[0];
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<Uint8Array>((resolve) => port2.once('message', (m: Uint8Array) => resolve(m)));
    port1.postMessage(o.images[0].data); // what the embedded launcher does between worker threads
    const copy = await received;
    o.images[0].data[0] ^= 0xff;
    assert.equal(copy[0], o.images[0].data[0], 'the receiver sees the same memory');
    port1.close();

    const registry = defaultMessageRegistry();
    const bytes = registry.serialize('vla_ros_msgs/msg/Observation', o);
    const back = registry.deserialize('vla_ros_msgs/msg/Observation', bytes);
    assert.deepEqual(Array.from(back.images[0].data), Array.from(o.images[0].data));
    assert.deepEqual(back.camera_names, ['front']);
    assert.deepEqual(OBSERVATION_QOS, { history: 'keep_last', depth: 2, reliability: 'best_effort', durability: 'volatile' });
  });

  it('declares its parameters with defaults and descriptions', async () => {
    await start({ policy_bundle: bundle([FRONT]) });
    const p = running!.node.parameters;
    assert.deepEqual(
      ['camera_names', 'camera_topics', 'camera_transports', 'expected_widths', 'expected_heights'].map((n) => p.get(n)),
      [[], [], [], [], []],
    );
    assert.equal(p.getNumber('max_skew'), 0.02);
    assert.equal(p.getNumber('max_frame_age'), 0.2);
    assert.equal(p.getNumber('sync_history'), 3);
    assert.equal(p.set('max_skew', 0.05).successful, true, 'max_skew can change at run time');
    assert.equal(p.set('camera_names', ['x']).successful, false, 'the camera set is read-only');
  });

  it('takes a new max_frame_age at run time', async () => {
    await start({ policy_bundle: bundle([FRONT]) });
    const front = imagePub('cameras/front/image_raw');
    front.publish(image('rgb8', RGB, time.now() - 0.1));
    await time.flush();
    assert.equal(observations.length, 1, 'a frame 0.1 s old is within the default 0.2 s');
    assert.equal(running!.node.parameters.set('max_frame_age', 0.05).successful, true);
    await time.advanceBy(0.01);
    front.publish(image('rgb8', RGB, time.now() - 0.1));
    await time.flush();
    assert.equal(observations.length, 1, 'the same age is stale under the new max_frame_age');
  });
});
