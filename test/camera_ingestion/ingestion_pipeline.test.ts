import { strict as assert } from 'node:assert';
import { resolveCameras } from '../../nodes/camera_ingestion/camera_config.js';
import type { DecodedImage } from '../../nodes/camera_ingestion/compressed_decoder.js';
import { plainAllocator } from '../../nodes/camera_ingestion/image_preprocessor.js';
import {
  IngestionPipeline,
  type DropReason,
  type IngestedObservation,
  type Stamp,
} from '../../nodes/camera_ingestion/ingestion_pipeline.js';
import { camera, makeImage } from './helpers.js';

const stampOf = (t: number): Stamp => ({ sec: Math.floor(t), nanosec: Math.round((t - Math.floor(t)) * 1e9) });
const grey = (v: number) =>
  makeImage('mono8', [
    [[v], [v], [v], [v]],
    [[v], [v], [v], [v]],
  ]);

/** A decoder whose results the test releases one by one. */
class ManualDecoder {
  readonly calls: Array<{ bytes: Uint8Array; resolve: (d: DecodedImage) => void; reject: (e: Error) => void }> = [];
  readonly decode = (bytes: Uint8Array) =>
    new Promise<DecodedImage>((resolve, reject) => {
      this.calls.push({ bytes, resolve, reject });
    });
  /** Resolves call `i` with a 4×2 RGB image whose every sample is bytes[0]. */
  release(i: number): void {
    const v = this.calls[i].bytes[0];
    this.calls[i].resolve({ width: 4, height: 2, channels: 3, data: new Uint8Array(24).fill(v) });
  }
}

const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(options: { transports?: string[]; history?: number; expected?: [number, number] } = {}) {
  let now = 100;
  const observations: IngestedObservation[] = [];
  const drops: Array<[string, DropReason]> = [];
  const errors: string[] = [];
  const decoder = new ManualDecoder();
  const cameras = resolveCameras([camera('a'), camera('b')], {
    names: [],
    topics: [],
    transports: options.transports ?? [],
    expectedWidths: options.expected ? [options.expected[0], 0] : [],
    expectedHeights: options.expected ? [options.expected[1], 0] : [],
  });
  const pipeline = new IngestionPipeline({
    cameras,
    syncHistory: options.history ?? 1,
    now: () => now,
    maxSkew: () => 0.02,
    maxFrameAge: () => 0.2,
    allocate: plainAllocator,
    decode: decoder.decode,
    onObservation: (o) => observations.push(o),
    onDrop: (c, r) => drops.push([c, r]),
    onError: (c, m) => errors.push(`${c}: ${m}`),
  });
  return {
    pipeline,
    observations,
    drops,
    errors,
    decoder,
    setNow: (t: number) => {
      now = t;
    },
    raw: (i: number, t: number, v = 10) => pipeline.raw(i, { ...grey(v), stamp: stampOf(t) }),
    jpeg: (i: number, t: number, v: number) => pipeline.compressed(i, { stamp: stampOf(t), format: 'jpeg', data: Uint8Array.of(v) }),
  };
}

describe('camera_ingestion pipeline', () => {
  it('publishes a synchronised observation: oldest stamp, original stamps, tensors in manifest order', () => {
    const s = setup();
    s.raw(1, 99.995, 20);
    s.raw(0, 99.99, 10);
    assert.equal(s.observations.length, 1);
    const o = s.observations[0];
    assert.deepEqual(o.stamp, stampOf(99.99));
    assert.ok(Math.abs(o.time - 99.99) < 1e-9);
    assert.deepEqual(
      o.frames.map((f) => [f.camera, f.stamp]),
      [
        ['a', stampOf(99.99)],
        ['b', stampOf(99.995)],
      ],
    );
    assert.ok(Math.abs(o.frames[0].tensor[0] - 10 / 255) < 1e-7);
    assert.ok(Math.abs(o.frames[1].tensor[0] - 20 / 255) < 1e-7);
    assert.equal(s.pipeline.observations, 1);
  });

  it('drops bad frames by reason, before spending work on them, and keeps going', () => {
    const s = setup({ expected: [4, 2] });
    s.pipeline.raw(0, { ...grey(1), stamp: { sec: 0, nanosec: 0 } });
    s.raw(0, 99.7); // 0.3 s old
    s.raw(0, 100.5); // 0.5 s in the future
    s.pipeline.raw(0, { ...makeImage('mono8', [[[1], [2]]]), stamp: stampOf(99.99) }); // 2×1, expected 4×2
    s.pipeline.raw(0, { ...grey(1), encoding: 'bayer_rggb8', stamp: stampOf(99.99) });
    s.pipeline.raw(0, { ...grey(1), step: 3, stamp: stampOf(99.99) });
    assert.deepEqual(
      s.drops.map(([, r]) => r),
      ['zero_stamp', 'stale', 'future_stamp', 'wrong_size', 'encoding', 'malformed'],
    );
    s.raw(0, 99.99);
    s.raw(1, 99.995);
    assert.equal(s.observations.length, 1, 'good frames still make observations');
    s.raw(1, 99.98); // older than the observation
    s.raw(0, 99.99); // same stamp again
    assert.deepEqual(
      s.drops.slice(6).map(([c, r]) => `${c}:${r}`),
      ['b:late', 'a:out_of_order'],
    );
    const counts = s.pipeline.dropCounts();
    assert.equal(counts.zero_stamp, 1);
    assert.equal(counts.late, 1);
    assert.equal(counts.busy, 0);
    assert.equal(s.pipeline.cameraDropCount(0), 7);
    assert.equal(s.pipeline.dropCount('late', 1), 1);
    assert.equal(s.pipeline.dropCount('late', 0), 0);
    assert.equal(s.pipeline.receivedCount(0), 8);
  });

  it('waiting frames too old to be used are dropped as stale when the next frame arrives', () => {
    const s = setup({ history: 3 });
    s.raw(0, 99.9);
    s.setNow(100.2);
    s.raw(0, 100.15);
    assert.deepEqual(s.drops, [['a', 'stale']]);
  });

  it('compressed: keep-latest while decoding — a newer frame replaces the one waiting, never a queue', async () => {
    const s = setup({ transports: ['compressed', 'raw'] });
    s.jpeg(0, 99.9, 1); // decoding
    s.jpeg(0, 99.933, 2); // waits
    s.jpeg(0, 99.966, 3); // replaces frame 2
    assert.equal(s.decoder.calls.length, 1);
    assert.deepEqual(s.drops, [['a', 'busy']]);
    s.decoder.release(0);
    await settle();
    assert.equal(s.decoder.calls.length, 2, 'the newest waiting frame is decoded next');
    assert.equal(s.decoder.calls[1].bytes[0], 3);
    s.raw(1, 99.97);
    s.decoder.release(1);
    await settle();
    assert.equal(s.observations.length, 1);
    assert.deepEqual(s.observations[0].frames[0].stamp, stampOf(99.966));
    assert.ok(Math.abs(s.observations[0].frames[0].tensor[0] - 3 / 255) < 1e-7);
    assert.deepEqual(
      s.drops.map(([c, r]) => `${c}:${r}`),
      ['a:busy', 'a:superseded'],
      'the first decoded frame found no partner',
    );
  });

  it('compressed: a corrupt frame is a decode_error drop; the next frame decodes', async () => {
    const s = setup({ transports: ['compressed', 'compressed'] });
    s.jpeg(0, 99.99, 1);
    s.decoder.calls[0].reject(new Error('VipsJpeg: premature end of JPEG image'));
    await settle();
    assert.deepEqual(s.drops, [['a', 'decode_error']]);
    s.jpeg(0, 99.995, 5);
    s.jpeg(1, 99.996, 6);
    s.decoder.release(1);
    s.decoder.release(2);
    await settle();
    assert.equal(s.observations.length, 1);
    assert.deepEqual(s.errors, []);
  });

  it('compressed: format problems are refused before decoding; a frame that aged while decoding is stale', async () => {
    const s = setup({ transports: ['compressed', 'raw'] });
    s.pipeline.compressed(0, { stamp: stampOf(99.99), format: '16UC1; compressedDepth png', data: Uint8Array.of(1) });
    assert.equal(s.decoder.calls.length, 0);
    s.jpeg(0, 99.99, 1);
    s.setNow(100.3);
    s.decoder.release(0);
    await settle();
    assert.deepEqual(
      s.drops.map(([, r]) => r),
      ['encoding', 'stale'],
    );
  });

  it('reset discards in-flight decodes and waiting frames', async () => {
    const s = setup({ transports: ['compressed', 'raw'], history: 2 });
    s.raw(1, 99.9);
    s.jpeg(0, 99.99, 1);
    s.jpeg(0, 99.995, 2);
    s.pipeline.reset();
    assert.deepEqual(
      s.drops.map(([c, r]) => `${c}:${r}`),
      ['b:stale'],
    );
    s.decoder.release(0);
    await settle();
    assert.equal(s.decoder.calls.length, 1, 'the waiting frame was forgotten');
    assert.equal(s.observations.length, 0);
    // After a reset older stamps are fine again (time jumped back).
    s.raw(1, 99.95);
    s.jpeg(0, 99.95, 4);
    s.decoder.release(1);
    await settle();
    assert.equal(s.observations.length, 1);
  });

  it('a frame that arrives after a reset, while a discarded decode still runs, is decoded next', async () => {
    const s = setup({ transports: ['compressed', 'raw'] });
    s.jpeg(0, 99.99, 1);
    s.pipeline.reset();
    s.jpeg(0, 99.995, 2); // the decoder is still busy with frame 1
    s.decoder.release(0);
    await settle();
    assert.equal(s.decoder.calls.length, 2);
    s.decoder.release(1);
    s.raw(1, 99.996);
    await settle();
    assert.equal(s.observations.length, 1);
    assert.deepEqual(s.observations[0].frames[0].stamp, stampOf(99.995));
  });
});
